/* 256-bit EVM words: four little-endian 64-bit limbs (w[0] least significant).
 * Every operation writes through its first pointer, which may alias any argument:
 * inputs are read into locals before the result is written.
 * See docs/internals.md ("256-bit words") for the list of operations. */
#ifndef VERBS_U256_H
#define VERBS_U256_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

typedef struct { uint64_t w[4]; } u256;
typedef unsigned __int128 u256__u128;

/* ---- basics ------------------------------------------------------------------------- */

static inline void u256_zero(u256 *r) { r->w[0] = r->w[1] = r->w[2] = r->w[3] = 0; }
static inline void u256_set_u64(u256 *r, uint64_t x) { r->w[0] = x; r->w[1] = r->w[2] = r->w[3] = 0; }
static inline void u256_copy(u256 *r, const u256 *a) { *r = *a; }

/* Stack word moves (DUP, SWAP) limb by limb through general registers.  A compiler left to
 * itself copies with 16-byte vector loads, which cannot take their data from the 8-byte
 * limb stores of the instruction before (a store-forwarding stall of ~10 cycles on x86). */
#if defined(__GNUC__) || defined(__clang__)
#define U256__IN_REGS4(a, b, c, d) __asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d))
#else
#define U256__IN_REGS4(a, b, c, d) (void)0
#endif
static inline void u256_move(u256 *r, const u256 *a) {
    uint64_t a0 = a->w[0], a1 = a->w[1], a2 = a->w[2], a3 = a->w[3];
    U256__IN_REGS4(a0, a1, a2, a3);
    r->w[0] = a0; r->w[1] = a1; r->w[2] = a2; r->w[3] = a3;
}
static inline void u256_swap(u256 *x, u256 *y) {
    uint64_t a0 = x->w[0], a1 = x->w[1], a2 = x->w[2], a3 = x->w[3];
    uint64_t b0 = y->w[0], b1 = y->w[1], b2 = y->w[2], b3 = y->w[3];
    U256__IN_REGS4(a0, a1, a2, a3);
    U256__IN_REGS4(b0, b1, b2, b3);
    x->w[0] = b0; x->w[1] = b1; x->w[2] = b2; x->w[3] = b3;
    y->w[0] = a0; y->w[1] = a1; y->w[2] = a2; y->w[3] = a3;
}
static inline int u256_is_zero(const u256 *a) { return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0; }
static inline int u256_eq(const u256 *a, const u256 *b) {
    return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3])) == 0;
}
static inline int u256_fits_u64(const u256 *a) { return (a->w[1] | a->w[2] | a->w[3]) == 0; }
static inline int u256_is_neg(const u256 *a) { return (int)(a->w[3] >> 63); }

/* a as uint64_t, or UINT64_MAX when it does not fit (memory offsets and sizes). */
static inline uint64_t u256_to_u64_saturated(const u256 *a) {
    return u256_fits_u64(a) ? a->w[0] : UINT64_MAX;
}

static inline uint64_t u256__load_be64(const uint8_t *p) {
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return x;
#else
    return __builtin_bswap64(x);
#endif
}

static inline void u256__store_be64(uint8_t *p, uint64_t x) {
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    x = __builtin_bswap64(x);
#endif
    memcpy(p, &x, 8);
}

static inline void u256_from_be(u256 *r, const uint8_t *p) {
    uint64_t w3 = u256__load_be64(p), w2 = u256__load_be64(p + 8);
    uint64_t w1 = u256__load_be64(p + 16), w0 = u256__load_be64(p + 24);
    r->w[0] = w0; r->w[1] = w1; r->w[2] = w2; r->w[3] = w3;
}

static inline void u256_to_be(uint8_t *p, const u256 *a) {
    uint64_t w0 = a->w[0], w1 = a->w[1], w2 = a->w[2], w3 = a->w[3];
    u256__store_be64(p, w3); u256__store_be64(p + 8, w2);
    u256__store_be64(p + 16, w1); u256__store_be64(p + 24, w0);
}

/* n <= 32 big-endian bytes (PUSHn immediates, short data); larger n reads the last 32. */
static inline void u256_from_be_n(u256 *r, const uint8_t *p, size_t n) {
    uint8_t buf[32];
    if (n > 32) { p += n - 32; n = 32; }
    memset(buf, 0, 32 - n);
    memcpy(buf + 32 - n, p, n);
    u256_from_be(r, buf);
}

