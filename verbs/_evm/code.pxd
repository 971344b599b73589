# Contract code and its JUMPDEST analysis: the one definition of both.
#
# A Code is shared by every account holding the same bytes and immutable once built (interned
# by hash in code.pxi, included by state.pyx).  Its `jumpdests` bitmap is computed once per Code
# on first use (State.code_jumpdests); the interpreter analyses initcode, which has no Code,
# into a frame buffer with the same function.  Likewise its instruction analysis for the fast
# loop (analysis.pyx), one per fork, on first use (State.code_analysis).

from libc.stdint cimport uint8_t, int64_t
from libc.string cimport memset

from verbs._evm.hardforks cimport N_FORKS

cdef enum:
    OP_JUMPDEST_BYTE = 0x5B
    OP_PUSH1_BYTE = 0x60
    OP_PUSH32_BYTE = 0x7F


cdef struct Code:
    const uint8_t *data       # never NULL
    size_t size
    uint8_t hash[32]          # keccak256(data); the empty code hash for size 0
    uint8_t *jumpdests        # NULL until analysed (jumpdest_bitmap_size(size) bytes)
    void *analysis[N_FORKS]   # verbs_analysis per fork id, NULL until analysed (one malloc)
    int64_t refcount


cdef inline size_t jumpdest_bitmap_size(size_t n) noexcept nogil:
    """Bytes of the JUMPDEST bitmap of `n` bytes of code (at least 1)."""
    return n // 8 + 1


cdef inline void analyse_jumpdests(const uint8_t *code, size_t n, uint8_t *bitmap) noexcept nogil:
    """Fill `bitmap` (jumpdest_bitmap_size(n) bytes): bit i (bit i & 7, LSB first, of byte
    i >> 3) is set when code[i] is a JUMPDEST opcode and not PUSH data."""
    cdef size_t i = 0
    cdef uint8_t op
    memset(bitmap, 0, jumpdest_bitmap_size(n))
    while i < n:
        op = code[i]
        if op == OP_JUMPDEST_BYTE:
            bitmap[i >> 3] |= <uint8_t>(1 << (i & 7))
        elif OP_PUSH1_BYTE <= op <= OP_PUSH32_BYTE:
            i += op - (OP_PUSH1_BYTE - 1)
        i += 1
