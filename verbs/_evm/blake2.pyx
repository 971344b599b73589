"""BLAKE2b compression function F (EIP-152) in C, for the blake2f precompile."""

from libc.stdint cimport uint8_t, uint32_t, uint64_t


cdef extern from "blake2.h" nogil:
    void blake2b_compress(uint32_t rounds, uint64_t *h, const uint64_t *m,
                          uint64_t t0, uint64_t t1, int last)
    void blake2f_eip152(const uint8_t *inp, uint8_t *out)


def blake2f(const uint8_t[::1] data not None) -> bytes:
    """Run the EIP-152 compression on the precompile's input.

    Parameters
    ----------
    data : bytes
        Exactly 213 bytes: rounds (4, big-endian), h (64), m (128), t (16),
        final flag (1 byte, 0 or 1), with the words little-endian.

    Returns
    -------
    bytes
        The 64-byte state h after compression.

    Raises
    ------
    ValueError
        If the length is not 213 or the final flag is neither 0 nor 1.
    """
    cdef uint8_t out[64]
    if data.shape[0] != 213:
        raise ValueError("blake2f input must be 213 bytes")
    if data[212] > 1:
        raise ValueError("blake2f final flag must be 0 or 1")
    with nogil:
        blake2f_eip152(&data[0], out)
    return bytes(out[:64])


def compress(uint32_t rounds, h, m, uint64_t t0, uint64_t t1, bint last) -> tuple:
    """BLAKE2b F on word tuples (a helper for tests and tools).

    Parameters
    ----------
    rounds : int
        Number of rounds (0 to 2**32 - 1).
    h : sequence of int
        Eight 64-bit state words.
    m : sequence of int
        Sixteen 64-bit message words.
    t0, t1 : int
        The 128-bit offset counter, low word first.
    last : bool
        The final-block flag.

    Returns
    -------
    tuple of int
        The eight new state words.
    """
    cdef uint64_t hh[8]
    cdef uint64_t mm[16]
    cdef int i
    if len(h) != 8 or len(m) != 16:
        raise ValueError("h needs 8 words and m 16 words")
    for i in range(8):
        hh[i] = h[i]
    for i in range(16):
        mm[i] = m[i]
    with nogil:
        blake2b_compress(rounds, hh, mm, t0, t1, last)
    return tuple(hh[i] for i in range(8))