/* number of significant 64-bit limbs (0 for zero) */
static inline int u256__nlimbs(const uint64_t *a, int n) {
    while (n > 0 && a[n - 1] == 0) n--;
    return n;
}

/* number of significant bits (0 for zero) */
static inline unsigned u256_bit_len(const u256 *a) {
    for (int i = 3; i >= 0; i--)
        if (a->w[i]) return (unsigned)(64 * i + 64 - __builtin_clzll(a->w[i]));
    return 0;
}

/* bytes needed to write the exponent (EXP gas: 50 per byte since Spurious Dragon) */
static inline unsigned u256_exp_byte_len(const u256 *e) { return (u256_bit_len(e) + 7) / 8; }

/* ---- comparison --------------------------------------------------------------------- */

static inline int u256_lt(const u256 *a, const u256 *b) {
    for (int i = 3; i > 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i];
    return a->w[0] < b->w[0];
}
static inline int u256_gt(const u256 *a, const u256 *b) { return u256_lt(b, a); }
/* signed order = unsigned order of the words with their sign bits flipped */
static inline int u256_slt(const u256 *a, const u256 *b) {
    uint64_t a3 = a->w[3] ^ ((uint64_t)1 << 63), b3 = b->w[3] ^ ((uint64_t)1 << 63);
    if (a3 != b3) return a3 < b3;
    for (int i = 2; i > 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i];
    return a->w[0] < b->w[0];
}
static inline int u256_sgt(const u256 *a, const u256 *b) { return u256_slt(b, a); }

/* ---- bitwise ------------------------------------------------------------------------ */

static inline void u256_and(u256 *r, const u256 *a, const u256 *b) {
    for (int i = 0; i < 4; i++) r->w[i] = a->w[i] & b->w[i];
}
static inline void u256_or(u256 *r, const u256 *a, const u256 *b) {
    for (int i = 0; i < 4; i++) r->w[i] = a->w[i] | b->w[i];
}
static inline void u256_xor(u256 *r, const u256 *a, const u256 *b) {
    for (int i = 0; i < 4; i++) r->w[i] = a->w[i] ^ b->w[i];
}
static inline void u256_not(u256 *r, const u256 *a) {
    for (int i = 0; i < 4; i++) r->w[i] = ~a->w[i];
}

/* EVM BYTE: byte i of x counted from the most significant end; 0 when i >= 32. */
static inline void u256_byte(u256 *r, const u256 *i, const u256 *x) {
    uint64_t k = u256_to_u64_saturated(i);
    uint64_t v = 0;
    if (k < 32) {
        unsigned j = 31 - (unsigned)k;            /* byte index from the least significant end */
        v = (x->w[j >> 3] >> (8 * (j & 7))) & 0xff;
    }
    u256_set_u64(r, v);
}

/* x << shift (EVM SHL: shift first); 0 when shift >= 256. */
static inline void u256_shl(u256 *r, const u256 *shift, const u256 *x) {
    uint64_t s = u256_to_u64_saturated(shift);
    if (s >= 256) { u256_zero(r); return; }
    uint64_t v[4] = {x->w[0], x->w[1], x->w[2], x->w[3]};
    unsigned limbs = (unsigned)s >> 6, bits = (unsigned)s & 63;
    uint64_t out[4];
    for (int i = 3; i >= 0; i--) {
        int src = i - (int)limbs;
        uint64_t hi = src >= 0 ? v[src] : 0;
        uint64_t lo = src >= 1 ? v[src - 1] : 0;
        out[i] = bits ? (hi << bits) | (lo >> (64 - bits)) : hi;
    }
    r->w[0] = out[0]; r->w[1] = out[1]; r->w[2] = out[2]; r->w[3] = out[3];
}

