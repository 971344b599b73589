# Environment (execution-specs instructions/environment.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int push_addr(Interpreter self, Frame *f, const uint8_t *addr) noexcept nogil:
    addr_to_word(&f.stack[f.sp], addr)
    f.sp += 1
    return 0

cdef inline int access_account(Interpreter self, Frame *f, const uint8_t *addr) except -1 nogil:
    """EIP-2929: charge the warm or cold access cost of an account and warm it."""
    if self.warm_account(addr):
        return charge(f, self.sched.warm_access)
    return charge(f, self.sched.cold_account_access)

cdef int address(Interpreter self, Frame *f) noexcept nogil:
    """ADDRESS (0x30)."""
    return push_addr(self, f, f.msg.target)

cdef int balance(Interpreter self, Frame *f) except -1 nogil:
    """BALANCE (0x31, EIP-2929 access cost)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    word_to_addr(addr, a)
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    self.state.read_balance(addr, a)
    return 0

cdef int origin(Interpreter self, Frame *f) noexcept nogil:
    """ORIGIN (0x32)."""
    return push_addr(self, f, self.tx.origin)

cdef int caller(Interpreter self, Frame *f) noexcept nogil:
    """CALLER (0x33)."""
    return push_addr(self, f, f.msg.caller)

cdef int callvalue(Interpreter self, Frame *f) noexcept nogil:
    """CALLVALUE (0x34)."""
    f.stack[f.sp] = f.msg.value
    f.sp += 1
    return 0

cdef int calldataload(Interpreter self, Frame *f) noexcept nogil:
    """CALLDATALOAD (0x35): 32 bytes of calldata at i, zero-padded."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t buf[32]
    copy_padded(buf, f.msg.data, f.msg.data_size, a, 32)
    u256_from_be(a, buf)
    return 0

cdef int calldatasize(Interpreter self, Frame *f) noexcept nogil:
    """CALLDATASIZE (0x36)."""
    u256_set_u64(&f.stack[f.sp], f.msg.data_size)
    f.sp += 1
    return 0

cdef inline int copy_to_memory(Interpreter self, Frame *f, const uint8_t *src, uint64_t src_size
                               ) noexcept nogil:
    """The *COPY pattern: pop destOffset, offset, size; memory + copy gas; copy."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 3
    if region(a, a - 2, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    copy_padded(f.mem + o, src, src_size, a - 1, n)
    return 0

cdef int calldatacopy(Interpreter self, Frame *f) noexcept nogil:
    """CALLDATACOPY (0x37)."""
    return copy_to_memory(self, f, f.msg.data, f.msg.data_size)

cdef int codesize(Interpreter self, Frame *f) noexcept nogil:
    """CODESIZE (0x38)."""
    u256_set_u64(&f.stack[f.sp], f.code_size)
    f.sp += 1
    return 0

cdef int codecopy(Interpreter self, Frame *f) noexcept nogil:
    """CODECOPY (0x39)."""
    return copy_to_memory(self, f, f.code, f.code_size)

cdef int gasprice(Interpreter self, Frame *f) noexcept nogil:
    """GASPRICE (0x3A): the effective gas price."""
    f.stack[f.sp] = self.tx.gas_price
    f.sp += 1
    return 0

cdef int extcodesize(Interpreter self, Frame *f) except -1 nogil:
    """EXTCODESIZE (0x3B, EIP-2929; a 7702 designation is seen as itself)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    cdef Code *code
    word_to_addr(addr, a)
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    self.state.read_code(addr, &code)
    u256_set_u64(a, code.size)
    return 0

cdef int extcodecopy(Interpreter self, Frame *f) except -1 nogil:
    """EXTCODECOPY (0x3C, EIP-2929)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    cdef uint64_t o, n, end
    cdef Code *code
    f.sp -= 4
    word_to_addr(addr, a)
    if region(a - 1, a - 3, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if charge(f, mem_cost(f, end, self.sched.memory_word)):
        return H_OUT_OF_GAS
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    if mem_grow(f, end):
        return H_OUT_OF_GAS
    self.state.read_code(addr, &code)
    copy_padded(f.mem + o, code.data, code.size, a - 2, n)
    return 0

cdef int returndatasize(Interpreter self, Frame *f) noexcept nogil:
    """RETURNDATASIZE (0x3D, EIP-211)."""
    u256_set_u64(&f.stack[f.sp], f.ret_size)
    f.sp += 1
    return 0

cdef int returndatacopy(Interpreter self, Frame *f) noexcept nogil:
    """RETURNDATACOPY (0x3E, EIP-211): reading past the return data is an error."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 3
    if region(a, a - 2, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    if not u256_fits_u64(a - 1) or (a - 1).w[0] > f.ret_size or n > f.ret_size - (a - 1).w[0]:
        return H_RETURNDATA_OUT_OF_BOUNDS
    if n:
        memcpy(f.mem + o, f.ret + (a - 1).w[0], n)
    return 0

cdef int extcodehash(Interpreter self, Frame *f) except -1 nogil:
    """EXTCODEHASH (0x3F, EIP-1052/2929): 0 for empty or absent accounts."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    cdef uint8_t h[32]
    word_to_addr(addr, a)
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    self.state.get_code_hash(addr, h)
    u256_from_be(a, h)
    return 0

cdef int self_balance(Interpreter self, Frame *f) except -1 nogil:
    """SELFBALANCE (0x47, EIP-1884)."""
    self.state.read_balance(f.msg.target, &f.stack[f.sp])
    f.sp += 1
    return 0

cdef int base_fee(Interpreter self, Frame *f) noexcept nogil:
    """BASEFEE (0x48, EIP-3198)."""
    f.stack[f.sp] = self.block.base_fee
    f.sp += 1
    return 0

cdef int blob_hash(Interpreter self, Frame *f) noexcept nogil:
    """BLOBHASH (0x49, EIP-4844): the i-th versioned hash of the transaction, else 0."""
    cdef u256 *a = &f.stack[f.sp - 1]
    if u256_fits_u64(a) and a.w[0] < self.tx.n_blob_hashes:
        u256_from_be(a, self.tx.blob_hashes + 32 * a.w[0])
    else:
        u256_zero(a)
    return 0

cdef int blob_base_fee(Interpreter self, Frame *f) noexcept nogil:
    """BLOBBASEFEE (0x4A, EIP-7516)."""
    f.stack[f.sp] = self.block.blob_base_fee
    f.sp += 1
    return 0
