/* 256-bit EVM words: four little-endian 64-bit limbs (w[0] least significant).
 * Every operation writes through its first pointer, which may alias any argument.
 * See docs/internals.md for the full list of operations. */
#ifndef VERBS_U256_H
#define VERBS_U256_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

typedef struct { uint64_t w[4]; } u256;

static inline void u256_zero(u256 *r) { r->w[0] = r->w[1] = r->w[2] = r->w[3] = 0; }
static inline void u256_set_u64(u256 *r, uint64_t x) { r->w[0] = x; r->w[1] = r->w[2] = r->w[3] = 0; }
static inline int u256_is_zero(const u256 *a) { return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0; }
static inline int u256_eq(const u256 *a, const u256 *b) {
    return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3])) == 0;
}
static inline int u256_fits_u64(const u256 *a) { return (a->w[1] | a->w[2] | a->w[3]) == 0; }

static inline void u256_from_be(u256 *r, const uint8_t *p) {
    for (int i = 0; i < 4; i++) {
        const uint8_t *q = p + 8 * (3 - i);
        r->w[i] = ((uint64_t)q[0] << 56) | ((uint64_t)q[1] << 48) | ((uint64_t)q[2] << 40) | ((uint64_t)q[3] << 32)
                | ((uint64_t)q[4] << 24) | ((uint64_t)q[5] << 16) | ((uint64_t)q[6] << 8) | (uint64_t)q[7];
    }
}

static inline void u256_to_be(uint8_t *p, const u256 *a) {
    for (int i = 0; i < 4; i++) {
        uint64_t x = a->w[i];
        uint8_t *q = p + 8 * (3 - i);
        q[0] = (uint8_t)(x >> 56); q[1] = (uint8_t)(x >> 48); q[2] = (uint8_t)(x >> 40); q[3] = (uint8_t)(x >> 32);
        q[4] = (uint8_t)(x >> 24); q[5] = (uint8_t)(x >> 16); q[6] = (uint8_t)(x >> 8); q[7] = (uint8_t)x;
    }
}

#endif