/* shift right filling with `fill` limbs (0 for SHR, all ones for a negative SAR) */
static inline void u256__shr_fill(u256 *r, uint64_t s, const u256 *x, uint64_t fill) {
    uint64_t v[4] = {x->w[0], x->w[1], x->w[2], x->w[3]};
    unsigned limbs = (unsigned)s >> 6, bits = (unsigned)s & 63;
    uint64_t out[4];
    for (int i = 0; i < 4; i++) {
        unsigned src = (unsigned)i + limbs;
        uint64_t lo = src < 4 ? v[src] : fill;
        uint64_t hi = src + 1 < 4 ? v[src + 1] : fill;
        out[i] = bits ? (lo >> bits) | (hi << (64 - bits)) : lo;
    }
    r->w[0] = out[0]; r->w[1] = out[1]; r->w[2] = out[2]; r->w[3] = out[3];
}

/* x >> shift, logical (EVM SHR); 0 when shift >= 256. */
static inline void u256_shr(u256 *r, const u256 *shift, const u256 *x) {
    uint64_t s = u256_to_u64_saturated(shift);
    if (s >= 256) { u256_zero(r); return; }
    u256__shr_fill(r, s, x, 0);
}

/* x >> shift, arithmetic (EVM SAR); 0 or -1 (by the sign of x) when shift >= 256. */
static inline void u256_sar(u256 *r, const u256 *shift, const u256 *x) {
    uint64_t s = u256_to_u64_saturated(shift);
    uint64_t fill = (uint64_t)0 - (x->w[3] >> 63);
    if (s >= 256) { r->w[0] = r->w[1] = r->w[2] = r->w[3] = fill; return; }
    u256__shr_fill(r, s, x, fill);
}

/* EIP-7939 CLZ: number of leading zero bits; 256 for zero. */
static inline void u256_clz(u256 *r, const u256 *x) {
    u256_set_u64(r, 256 - u256_bit_len(x));
}

/* ---- add, sub, mul ------------------------------------------------------------------ */

static inline void u256_add(u256 *r, const u256 *a, const u256 *b) {
    u256__u128 t = (u256__u128)a->w[0] + b->w[0];
    uint64_t r0 = (uint64_t)t;
    t = (u256__u128)a->w[1] + b->w[1] + (uint64_t)(t >> 64);
    uint64_t r1 = (uint64_t)t;
    t = (u256__u128)a->w[2] + b->w[2] + (uint64_t)(t >> 64);
    uint64_t r2 = (uint64_t)t;
    uint64_t r3 = a->w[3] + b->w[3] + (uint64_t)(t >> 64);
    r->w[0] = r0; r->w[1] = r1; r->w[2] = r2; r->w[3] = r3;
}

static inline void u256_sub(u256 *r, const u256 *a, const u256 *b) {
    u256__u128 t = (u256__u128)a->w[0] - b->w[0];
    uint64_t r0 = (uint64_t)t;
    t = (u256__u128)a->w[1] - b->w[1] - (uint64_t)(t >> 127);
    uint64_t r1 = (uint64_t)t;
    t = (u256__u128)a->w[2] - b->w[2] - (uint64_t)(t >> 127);
    uint64_t r2 = (uint64_t)t;
    uint64_t r3 = a->w[3] - b->w[3] - (uint64_t)(t >> 127);
    r->w[0] = r0; r->w[1] = r1; r->w[2] = r2; r->w[3] = r3;
}

/* -a mod 2^256 */
static inline void u256_neg(u256 *r, const u256 *a) {
    u256 z; u256_zero(&z);
    u256_sub(r, &z, a);
}

static inline void u256_mul(u256 *r, const u256 *a, const u256 *b) {
    const uint64_t *x = a->w, *y = b->w;
    uint64_t out[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        uint64_t k = 0;
        for (int j = 0; j < 3 - i; j++) {
            u256__u128 t = (u256__u128)x[i] * y[j] + out[i + j] + k;
            out[i + j] = (uint64_t)t;
            k = (uint64_t)(t >> 64);
        }
        out[3] += x[i] * y[3 - i] + k;          /* the top limb only needs the low 64 bits */
    }
    r->w[0] = out[0]; r->w[1] = out[1]; r->w[2] = out[2]; r->w[3] = out[3];
}

