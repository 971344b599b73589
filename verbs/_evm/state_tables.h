/* C data structures of the EVM world state (verbs/_evm/state.pyx).
 *
 * vtable: an open-addressing hash table (linear probing, backward-shift deletion) of fixed-size
 * entries.  Each entry is laid out as
 *     [uint64 hash (0 = empty slot)] [key bytes, padded to 8] [payload, padded to 8]
 * Keys are raw bytes: a 20-byte address, or a slot key of 56 bytes: the address, 4 zero bytes,
 * then the four limbs of the u256 slot (each 8-byte word of the key is written by one 8-byte
 * store, so that the hash's 8-byte loads are forwarded from the stores).  The table stores only plain C data, so that a fork()ed process can read it
 * without writing to it.
 *
 * layer_t: one copy-on-write layer of accounts and storage.  Frozen layers are immutable and
 * shared (refcounted); each State owns one mutable top layer.
 */
#ifndef VERBS_STATE_TABLES_H
#define VERBS_STATE_TABLES_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* mremap */
#endif
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include "u256.h"

#define ADDR_LEN 20
#define SKEY_LEN 56       /* address, 4 zero bytes, four u256 limbs */

/* ------------------------------------------------------------------------------------------ */
/* hashing                                                                                    */

/* The generic table functions branch on the key size of the table (vt_hash_k, vt_eq_k); GCC
 * sees every branch applied to every key buffer and warns about reads past the small ones in
 * the branches that cannot run for them.  The reads are always within the key. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif

static inline uint64_t vt_mum(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t vt_load64(const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return x; }

/* A wyhash-style hash: independent 128-bit multiply-folds of 16-byte blocks (so that they run
 * in parallel), then one more fold.  Inlined with a constant n (8, 20, 56 here) it unrolls. */
static inline uint64_t vt_hash(const uint8_t *k, size_t n) {
    const uint64_t s0 = 0xa0761d6478bd642fULL, s1 = 0xe7037ed1a0b428dbULL,
                   s2 = 0x8ebc6af09c88c6e3ULL, s3 = 0x589965cc75374cc3ULL;
    uint64_t acc = 0, a, b;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc += vt_mum(vt_load64(k + i) ^ s0 ^ i, vt_load64(k + i + 8) ^ s1);
    a = 0;
    b = 0;
    if (n - i >= 8) {
        a = vt_load64(k + i);
        memcpy(&b, k + i + 8, n - i - 8);
    } else {
        memcpy(&a, k + i, n - i);
    }
    acc += vt_mum(a ^ s2 ^ n, b ^ s3);
    return vt_mum(acc ^ s1, s0 ^ (acc >> 29)) | 1;   /* never 0: 0 marks an empty slot */
}

/* Key equality, unrolled for constant n. */
static inline int vt_eq(const uint8_t *a, const uint8_t *b, size_t n) {
    uint64_t d = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) d |= vt_load64(a + i) ^ vt_load64(b + i);
    if (i < n) {
        uint64_t x = 0, y = 0;
        memcpy(&x, a + i, n - i);
        memcpy(&y, b + i, n - i);
        d |= x ^ y;
    }
    return d == 0;
}

/* The hash of a table key: specialised for the key sizes in use. */
static inline uint64_t vt_hash_k(const uint8_t *k, size_t n) {
    if (n == SKEY_LEN) return vt_hash(k, SKEY_LEN);
    if (n == 20) return vt_hash(k, 20);
    if (n == 8) return vt_hash(k, 8);
    if (n == 32) return vt_hash(k, 32);
    return vt_hash(k, n);
}

