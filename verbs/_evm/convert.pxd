# Python <-> C conversions of addresses and words (cold paths: the Python-level API of the
# state and the test hooks), with the TypeError/ValueError messages the API promises.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport uint8_t, uint64_t
from verbs._evm.u256 cimport u256, u256_from_be, u256_to_be


cdef inline const uint8_t *_addr(object address) except NULL:
    if type(address) is not bytes:
        raise TypeError(f"address must be bytes, not {type(address).__name__}")
    if PyBytes_GET_SIZE(address) != 20:
        raise ValueError(f"address must be 20 bytes, got {PyBytes_GET_SIZE(address)}")
    return <const uint8_t *>PyBytes_AS_STRING(address)


cdef inline int _to_u256(object v, u256 *out, str what) except -1:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int, not {type(v).__name__}")
    if v < 0 or v >> 256:
        raise ValueError(f"{what} out of range for a 256-bit word: {v}")
    cdef bytes b = v.to_bytes(32, "big")
    u256_from_be(out, <const uint8_t *>PyBytes_AS_STRING(b))
    return 0


cdef inline object _from_u256(const u256 *v):
    cdef uint8_t b[32]
    u256_to_be(b, v)
    return int.from_bytes(PyBytes_FromStringAndSize(<char *>b, 32), "big")


cdef inline uint64_t _to_u64(object v, str what) except? 0xFFFFFFFFFFFFFFFF:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int, not {type(v).__name__}")
    if v < 0 or v >> 64:
        raise ValueError(f"{what} out of range for a 64-bit integer: {v}")
    return <uint64_t>v


# ------------------------------------------------------------------------------------------------