/* a * a mod 2^256: the cross products once, doubled (6 multiplications instead of 10) */
static inline void u256_sqr(u256 *r, const u256 *a) {
    const uint64_t a0 = a->w[0], a1 = a->w[1], a2 = a->w[2], a3 = a->w[3];
    u256__u128 c = (u256__u128)a0 * a1;             /* at limb 1 */
    u256__u128 d = (u256__u128)a0 * a2;             /* at limb 2 */
    uint64_t e = a0 * a3 + a1 * a2;                 /* at limb 3, low half only */
    u256 x, diag;
    u256__u128 t = (u256__u128)(uint64_t)(c >> 64) + (uint64_t)d;
    x.w[0] = 0;
    x.w[1] = (uint64_t)c;
    x.w[2] = (uint64_t)t;
    x.w[3] = (uint64_t)(d >> 64) + e + (uint64_t)(t >> 64);
    u256_add(&x, &x, &x);
    u256__u128 s0 = (u256__u128)a0 * a0, s1 = (u256__u128)a1 * a1;
    diag.w[0] = (uint64_t)s0; diag.w[1] = (uint64_t)(s0 >> 64);
    diag.w[2] = (uint64_t)s1; diag.w[3] = (uint64_t)(s1 >> 64);
    u256_add(r, &x, &diag);
}

/* full 512-bit product: out[0..7] = a * b */
static inline void u256__mul_full(uint64_t out[8], const u256 *a, const u256 *b) {
    for (int i = 0; i < 8; i++) out[i] = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t k = 0;
        for (int j = 0; j < 4; j++) {
            u256__u128 t = (u256__u128)a->w[i] * b->w[j] + out[i + j] + k;
            out[i + j] = (uint64_t)t;
            k = (uint64_t)(t >> 64);
        }
        out[i + 4] = k;
    }
}

/* ---- division ----------------------------------------------------------------------- */

/* (hi:lo) / d with hi < d: returns the quotient, stores the remainder. */
static inline uint64_t u256__div_2by1(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    u256__u128 n = ((u256__u128)hi << 64) | lo;
    *rem = (uint64_t)(n % d);
    return (uint64_t)(n / d);
#endif
}

/* Division by an invariant normalised divisor with a precomputed reciprocal
 * (N. Moller and T. Granlund, "Improved division by invariant integers", IEEE Trans. Computers
 * 2011, algorithms 4 and 6). */

/* floor((2^192 - 1) / (d1, d0)) - 2^64, for d1 with its top bit set */
static inline uint64_t u256__reciprocal_3by2(uint64_t d1, uint64_t d0) {
    uint64_t unused;
    uint64_t v = u256__div_2by1(~d1, UINT64_MAX, d1, &unused);   /* floor((2^128-1)/d1) - 2^64 */
    uint64_t p = d1 * v + d0;
    if (p < d0) {
        v--;
        if (p >= d1) { v--; p -= d1; }
        p -= d1;
    }
    u256__u128 t = (u256__u128)v * d0;
    uint64_t th = (uint64_t)(t >> 64), tl = (uint64_t)t;
    p += th;
    if (p < th) {
        v--;
        if (p > d1 || (p == d1 && tl >= d0)) v--;
    }
    return v;
}

/* (u2, u1, u0) / (d1, d0) with (u2, u1) < (d1, d0) and d1's top bit set; v from
 * u256__reciprocal_3by2. Returns the quotient digit and stores the 128-bit remainder. */
static inline uint64_t u256__div_3by2(uint64_t u2, uint64_t u1, uint64_t u0, uint64_t d1, uint64_t d0,
                                      uint64_t v, uint64_t *r1_out, uint64_t *r0_out) {
    u256__u128 q = (u256__u128)v * u2 + (((u256__u128)u2 << 64) | u1);
    uint64_t q1 = (uint64_t)(q >> 64), q0 = (uint64_t)q;
    uint64_t r1 = u1 - q1 * d1;
    const u256__u128 d = ((u256__u128)d1 << 64) | d0;
    u256__u128 r = (((u256__u128)r1 << 64) | u0) - (u256__u128)d0 * q1 - d;
    q1++;
    /* unpredictable: done without a branch */
    uint64_t mask = (uint64_t)0 - (uint64_t)((uint64_t)(r >> 64) >= q0);
    q1 += mask;
    r += d & (((u256__u128)mask << 64) | mask);
    if (r >= d) { q1++; r -= d; }       /* rare */
    *r1_out = (uint64_t)(r >> 64);
    *r0_out = (uint64_t)r;
    return q1;
}

