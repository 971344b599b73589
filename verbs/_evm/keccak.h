/* Keccak-256 (the original Keccak padding 0x01, as Ethereum uses it; not SHA3-256's 0x06).
 * Keccak-f[1600] on 64-bit lanes, rate 136 bytes, capacity 512 bits. The round constants and
 * rotation offsets follow FIPS 202 (3.2.2 rho, 3.2.5 iota).
 *
 * Speed notes (callgrind, gcc 12 -O3, x86-64 baseline: ~5,500 instructions per permutation, 228 per
 * round, was ~7,200 with the state in an array; the ALU work alone is 135 operations per round, the
 * rest is moves and spills, since 25 lanes do not fit in 16 registers):
 *  - the 25 lanes live in local variables for the whole hash (a0..a24, lane (x, y) = a[x + 5y]);
 *    one round maps a -> e, the next e -> a, so two rounds per loop iteration need no copies;
 *  - rho and pi are folded into the row-by-row computation of chi: output row Y takes its five
 *    inputs B[X] = ROTL(A[(X + 3Y) % 5, X] ^ D[(X + 3Y) % 5], r) for X = 0..4;
 *  - "lane complementing": lanes 1, 2, 8, 12, 17, 20 are kept complemented (each round can be
 *    written so that the same lanes come out complemented), which lets chi's b0 ^ (~b1 & b2) be
 *    written per lane as an AND or an OR of the stored values with one NOT per row instead of
 *    five.  It is used where there is no and-not instruction (x86-64 without BMI1; measured 5,500
 *    instructions against 6,000 for the plain form); elsewhere (BMI1 andn: 4,800; aarch64 bic)
 *    the plain form is cheaper or as cheap and is used.  A baseline x86-64 build holds both:
 *    the plain form compiled for BMI1 (target attribute) runs where the CPU has it, chosen on
 *    the first hash.  KECCAK_LANE_COMPLEMENT=0/1 forces one form.  Complementing a lane commutes with XORing input into it, so the complemented lanes
 *    start at ~0 and only the output lanes 1 and 2 are complemented back;
 *  - input lanes are loaded straight from the caller's buffer (memcpy, byte-swapped on big-endian
 *    hosts); only the final partial block is copied, into a zero-padded buffer. */
#ifndef VERBS_KECCAK_H
#define VERBS_KECCAK_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define KECCAK256_RATE 136

#ifdef KECCAK_LANE_COMPLEMENT
#define KECCAK_FORCE_FORM 1
#else
#if (defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)) && \
    !defined(__BMI__)
#define KECCAK_LANE_COMPLEMENT 1
#else
#define KECCAK_LANE_COMPLEMENT 0
#endif
#endif

/* x86-64 built for the baseline ISA: both forms, the plain one compiled for BMI1 (andn) and
 * chosen at run time on CPUs that have it. */
#if !defined(KECCAK_FORCE_FORM) && KECCAK_LANE_COMPLEMENT && defined(__x86_64__) && \
    (defined(__GNUC__) || defined(__clang__))
#define KECCAK__BMI_DISPATCH 1
#else
#define KECCAK__BMI_DISPATCH 0
#endif

static const uint64_t keccak__rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
    0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
    0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
    0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
    0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
    0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define KECCAK__ROTL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

