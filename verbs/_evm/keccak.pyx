"""Keccak-256 (Ethereum's hash) backed by the C implementation in ``keccak.h``."""
from cpython.buffer cimport PyBUF_SIMPLE, PyObject_GetBuffer, PyBuffer_Release
from libc.stdint cimport uint8_t

# inputs at least this long are hashed without the GIL
cdef size_t _NOGIL_MIN = 4096


def keccak256(data) -> bytes:
    """Keccak-256 digest of ``data``.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        Any C-contiguous object supporting the buffer protocol.

    Returns
    -------
    bytes
        The 32-byte digest (original Keccak padding, as in Ethereum).
    """
    cdef uint8_t out[32]
    cdef Py_buffer view
    cdef const uint8_t *p
    cdef size_t n
    if type(data) is bytes:
        p = <const uint8_t *><const char *>data
        n = len(<bytes>data)
        if n >= _NOGIL_MIN:
            with nogil:
                c_keccak256(p, n, out)
        else:
            c_keccak256(p, n, out)
        return out[:32]
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        p = <const uint8_t *>view.buf
        n = <size_t>view.len
        if n >= _NOGIL_MIN:
            with nogil:
                c_keccak256(p, n, out)
        else:
            c_keccak256(p, n, out)
    finally:
        PyBuffer_Release(&view)
    return out[:32]