#if defined(__GNUC__) || defined(__clang__)
#define U256__ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define U256__ALWAYS_INLINE inline
#endif

/* the body of Algorithm D for vlen >= 2; inlined with a constant vlen so the loops unroll */
static U256__ALWAYS_INLINE void u256__divrem_knuth(uint64_t *q, uint64_t *rem, const uint64_t *u,
                                                   int ulen, const uint64_t *v, const int vlen) {
    /* normalise: shift so that the top bit of the divisor is set */
    unsigned s = (unsigned)__builtin_clzll(v[vlen - 1]);
    uint64_t vn[4], un[9];
    for (int i = vlen - 1; i > 0; i--) vn[i] = s ? (v[i] << s) | (v[i - 1] >> (64 - s)) : v[i];
    vn[0] = v[0] << s;
    un[ulen] = s ? u[ulen - 1] >> (64 - s) : 0;
    for (int i = ulen - 1; i > 0; i--) un[i] = s ? (u[i] << s) | (u[i - 1] >> (64 - s)) : u[i];
    un[0] = u[0] << s;

    const uint64_t d1 = vn[vlen - 1], d0 = vn[vlen - 2];
    const uint64_t rcp = u256__reciprocal_3by2(d1, d0);
    for (int j = ulen - vlen; j >= 0; j--) {
        uint64_t u2 = un[j + vlen], u1 = un[j + vlen - 1], u0 = un[j + vlen - 2];
        uint64_t qhat;
        if (u2 == d1 && u1 == d0) {
            /* rare: (u2, u1) is not below the divisor's top, and the digit is 2^64 - 1;
             * un[j .. j+vlen] -= qhat * vn over the full width */
            qhat = UINT64_MAX;
            uint64_t k = 0, borrow = 0;
            for (int i = 0; i < vlen; i++) {
                u256__u128 p = (u256__u128)qhat * vn[i] + k;
                k = (uint64_t)(p >> 64);
                uint64_t lo = (uint64_t)p, x = un[i + j];
                uint64_t t = x - lo;
                uint64_t b1 = x < lo;
                uint64_t t2 = t - borrow;
                b1 |= t < borrow;
                un[i + j] = t2;
                borrow = b1;
            }
            un[j + vlen] = u2 - k - borrow;   /* zero: the digit is exact */
        } else {
            /* the digit of (u2, u1, u0) / (d1, d0): exact for the top three limbs, so at most
             * one too large for the whole window */
            uint64_t r1, r0;
            qhat = u256__div_3by2(u2, u1, u0, d1, d0, rcp, &r1, &r0);
            /* un[j .. j+vlen-3] -= qhat * vn[0 .. vlen-3]; the carry comes out of (r1, r0) */
            uint64_t k = 0, borrow = 0;
            for (int i = 0; i < vlen - 2; i++) {
                u256__u128 p = (u256__u128)qhat * vn[i] + k;
                k = (uint64_t)(p >> 64);
                uint64_t lo = (uint64_t)p, x = un[i + j];
                uint64_t t = x - lo;
                uint64_t b1 = x < lo;
                uint64_t t2 = t - borrow;
                b1 |= t < borrow;
                un[i + j] = t2;
                borrow = b1;
            }
            uint64_t t = r0 - k;
            uint64_t b1 = r0 < k;
            uint64_t t2 = t - borrow;
            b1 |= t < borrow;
            r0 = t2;
            uint64_t under = r1 < b1;
            r1 -= b1;
            if (under) {                   /* qhat was one too large: add the divisor back */
                qhat--;
                uint64_t c = 0;
                for (int i = 0; i < vlen - 2; i++) {
                    u256__u128 a = (u256__u128)un[i + j] + vn[i] + c;
                    un[i + j] = (uint64_t)a;
                    c = (uint64_t)(a >> 64);
                }
                u256__u128 a = (u256__u128)r0 + d0 + c;
                r0 = (uint64_t)a;
                r1 += d1 + (uint64_t)(a >> 64);
            }
            un[j + vlen - 2] = r0;
            un[j + vlen - 1] = r1;
            un[j + vlen] = 0;
        }
        q[j] = qhat;
    }
    /* unnormalise the remainder */
    for (int i = 0; i < vlen; i++) rem[i] = s ? (un[i] >> s) | (un[i + 1] << (64 - s)) : un[i];
}

