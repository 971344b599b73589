# Block (execution-specs instructions/block.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef int block_hash(Interpreter self, Frame *f) except -1 nogil:
    """BLOCKHASH (0x40): hashes of the 256 previous blocks, else 0."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t h[32]
    cdef uint64_t n
    if not u256_fits_u64(a):
        u256_zero(a)
        return 0
    n = a.w[0]
    if n >= self.block.number or n + 256 < self.block.number:
        u256_zero(a)
        return 0
    self.state.block_hash(n, h)
    u256_from_be(a, h)
    return 0

cdef int coinbase(Interpreter self, Frame *f) noexcept nogil:
    """COINBASE (0x41)."""
    return push_addr(self, f, self.block.coinbase)

cdef int timestamp(Interpreter self, Frame *f) noexcept nogil:
    """TIMESTAMP (0x42)."""
    u256_set_u64(&f.stack[f.sp], self.block.timestamp)
    f.sp += 1
    return 0

cdef int number(Interpreter self, Frame *f) noexcept nogil:
    """NUMBER (0x43)."""
    u256_set_u64(&f.stack[f.sp], self.block.number)
    f.sp += 1
    return 0

cdef int prev_randao(Interpreter self, Frame *f) noexcept nogil:
    """PREVRANDAO (0x44, EIP-4399)."""
    f.stack[f.sp] = self.block.prevrandao
    f.sp += 1
    return 0

cdef int gas_limit(Interpreter self, Frame *f) noexcept nogil:
    """GASLIMIT (0x45)."""
    u256_set_u64(&f.stack[f.sp], self.block.gas_limit)
    f.sp += 1
    return 0

cdef int chain_id(Interpreter self, Frame *f) noexcept nogil:
    """CHAINID (0x46, EIP-1344)."""
    f.stack[f.sp] = self.block.chain_id
    f.sp += 1
    return 0