static inline uint64_t keccak__load_le64(const uint8_t *p) {
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

static inline void keccak__store_le64(uint8_t *p, uint64_t x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    memcpy(p, &x, 8);
}

/* One round from lanes A##0..A##24 to E##0..E##24 (theta, rho, pi, chi, iota), row by row of the
 * output; uses the caller's temporaries c*, d*, b*, n*. */
/* The stored value of a lane is its true value XOR its complement flag.  Per output row the flags
 * of b0..b4 are fixed (column parities of the mask through theta), and each output lane uses
 * whichever of b0 ^ (b1 | b2), b0 ^ (b1 & b2) (with one operand possibly negated) gives chi's
 * value with the output lane's flag. */
#define KECCAK__ROUND_CMPL(A, E, rc) do {     \
    c0 = A##0 ^ A##5 ^ A##10 ^ A##15 ^ A##20; \
    c1 = A##1 ^ A##6 ^ A##11 ^ A##16 ^ A##21; \
    c2 = A##2 ^ A##7 ^ A##12 ^ A##17 ^ A##22; \
    c3 = A##3 ^ A##8 ^ A##13 ^ A##18 ^ A##23; \
    c4 = A##4 ^ A##9 ^ A##14 ^ A##19 ^ A##24; \
    d0 = c4 ^ KECCAK__ROTL(c1, 1);            \
    d1 = c0 ^ KECCAK__ROTL(c2, 1);            \
    d2 = c1 ^ KECCAK__ROTL(c3, 1);            \
    d3 = c2 ^ KECCAK__ROTL(c4, 1);            \
    d4 = c3 ^ KECCAK__ROTL(c0, 1);            \
    b0 = A##0 ^ d0;                           \
    b1 = KECCAK__ROTL(A##6 ^ d1, 44);         \
    b2 = KECCAK__ROTL(A##12 ^ d2, 43);        \
    b3 = KECCAK__ROTL(A##18 ^ d3, 21);        \
    b4 = KECCAK__ROTL(A##24 ^ d4, 14);        \
    n2 = ~b2;                                 \
    E##0 = b0 ^ (b1 | b2);                    \
    E##1 = b1 ^ (n2 | b3);                    \
    E##2 = b2 ^ (b3 & b4);                    \
    E##3 = b3 ^ (b4 | b0);                    \
    E##4 = b4 ^ (b0 & b1);                    \
    E##0 ^= (rc);                             \
    b0 = KECCAK__ROTL(A##3 ^ d3, 28);         \
    b1 = KECCAK__ROTL(A##9 ^ d4, 20);         \
    b2 = KECCAK__ROTL(A##10 ^ d0, 3);         \
    b3 = KECCAK__ROTL(A##16 ^ d1, 45);        \
    b4 = KECCAK__ROTL(A##22 ^ d2, 61);        \
    n4 = ~b4;                                 \
    E##5 = b0 ^ (b1 | b2);                    \
    E##6 = b1 ^ (b2 & b3);                    \
    E##7 = b2 ^ (b3 | n4);                    \
    E##8 = b3 ^ (b4 | b0);                    \
    E##9 = b4 ^ (b0 & b1);                    \
    b0 = KECCAK__ROTL(A##1 ^ d1, 1);          \
    b1 = KECCAK__ROTL(A##7 ^ d2, 6);          \
    b2 = KECCAK__ROTL(A##13 ^ d3, 25);        \
    b3 = KECCAK__ROTL(A##19 ^ d4, 8);         \
    b4 = KECCAK__ROTL(A##20 ^ d0, 18);        \
    n3 = ~b3;                                 \
    E##10 = b0 ^ (b1 | b2);                   \
    E##11 = b1 ^ (b2 & b3);                   \
    E##12 = b2 ^ (n3 & b4);                   \
    E##13 = n3 ^ (b4 | b0);                   \
    E##14 = b4 ^ (b0 & b1);                   \
    b0 = KECCAK__ROTL(A##4 ^ d4, 27);         \
    b1 = KECCAK__ROTL(A##5 ^ d0, 36);         \
    b2 = KECCAK__ROTL(A##11 ^ d1, 10);        \
    b3 = KECCAK__ROTL(A##17 ^ d2, 15);        \
    b4 = KECCAK__ROTL(A##23 ^ d3, 56);        \
    n3 = ~b3;                                 \
    E##15 = b0 ^ (b1 & b2);                   \
    E##16 = b1 ^ (b2 | b3);                   \
    E##17 = b2 ^ (n3 | b4);                   \
    E##18 = n3 ^ (b4 & b0);                   \
    E##19 = b4 ^ (b0 | b1);                   \
    b0 = KECCAK__ROTL(A##2 ^ d2, 62);         \
    b1 = KECCAK__ROTL(A##8 ^ d3, 55);         \
    b2 = KECCAK__ROTL(A##14 ^ d4, 39);        \
    b3 = KECCAK__ROTL(A##15 ^ d0, 41);        \
    b4 = KECCAK__ROTL(A##21 ^ d1, 2);         \
    n1 = ~b1;                                 \
    E##20 = b0 ^ (n1 & b2);                   \
    E##21 = n1 ^ (b2 | b3);                   \
    E##22 = b2 ^ (b3 & b4);                   \
    E##23 = b3 ^ (b4 | b0);                   \
    E##24 = b4 ^ (b0 & b1);                   \
} while (0)
#define KECCAK__ROUND_PLAIN(A, E, rc) do {    \
    c0 = A##0 ^ A##5 ^ A##10 ^ A##15 ^ A##20; \
    c1 = A##1 ^ A##6 ^ A##11 ^ A##16 ^ A##21; \
    c2 = A##2 ^ A##7 ^ A##12 ^ A##17 ^ A##22; \
    c3 = A##3 ^ A##8 ^ A##13 ^ A##18 ^ A##23; \
    c4 = A##4 ^ A##9 ^ A##14 ^ A##19 ^ A##24; \
    d0 = c4 ^ KECCAK__ROTL(c1, 1);            \
    d1 = c0 ^ KECCAK__ROTL(c2, 1);            \
    d2 = c1 ^ KECCAK__ROTL(c3, 1);            \
    d3 = c2 ^ KECCAK__ROTL(c4, 1);            \
    d4 = c3 ^ KECCAK__ROTL(c0, 1);            \
    b0 = A##0 ^ d0;                           \
    b1 = KECCAK__ROTL(A##6 ^ d1, 44);         \
    b2 = KECCAK__ROTL(A##12 ^ d2, 43);        \
    b3 = KECCAK__ROTL(A##18 ^ d3, 21);        \
    b4 = KECCAK__ROTL(A##24 ^ d4, 14);        \
    E##0 = b0 ^ (~b1 & b2);                   \
    E##1 = b1 ^ (~b2 & b3);                   \
    E##2 = b2 ^ (~b3 & b4);                   \
    E##3 = b3 ^ (~b4 & b0);                   \
    E##4 = b4 ^ (~b0 & b1);                   \
    E##0 ^= (rc);                             \
    b0 = KECCAK__ROTL(A##3 ^ d3, 28);         \
    b1 = KECCAK__ROTL(A##9 ^ d4, 20);         \
    b2 = KECCAK__ROTL(A##10 ^ d0, 3);         \
    b3 = KECCAK__ROTL(A##16 ^ d1, 45);        \
    b4 = KECCAK__ROTL(A##22 ^ d2, 61);        \
    E##5 = b0 ^ (~b1 & b2);                   \
    E##6 = b1 ^ (~b2 & b3);                   \
    E##7 = b2 ^ (~b3 & b4);                   \
    E##8 = b3 ^ (~b4 & b0);                   \
    E##9 = b4 ^ (~b0 & b1);                   \
    b0 = KECCAK__ROTL(A##1 ^ d1, 1);          \
    b1 = KECCAK__ROTL(A##7 ^ d2, 6);          \
    b2 = KECCAK__ROTL(A##13 ^ d3, 25);        \
    b3 = KECCAK__ROTL(A##19 ^ d4, 8);         \
    b4 = KECCAK__ROTL(A##20 ^ d0, 18);        \
    E##10 = b0 ^ (~b1 & b2);                  \
    E##11 = b1 ^ (~b2 & b3);                  \
    E##12 = b2 ^ (~b3 & b4);                  \
    E##13 = b3 ^ (~b4 & b0);                  \
    E##14 = b4 ^ (~b0 & b1);                  \
    b0 = KECCAK__ROTL(A##4 ^ d4, 27);         \
    b1 = KECCAK__ROTL(A##5 ^ d0, 36);         \
    b2 = KECCAK__ROTL(A##11 ^ d1, 10);        \
    b3 = KECCAK__ROTL(A##17 ^ d2, 15);        \
    b4 = KECCAK__ROTL(A##23 ^ d3, 56);        \
    E##15 = b0 ^ (~b1 & b2);                  \
    E##16 = b1 ^ (~b2 & b3);                  \
    E##17 = b2 ^ (~b3 & b4);                  \
    E##18 = b3 ^ (~b4 & b0);                  \
    E##19 = b4 ^ (~b0 & b1);                  \
    b0 = KECCAK__ROTL(A##2 ^ d2, 62);         \
    b1 = KECCAK__ROTL(A##8 ^ d3, 55);         \
    b2 = KECCAK__ROTL(A##14 ^ d4, 39);        \
    b3 = KECCAK__ROTL(A##15 ^ d0, 41);        \
    b4 = KECCAK__ROTL(A##21 ^ d1, 2);         \
    E##20 = b0 ^ (~b1 & b2);                  \
    E##21 = b1 ^ (~b2 & b3);                  \
    E##22 = b2 ^ (~b3 & b4);                  \
    E##23 = b3 ^ (~b4 & b0);                  \
    E##24 = b4 ^ (~b0 & b1);                  \
} while (0)

#define KECCAK__ATTR
#if KECCAK_LANE_COMPLEMENT
#define KECCAK__FN keccak__sponge_default
#define KECCAK__R KECCAK__ROUND_CMPL
#define KECCAK__M (~(uint64_t)0)
#else
#define KECCAK__FN keccak__sponge_default
#define KECCAK__R KECCAK__ROUND_PLAIN
#define KECCAK__M ((uint64_t)0)
#endif
#include "keccak_sponge.h"
#undef KECCAK__ATTR
#undef KECCAK__FN
#undef KECCAK__R
#undef KECCAK__M

#if KECCAK__BMI_DISPATCH
#define KECCAK__ATTR __attribute__((target("bmi")))
#define KECCAK__FN keccak__sponge_bmi
#define KECCAK__R KECCAK__ROUND_PLAIN
#define KECCAK__M ((uint64_t)0)
#include "keccak_sponge.h"
#undef KECCAK__ATTR
#undef KECCAK__FN
#undef KECCAK__R
#undef KECCAK__M

/* 1: the CPU has BMI1, 0: it has not, -1: not asked yet (a benign race: all answers agree) */
static int keccak__has_bmi = -1;
#endif

static inline void keccak256(const uint8_t *data, size_t len, uint8_t out[32]) {
#if KECCAK__BMI_DISPATCH
    int bmi = keccak__has_bmi;
    if (bmi < 0) {
        __builtin_cpu_init();
        bmi = keccak__has_bmi = __builtin_cpu_supports("bmi") ? 1 : 0;
    }
    if (bmi) {
        keccak__sponge_bmi(data, len, out);
        return;
    }
#endif
    keccak__sponge_default(data, len, out);
}

#endif
