/* The Keccak-256 sponge over one form of the round (included by keccak.h once per form):
 * defines KECCAK__FN(data, len, out) with rounds KECCAK__R and complement mask KECCAK__M, under
 * the function attributes KECCAK__ATTR. */
KECCAK__ATTR static void KECCAK__FN(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint64_t a0 = 0;
    uint64_t a1 = KECCAK__M;
    uint64_t a2 = KECCAK__M;
    uint64_t a3 = 0;
    uint64_t a4 = 0;
    uint64_t a5 = 0;
    uint64_t a6 = 0;
    uint64_t a7 = 0;
    uint64_t a8 = KECCAK__M;
    uint64_t a9 = 0;
    uint64_t a10 = 0;
    uint64_t a11 = 0;
    uint64_t a12 = KECCAK__M;
    uint64_t a13 = 0;
    uint64_t a14 = 0;
    uint64_t a15 = 0;
    uint64_t a16 = 0;
    uint64_t a17 = KECCAK__M;
    uint64_t a18 = 0;
    uint64_t a19 = 0;
    uint64_t a20 = KECCAK__M;
    uint64_t a21 = 0;
    uint64_t a22 = 0;
    uint64_t a23 = 0;
    uint64_t a24 = 0;
    uint64_t e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18,
        e19, e20, e21, e22, e23, e24;
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4, n0, n1, n2, n3, n4;
    uint8_t pad[KECCAK256_RATE];
    const uint8_t *blk;
    int last = 0;
    (void)n0; (void)n1; (void)n2; (void)n3; (void)n4;
    for (;;) {
        if (len >= KECCAK256_RATE) {
            blk = data;
            data += KECCAK256_RATE;
            len -= KECCAK256_RATE;
        } else {
            memset(pad, 0, sizeof(pad));
            if (len) memcpy(pad, data, len);
            pad[len] ^= 0x01;
            pad[KECCAK256_RATE - 1] ^= 0x80;
            blk = pad;
            last = 1;
        }
        a0 ^= keccak__load_le64(blk + 0);
        a1 ^= keccak__load_le64(blk + 8);
        a2 ^= keccak__load_le64(blk + 16);
        a3 ^= keccak__load_le64(blk + 24);
        a4 ^= keccak__load_le64(blk + 32);
        a5 ^= keccak__load_le64(blk + 40);
        a6 ^= keccak__load_le64(blk + 48);
        a7 ^= keccak__load_le64(blk + 56);
        a8 ^= keccak__load_le64(blk + 64);
        a9 ^= keccak__load_le64(blk + 72);
        a10 ^= keccak__load_le64(blk + 80);
        a11 ^= keccak__load_le64(blk + 88);
        a12 ^= keccak__load_le64(blk + 96);
        a13 ^= keccak__load_le64(blk + 104);
        a14 ^= keccak__load_le64(blk + 112);
        a15 ^= keccak__load_le64(blk + 120);
        a16 ^= keccak__load_le64(blk + 128);
        for (int i = 0; i < 24; i += 2) {
            KECCAK__R(a, e, keccak__rc[i]);
            KECCAK__R(e, a, keccak__rc[i + 1]);
        }
        if (last) break;
    }
    keccak__store_le64(out + 0, a0);
    keccak__store_le64(out + 8, a1 ^ KECCAK__M);
    keccak__store_le64(out + 16, a2 ^ KECCAK__M);
    keccak__store_le64(out + 24, a3);
}
