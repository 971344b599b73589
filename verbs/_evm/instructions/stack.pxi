# Stack (execution-specs instructions/stack.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int pop(Interpreter self, Frame *f) noexcept nogil:
    """POP (0x50)."""
    f.sp -= 1
    return 0

cdef inline int push0(Interpreter self, Frame *f) noexcept nogil:
    """PUSH0 (0x5F, EIP-3855)."""
    u256_zero(&f.stack[f.sp])
    f.sp += 1
    return 0

cdef inline int push_n(Interpreter self, Frame *f, int n, uint64_t *pc) noexcept nogil:
    """PUSH1..PUSH32 (0x60..0x7F): immediates past the code end read as zero."""
    cdef uint8_t buf[32]
    cdef uint64_t avail, x
    cdef const uint8_t *p
    cdef u256 *w
    cdef int i
    if pc[0] + n <= f.code_size:
        if n <= 8:                  # the common PUSH1..PUSH8: one limb
            p = f.code + pc[0]
            x = 0
            for i in range(n):
                x = (x << 8) | p[i]
            w = &f.stack[f.sp]
            w.w[0] = x
            w.w[1] = 0
            w.w[2] = 0
            w.w[3] = 0
        else:
            u256_from_be_n(&f.stack[f.sp], f.code + pc[0], n)
    else:
        avail = f.code_size - pc[0] if pc[0] < f.code_size else 0
        memset(buf, 0, 32)
        memcpy(buf, f.code + pc[0], avail)
        u256_from_be_n(&f.stack[f.sp], buf, n)
    pc[0] += n
    f.sp += 1
    return 0

cdef inline int dup_n(Interpreter self, Frame *f, int n) noexcept nogil:
    """DUP1..DUP16 (0x80..0x8F)."""
    u256_move(&f.stack[f.sp], &f.stack[f.sp - n])
    f.sp += 1
    return 0

cdef inline int swap_n(Interpreter self, Frame *f, int n) noexcept nogil:
    """SWAP1..SWAP16 (0x90..0x9F)."""
    u256_swap(&f.stack[f.sp - 1], &f.stack[f.sp - 1 - n])
    return 0
