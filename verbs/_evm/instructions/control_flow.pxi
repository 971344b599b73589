# Control flow (execution-specs instructions/control_flow.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int jump_to(Interpreter self, Frame *f, const u256 *dest, uint64_t *pc
                        ) noexcept nogil:
    cdef uint64_t d
    if not u256_fits_u64(dest) or dest.w[0] >= f.code_size or f.jumpdests == NULL:
        return H_INVALID_JUMP
    d = dest.w[0]
    if not (f.jumpdests[d >> 3] >> (d & 7)) & 1:
        return H_INVALID_JUMP
    pc[0] = d
    return 0

cdef inline int jump(Interpreter self, Frame *f, uint64_t *pc) noexcept nogil:
    """JUMP (0x56): to a JUMPDEST."""
    f.sp -= 1
    return jump_to(self, f, &f.stack[f.sp], pc)

cdef inline int jumpi(Interpreter self, Frame *f, uint64_t *pc) noexcept nogil:
    """JUMPI (0x57): to a JUMPDEST if the condition is not zero."""
    f.sp -= 2
    if u256_is_zero(&f.stack[f.sp]):
        return 0
    return jump_to(self, f, &f.stack[f.sp + 1], pc)

cdef inline int pc_(Interpreter self, Frame *f, uint64_t pc) noexcept nogil:
    """PC (0x58): the offset of this instruction (``pc`` is already past it)."""
    u256_set_u64(&f.stack[f.sp], pc - 1)
    f.sp += 1
    return 0

cdef int gas(Interpreter self, Frame *f) noexcept nogil:
    """GAS (0x5A): gas left after this instruction."""
    u256_set_u64(&f.stack[f.sp], <uint64_t>f.gas)
    f.sp += 1
    return 0
