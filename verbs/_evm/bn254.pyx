"""bn254 (alt_bn128) point addition, scalar multiplication and pairing check in C.

These are the computations behind the precompiles ECADD (0x06), ECMUL (0x07) and
ECPAIRING (0x08) of EIP-196 and EIP-197, on inputs already cut or padded to their
lengths.  Gas is the caller's business.  Every input the EIPs reject raises
``ValueError`` with a message naming the problem.
"""

from libc.stddef cimport size_t
from libc.stdint cimport uint8_t


cdef extern from "bn254.h" nogil:
    int BN254_OK, BN254_ERR_FIELD, BN254_ERR_G1_CURVE, BN254_ERR_G2_CURVE
    int BN254_ERR_G2_GROUP, BN254_ERR_NOMEM
    int bn254_g1_add(const uint8_t *inp, uint8_t *out)
    int bn254_g1_mul(const uint8_t *inp, uint8_t *out)
    int bn254_pairing_check(const uint8_t *inp, size_t n_pairs, int *ok)


cdef int _raise(int err) except -1:
    if err == BN254_ERR_FIELD:
        raise ValueError("bn254 coordinate >= field modulus")
    if err == BN254_ERR_G1_CURVE:
        raise ValueError("bn254 G1 point not on curve")
    if err == BN254_ERR_G2_CURVE:
        raise ValueError("bn254 G2 point not on curve")
    if err == BN254_ERR_G2_GROUP:
        raise ValueError("bn254 G2 point not in the subgroup")
    if err == BN254_ERR_NOMEM:
        raise MemoryError("bn254 pairing: out of memory")
    raise SystemError(f"bn254: unknown error code {err}")


def g1_add(const uint8_t[::1] data not None) -> bytes:
    """Add two G1 points.

    Parameters
    ----------
    data : bytes
        128 bytes: two points, each as big-endian x and y of 32 bytes; (0, 0) is the
        point at infinity.

    Returns
    -------
    bytes
        The sum, 64 bytes in the same encoding.

    Raises
    ------
    ValueError
        If the length is not 128, a coordinate is >= p, or a point is not on the curve.
    """
    cdef uint8_t out[64]
    cdef int err
    if data.shape[0] != 128:
        raise ValueError("bn254 add input must be 128 bytes")
    with nogil:
        err = bn254_g1_add(&data[0], out)
    if err != BN254_OK:
        _raise(err)
    return bytes(out[:64])


def g1_mul(const uint8_t[::1] data not None) -> bytes:
    """Multiply a G1 point by a scalar.

    Parameters
    ----------
    data : bytes
        96 bytes: the point (64 bytes, as for :func:`g1_add`) and a 256-bit big-endian
        scalar.

    Returns
    -------
    bytes
        The product, 64 bytes.

    Raises
    ------
    ValueError
        If the length is not 96, a coordinate is >= p, or the point is not on the curve.
    """
    cdef uint8_t out[64]
    cdef int err
    if data.shape[0] != 96:
        raise ValueError("bn254 mul input must be 96 bytes")
    with nogil:
        err = bn254_g1_mul(&data[0], out)
    if err != BN254_OK:
        _raise(err)
    return bytes(out[:64])


def pairing_check(const uint8_t[::1] data not None) -> bool:
    """Whether the product of the pairings of the given (G1, G2) pairs is 1.

    Parameters
    ----------
    data : bytes
        A multiple of 192 bytes; each pair is a G1 point (64 bytes) and a G2 point
        (128 bytes: x imaginary, x real, y imaginary, y real, big-endian); all zeros
        encode infinity.  No pairs give True.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If the length is not a multiple of 192, a coordinate is >= p, a point is not on
        its curve, or a G2 point is not in the subgroup of order r.
    """
    cdef size_t n = data.shape[0]
    cdef int err, ok = 0
    cdef const uint8_t *p = &data[0] if n else NULL
    if n % 192:
        raise ValueError("bn254 pairing input not a multiple of 192 bytes")
    with nogil:
        err = bn254_pairing_check(p, n // 192, &ok)
    if err != BN254_OK:
        _raise(err)
    return bool(ok)
