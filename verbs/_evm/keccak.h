/* Keccak-256 (the original Keccak padding 0x01, as Ethereum uses it; not SHA3-256's 0x06).
 * Keccak-f[1600] on 64-bit lanes, one round unrolled; rate 136 bytes, capacity 512 bits.
 * The round constants and rotation offsets follow FIPS 202 (3.2.2 rho, 3.2.5 iota). */
#ifndef VERBS_KECCAK_H
#define VERBS_KECCAK_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define KECCAK256_RATE 136

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

/* The permutation; lane (x, y) is A[x + 5 y]. */
static void keccak_f1600(uint64_t st[25]) {
    uint64_t A[25];
    memcpy(A, st, sizeof(A));
    for (int round = 0; round < 24; round++) {
        uint64_t c0 = A[0] ^ A[5] ^ A[10] ^ A[15] ^ A[20];
        uint64_t c1 = A[1] ^ A[6] ^ A[11] ^ A[16] ^ A[21];
        uint64_t c2 = A[2] ^ A[7] ^ A[12] ^ A[17] ^ A[22];
        uint64_t c3 = A[3] ^ A[8] ^ A[13] ^ A[18] ^ A[23];
        uint64_t c4 = A[4] ^ A[9] ^ A[14] ^ A[19] ^ A[24];
        uint64_t d0 = c4 ^ KECCAK__ROTL(c1, 1);
        uint64_t d1 = c0 ^ KECCAK__ROTL(c2, 1);
        uint64_t d2 = c1 ^ KECCAK__ROTL(c3, 1);
        uint64_t d3 = c2 ^ KECCAK__ROTL(c4, 1);
        uint64_t d4 = c3 ^ KECCAK__ROTL(c0, 1);
        uint64_t b00 = (A[0] ^ d0);
        uint64_t b01 = KECCAK__ROTL(A[3] ^ d3, 28);
        uint64_t b02 = KECCAK__ROTL(A[1] ^ d1, 1);
        uint64_t b03 = KECCAK__ROTL(A[4] ^ d4, 27);
        uint64_t b04 = KECCAK__ROTL(A[2] ^ d2, 62);
        uint64_t b10 = KECCAK__ROTL(A[6] ^ d1, 44);
        uint64_t b11 = KECCAK__ROTL(A[9] ^ d4, 20);
        uint64_t b12 = KECCAK__ROTL(A[7] ^ d2, 6);
        uint64_t b13 = KECCAK__ROTL(A[5] ^ d0, 36);
        uint64_t b14 = KECCAK__ROTL(A[8] ^ d3, 55);
        uint64_t b20 = KECCAK__ROTL(A[12] ^ d2, 43);
        uint64_t b21 = KECCAK__ROTL(A[10] ^ d0, 3);
        uint64_t b22 = KECCAK__ROTL(A[13] ^ d3, 25);
        uint64_t b23 = KECCAK__ROTL(A[11] ^ d1, 10);
        uint64_t b24 = KECCAK__ROTL(A[14] ^ d4, 39);
        uint64_t b30 = KECCAK__ROTL(A[18] ^ d3, 21);
        uint64_t b31 = KECCAK__ROTL(A[16] ^ d1, 45);
        uint64_t b32 = KECCAK__ROTL(A[19] ^ d4, 8);
        uint64_t b33 = KECCAK__ROTL(A[17] ^ d2, 15);
        uint64_t b34 = KECCAK__ROTL(A[15] ^ d0, 41);
        uint64_t b40 = KECCAK__ROTL(A[24] ^ d4, 14);
        uint64_t b41 = KECCAK__ROTL(A[22] ^ d2, 61);
        uint64_t b42 = KECCAK__ROTL(A[20] ^ d0, 18);
        uint64_t b43 = KECCAK__ROTL(A[23] ^ d3, 56);
        uint64_t b44 = KECCAK__ROTL(A[21] ^ d1, 2);
        A[0] = b00 ^ (~b10 & b20);
        A[5] = b01 ^ (~b11 & b21);
        A[10] = b02 ^ (~b12 & b22);
        A[15] = b03 ^ (~b13 & b23);
        A[20] = b04 ^ (~b14 & b24);
        A[1] = b10 ^ (~b20 & b30);
        A[6] = b11 ^ (~b21 & b31);
        A[11] = b12 ^ (~b22 & b32);
        A[16] = b13 ^ (~b23 & b33);
        A[21] = b14 ^ (~b24 & b34);
        A[2] = b20 ^ (~b30 & b40);
        A[7] = b21 ^ (~b31 & b41);
        A[12] = b22 ^ (~b32 & b42);
        A[17] = b23 ^ (~b33 & b43);
        A[22] = b24 ^ (~b34 & b44);
        A[3] = b30 ^ (~b40 & b00);
        A[8] = b31 ^ (~b41 & b01);
        A[13] = b32 ^ (~b42 & b02);
        A[18] = b33 ^ (~b43 & b03);
        A[23] = b34 ^ (~b44 & b04);
        A[4] = b40 ^ (~b00 & b10);
        A[9] = b41 ^ (~b01 & b11);
        A[14] = b42 ^ (~b02 & b12);
        A[19] = b43 ^ (~b03 & b13);
        A[24] = b44 ^ (~b04 & b14);
        A[0] ^= keccak__rc[round];
    }
    memcpy(st, A, sizeof(A));
}

/* XOR one rate-sized block (17 lanes) into the state and permute. */
static inline void keccak__absorb_block(uint64_t st[25], const uint8_t *p) {
    for (int i = 0; i < KECCAK256_RATE / 8; i++) st[i] ^= keccak__load_le64(p + 8 * i);
    keccak_f1600(st);
}

static void keccak256(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint64_t st[25];
    uint8_t last[KECCAK256_RATE];
    memset(st, 0, sizeof(st));
    while (len >= KECCAK256_RATE) {
        keccak__absorb_block(st, data);
        data += KECCAK256_RATE;
        len -= KECCAK256_RATE;
    }
    memset(last, 0, sizeof(last));
    if (len) memcpy(last, data, len);
    last[len] ^= 0x01;
    last[KECCAK256_RATE - 1] ^= 0x80;
    keccak__absorb_block(st, last);
    for (int i = 0; i < 4; i++) keccak__store_le64(out + 8 * i, st[i]);
}

#endif
