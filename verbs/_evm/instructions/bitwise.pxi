# Bitwise (execution-specs instructions/bitwise.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int bitwise_and(Interpreter self, Frame *f) noexcept nogil:
    """AND (0x16)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_and(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int bitwise_or(Interpreter self, Frame *f) noexcept nogil:
    """OR (0x17)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_or(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int bitwise_xor(Interpreter self, Frame *f) noexcept nogil:
    """XOR (0x18)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_xor(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int bitwise_not(Interpreter self, Frame *f) noexcept nogil:
    """NOT (0x19)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_not(a, a)
    return 0

cdef inline int get_byte(Interpreter self, Frame *f) noexcept nogil:
    """BYTE (0x1A): byte i (big-endian) of x."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_byte(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int bitwise_shl(Interpreter self, Frame *f) noexcept nogil:
    """SHL (0x1B, EIP-145)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_shl(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int bitwise_shr(Interpreter self, Frame *f) noexcept nogil:
    """SHR (0x1C, EIP-145)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_shr(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int bitwise_sar(Interpreter self, Frame *f) noexcept nogil:
    """SAR (0x1D, EIP-145)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_sar(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int count_leading_zeros(Interpreter self, Frame *f) noexcept nogil:
    """CLZ (0x1E, EIP-7939): leading zero bits (256 for 0)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_clz(a, a)
    return 0
