"""Python access to the C 256-bit word operations of ``u256.h``, for tests.

The interpreter uses the C functions directly (``cimport``); this module only converts
Python ints (taken modulo 2**256) to ``u256`` and back.
"""
from libc.stdint cimport uint8_t, uint64_t

ctypedef void (*unary_fn)(u256 *, const u256 *) noexcept nogil
ctypedef void (*binary_fn)(u256 *, const u256 *, const u256 *) noexcept nogil
ctypedef void (*ternary_fn)(u256 *, const u256 *, const u256 *, const u256 *) noexcept nogil
ctypedef int (*predicate_fn)(const u256 *, const u256 *) noexcept nogil

_MASK = (1 << 256) - 1

UNARY_OPS = ("not", "clz", "neg", "sqr")
BINARY_OPS = ("add", "sub", "mul", "div", "sdiv", "mod", "smod", "exp", "signextend",
              "and", "or", "xor", "byte", "shl", "shr", "sar")
TERNARY_OPS = ("addmod", "mulmod")
PREDICATES = ("lt", "gt", "slt", "sgt", "eq")


cdef unary_fn _unary(str name) except NULL:
    if name == "not": return u256_not
    if name == "clz": return u256_clz
    if name == "neg": return u256_neg
    if name == "sqr": return u256_sqr
    raise ValueError(f"unknown unary op {name!r}")


cdef binary_fn _binary(str name) except NULL:
    if name == "add": return u256_add
    if name == "sub": return u256_sub
    if name == "mul": return u256_mul
    if name == "div": return u256_div
    if name == "sdiv": return u256_sdiv
    if name == "mod": return u256_mod
    if name == "smod": return u256_smod
    if name == "exp": return u256_exp
    if name == "signextend": return u256_signextend
    if name == "and": return u256_and
    if name == "or": return u256_or
    if name == "xor": return u256_xor
    if name == "byte": return u256_byte
    if name == "shl": return u256_shl
    if name == "shr": return u256_shr
    if name == "sar": return u256_sar
    raise ValueError(f"unknown binary op {name!r}")


cdef ternary_fn _ternary(str name) except NULL:
    if name == "addmod": return u256_addmod
    if name == "mulmod": return u256_mulmod
    raise ValueError(f"unknown ternary op {name!r}")


cdef predicate_fn _predicate(str name) except NULL:
    if name == "lt": return u256_lt
    if name == "gt": return u256_gt
    if name == "slt": return u256_slt
    if name == "sgt": return u256_sgt
    if name == "eq": return u256_eq
    raise ValueError(f"unknown predicate {name!r}")


cdef void _load(u256 *r, object x) except *:
    cdef bytes b = (int(x) & _MASK).to_bytes(32, "big")
    u256_from_be(r, <const uint8_t *>b)


cdef object _store(const u256 *a):
    cdef uint8_t buf[32]
    u256_to_be(buf, a)
    return int.from_bytes(buf[:32], "big")


def op(str name, *args, alias=None):
    """Apply the u256 operation ``name`` to Python ints.

    Parameters
    ----------
    name : str
        One of UNARY_OPS, BINARY_OPS, TERNARY_OPS (result: int in [0, 2**256)) or PREDICATES
        (result: bool). Operands are in the order of the C function (``sub``: a - b; ``shl``:
        shift, x; ``byte``: i, x; ``signextend``: b, x; ``exp``: base, exponent).
    *args : int
        Operands, taken modulo 2**256.
    alias : int, optional
        Index of the operand whose storage also receives the result (tests the in-place use
        of the interpreter); None writes to a separate word.

    Returns
    -------
    int or bool
    """
    cdef u256 a[3]
    cdef u256 res
    cdef u256 *r = &res
    cdef int n = len(args)
    cdef int i
    if n > 3:
        raise TypeError("too many operands")
    for i in range(n):
        _load(&a[i], args[i])
    if alias is not None:
        if not 0 <= alias < n:
            raise IndexError("alias out of range")
        r = &a[<int>alias]
    if name in PREDICATES:
        if n != 2:
            raise TypeError(f"{name} takes 2 operands")
        return bool(_predicate(name)(&a[0], &a[1]))
    if name in UNARY_OPS:
        if n != 1:
            raise TypeError(f"{name} takes 1 operand")
        _unary(name)(r, &a[0])
    elif name in TERNARY_OPS:
        if n != 3:
            raise TypeError(f"{name} takes 3 operands")
        _ternary(name)(r, &a[0], &a[1], &a[2])
    else:
        if n != 2:
            raise TypeError(f"{name} takes 2 operands")
        _binary(name)(r, &a[0], &a[1])
    return _store(r)


def from_be_n(data) -> int:
    """``u256_from_be_n`` of ``data`` (at most 32 bytes, big-endian)."""
    cdef bytes b = bytes(data)
    cdef u256 r
    if len(b) > 32:
        raise ValueError("at most 32 bytes")
    u256_from_be_n(&r, <const uint8_t *>b, len(b))
    return _store(&r)


def to_be(x) -> bytes:
    """``u256_to_be``: the 32 big-endian bytes of ``x`` (modulo 2**256)."""
    cdef u256 a
    cdef uint8_t buf[32]
    _load(&a, x)
    u256_to_be(buf, &a)
    return buf[:32]


def exp_byte_len(x) -> int:
    """``u256_exp_byte_len``: bytes needed to write ``x``."""
    cdef u256 a
    _load(&a, x)
    return u256_exp_byte_len(&a)


def bit_len(x) -> int:
    """``u256_bit_len``: significant bits of ``x``."""
    cdef u256 a
    _load(&a, x)
    return u256_bit_len(&a)


def to_u64_saturated(x) -> int:
    """``u256_to_u64_saturated``: ``x``, or 2**64 - 1 when it does not fit in 64 bits."""
    cdef u256 a
    _load(&a, x)
    return u256_to_u64_saturated(&a)


def is_zero(x) -> bool:
    """``u256_is_zero``."""
    cdef u256 a
    _load(&a, x)
    return bool(u256_is_zero(&a))


def fits_u64(x) -> bool:
    """``u256_fits_u64``."""
    cdef u256 a
    _load(&a, x)
    return bool(u256_fits_u64(&a))
