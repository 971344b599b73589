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


cdef extern from "Python.h":
    object PyUnicode_DecodeASCII(const char *s, Py_ssize_t size, const char *errors)

cdef const char *_HEX_DIGITS = b"0123456789abcdef"

# Checksummed forms already computed: a simulation decodes the same few addresses
# (agents, tokens, pools) over and over, and a dict look-up costs a tenth of a
# Keccak-f permutation. Bounded: emptied when full, so memory stays below a few MiB.
cdef dict _CHECKSUMS = {}
cdef Py_ssize_t _CHECKSUMS_MAX = 16384


cdef object _checksum(const uint8_t *p):
    """EIP-55 form of the 20 bytes at ``p``: ``0x`` + hex, a letter upper-cased
    where the matching nibble of keccak256(lower-case hex) is >= 8."""
    cdef char out[42]
    cdef uint8_t h[32]
    cdef char *hexd = out + 2
    cdef int i
    cdef uint8_t nib
    for i in range(20):
        hexd[2 * i] = _HEX_DIGITS[p[i] >> 4]
        hexd[2 * i + 1] = _HEX_DIGITS[p[i] & 15]
    c_keccak256(<const uint8_t *>hexd, 40, h)
    for i in range(40):
        nib = (h[i >> 1] >> 4) if (i & 1) == 0 else (h[i >> 1] & 15)
        if nib >= 8 and hexd[i] >= 97:  # 'a'..'f'
            hexd[i] -= 32
    out[0] = 48  # '0'
    out[1] = 120  # 'x'
    return PyUnicode_DecodeASCII(out, 42, NULL)


def to_checksum_address(address) -> str:
    """The EIP-55 checksummed hex string of a 20-byte address.

    Computed in C (hex digits, Keccak-256 of them, case from the digest); the
    results for ``bytes`` inputs are remembered in a bounded table.

    Parameters
    ----------
    address : bytes, bytearray or memoryview
        Exactly 20 bytes.

    Returns
    -------
    str
        ``"0x"`` followed by 40 hex digits, letters upper-cased as EIP-55 says.

    Raises
    ------
    TypeError
        If ``address`` does not support the buffer protocol.
    ValueError
        If it is not 20 bytes long.
    """
    cdef Py_buffer view
    if type(address) is bytes:
        out = _CHECKSUMS.get(address)
        if out is not None:
            return out
        if len(<bytes>address) != 20:
            raise ValueError(f"an address is 20 bytes, got {len(<bytes>address)}")
        out = _checksum(<const uint8_t *><const char *>address)
        if len(_CHECKSUMS) >= _CHECKSUMS_MAX:
            _CHECKSUMS.clear()
        _CHECKSUMS[address] = out
        return out
    if isinstance(address, str):
        raise TypeError("to_checksum_address takes 20 bytes, not a str")
    PyObject_GetBuffer(address, &view, PyBUF_SIMPLE)
    try:
        if view.len != 20:
            raise ValueError(f"an address is 20 bytes, got {view.len}")
        return _checksum(<const uint8_t *>view.buf)
    finally:
        PyBuffer_Release(&view)