/* Long division of u (ulen limbs) by v (vlen limbs, v[vlen-1] != 0, vlen <= 4, ulen <= 8):
 * q[0 .. ulen-vlen] gets the quotient (when ulen >= vlen), rem[0 .. vlen-1] the remainder.
 * Knuth, TAOCP vol. 2, 4.3.1, Algorithm D, with 64-bit digits. */
static inline void u256__divrem(uint64_t *q, uint64_t *rem, const uint64_t *u, int ulen,
                                const uint64_t *v, int vlen) {
    if (ulen < vlen) {
        for (int i = 0; i < vlen; i++) rem[i] = i < ulen ? u[i] : 0;
        return;
    }
    switch (vlen) {
    case 1: {
        uint64_t d = v[0], r = 0;
        for (int i = ulen - 1; i >= 0; i--) q[i] = u256__div_2by1(r, u[i], d, &r);
        rem[0] = r;
        return;
    }
    case 2: u256__divrem_knuth(q, rem, u, ulen, v, 2); return;
    case 3: u256__divrem_knuth(q, rem, u, ulen, v, 3); return;
    default: u256__divrem_knuth(q, rem, u, ulen, v, 4); return;
    }
}

/* q = a / b, m = a % b (either may be NULL); b == 0 gives 0 for both. */
static inline void u256__udivmod(u256 *q, u256 *m, const u256 *a, const u256 *b) {
    int vlen = u256__nlimbs(b->w, 4);
    if (vlen == 0) {
        if (q) u256_zero(q);
        if (m) u256_zero(m);
        return;
    }
    int ulen = u256__nlimbs(a->w, 4);
    if (ulen <= 1) {                       /* a < 2^64 */
        uint64_t x = a->w[0];
        if (vlen == 1) {
            uint64_t d = b->w[0];
            if (q) u256_set_u64(q, x / d);
            if (m) u256_set_u64(m, x % d);
        } else {                           /* a < b */
            if (q) u256_zero(q);
            if (m) u256_set_u64(m, x);
        }
        return;
    }
    uint64_t qq[4] = {0, 0, 0, 0}, rr[4] = {0, 0, 0, 0};
    u256__divrem(qq, rr, a->w, ulen, b->w, vlen);
    if (q) { q->w[0] = qq[0]; q->w[1] = qq[1]; q->w[2] = qq[2]; q->w[3] = qq[3]; }
    if (m) { m->w[0] = rr[0]; m->w[1] = rr[1]; m->w[2] = rr[2]; m->w[3] = rr[3]; }
}

static inline void u256_div(u256 *r, const u256 *a, const u256 *b) { u256__udivmod(r, NULL, a, b); }
static inline void u256_mod(u256 *r, const u256 *a, const u256 *b) { u256__udivmod(NULL, r, a, b); }

/* signed division, truncating toward zero; -2^255 / -1 gives -2^255 (wraps) */
static inline void u256_sdiv(u256 *r, const u256 *a, const u256 *b) {
    int na = u256_is_neg(a), nb = u256_is_neg(b);
    u256 x = *a, y = *b;
    if (na) u256_neg(&x, &x);
    if (nb) u256_neg(&y, &y);
    u256__udivmod(r, NULL, &x, &y);
    if (na != nb) u256_neg(r, r);
}

/* signed remainder: the sign of the dividend */
static inline void u256_smod(u256 *r, const u256 *a, const u256 *b) {
    int na = u256_is_neg(a);
    u256 x = *a, y = *b;
    if (na) u256_neg(&x, &x);
    if (u256_is_neg(&y)) u256_neg(&y, &y);
    u256__udivmod(NULL, r, &x, &y);
    if (na) u256_neg(r, r);
}

