# Memory (execution-specs instructions/memory.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int mload(Interpreter self, Frame *f) noexcept nogil:
    """MLOAD (0x51)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 size
    cdef uint64_t o, n, end
    u256_set_u64(&size, 32)
    if region(a, &size, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    u256_from_be(a, f.mem + o)
    return 0

cdef inline int mstore(Interpreter self, Frame *f) noexcept nogil:
    """MSTORE (0x52)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 size
    cdef uint64_t o, n, end
    f.sp -= 2
    u256_set_u64(&size, 32)
    if region(a, &size, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    u256_to_be(f.mem + o, a - 1)
    return 0

cdef int mstore8(Interpreter self, Frame *f) noexcept nogil:
    """MSTORE8 (0x53)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 size
    cdef uint64_t o, n, end
    f.sp -= 2
    u256_set_u64(&size, 1)
    if region(a, &size, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    f.mem[o] = <uint8_t>((a - 1).w[0] & 0xFF)
    return 0

cdef int msize(Interpreter self, Frame *f) noexcept nogil:
    """MSIZE (0x59)."""
    u256_set_u64(&f.stack[f.sp], f.mem_size)
    f.sp += 1
    return 0

cdef int mcopy(Interpreter self, Frame *f) noexcept nogil:
    """MCOPY (0x5E, EIP-5656)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t d, s, n, end_d, end_s
    f.sp -= 3
    if region(a, a - 2, &d, &n, &end_d) or region(a - 1, a - 2, &s, &n, &end_s):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end_d if end_d > end_s else end_s, self.sched.memory_word):
        return H_OUT_OF_GAS
    if n:
        memmove(f.mem + d, f.mem + s, n)
    return 0
