# Arithmetic (execution-specs instructions/arithmetic.py).  Operands: a = top of the
# stack, b = next; the result replaces b.
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int add(Interpreter self, Frame *f) noexcept nogil:
    """ADD (0x01): a + b mod 2**256."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_add(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int mul(Interpreter self, Frame *f) noexcept nogil:
    """MUL (0x02): a * b mod 2**256."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_mul(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int sub(Interpreter self, Frame *f) noexcept nogil:
    """SUB (0x03): a - b mod 2**256."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_sub(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int div(Interpreter self, Frame *f) noexcept nogil:
    """DIV (0x04): a // b (0 when b == 0)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_div(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int sdiv(Interpreter self, Frame *f) noexcept nogil:
    """SDIV (0x05): signed division."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_sdiv(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int mod(Interpreter self, Frame *f) noexcept nogil:
    """MOD (0x06): a % b (0 when b == 0)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_mod(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int smod(Interpreter self, Frame *f) noexcept nogil:
    """SMOD (0x07): signed modulo."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_smod(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int addmod(Interpreter self, Frame *f) noexcept nogil:
    """ADDMOD (0x08): (a + b) % N."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_addmod(a - 2, a, a - 1, a - 2)
    f.sp -= 2
    return 0

cdef inline int mulmod(Interpreter self, Frame *f) noexcept nogil:
    """MULMOD (0x09): (a * b) % N."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_mulmod(a - 2, a, a - 1, a - 2)
    f.sp -= 2
    return 0

cdef inline int exp(Interpreter self, Frame *f) noexcept nogil:
    """EXP (0x0A): a ** b mod 2**256; 50 gas per exponent byte (EIP-160)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    if charge(f, self.sched.exp_byte * <int64_t>u256_exp_byte_len(a - 1)):
        return H_OUT_OF_GAS
    u256_exp(a - 1, a, a - 1)
    f.sp -= 1
    return 0

cdef inline int signextend(Interpreter self, Frame *f) noexcept nogil:
    """SIGNEXTEND (0x0B): extend the sign of byte b of x."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_signextend(a - 1, a, a - 1)
    f.sp -= 1
    return 0