static inline int vt_eq_k(const uint8_t *a, const uint8_t *b, size_t n) {
    if (n == SKEY_LEN) return vt_eq(a, b, SKEY_LEN);
    if (n == 20) return vt_eq(a, b, 20);
    if (n == 8) return vt_eq(a, b, 8);
    if (n == 32) return vt_eq(a, b, 32);
    return vt_eq(a, b, n);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* ------------------------------------------------------------------------------------------ */
/* vtable                                                                                     */

typedef struct {
    uint8_t *data;      /* cap * esize bytes, NULL while cap == 0 */
    size_t cap;         /* number of slots: 0 or a power of two */
    size_t count;       /* occupied slots */
    uint32_t ksize;     /* key bytes */
    uint32_t voff;      /* payload offset in an entry */
    uint32_t esize;     /* entry bytes */
} vtable;

static inline void vt_init(vtable *t, uint32_t ksize, uint32_t vsize) {
    t->data = NULL;
    t->cap = 0;
    t->count = 0;
    t->ksize = ksize;
    t->voff = 8 + ((ksize + 7u) & ~7u);
    t->esize = t->voff + ((vsize + 7u) & ~7u);
}

/* Table memory.  A large table (VT_BIG bytes or more) is an anonymous mapping of its own,
 * aligned to 2 MiB and advised for transparent huge pages (MADV_HUGEPAGE; a no-op where THP is
 * off): a table that grows to millions of slots then takes one page fault per 2 MiB instead of
 * one per 4 KiB (page faults were half the time of a transaction writing 10^5 fresh slots).
 * Smaller tables come from calloc.  The size decides which, so that vt_mem_free(p, bytes)
 * needs no record of it.  The memory is zeroed either way. */
#define VT_BIG ((size_t)4 << 20)
#define VT_HUGE_ALIGN ((size_t)2 << 20)

/* The length of the mapping of a large block: whole 2 MiB units (page-aligned ends). */
static inline size_t vt_map_len(size_t bytes) {
    return (bytes + VT_HUGE_ALIGN - 1) & ~(VT_HUGE_ALIGN - 1);
}

static inline void *vt_mem_zalloc(size_t bytes) {
    if (bytes < VT_BIG) return calloc(1, bytes);
    size_t mlen = vt_map_len(bytes), len = mlen + VT_HUGE_ALIGN;
    uint8_t *p = (uint8_t *)mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                 -1, 0);
    if (p == (uint8_t *)MAP_FAILED) return NULL;
    uintptr_t a = ((uintptr_t)p + VT_HUGE_ALIGN - 1) & ~(uintptr_t)(VT_HUGE_ALIGN - 1);
    size_t head = (size_t)(a - (uintptr_t)p), tail = len - head - mlen;
    if (head) munmap(p, head);
    if (tail) munmap((uint8_t *)a + mlen, tail);
#ifdef MADV_HUGEPAGE
    madvise((void *)a, mlen, MADV_HUGEPAGE);
#endif
    return (void *)a;
}

static inline void vt_mem_free(void *p, size_t bytes) {
    if (!p) return;
    if (bytes < VT_BIG) free(p);
    else munmap(p, vt_map_len(bytes));
}

/* Grow a block from old_bytes to new_bytes (the journal), keeping its contents (the new tail is
 * not zeroed); NULL if out of memory (the old block is kept).  Blocks follow vt_mem_zalloc's
 * rule (by size: calloc/realloc below VT_BIG, an aligned huge-page mapping from VT_BIG), so
 * that vt_mem_free frees them.  A large block moves with mremap to a 2 MiB-aligned place
 * (a move to an unaligned address would split its huge pages); the pages are not copied. */
static inline void *vt_mem_grow(void *p, size_t old_bytes, size_t new_bytes) {
    if (new_bytes < VT_BIG) return realloc(p, new_bytes);
    uint8_t *q = (uint8_t *)vt_mem_zalloc(new_bytes);
    if (!q) return NULL;
    if (!p || !old_bytes) {
        vt_mem_free(p, old_bytes);
        return q;
    }
#if defined(MREMAP_FIXED) && defined(MREMAP_MAYMOVE)
    if (old_bytes >= VT_BIG) {
        size_t olen = vt_map_len(old_bytes);   /* <= the new mapping's length */
        void *r = mremap(p, olen, olen, MREMAP_MAYMOVE | MREMAP_FIXED, q);
        if (r == (void *)q) return q;
    }
#endif
    memcpy(q, p, old_bytes);
    vt_mem_free(p, old_bytes);
    return q;
}

