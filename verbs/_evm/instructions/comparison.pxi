# Comparison (execution-specs instructions/comparison.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int less_than(Interpreter self, Frame *f) noexcept nogil:
    """LT (0x10)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_lt(a, a - 1))
    f.sp -= 1
    return 0

cdef inline int greater_than(Interpreter self, Frame *f) noexcept nogil:
    """GT (0x11)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_gt(a, a - 1))
    f.sp -= 1
    return 0

cdef inline int signed_less_than(Interpreter self, Frame *f) noexcept nogil:
    """SLT (0x12)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_slt(a, a - 1))
    f.sp -= 1
    return 0

cdef inline int signed_greater_than(Interpreter self, Frame *f) noexcept nogil:
    """SGT (0x13)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_sgt(a, a - 1))
    f.sp -= 1
    return 0

cdef inline int equal(Interpreter self, Frame *f) noexcept nogil:
    """EQ (0x14)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_eq(a, a - 1))
    f.sp -= 1
    return 0

cdef inline int is_zero(Interpreter self, Frame *f) noexcept nogil:
    """ISZERO (0x15)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a, u256_is_zero(a))
    return 0
