/* bn254 (alt_bn128) arithmetic for the EVM precompiles ECADD, ECMUL and ECPAIRING
 * (EIP-196, EIP-197).
 *
 * Curve: E: y^2 = x^3 + 3 over Fp, with
 *   p = 36u^4 + 36u^3 + 24u^2 + 6u + 1,  r = 36u^4 + 36u^3 + 18u^2 + 6u + 1,
 *   u = 4965661367192848881.
 * Towers: Fp2 = Fp[i]/(i^2 + 1), Fp6 = Fp2[v]/(v^3 - xi) with xi = 9 + i,
 *         Fp12 = Fp6[w]/(w^2 - v), so w^6 = xi.
 * G2 lives on the sextic twist E': y^2 = x^3 + b' over Fp2 with b' = 3/xi; the map
 * (x, y) -> (x w^2, y w^3) sends E' into E(Fp12).
 *
 * Field elements are 4 little-endian 64-bit limbs in Montgomery form (R = 2^256).
 * Nothing here is constant time: the precompiles only see public data.
 *
 * The pairing is the optimal ate pairing: a Miller loop over 6u + 2 followed by two
 * lines through the Frobenius images of Q, then the final exponentiation to the power
 * (p^12 - 1) / r, split into (p^6 - 1)(p^2 + 1) and (p^4 - p^2 + 1) / r, the latter
 * written in base p with coefficients that are polynomials in u.  Line values are
 * scaled by factors in Fp2, which the final exponentiation sends to 1.
 */
#ifndef VERBS_BN254_H
#define VERBS_BN254_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 bn_u128;

typedef struct { uint64_t l[4]; } bn_fp;
typedef struct { bn_fp c0, c1; } bn_fp2;            /* c0 + c1 i */
typedef struct { bn_fp2 c0, c1, c2; } bn_fp6;       /* c0 + c1 v + c2 v^2 */
typedef struct { bn_fp6 c0, c1; } bn_fp12;          /* c0 + c1 w */

typedef struct { bn_fp x, y, z; } bn_g1j;           /* Jacobian: (x/z^2, y/z^3); z = 0 is infinity */
typedef struct { bn_fp2 x, y, z; } bn_g2j;
typedef struct { bn_fp2 x, y; } bn_g2a;             /* affine, never infinity */

enum {
    BN254_OK = 0,
    BN254_ERR_FIELD = 1,      /* a coordinate is >= p */
    BN254_ERR_G1_CURVE = 2,   /* a G1 point is not on E */
    BN254_ERR_G2_CURVE = 3,   /* a G2 point is not on E' */
    BN254_ERR_G2_GROUP = 4,   /* a G2 point is on E' but not of order r */
    BN254_ERR_NOMEM = 5,
};

static const bn_fp BN_P = {{0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL,
                            0xb85045b68181585dULL, 0x30644e72e131a029ULL}};
static const uint64_t BN_PINV = 0x87d20782e4866389ULL; /* -p^-1 mod 2^64 */
static const bn_fp BN_R2 = {{0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL,
                             0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL}}; /* R^2 mod p */
static const bn_fp BN_ONE = {{0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL,
                              0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL}}; /* R mod p */
static const uint64_t BN_PM2[4] = {0x3c208c16d87cfd45ULL, 0x97816a916871ca8dULL,
                                   0xb85045b68181585dULL, 0x30644e72e131a029ULL}; /* p - 2 */
static const uint64_t BN_U = 0x44e992b44a6909f1ULL;           /* the curve parameter u */
/* 6u + 2 = 29793968203157093288, a 65-bit number: bit 64 is set, low 64 bits below. */
static const uint64_t BN_ATE_LO = 0x9d797039be763ba8ULL;

/* b' = 3 / (9 + i), Montgomery form. */
static const bn_fp2 BN_B2 = {
    {{0x3bf938e377b802a8ULL, 0x020b1b273633535dULL, 0x26b7edf049755260ULL, 0x2514c6324384a86dULL}},
    {{0x38e7ecccd1dcff67ULL, 0x65f0b37d93ce0d3eULL, 0xd749d0dd22ac00aaULL, 0x0141b9ce4a688d4dULL}}};

/* BN_GAMMA[k] = xi^((k+1)(p-1)/6) = w^((k+1)(p-1)), for the Frobenius map. */
static const bn_fp2 BN_GAMMA[5] = {
    {{{0xaf9ba69633144907ULL, 0xca6b1d7387afb78aULL, 0x11bded5ef08a2087ULL, 0x02f34d751a1f3a7cULL}},
     {{0xa222ae234c492d72ULL, 0xd00f02a4565de15bULL, 0xdc2ff3a253dfc926ULL, 0x10a75716b3899551ULL}}},
    {{{0xb5773b104563ab30ULL, 0x347f91c8a9aa6454ULL, 0x7a007127242e0991ULL, 0x1956bcd8118214ecULL}},
     {{0x6e849f1ea0aa4757ULL, 0xaa1c7b6d89f89141ULL, 0xb6e713cdfae0ca3aULL, 0x26694fbb4e82ebc3ULL}}},
    {{{0xe4bbdd0c2936b629ULL, 0xbb30f162e133bacbULL, 0x31a9d1b6f9645366ULL, 0x253570bea500f8ddULL}},
     {{0xa1d77ce45ffe77c7ULL, 0x07affd117826d1dbULL, 0x6d16bd27bb7edc6bULL, 0x2c87200285defeccULL}}},
    {{{0x7361d77f843abe92ULL, 0xa5bb2bd3273411fbULL, 0x9c941f314b3e2399ULL, 0x15df9cddbb9fd3ecULL}},
     {{0x5dddfd154bd8c949ULL, 0x62cb29a5a4445b60ULL, 0x37bc870a0c7dd2b9ULL, 0x24830a9d3171f0fdULL}}},
    {{{0xc970692f41690fe7ULL, 0xe240342127694b0bULL, 0x32bee66b83c459e8ULL, 0x12aabced0ab08841ULL}},
     {{0x0d485d2340aebfa9ULL, 0x05193418ab2fcc57ULL, 0xd3b0a40b8a4910f5ULL, 0x2f21ebb535d2925aULL}}},
};

/* ------------------------------------------------------------------------------------ */
/* Fp                                                                                   */
/* ------------------------------------------------------------------------------------ */

static inline int bn_fp_is_zero(const bn_fp *a) {
    return (a->l[0] | a->l[1] | a->l[2] | a->l[3]) == 0;
}

static inline int bn_fp_eq(const bn_fp *a, const bn_fp *b) {
    return ((a->l[0] ^ b->l[0]) | (a->l[1] ^ b->l[1]) | (a->l[2] ^ b->l[2]) | (a->l[3] ^ b->l[3])) == 0;
}