static inline void vt_free(vtable *t) {
    vt_mem_free(t->data, t->cap * t->esize);
    t->data = NULL;
    t->cap = 0;
    t->count = 0;
}

static inline uint8_t *vt_entry(const vtable *t, size_t i) { return t->data + i * t->esize; }
static inline uint64_t vt_hashof(const uint8_t *e) { uint64_t h; memcpy(&h, e, 8); return h; }
static inline uint8_t *vt_key(uint8_t *e) { return e + 8; }
static inline void *vt_val(const vtable *t, uint8_t *e) { return (void *)(e + t->voff); }

static inline uint8_t *vt_find_h(const vtable *t, const uint8_t *key, uint64_t h) {
    if (t->count == 0) return NULL;
    size_t mask = t->cap - 1, i = (size_t)(h >> 1) & mask;
    const size_t es = t->esize, ks = t->ksize;
    for (;;) {
        uint8_t *e = t->data + i * es;
        uint64_t eh = vt_hashof(e);
        if (eh == 0) return NULL;
        if (eh == h && vt_eq_k(e + 8, key, ks)) return e;
        i = (i + 1) & mask;
    }
}

static inline uint8_t *vt_find(const vtable *t, const uint8_t *key) {
    if (t->count == 0) return NULL;
    return vt_find_h(t, key, vt_hash_k(key, t->ksize));
}

/* Resize to ncap slots (a power of two, larger than count); 0 on success, -1 out of memory. */
static inline int vt_resize(vtable *t, size_t ncap) {
    const size_t es = t->esize;
    uint8_t *nd = (uint8_t *)vt_mem_zalloc(ncap * es);
    if (!nd) return -1;
    size_t nmask = ncap - 1;
    for (size_t i = 0; i < t->cap; i++) {
        uint8_t *e = t->data + i * es;
        uint64_t h = vt_hashof(e);
        if (!h) continue;
        size_t j = (size_t)(h >> 1) & nmask;
        while (vt_hashof(nd + j * es)) j = (j + 1) & nmask;
        memcpy(nd + j * es, e, es);
    }
    vt_mem_free(t->data, t->cap * es);
    t->data = nd;
    t->cap = ncap;
    return 0;
}

/* Find or insert `key`.  A new entry has a zeroed payload and sets *created = 1.  Returns NULL
 * only when out of memory.  Pointers to entries are invalidated by the next insertion. */
static inline uint8_t *vt_insert_h(vtable *t, const uint8_t *key, uint64_t h, int *created) {
    if ((t->count + 1) * 2 > t->cap) {
        if (vt_resize(t, t->cap ? t->cap * 2 : 8)) return NULL;
    }
    size_t mask = t->cap - 1, i = (size_t)(h >> 1) & mask;
    const size_t es = t->esize, ks = t->ksize;
    for (;;) {
        uint8_t *e = t->data + i * es;
        uint64_t eh = vt_hashof(e);
        if (eh == 0) {
            memcpy(e, &h, 8);
            memcpy(e + 8, key, ks);
            t->count++;
            *created = 1;
            return e;
        }
        if (eh == h && vt_eq_k(e + 8, key, ks)) {
            *created = 0;
            return e;
        }
        i = (i + 1) & mask;
    }
}

static inline uint8_t *vt_insert(vtable *t, const uint8_t *key, int *created) {
    return vt_insert_h(t, key, vt_hash_k(key, t->ksize), created);
}

/* Remove the entry `e` (a pointer returned by find/insert), keeping probe chains intact. */
static inline void vt_remove_entry(vtable *t, uint8_t *e) {
    const size_t es = t->esize, mask = t->cap - 1;
    size_t i = (size_t)(e - t->data) / es, j = i;
    for (;;) {
        j = (j + 1) & mask;
        uint8_t *ej = t->data + j * es;
        uint64_t h = vt_hashof(ej);
        if (!h) break;
        size_t k = (size_t)(h >> 1) & mask;   /* home slot of the entry at j */
        /* the entry at j may move to the hole at i unless its home lies cyclically in (i, j] */
        int in_range = (i <= j) ? (k > i && k <= j) : (k > i || k <= j);
        if (!in_range) {
            memcpy(t->data + i * es, ej, es);
            i = j;
        }
    }
    memset(t->data + i * es, 0, es);
    t->count--;
}