/* (a + b) % m over the integers; m == 0 gives 0. */
static inline void u256_addmod(u256 *r, const u256 *a, const u256 *b, const u256 *m) {
    int vlen = u256__nlimbs(m->w, 4);
    if (vlen == 0) { u256_zero(r); return; }
    u256 mm = *m;
    if (u256_lt(a, &mm) && u256_lt(b, &mm)) {   /* common case: one conditional subtraction */
        u256 s;
        u256_add(&s, a, b);
        int carry = u256_lt(&s, a);
        if (carry || !u256_lt(&s, &mm)) u256_sub(&s, &s, &mm);
        *r = s;
        return;
    }
    uint64_t s[5];
    u256__u128 t = 0;
    for (int i = 0; i < 4; i++) {
        t = (u256__u128)a->w[i] + b->w[i] + (uint64_t)(t >> 64);
        s[i] = (uint64_t)t;
    }
    s[4] = (uint64_t)(t >> 64);
    uint64_t qq[5], rr[4] = {0, 0, 0, 0};
    u256__divrem(qq, rr, s, u256__nlimbs(s, 5), mm.w, vlen);
    r->w[0] = rr[0]; r->w[1] = rr[1]; r->w[2] = rr[2]; r->w[3] = rr[3];
}

/* (a * b) % m over the integers (512-bit product); m == 0 gives 0. */
static inline void u256_mulmod(u256 *r, const u256 *a, const u256 *b, const u256 *m) {
    int vlen = u256__nlimbs(m->w, 4);
    if (vlen == 0) { u256_zero(r); return; }
    if (vlen == 1 && u256_fits_u64(a) && u256_fits_u64(b)) {
        uint64_t d = m->w[0], rem;
        u256__u128 p = (u256__u128)(a->w[0] % d) * (b->w[0] % d);   /* < d^2: hi < d */
        u256__div_2by1((uint64_t)(p >> 64), (uint64_t)p, d, &rem);
        u256_set_u64(r, rem);
        return;
    }
    uint64_t p[8], qq[8], rr[4] = {0, 0, 0, 0};
    u256 mm = *m;
    u256__mul_full(p, a, b);
    u256__divrem(qq, rr, p, u256__nlimbs(p, 8), mm.w, vlen);
    r->w[0] = rr[0]; r->w[1] = rr[1]; r->w[2] = rr[2]; r->w[3] = rr[3];
}

/* base ** exponent mod 2^256 (square-and-multiply) */
static inline void u256_exp(u256 *r, const u256 *base, const u256 *exponent) {
    u256 b = *base, e = *exponent, acc;
    unsigned nbits = u256_bit_len(&e);
    if (nbits == 0) { u256_set_u64(r, 1); return; }
    if (u256_fits_u64(&b) && b.w[0] <= 2) {
        if (b.w[0] < 2) { *r = b; return; }        /* 0**e = 0, 1**e = 1 for e > 0 */
        u256 one; u256_set_u64(&one, 1);           /* 2**e = 1 << e */
        u256_shl(r, &e, &one);
        return;
    }
    u256_set_u64(&acc, 1);
    for (unsigned i = 0; i < nbits; i++) {
        if ((e.w[i >> 6] >> (i & 63)) & 1) u256_mul(&acc, &acc, &b);
        if (i + 1 < nbits) u256_sqr(&b, &b);
    }
    *r = acc;
}

/* EVM SIGNEXTEND: extend the sign bit of byte b (0 = least significant) of x; b >= 31 gives x. */
static inline void u256_signextend(u256 *r, const u256 *b, const u256 *x) {
    uint64_t k = u256_to_u64_saturated(b);
    if (k >= 31) { *r = *x; return; }
    unsigned bit = 8 * (unsigned)k + 7;            /* the sign bit */
    unsigned limb = bit >> 6, off = bit & 63;
    uint64_t v[4] = {x->w[0], x->w[1], x->w[2], x->w[3]};
    uint64_t neg = (v[limb] >> off) & 1;
    uint64_t fill = (uint64_t)0 - neg;
    uint64_t mask = off == 63 ? UINT64_MAX : (((uint64_t)1 << (off + 1)) - 1);  /* bits kept */
    v[limb] = (v[limb] & mask) | (fill & ~mask);
    for (unsigned i = limb + 1; i < 4; i++) v[i] = fill;
    r->w[0] = v[0]; r->w[1] = v[1]; r->w[2] = v[2]; r->w[3] = v[3];
}

#endif
