# Declarations of the 256-bit word operations of u256.h (see docs/internals.md).
# Other modules: `from verbs._evm.u256 cimport u256, u256_add, ...`.
# Every function writes its result through the first pointer, which may alias any argument.

from libc.stdint cimport uint8_t, uint64_t

cdef extern from "u256.h" nogil:
    ctypedef struct u256:
        uint64_t w[4]

    # basics
    void u256_zero(u256 *r)
    void u256_set_u64(u256 *r, uint64_t x)
    void u256_copy(u256 *r, const u256 *a)
    void u256_move(u256 *r, const u256 *a)
    void u256_swap(u256 *x, u256 *y)
    int u256_is_zero(const u256 *a)
    int u256_eq(const u256 *a, const u256 *b)
    int u256_fits_u64(const u256 *a)
    int u256_is_neg(const u256 *a)
    uint64_t u256_to_u64_saturated(const u256 *a)
    void u256_from_be(u256 *r, const uint8_t *p32)
    void u256_to_be(uint8_t *p32, const u256 *a)
    void u256_from_be_n(u256 *r, const uint8_t *p, size_t n)
    unsigned u256_bit_len(const u256 *a)
    unsigned u256_exp_byte_len(const u256 *e)

    # comparison
    int u256_lt(const u256 *a, const u256 *b)
    int u256_gt(const u256 *a, const u256 *b)
    int u256_slt(const u256 *a, const u256 *b)
    int u256_sgt(const u256 *a, const u256 *b)

    # bitwise
    void u256_and(u256 *r, const u256 *a, const u256 *b)
    void u256_or(u256 *r, const u256 *a, const u256 *b)
    void u256_xor(u256 *r, const u256 *a, const u256 *b)
    void u256_not(u256 *r, const u256 *a)
    void u256_byte(u256 *r, const u256 *i, const u256 *x)
    void u256_shl(u256 *r, const u256 *shift, const u256 *x)
    void u256_shr(u256 *r, const u256 *shift, const u256 *x)
    void u256_sar(u256 *r, const u256 *shift, const u256 *x)
    void u256_clz(u256 *r, const u256 *x)

    # arithmetic
    void u256_add(u256 *r, const u256 *a, const u256 *b)
    void u256_sub(u256 *r, const u256 *a, const u256 *b)
    void u256_neg(u256 *r, const u256 *a)
    void u256_mul(u256 *r, const u256 *a, const u256 *b)
    void u256_sqr(u256 *r, const u256 *a)
    void u256_div(u256 *r, const u256 *a, const u256 *b)
    void u256_sdiv(u256 *r, const u256 *a, const u256 *b)
    void u256_mod(u256 *r, const u256 *a, const u256 *b)
    void u256_smod(u256 *r, const u256 *a, const u256 *b)
    void u256_addmod(u256 *r, const u256 *a, const u256 *b, const u256 *m)
    void u256_mulmod(u256 *r, const u256 *a, const u256 *b, const u256 *m)
    void u256_exp(u256 *r, const u256 *base, const u256 *exponent)
    void u256_signextend(u256 *r, const u256 *b, const u256 *x)