static inline int vt_remove(vtable *t, const uint8_t *key) {
    uint8_t *e = vt_find(t, key);
    if (!e) return 0;
    vt_remove_entry(t, e);
    return 1;
}

/* Make `dst` (an initialised, empty table of the same layout) a copy of `src`; 0 or -1. */
static inline int vt_copy(vtable *dst, const vtable *src) {
    if (src->count == 0) return 0;
    dst->data = (uint8_t *)vt_mem_zalloc(src->cap * src->esize);
    if (!dst->data) return -1;
    memcpy(dst->data, src->data, src->cap * src->esize);
    dst->cap = src->cap;
    dst->count = src->count;
    return 0;
}

/* Empty the table, keeping its memory for the next transaction (no regrowth, no page faults)
 * unless it was mostly empty: a large table used at under 1/8 gives its memory back, so that
 * one big transaction does not make every later one clear a big table. */
static inline void vt_clear(vtable *t) {
    if (t->count == 0) return;
    if (t->cap > 1024 && t->count * 8 < t->cap) {
        vt_free(t);
    } else {
        memset(t->data, 0, t->cap * t->esize);
        t->count = 0;
    }
}

/* Shrink a table to the smallest power of two keeping load <= 1/2 (used when freezing). */
static inline int vt_compact(vtable *t) {
    if (t->count == 0) { vt_free(t); return 0; }
    size_t ncap = 8;
    while (ncap < t->count * 2) ncap *= 2;
    if (ncap >= t->cap) return 0;
    return vt_resize(t, ncap);
}

/* ------------------------------------------------------------------------------------------ */
/* records                                                                                    */

#define ACC_LIVE 1   /* the account exists */
#define ACC_DEAD 2   /* known not to exist: deleted, or the Backend said so (shadows lower layers) */

/* An account.  `inc` is the storage incarnation: storage entries of this address count only if
 * their `inc` equals the account's.  0 is the Backend's incarnation (a miss asks the Backend);
 * creating, deleting or replacing the account's storage takes a fresh non-zero incarnation, which
 * makes every older slot invisible in O(1) (and a revert restores the old number).
 * `nz` counts the non-zero slots of the incarnation written locally (exact when inc != 0 or there
 * is no Backend).  `code` is a Code* (NULL: no code) and owns one reference. */
typedef struct {
    uint8_t status;
    uint8_t pad[7];
    uint64_t nonce;
    uint64_t inc;
    int64_t nz;
    void *code;
    u256 balance;
} acct_t;

typedef struct {
    uint64_t inc;
    u256 value;
} slot_t;

/* The per-transaction record of a slot key (State.warm_slots): EIP-2929 warmth and the EIP-2200
 * original value in one table entry, so that a fresh slot costs one table insertion.  TS_WARM is
 * journaled (a revert clears it, and drops the entry unless it holds an original); the original
 * (TS_ORIG) is the value at the start of the transaction and is never reverted. */
typedef struct {
    u256 original;
    uint64_t flags;
} txslot_t;

#define TS_WARM 1u
#define TS_ORIG 2u

/* The record of slot key `k` (hash `h`), inserted with zero flags if absent; NULL out of memory. */
static inline txslot_t *txs_get(vtable *t, const uint8_t *k, uint64_t h) {
    int created;
    uint8_t *e = vt_insert_h(t, k, h, &created);
    return e ? (txslot_t *)vt_val(t, e) : NULL;
}

#define SKEY_SLOT_OFF 24  /* offset of the limbs in a slot key */