/* r = a - b over 256 bits; returns the borrow. */
static inline uint64_t bn_sub256(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        bn_u128 d = (bn_u128)a[i] - b[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow;
}

/* Values stay in [0, p); p < 2^254, so a sum never carries out of 256 bits. */
static inline void bn_fp_add(bn_fp *r, const bn_fp *a, const bn_fp *b) {
    uint64_t s[4], t[4], carry = 0;
    for (int i = 0; i < 4; i++) {
        bn_u128 x = (bn_u128)a->l[i] + b->l[i] + carry;
        s[i] = (uint64_t)x;
        carry = (uint64_t)(x >> 64);
    }
    if (bn_sub256(t, s, BN_P.l)) memcpy(r->l, s, sizeof s);
    else memcpy(r->l, t, sizeof t);
}

static inline void bn_fp_sub(bn_fp *r, const bn_fp *a, const bn_fp *b) {
    uint64_t t[4];
    if (bn_sub256(t, a->l, b->l)) {
        uint64_t carry = 0;
        for (int i = 0; i < 4; i++) {
            bn_u128 x = (bn_u128)t[i] + BN_P.l[i] + carry;
            t[i] = (uint64_t)x;
            carry = (uint64_t)(x >> 64);
        }
    }
    memcpy(r->l, t, sizeof t);
}

static inline void bn_fp_neg(bn_fp *r, const bn_fp *a) {
    if (bn_fp_is_zero(a)) { *r = *a; return; }
    bn_sub256(r->l, BN_P.l, a->l);
}

static inline void bn_fp_dbl(bn_fp *r, const bn_fp *a) { bn_fp_add(r, a, a); }

/* Montgomery product a * b / R mod p (coarsely integrated operand scanning). */
static inline void bn_fp_mul(bn_fp *r, const bn_fp *a, const bn_fp *b) {
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        bn_u128 c = 0;
        for (int j = 0; j < 4; j++) {
            c = (bn_u128)a->l[j] * b->l[i] + t[j] + (uint64_t)(c >> 64);
            t[j] = (uint64_t)c;
        }
        c = (bn_u128)t[4] + (uint64_t)(c >> 64);
        t[4] = (uint64_t)c;
        t[5] = (uint64_t)(c >> 64);
        uint64_t m = t[0] * BN_PINV;
        c = (bn_u128)m * BN_P.l[0] + t[0];
        for (int j = 1; j < 4; j++) {
            c = (bn_u128)m * BN_P.l[j] + t[j] + (uint64_t)(c >> 64);
            t[j - 1] = (uint64_t)c;
        }
        c = (bn_u128)t[4] + (uint64_t)(c >> 64);
        t[3] = (uint64_t)c;
        t[4] = t[5] + (uint64_t)(c >> 64);
    }
    uint64_t s[4];
    if (t[4] || !bn_sub256(s, t, BN_P.l)) {
        bn_sub256(s, t, BN_P.l);
        memcpy(r->l, s, sizeof s);
    } else {
        memcpy(r->l, t, 4 * sizeof(uint64_t));
    }
}

static inline void bn_fp_sqr(bn_fp *r, const bn_fp *a) { bn_fp_mul(r, a, a); }

/* a^e for a 256-bit exponent e (little-endian limbs). */
static void bn_fp_pow(bn_fp *r, const bn_fp *a, const uint64_t e[4]) {
    bn_fp acc = BN_ONE;
    for (int i = 255; i >= 0; i--) {
        bn_fp_sqr(&acc, &acc);
        if ((e[i / 64] >> (i % 64)) & 1) bn_fp_mul(&acc, &acc, a);
    }
    *r = acc;
}

/* 1/a by Fermat; 1/0 gives 0. */
static void bn_fp_inv(bn_fp *r, const bn_fp *a) { bn_fp_pow(r, a, BN_PM2); }

/* Read 32 big-endian bytes into Montgomery form; -1 if the value is >= p. */
static int bn_fp_from_bytes(bn_fp *r, const unsigned char *b) {
    uint64_t x[4], t[4];
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int k = 0; k < 8; k++) w = (w << 8) | b[(3 - i) * 8 + k];
        x[i] = w;
    }
    if (!bn_sub256(t, x, BN_P.l)) return -1;
    memcpy(r->l, x, sizeof x);
    bn_fp_mul(r, r, &BN_R2);
    return 0;
}

static void bn_fp_to_bytes(unsigned char *b, const bn_fp *a) {
    bn_fp one = {{1, 0, 0, 0}}, x;
    bn_fp_mul(&x, a, &one); /* leave Montgomery form */
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 8; k++) b[(3 - i) * 8 + k] = (unsigned char)(x.l[i] >> (56 - 8 * k));
}

/* ------------------------------------------------------------------------------------ */
/* Fp2                                                                                  */
/* ------------------------------------------------------------------------------------ */

static inline int bn_fp2_is_zero(const bn_fp2 *a) { return bn_fp_is_zero(&a->c0) && bn_fp_is_zero(&a->c1); }
static inline int bn_fp2_eq(const bn_fp2 *a, const bn_fp2 *b) {
    return bn_fp_eq(&a->c0, &b->c0) && bn_fp_eq(&a->c1, &b->c1);
}
static inline void bn_fp2_add(bn_fp2 *r, const bn_fp2 *a, const bn_fp2 *b) {
    bn_fp_add(&r->c0, &a->c0, &b->c0);
    bn_fp_add(&r->c1, &a->c1, &b->c1);
}
static inline void bn_fp2_sub(bn_fp2 *r, const bn_fp2 *a, const bn_fp2 *b) {
    bn_fp_sub(&r->c0, &a->c0, &b->c0);
    bn_fp_sub(&r->c1, &a->c1, &b->c1);
}
static inline void bn_fp2_dbl(bn_fp2 *r, const bn_fp2 *a) { bn_fp2_add(r, a, a); }
static inline void bn_fp2_neg(bn_fp2 *r, const bn_fp2 *a) {
    bn_fp_neg(&r->c0, &a->c0);
    bn_fp_neg(&r->c1, &a->c1);
}
static inline void bn_fp2_conj(bn_fp2 *r, const bn_fp2 *a) {
    r->c0 = a->c0;
    bn_fp_neg(&r->c1, &a->c1);
}

