# KECCAK256 (execution-specs instructions/keccak.py) and the 64-byte hash memo.
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef inline int keccak(Interpreter self, Frame *f) noexcept nogil:
    """KECCAK256 (0x20): hash of memory[offset:offset+size]."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    cdef uint8_t h[32]
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.keccak_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    if n == 64:
        keccak64(self, f.mem + o, h)
    else:
        c_keccak256(f.mem + o, n, h)
    u256_from_be(a - 1, h)
    f.sp -= 1
    return 0

cdef inline void keccak64(Interpreter self, const uint8_t *p, uint8_t *h) noexcept nogil:
    """keccak256 of 64 bytes, remembered: contracts hash the same mapping slots
    (keccak256(key . slot)) again and again.  A direct-mapped memo; a pure function, so a
    hit is exact."""
    cdef uint64_t x = 0, w
    cdef int i
    cdef KeccakMemo *e
    if self.kmemo == NULL:
        self.kmemo = <KeccakMemo *>calloc(1 << KMEMO_BITS, sizeof(KeccakMemo))
        if self.kmemo == NULL:
            c_keccak256(p, 64, h)
            return
    for i in range(8):
        memcpy(&w, p + 8 * i, 8)
        x ^= w * (2 * <uint64_t>i + 1)
    x *= <uint64_t>0x9E3779B97F4A7C15
    e = &self.kmemo[x >> (64 - KMEMO_BITS)]
    if e.valid and memcmp(e.data, p, 64) == 0:
        memcpy(h, e.hash, 32)
        return
    c_keccak256(p, 64, h)
    e.valid = 1
    memcpy(e.data, p, 64)
    memcpy(e.hash, h, 32)