static inline void skey_make(uint8_t *out, const uint8_t *addr, const u256 *key) {
    uint64_t a0, a1;
    uint32_t a2;
    memcpy(&a0, addr, 8);
    memcpy(&a1, addr + 8, 8);
    memcpy(&a2, addr + 16, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint64_t w2 = (uint64_t)a2 << 32;   /* bytes 16..19 of the address, then 4 zero bytes */
#else
    uint64_t w2 = (uint64_t)a2;
#endif
    memcpy(out, &a0, 8);
    memcpy(out + 8, &a1, 8);
    memcpy(out + 16, &w2, 8);
    memcpy(out + 24, &key->w[0], 8);
    memcpy(out + 32, &key->w[1], 8);
    memcpy(out + 40, &key->w[2], 8);
    memcpy(out + 48, &key->w[3], 8);
}

/* ------------------------------------------------------------------------------------------ */
/* journal                                                                                    */

enum {
    J_ACCT = 1,      /* acct: the old record (was_present: it was in the top layer) */
    J_SLOT,          /* slot: the old entry of the top layer */
    J_TRANSIENT,     /* slot.value: the old transient value */
    J_WARM_ACCT,     /* key inserted in a per-transaction set: removed on revert */
    J_WARM_SLOT,
    J_CREATED,
    J_DESTRUCT,
    J_TOUCH
};

typedef struct {
    uint32_t kind;
    uint32_t was_present;
    uint8_t key[SKEY_LEN]; /* address, or address + slot limbs */
    union {
        acct_t acct;      /* J_ACCT: owns a reference to acct.code */
        slot_t slot;
    } u;
} jentry_t;

/* ------------------------------------------------------------------------------------------ */
/* layers                                                                                     */

typedef struct layer_t {
    int64_t refcount;
    struct layer_t *parent;     /* owns one reference; NULL at the bottom (then the Backend) */
    int64_t depth;              /* 1 + parent's depth */
    vtable accts;               /* address -> acct_t */
    vtable slots;               /* address + slot -> slot_t */
} layer_t;

static inline void layer_incref(layer_t *l) {
    if (l) __atomic_fetch_add(&l->refcount, 1, __ATOMIC_RELAXED);
}

/* Returns 1 if this call dropped the last reference (the caller frees the layer). */
static inline int layer_decref_is_last(layer_t *l) {
    return __atomic_sub_fetch(&l->refcount, 1, __ATOMIC_ACQ_REL) == 0;
}

static inline layer_t *layer_new(layer_t *parent) {
    layer_t *l = (layer_t *)calloc(1, sizeof(layer_t));
    if (!l) return NULL;
    l->refcount = 1;
    l->parent = parent;
    l->depth = parent ? parent->depth + 1 : 1;
    vt_init(&l->accts, ADDR_LEN, sizeof(acct_t));
    vt_init(&l->slots, SKEY_LEN, sizeof(slot_t));
    return l;
}

/* Fresh storage incarnations: unique in the process (and in fork()ed children, which continue
 * from the parent's counter on their own copy). */
static uint64_t state__inc_counter = 0;
static inline uint64_t state_fresh_inc(void) {
    return __atomic_add_fetch(&state__inc_counter, 1, __ATOMIC_RELAXED);
}

/* The process-wide code table lock. */
static pthread_mutex_t state__code_lock = PTHREAD_MUTEX_INITIALIZER;
static inline void state_code_lock(void) { pthread_mutex_lock(&state__code_lock); }
static inline void state_code_unlock(void) { pthread_mutex_unlock(&state__code_lock); }

/* A fork()ed child starts with the lock free, whatever a parent thread was doing. */
static void state__code_lock_reinit(void) {
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    memcpy(&state__code_lock, &fresh, sizeof(fresh));
}
static inline int state_code_lock_atfork(void) {
    return pthread_atfork(NULL, NULL, state__code_lock_reinit);
}

static inline uint8_t *state_load_ptr(uint8_t **slot) {
    return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* Publish a computed bitmap once: returns the winner (ours or one set by another thread). */
static inline uint8_t *state_publish_ptr(uint8_t **slot, uint8_t *mine) {
    uint8_t *expected = NULL;
    if (__atomic_compare_exchange_n(slot, &expected, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return mine;
    free(mine);
    return expected;
}

#endif