static inline void bn_fp2_mul(bn_fp2 *r, const bn_fp2 *a, const bn_fp2 *b) {
    bn_fp v0, v1, s, t;
    bn_fp_mul(&v0, &a->c0, &b->c0);
    bn_fp_mul(&v1, &a->c1, &b->c1);
    bn_fp_add(&s, &a->c0, &a->c1);
    bn_fp_add(&t, &b->c0, &b->c1);
    bn_fp_mul(&s, &s, &t);
    bn_fp_sub(&s, &s, &v0);
    bn_fp_sub(&r->c1, &s, &v1);
    bn_fp_sub(&r->c0, &v0, &v1);
}

static inline void bn_fp2_sqr(bn_fp2 *r, const bn_fp2 *a) {
    bn_fp s, d, m;
    bn_fp_add(&s, &a->c0, &a->c1);
    bn_fp_sub(&d, &a->c0, &a->c1);
    bn_fp_mul(&m, &a->c0, &a->c1);
    bn_fp_mul(&r->c0, &s, &d);
    bn_fp_dbl(&r->c1, &m);
}

static inline void bn_fp2_mul_fp(bn_fp2 *r, const bn_fp2 *a, const bn_fp *b) {
    bn_fp_mul(&r->c0, &a->c0, b);
    bn_fp_mul(&r->c1, &a->c1, b);
}

/* a * (9 + i) = (9 a0 - a1) + (a0 + 9 a1) i */
static inline void bn_fp2_mul_xi(bn_fp2 *r, const bn_fp2 *a) {
    bn_fp2 e;
    bn_fp2_dbl(&e, a);
    bn_fp2_dbl(&e, &e);
    bn_fp2_dbl(&e, &e);
    bn_fp2_add(&e, &e, a); /* 9a */
    bn_fp c0, c1;
    bn_fp_sub(&c0, &e.c0, &a->c1);
    bn_fp_add(&c1, &e.c1, &a->c0);
    r->c0 = c0;
    r->c1 = c1;
}

static void bn_fp2_inv(bn_fp2 *r, const bn_fp2 *a) {
    bn_fp n, t;
    bn_fp_sqr(&n, &a->c0);
    bn_fp_sqr(&t, &a->c1);
    bn_fp_add(&n, &n, &t);
    bn_fp_inv(&n, &n);
    bn_fp_mul(&r->c0, &a->c0, &n);
    bn_fp_mul(&t, &a->c1, &n);
    bn_fp_neg(&r->c1, &t);
}

/* ------------------------------------------------------------------------------------ */
/* Fp6                                                                                  */
/* ------------------------------------------------------------------------------------ */

static inline void bn_fp6_add(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b) {
    bn_fp2_add(&r->c0, &a->c0, &b->c0);
    bn_fp2_add(&r->c1, &a->c1, &b->c1);
    bn_fp2_add(&r->c2, &a->c2, &b->c2);
}
static inline void bn_fp6_sub(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b) {
    bn_fp2_sub(&r->c0, &a->c0, &b->c0);
    bn_fp2_sub(&r->c1, &a->c1, &b->c1);
    bn_fp2_sub(&r->c2, &a->c2, &b->c2);
}
static inline void bn_fp6_neg(bn_fp6 *r, const bn_fp6 *a) {
    bn_fp2_neg(&r->c0, &a->c0);
    bn_fp2_neg(&r->c1, &a->c1);
    bn_fp2_neg(&r->c2, &a->c2);
}

