/* BLAKE2b compression function F (RFC 7693, section 3.2) with a caller-chosen
 * number of rounds, as the EIP-152 precompile needs it.
 *
 * Words are little-endian 64-bit; the message schedule for round i is
 * BLAKE2B_SIGMA[i % 10].  Written for verbs; see RFC 7693 for the algorithm.
 */
#ifndef VERBS_BLAKE2_H
#define VERBS_BLAKE2_H

#include <stdint.h>
#include <string.h>

static const uint64_t BLAKE2B_IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
    0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
    0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t BLAKE2B_SIGMA[10][16] = {
    { 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15},
    {14, 10,  4,  8,  9, 15, 13,  6,  1, 12,  0,  2, 11,  7,  5,  3},
    {11,  8, 12,  0,  5,  2, 15, 13, 10, 14,  3,  6,  7,  1,  9,  4},
    { 7,  9,  3,  1, 13, 12, 11, 14,  2,  6,  5, 10,  4,  0, 15,  8},
    { 9,  0,  5,  7,  2,  4, 10, 15, 14,  1, 11, 12,  6,  8,  3, 13},
    { 2, 12,  6, 10,  0, 11,  8,  3,  4, 13,  7,  5, 15, 14,  1,  9},
    {12,  5,  1, 15, 14, 13,  4, 10,  0,  7,  6,  3,  9,  2,  8, 11},
    {13, 11,  7, 14, 12,  1,  3,  9,  5,  0, 15,  4,  8,  6,  2, 10},
    { 6, 15, 14,  9, 11,  3,  0,  8, 12,  2, 13,  7,  1,  4, 10,  5},
    {10,  2,  8,  4,  7,  6,  1,  5, 15, 11,  9, 14,  3, 12, 13,  0},
};

static inline uint64_t blake2b_rotr64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t blake2b_load64(const uint8_t *p)
{
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
           ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

static inline void blake2b_store64(uint8_t *p, uint64_t x)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(x >> (8 * i));
    }
}

/* The mixing function G of RFC 7693, section 3.1. */
#define BLAKE2B_G(v, a, b, c, d, x, y)              \
    do {                                            \
        v[a] = v[a] + v[b] + (x);                   \
        v[d] = blake2b_rotr64(v[d] ^ v[a], 32);     \
        v[c] = v[c] + v[d];                         \
        v[b] = blake2b_rotr64(v[b] ^ v[c], 24);     \
        v[a] = v[a] + v[b] + (y);                   \
        v[d] = blake2b_rotr64(v[d] ^ v[a], 16);     \
        v[c] = v[c] + v[d];                         \
        v[b] = blake2b_rotr64(v[b] ^ v[c], 63);     \
    } while (0)

/* F(h, m, t, f) with `rounds` rounds, updating h[8] in place.
 * m: 16 message words, t0/t1: the offset counter, last: the final-block flag. */
static inline void blake2b_compress(uint32_t rounds, uint64_t h[8], const uint64_t m[16],
                                    uint64_t t0, uint64_t t1, int last)
{
    uint64_t v[16];
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = BLAKE2B_IV[i];
    }
    v[12] ^= t0;
    v[13] ^= t1;
    if (last) {
        v[14] = ~v[14];
    }
    unsigned r = 0; /* rounds modulo 10, kept without a division */
    for (uint32_t i = 0; i < rounds; i++) {
        const uint8_t *s = BLAKE2B_SIGMA[r];
        BLAKE2B_G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        BLAKE2B_G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        BLAKE2B_G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        BLAKE2B_G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        BLAKE2B_G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        BLAKE2B_G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        BLAKE2B_G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        BLAKE2B_G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        if (++r == 10) {
            r = 0;
        }
    }
    for (int i = 0; i < 8; i++) {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/* The EIP-152 precompile body on its 213-byte input (validated by the caller:
 * length 213 and final flag 0 or 1).  Writes the 64-byte new state to out. */
static inline void blake2f_eip152(const uint8_t *in, uint8_t out[64])
{
    uint64_t h[8], m[16];
    uint32_t rounds = ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) |
                      ((uint32_t)in[2] << 8) | (uint32_t)in[3];
    for (int i = 0; i < 8; i++) {
        h[i] = blake2b_load64(in + 4 + 8 * i);
    }
    for (int i = 0; i < 16; i++) {
        m[i] = blake2b_load64(in + 68 + 8 * i);
    }
    uint64_t t0 = blake2b_load64(in + 196);
    uint64_t t1 = blake2b_load64(in + 204);
    blake2b_compress(rounds, h, m, t0, t1, in[212] == 1);
    for (int i = 0; i < 8; i++) {
        blake2b_store64(out + 8 * i, h[i]);
    }
}

#endif /* VERBS_BLAKE2_H */