/* Karatsuba over the three coefficients; v^3 = xi. */
static void bn_fp6_mul(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b) {
    bn_fp2 v0, v1, v2, s, t, c0, c1, c2;
    bn_fp2_mul(&v0, &a->c0, &b->c0);
    bn_fp2_mul(&v1, &a->c1, &b->c1);
    bn_fp2_mul(&v2, &a->c2, &b->c2);
    /* c0 = v0 + xi ((a1 + a2)(b1 + b2) - v1 - v2) */
    bn_fp2_add(&s, &a->c1, &a->c2);
    bn_fp2_add(&t, &b->c1, &b->c2);
    bn_fp2_mul(&s, &s, &t);
    bn_fp2_sub(&s, &s, &v1);
    bn_fp2_sub(&s, &s, &v2);
    bn_fp2_mul_xi(&s, &s);
    bn_fp2_add(&c0, &s, &v0);
    /* c1 = (a0 + a1)(b0 + b1) - v0 - v1 + xi v2 */
    bn_fp2_add(&s, &a->c0, &a->c1);
    bn_fp2_add(&t, &b->c0, &b->c1);
    bn_fp2_mul(&s, &s, &t);
    bn_fp2_sub(&s, &s, &v0);
    bn_fp2_sub(&s, &s, &v1);
    bn_fp2_mul_xi(&t, &v2);
    bn_fp2_add(&c1, &s, &t);
    /* c2 = (a0 + a2)(b0 + b2) - v0 - v2 + v1 */
    bn_fp2_add(&s, &a->c0, &a->c2);
    bn_fp2_add(&t, &b->c0, &b->c2);
    bn_fp2_mul(&s, &s, &t);
    bn_fp2_sub(&s, &s, &v0);
    bn_fp2_sub(&s, &s, &v2);
    bn_fp2_add(&c2, &s, &v1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

/* a * v = xi a2 + a0 v + a1 v^2 */
static inline void bn_fp6_mul_v(bn_fp6 *r, const bn_fp6 *a) {
    bn_fp2 t;
    bn_fp2_mul_xi(&t, &a->c2);
    r->c2 = a->c1;
    r->c1 = a->c0;
    r->c0 = t;
}

static void bn_fp6_inv(bn_fp6 *r, const bn_fp6 *a) {
    bn_fp2 A, B, C, F, t;
    bn_fp2_sqr(&A, &a->c0); /* A = a0^2 - xi a1 a2 */
    bn_fp2_mul(&t, &a->c1, &a->c2);
    bn_fp2_mul_xi(&t, &t);
    bn_fp2_sub(&A, &A, &t);
    bn_fp2_sqr(&B, &a->c2); /* B = xi a2^2 - a0 a1 */
    bn_fp2_mul_xi(&B, &B);
    bn_fp2_mul(&t, &a->c0, &a->c1);
    bn_fp2_sub(&B, &B, &t);
    bn_fp2_sqr(&C, &a->c1); /* C = a1^2 - a0 a2 */
    bn_fp2_mul(&t, &a->c0, &a->c2);
    bn_fp2_sub(&C, &C, &t);
    bn_fp2_mul(&F, &a->c2, &B); /* F = a0 A + xi (a2 B + a1 C) */
    bn_fp2_mul(&t, &a->c1, &C);
    bn_fp2_add(&F, &F, &t);
    bn_fp2_mul_xi(&F, &F);
    bn_fp2_mul(&t, &a->c0, &A);
    bn_fp2_add(&F, &F, &t);
    bn_fp2_inv(&F, &F);
    bn_fp2_mul(&r->c0, &A, &F);
    bn_fp2_mul(&r->c1, &B, &F);
    bn_fp2_mul(&r->c2, &C, &F);
}

/* ------------------------------------------------------------------------------------ */
/* Fp12                                                                                 */
/* ------------------------------------------------------------------------------------ */

static inline void bn_fp12_one(bn_fp12 *r) {
    memset(r, 0, sizeof *r);
    r->c0.c0.c0 = BN_ONE;
}

static int bn_fp12_is_one(const bn_fp12 *a) {
    bn_fp12 one;
    bn_fp12_one(&one);
    return memcmp(a, &one, sizeof one) == 0; /* canonical limbs, so bytes compare */
}

static void bn_fp12_mul(bn_fp12 *r, const bn_fp12 *a, const bn_fp12 *b) {
    bn_fp6 v0, v1, s, t;
    bn_fp6_mul(&v0, &a->c0, &b->c0);
    bn_fp6_mul(&v1, &a->c1, &b->c1);
    bn_fp6_add(&s, &a->c0, &a->c1);
    bn_fp6_add(&t, &b->c0, &b->c1);
    bn_fp6_mul(&s, &s, &t);
    bn_fp6_sub(&s, &s, &v0);
    bn_fp6_sub(&r->c1, &s, &v1);
    bn_fp6_mul_v(&t, &v1);
    bn_fp6_add(&r->c0, &v0, &t);
}

/* (a0 + a1 w)^2 = (a0 + a1)(a0 + v a1) - t - v t + 2 t w, with t = a0 a1 */
static void bn_fp12_sqr(bn_fp12 *r, const bn_fp12 *a) {
    bn_fp6 t, s, u, vt;
    bn_fp6_mul(&t, &a->c0, &a->c1);
    bn_fp6_add(&s, &a->c0, &a->c1);
    bn_fp6_mul_v(&u, &a->c1);
    bn_fp6_add(&u, &u, &a->c0);
    bn_fp6_mul(&s, &s, &u);
    bn_fp6_mul_v(&vt, &t);
    bn_fp6_sub(&s, &s, &t);
    bn_fp6_sub(&r->c0, &s, &vt);
    bn_fp6_add(&r->c1, &t, &t);
}

static inline void bn_fp12_conj(bn_fp12 *r, const bn_fp12 *a) {
    r->c0 = a->c0;
    bn_fp6_neg(&r->c1, &a->c1);
}

static void bn_fp12_inv(bn_fp12 *r, const bn_fp12 *a) {
    bn_fp6 t0, t1;
    bn_fp6_mul(&t0, &a->c0, &a->c0);
    bn_fp6_mul(&t1, &a->c1, &a->c1);
    bn_fp6_mul_v(&t1, &t1);
    bn_fp6_sub(&t0, &t0, &t1); /* a0^2 - v a1^2, the norm to Fp6 */
    bn_fp6_inv(&t0, &t0);
    bn_fp6_mul(&r->c0, &a->c0, &t0);
    bn_fp6_mul(&t1, &a->c1, &t0);
    bn_fp6_neg(&r->c1, &t1);
}

/* a^p: the coefficient of w^k is conjugated and multiplied by w^(k(p-1)). */
static void bn_fp12_frob(bn_fp12 *r, const bn_fp12 *a) {
    bn_fp2 t;
    bn_fp2_conj(&r->c0.c0, &a->c0.c0);                         /* w^0 */
    bn_fp2_conj(&t, &a->c0.c1); bn_fp2_mul(&r->c0.c1, &t, &BN_GAMMA[1]); /* w^2 */
    bn_fp2_conj(&t, &a->c0.c2); bn_fp2_mul(&r->c0.c2, &t, &BN_GAMMA[3]); /* w^4 */
    bn_fp2_conj(&t, &a->c1.c0); bn_fp2_mul(&r->c1.c0, &t, &BN_GAMMA[0]); /* w^1 */
    bn_fp2_conj(&t, &a->c1.c1); bn_fp2_mul(&r->c1.c1, &t, &BN_GAMMA[2]); /* w^3 */
    bn_fp2_conj(&t, &a->c1.c2); bn_fp2_mul(&r->c1.c2, &t, &BN_GAMMA[4]); /* w^5 */
}

/* a^2 for a in the cyclotomic subgroup (a^(p^4 - p^2 + 1) = 1), after Granger and Scott.
 * Seen over Fp4 = Fp2[s]/(s^2 - xi) with s = w^3, a = A0 + A1 w + A2 w^2 where
 * A0 = g0 + g3 s, A1 = g1 + g4 s, A2 = g2 + g5 s (g_k the coefficient of w^k), and
 *   a^2 = (3 A0^2 - 2 conj(A0)) + (3 s A2^2 + 2 conj(A1)) w + (3 A1^2 - 2 conj(A2)) w^2
 * with conj(x + y s) = x - y s. */
static void bn_fp4_sqr(bn_fp2 *r0, bn_fp2 *r1, const bn_fp2 *x, const bn_fp2 *y) {
    bn_fp2 x2, y2, t;
    bn_fp2_sqr(&x2, x);
    bn_fp2_sqr(&y2, y);
    bn_fp2_add(&t, x, y);
    bn_fp2_sqr(&t, &t);
    bn_fp2_sub(&t, &t, &x2);
    bn_fp2_sub(r1, &t, &y2);   /* 2xy */
    bn_fp2_mul_xi(&y2, &y2);
    bn_fp2_add(r0, &x2, &y2);  /* x^2 + xi y^2 */
}

/* r = 3 t - 2 g  and  r = 3 t + 2 g */
static inline void bn_fp2_3t_m2g(bn_fp2 *r, const bn_fp2 *t, const bn_fp2 *g) {
    bn_fp2 d;
    bn_fp2_sub(&d, t, g);
    bn_fp2_dbl(&d, &d);
    bn_fp2_add(r, &d, t);
}
static inline void bn_fp2_3t_p2g(bn_fp2 *r, const bn_fp2 *t, const bn_fp2 *g) {
    bn_fp2 d;
    bn_fp2_add(&d, t, g);
    bn_fp2_dbl(&d, &d);
    bn_fp2_add(r, &d, t);
}

static void bn_fp12_cyclo_sqr(bn_fp12 *r, const bn_fp12 *a) {
    const bn_fp2 g0 = a->c0.c0, g1 = a->c1.c0, g2 = a->c0.c1;
    const bn_fp2 g3 = a->c1.c1, g4 = a->c0.c2, g5 = a->c1.c2;
    bn_fp2 t0, t1, u0, u1, v0, v1;
    bn_fp4_sqr(&t0, &t1, &g0, &g3);  /* A0^2 */
    bn_fp4_sqr(&u0, &u1, &g1, &g4);  /* A1^2 */
    bn_fp4_sqr(&v0, &v1, &g2, &g5);  /* A2^2; s A2^2 = xi v1 + v0 s */
    bn_fp2_mul_xi(&v1, &v1);
    bn_fp2_3t_m2g(&r->c0.c0, &t0, &g0);
    bn_fp2_3t_p2g(&r->c1.c1, &t1, &g3);
    bn_fp2_3t_p2g(&r->c1.c0, &v1, &g1);
    bn_fp2_3t_m2g(&r->c0.c2, &v0, &g4);
    bn_fp2_3t_m2g(&r->c0.c1, &u0, &g2);
    bn_fp2_3t_p2g(&r->c1.c2, &u1, &g5);
}

/* a^e for a 64-bit e and a in the cyclotomic subgroup. */
static void bn_fp12_cyclo_pow64(bn_fp12 *r, const bn_fp12 *a, uint64_t e) {
    bn_fp12 acc, base = *a;
    bn_fp12_one(&acc);
    int started = 0;
    for (int i = 63; i >= 0; i--) {
        if (started) bn_fp12_cyclo_sqr(&acc, &acc);
        if ((e >> i) & 1) {
            if (started) bn_fp12_mul(&acc, &acc, &base);
            else acc = base;
            started = 1;
        }
    }
    *r = acc;
}

/* f^((p^12 - 1) / r) */
static void bn_final_exp(bn_fp12 *r, const bn_fp12 *f) {
    bn_fp12 a, t;
    /* easy part: f^((p^6 - 1)(p^2 + 1)) */
    bn_fp12_inv(&t, f);
    bn_fp12_conj(&a, f);
    bn_fp12_mul(&a, &a, &t);
    bn_fp12_frob(&t, &a);
    bn_fp12_frob(&t, &t);
    bn_fp12_mul(&a, &a, &t);
    /* Hard part: (p^4 - p^2 + 1) / r = l0 + l1 p + l2 p^2 + l3 p^3 with
     *   l3 = 1, l2 = 6u^2 + 1, l1 = -36u^3 - 18u^2 - 12u + 1, l0 = -36u^3 - 30u^2 - 18u - 2.
     * a is now unitary (a^(p^6 + 1) = 1), so a^-1 is its conjugate. */
    bn_fp12 fu, fu2, fu3, fu3_36, x, y, acc;
    bn_fp12_cyclo_pow64(&fu, &a, BN_U);
    bn_fp12_cyclo_pow64(&fu2, &fu, BN_U);
    bn_fp12_cyclo_pow64(&fu3, &fu2, BN_U);
    bn_fp12_cyclo_pow64(&fu3_36, &fu3, 36);
    /* a^l0 = conj(fu3^36 fu2^30 fu^18 a^2) */
    bn_fp12_cyclo_pow64(&x, &fu2, 30);
    bn_fp12_mul(&x, &x, &fu3_36);
    bn_fp12_cyclo_pow64(&y, &fu, 18);
    bn_fp12_mul(&x, &x, &y);
    bn_fp12_cyclo_sqr(&y, &a);
    bn_fp12_mul(&x, &x, &y);
    bn_fp12_conj(&acc, &x);
    /* a^l1 = conj(fu3^36 fu2^18 fu^12) a */
    bn_fp12_cyclo_pow64(&x, &fu2, 18);
    bn_fp12_mul(&x, &x, &fu3_36);
    bn_fp12_cyclo_pow64(&y, &fu, 12);
    bn_fp12_mul(&x, &x, &y);
    bn_fp12_conj(&x, &x);
    bn_fp12_mul(&x, &x, &a);
    bn_fp12_frob(&x, &x);
    bn_fp12_mul(&acc, &acc, &x);
    /* a^l2 = fu2^6 a */
    bn_fp12_cyclo_pow64(&x, &fu2, 6);
    bn_fp12_mul(&x, &x, &a);
    bn_fp12_frob(&x, &x);
    bn_fp12_frob(&x, &x);
    bn_fp12_mul(&acc, &acc, &x);
    /* a^l3 = a */
    bn_fp12_frob(&x, &a);
    bn_fp12_frob(&x, &x);
    bn_fp12_frob(&x, &x);
    bn_fp12_mul(&acc, &acc, &x);
    *r = acc;
}

/* ------------------------------------------------------------------------------------ */
/* G1: y^2 = x^3 + 3 over Fp                                                            */
/* ------------------------------------------------------------------------------------ */

static inline int bn_g1_is_inf(const bn_g1j *a) { return bn_fp_is_zero(&a->z); }

static void bn_g1_dbl(bn_g1j *r, const bn_g1j *a) {
    if (bn_g1_is_inf(a) || bn_fp_is_zero(&a->y)) { memset(r, 0, sizeof *r); return; }
    bn_fp A, B, C, S, M, t;
    bn_fp_sqr(&A, &a->x);
    bn_fp_sqr(&B, &a->y);
    bn_fp_sqr(&C, &B);
    bn_fp_mul(&S, &a->x, &B);
    bn_fp_dbl(&S, &S);
    bn_fp_dbl(&S, &S);          /* S = 4 x y^2 */
    bn_fp_dbl(&M, &A);
    bn_fp_add(&M, &M, &A);      /* M = 3 x^2 */
    bn_fp_mul(&t, &a->y, &a->z);
    bn_fp_dbl(&r->z, &t);       /* z3 = 2 y z */
    bn_fp_sqr(&t, &M);
    bn_fp_sub(&t, &t, &S);
    bn_fp_sub(&r->x, &t, &S);   /* x3 = M^2 - 2S */
    bn_fp_sub(&t, &S, &r->x);
    bn_fp_mul(&t, &M, &t);
    bn_fp_dbl(&C, &C);
    bn_fp_dbl(&C, &C);
    bn_fp_dbl(&C, &C);
    bn_fp_sub(&r->y, &t, &C);   /* y3 = M (S - x3) - 8 y^4 */
}

/* r = a + b, b affine (x, y) and not infinity. */
static void bn_g1_add_affine(bn_g1j *r, const bn_g1j *a, const bn_fp *bx, const bn_fp *by) {
    if (bn_g1_is_inf(a)) { r->x = *bx; r->y = *by; r->z = BN_ONE; return; }
    bn_fp zz, zzz, U, H, HH, HHH, V, t;
    bn_fp_sqr(&zz, &a->z);
    bn_fp_mul(&zzz, &zz, &a->z);
    bn_fp_mul(&U, by, &zzz);
    bn_fp_sub(&U, &U, &a->y);
    bn_fp_mul(&H, bx, &zz);
    bn_fp_sub(&H, &H, &a->x);
    if (bn_fp_is_zero(&H)) {
        if (bn_fp_is_zero(&U)) bn_g1_dbl(r, a);
        else memset(r, 0, sizeof *r);
        return;
    }
    bn_fp_sqr(&HH, &H);
    bn_fp_mul(&HHH, &HH, &H);
    bn_fp_mul(&V, &a->x, &HH);
    bn_fp_mul(&r->z, &a->z, &H);
    bn_fp yh;
    bn_fp_mul(&yh, &a->y, &HHH);
    bn_fp_sqr(&t, &U);
    bn_fp_sub(&t, &t, &HHH);
    bn_fp_sub(&t, &t, &V);
    bn_fp_sub(&r->x, &t, &V);
    bn_fp_sub(&t, &V, &r->x);
    bn_fp_mul(&t, &U, &t);
    bn_fp_sub(&r->y, &t, &yh);
}

/* Decode 64 bytes to an affine point; *inf is set for the encoding (0, 0). */
static int bn_g1_decode(bn_fp *x, bn_fp *y, int *inf, const unsigned char *in) {
    if (bn_fp_from_bytes(x, in) || bn_fp_from_bytes(y, in + 32)) return BN254_ERR_FIELD;
    *inf = bn_fp_is_zero(x) && bn_fp_is_zero(y);
    if (*inf) return BN254_OK;
    bn_fp l, rr, three, t = BN_ONE;
    bn_fp_add(&three, &t, &t);
    bn_fp_add(&three, &three, &t);
    bn_fp_sqr(&l, y);
    bn_fp_sqr(&rr, x);
    bn_fp_mul(&rr, &rr, x);
    bn_fp_add(&rr, &rr, &three);
    return bn_fp_eq(&l, &rr) ? BN254_OK : BN254_ERR_G1_CURVE;
}

static void bn_g1_encode(unsigned char *out, const bn_g1j *a) {
    if (bn_g1_is_inf(a)) { memset(out, 0, 64); return; }
    bn_fp zi, zi2, x, y;
    bn_fp_inv(&zi, &a->z);
    bn_fp_sqr(&zi2, &zi);
    bn_fp_mul(&x, &a->x, &zi2);
    bn_fp_mul(&zi2, &zi2, &zi);
    bn_fp_mul(&y, &a->y, &zi2);
    bn_fp_to_bytes(out, &x);
    bn_fp_to_bytes(out + 32, &y);
}

/* ECADD: 128 input bytes -> 64 output bytes. */
static int bn254_g1_add(const unsigned char *in, unsigned char *out) {
    bn_fp ax, ay, bx, by;
    int ainf, binf, err;
    if ((err = bn_g1_decode(&ax, &ay, &ainf, in))) return err;
    if ((err = bn_g1_decode(&bx, &by, &binf, in + 64))) return err;
    bn_g1j r;
    memset(&r, 0, sizeof r);
    if (!ainf) bn_g1_add_affine(&r, &r, &ax, &ay);
    if (!binf) bn_g1_add_affine(&r, &r, &bx, &by);
    bn_g1_encode(out, &r);
    return BN254_OK;
}

/* ECMUL: 96 input bytes (point, 256-bit big-endian scalar) -> 64 output bytes. */
static int bn254_g1_mul(const unsigned char *in, unsigned char *out) {
    bn_fp x, y;
    int inf, err;
    if ((err = bn_g1_decode(&x, &y, &inf, in))) return err;
    bn_g1j r;
    memset(&r, 0, sizeof r);
    if (!inf) {
        for (int i = 0; i < 256; i++) {
            bn_g1_dbl(&r, &r);
            if ((in[64 + i / 8] >> (7 - i % 8)) & 1) bn_g1_add_affine(&r, &r, &x, &y);
        }
    }
    bn_g1_encode(out, &r);
    return BN254_OK;
}

/* ------------------------------------------------------------------------------------ */
/* G2 on the twist y^2 = x^3 + b' over Fp2                                              */
/* ------------------------------------------------------------------------------------ */

static inline int bn_g2_is_inf(const bn_g2j *a) { return bn_fp2_is_zero(&a->z); }

static void bn_g2_dbl(bn_g2j *r, const bn_g2j *a) {
    if (bn_g2_is_inf(a) || bn_fp2_is_zero(&a->y)) { memset(r, 0, sizeof *r); return; }
    bn_fp2 A, B, C, S, M, t;
    bn_fp2_sqr(&A, &a->x);
    bn_fp2_sqr(&B, &a->y);
    bn_fp2_sqr(&C, &B);
    bn_fp2_mul(&S, &a->x, &B);
    bn_fp2_dbl(&S, &S);
    bn_fp2_dbl(&S, &S);
    bn_fp2_dbl(&M, &A);
    bn_fp2_add(&M, &M, &A);
    bn_fp2_mul(&t, &a->y, &a->z);
    bn_fp2_dbl(&r->z, &t);
    bn_fp2_sqr(&t, &M);
    bn_fp2_sub(&t, &t, &S);
    bn_fp2_sub(&r->x, &t, &S);
    bn_fp2_sub(&t, &S, &r->x);
    bn_fp2_mul(&t, &M, &t);
    bn_fp2_dbl(&C, &C);
    bn_fp2_dbl(&C, &C);
    bn_fp2_dbl(&C, &C);
    bn_fp2_sub(&r->y, &t, &C);
}

static void bn_g2_add_affine(bn_g2j *r, const bn_g2j *a, const bn_g2a *b) {
    if (bn_g2_is_inf(a)) {
        r->x = b->x; r->y = b->y;
        memset(&r->z, 0, sizeof r->z);
        r->z.c0 = BN_ONE;
        return;
    }
    bn_fp2 zz, zzz, U, H, HH, HHH, V, t, yh;
    bn_fp2_sqr(&zz, &a->z);
    bn_fp2_mul(&zzz, &zz, &a->z);
    bn_fp2_mul(&U, &b->y, &zzz);
    bn_fp2_sub(&U, &U, &a->y);
    bn_fp2_mul(&H, &b->x, &zz);
    bn_fp2_sub(&H, &H, &a->x);
    if (bn_fp2_is_zero(&H)) {
        if (bn_fp2_is_zero(&U)) bn_g2_dbl(r, a);
        else memset(r, 0, sizeof *r);
        return;
    }
    bn_fp2_sqr(&HH, &H);
    bn_fp2_mul(&HHH, &HH, &H);
    bn_fp2_mul(&V, &a->x, &HH);
    bn_fp2_mul(&r->z, &a->z, &H);
    bn_fp2_mul(&yh, &a->y, &HHH);
    bn_fp2_sqr(&t, &U);
    bn_fp2_sub(&t, &t, &HHH);
    bn_fp2_sub(&t, &t, &V);
    bn_fp2_sub(&r->x, &t, &V);
    bn_fp2_sub(&t, &V, &r->x);
    bn_fp2_mul(&t, &U, &t);
    bn_fp2_sub(&r->y, &t, &yh);
}

/* The twisted Frobenius psi on E': (x, y) -> (conj(x) w^(2(p-1)), conj(y) w^(3(p-1))),
 * the p-power Frobenius of E carried over to E' by the twist map; it acts on G2 as [p]. */
static void bn_g2_frob(bn_g2a *r, const bn_g2a *a) {
    bn_fp2 t;
    bn_fp2_conj(&t, &a->x);
    bn_fp2_mul(&r->x, &t, &BN_GAMMA[1]);
    bn_fp2_conj(&t, &a->y);
    bn_fp2_mul(&r->y, &t, &BN_GAMMA[2]);
}

/* Whether q (on E', not infinity) has order r, tested as psi(q) == [6u^2] q.
 * In G2, psi = [p] and p = 6u^2 mod r.  Conversely psi satisfies psi^2 - t psi + p = 0
 * on E' (it is conjugate to the Frobenius of E, trace t = 6u^2 + 1), so psi(q) = [l] q
 * with l = 6u^2 gives [l^2 - t l + p] q = [p - 6u^2] q = [r] q = 0. */
static const uint64_t BN_6U2[2] = {0xf83e9682e87cfd46ULL, 0x6f4d8248eeb859fbULL};

static int bn_g2_in_group(const bn_g2a *q) {
    bn_g2j t;
    memset(&t, 0, sizeof t);
    for (int i = 127; i >= 0; i--) {
        bn_g2_dbl(&t, &t);
        if ((BN_6U2[i / 64] >> (i % 64)) & 1) bn_g2_add_affine(&t, &t, q);
    }
    if (bn_g2_is_inf(&t)) return 0;
    bn_g2a f;
    bn_g2_frob(&f, q);
    bn_fp2 zz, zzz, x, y;  /* compare t = (X/Z^2, Y/Z^3) with f */
    bn_fp2_sqr(&zz, &t.z);
    bn_fp2_mul(&zzz, &zz, &t.z);
    bn_fp2_mul(&x, &f.x, &zz);
    bn_fp2_mul(&y, &f.y, &zzz);
    return bn_fp2_eq(&x, &t.x) && bn_fp2_eq(&y, &t.y);
}

/* Decode 128 bytes (x_im, x_re, y_im, y_re) and check the point is in G2. */
static int bn_g2_decode(bn_g2a *q, int *inf, const unsigned char *in) {
    if (bn_fp_from_bytes(&q->x.c1, in) || bn_fp_from_bytes(&q->x.c0, in + 32) ||
        bn_fp_from_bytes(&q->y.c1, in + 64) || bn_fp_from_bytes(&q->y.c0, in + 96))
        return BN254_ERR_FIELD;
    *inf = bn_fp2_is_zero(&q->x) && bn_fp2_is_zero(&q->y);
    if (*inf) return BN254_OK;
    bn_fp2 l, rr;
    bn_fp2_sqr(&l, &q->y);
    bn_fp2_sqr(&rr, &q->x);
    bn_fp2_mul(&rr, &rr, &q->x);
    bn_fp2_add(&rr, &rr, &BN_B2);
    if (!bn_fp2_eq(&l, &rr)) return BN254_ERR_G2_CURVE;
    return bn_g2_in_group(q) ? BN254_OK : BN254_ERR_G2_GROUP;
}

/* ------------------------------------------------------------------------------------ */
/* Pairing                                                                              */
/* ------------------------------------------------------------------------------------ */

typedef struct {
    bn_fp px, py;   /* G1 point, affine */
    bn_g2a q;       /* G2 point, affine */
    bn_g2j t;       /* running multiple of q in the Miller loop */
} bn_pair;

/* (a0 + a1 v + a2 v^2)(b0 + b1 v) */
static void bn_fp6_mul_01(bn_fp6 *r, const bn_fp6 *a, const bn_fp2 *b0, const bn_fp2 *b1) {
    bn_fp2 c0, c1, c2, t;
    bn_fp2_mul(&c0, &a->c0, b0);
    bn_fp2_mul(&t, &a->c2, b1);
    bn_fp2_mul_xi(&t, &t);
    bn_fp2_add(&c0, &c0, &t);
    bn_fp2_mul(&c1, &a->c0, b1);
    bn_fp2_mul(&t, &a->c1, b0);
    bn_fp2_add(&c1, &c1, &t);
    bn_fp2_mul(&c2, &a->c1, b1);
    bn_fp2_mul(&t, &a->c2, b0);
    bn_fp2_add(&c2, &c2, &t);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

/* f *= l0 + (l1 + l2 v) w, a line value; Karatsuba over w with the sparse factors. */
static void bn_mul_line(bn_fp12 *f, const bn_fp2 *l0, const bn_fp2 *l1, const bn_fp2 *l2) {
    bn_fp6 t0, t1, s;
    bn_fp2 m0;
    bn_fp2_mul(&t0.c0, &f->c0.c0, l0);   /* t0 = f0 l0 */
    bn_fp2_mul(&t0.c1, &f->c0.c1, l0);
    bn_fp2_mul(&t0.c2, &f->c0.c2, l0);
    bn_fp6_mul_01(&t1, &f->c1, l1, l2);  /* t1 = f1 (l1 + l2 v) */
    bn_fp6_add(&s, &f->c0, &f->c1);      /* (f0 + f1)(l0 + l1 + l2 v) - t0 - t1 */
    bn_fp2_add(&m0, l0, l1);
    bn_fp6_mul_01(&s, &s, &m0, l2);
    bn_fp6_sub(&s, &s, &t0);
    bn_fp6_sub(&f->c1, &s, &t1);
    bn_fp6_mul_v(&t1, &t1);              /* f0 l0 + v t1 */
    bn_fp6_add(&f->c0, &t0, &t1);
}

/* Tangent at T evaluated at P, then T = 2T.  For T = (X, Y, Z) Jacobian on the twist the
 * tangent through psi(T) at P, times 2 Y Z^3, is
 *   2 Y Z^3 yP  -  3 X^2 Z^2 xP w  +  (3 X^3 - 2 Y^2) v w. */
static void bn_miller_dbl(bn_fp12 *f, bn_pair *s) {
    bn_g2j *T = &s->t;
    bn_fp2 A, B, C, S, M, ZZ, t, l0, l1, l2, z3;
    bn_fp2_sqr(&A, &T->x);
    bn_fp2_sqr(&B, &T->y);
    bn_fp2_sqr(&C, &B);
    bn_fp2_sqr(&ZZ, &T->z);
    bn_fp2_mul(&S, &T->x, &B);
    bn_fp2_dbl(&S, &S);
    bn_fp2_dbl(&S, &S);
    bn_fp2_dbl(&M, &A);
    bn_fp2_add(&M, &M, &A);
    bn_fp2_mul(&t, &T->y, &T->z);
    bn_fp2_dbl(&z3, &t);
    /* line */
    bn_fp2_mul(&l0, &z3, &ZZ);
    bn_fp2_mul_fp(&l0, &l0, &s->py);
    bn_fp2_mul(&l1, &M, &ZZ);
    bn_fp2_mul_fp(&l1, &l1, &s->px);
    bn_fp2_neg(&l1, &l1);
    bn_fp2_mul(&l2, &M, &T->x);
    bn_fp2_sub(&l2, &l2, &B);
    bn_fp2_sub(&l2, &l2, &B);
    /* point */
    bn_fp2_sqr(&t, &M);
    bn_fp2_sub(&t, &t, &S);
    bn_fp2_sub(&T->x, &t, &S);
    bn_fp2_sub(&t, &S, &T->x);
    bn_fp2_mul(&t, &M, &t);
    bn_fp2_dbl(&C, &C);
    bn_fp2_dbl(&C, &C);
    bn_fp2_dbl(&C, &C);
    bn_fp2_sub(&T->y, &t, &C);
    T->z = z3;
    bn_mul_line(f, &l0, &l1, &l2);
}

/* Line through T and the affine point R = (x2, y2) evaluated at P, then T = T + R.
 * With U = y2 Z^3 - Y, H = x2 Z^2 - X and Z3 = Z H, the line times Z H is
 *   Z3 yP  -  U xP w  +  (U x2 - y2 Z3) v w.
 * T and R are distinct multiples of a point of order r here, so H != 0. */
static void bn_miller_add(bn_fp12 *f, bn_pair *s, const bn_g2a *R) {
    bn_g2j *T = &s->t;
    bn_fp2 zz, zzz, U, H, HH, HHH, V, t, yh, z3, l0, l1, l2;
    bn_fp2_sqr(&zz, &T->z);
    bn_fp2_mul(&zzz, &zz, &T->z);
    bn_fp2_mul(&U, &R->y, &zzz);
    bn_fp2_sub(&U, &U, &T->y);
    bn_fp2_mul(&H, &R->x, &zz);
    bn_fp2_sub(&H, &H, &T->x);
    bn_fp2_mul(&z3, &T->z, &H);
    /* line */
    bn_fp2_mul_fp(&l0, &z3, &s->py);
    bn_fp2_mul_fp(&l1, &U, &s->px);
    bn_fp2_neg(&l1, &l1);
    bn_fp2_mul(&l2, &U, &R->x);
    bn_fp2_mul(&t, &R->y, &z3);
    bn_fp2_sub(&l2, &l2, &t);
    /* point */
    bn_fp2_sqr(&HH, &H);
    bn_fp2_mul(&HHH, &HH, &H);
    bn_fp2_mul(&V, &T->x, &HH);
    bn_fp2_mul(&yh, &T->y, &HHH);
    bn_fp2_sqr(&t, &U);
    bn_fp2_sub(&t, &t, &HHH);
    bn_fp2_sub(&t, &t, &V);
    bn_fp2_sub(&T->x, &t, &V);
    bn_fp2_sub(&t, &V, &T->x);
    bn_fp2_mul(&t, &U, &t);
    bn_fp2_sub(&T->y, &t, &yh);
    T->z = z3;
    bn_mul_line(f, &l0, &l1, &l2);
}

/* Product of the Miller loops of n pairs (none at infinity), sharing the squarings. */
static void bn_miller_loop(bn_fp12 *f, bn_pair *pairs, size_t n) {
    bn_fp12_one(f);
    for (size_t k = 0; k < n; k++) {
        pairs[k].t.x = pairs[k].q.x;
        pairs[k].t.y = pairs[k].q.y;
        memset(&pairs[k].t.z, 0, sizeof(bn_fp2));
        pairs[k].t.z.c0 = BN_ONE;
    }
    /* 6u + 2 has 65 bits; the top one is consumed by T = Q. */
    for (int i = 63; i >= 0; i--) {
        bn_fp12_sqr(f, f);
        for (size_t k = 0; k < n; k++) bn_miller_dbl(f, &pairs[k]);
        if ((BN_ATE_LO >> i) & 1)
            for (size_t k = 0; k < n; k++) bn_miller_add(f, &pairs[k], &pairs[k].q);
    }
    for (size_t k = 0; k < n; k++) {
        bn_g2a q1, q2;
        bn_g2_frob(&q1, &pairs[k].q);
        bn_g2_frob(&q2, &q1);
        bn_fp2_neg(&q2.y, &q2.y);
        bn_miller_add(f, &pairs[k], &q1);
        bn_miller_add(f, &pairs[k], &q2);
    }
}

/* ECPAIRING: n_pairs * 192 input bytes; *ok = 1 when the product of pairings is 1. */
static int bn254_pairing_check(const unsigned char *in, size_t n_pairs, int *ok) {
    bn_pair *pairs = NULL;
    size_t n = 0;
    int err = BN254_OK;
    if (n_pairs) {
        pairs = (bn_pair *)malloc(n_pairs * sizeof(bn_pair));
        if (!pairs) return BN254_ERR_NOMEM;
    }
    for (size_t k = 0; k < n_pairs; k++) {
        int pinf, qinf;
        const unsigned char *chunk = in + 192 * k;
        if ((err = bn_g1_decode(&pairs[n].px, &pairs[n].py, &pinf, chunk))) goto done;
        if ((err = bn_g2_decode(&pairs[n].q, &qinf, chunk + 64))) goto done;
        if (!pinf && !qinf) n++;
    }
    if (n == 0) {
        *ok = 1;
    } else {
        bn_fp12 f;
        bn_miller_loop(&f, pairs, n);
        bn_final_exp(&f, &f);
        *ok = bn_fp12_is_one(&f);
    }
done:
    free(pairs);
    return err;
}

#endif /* VERBS_BN254_H */
