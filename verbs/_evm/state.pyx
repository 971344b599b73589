# cython: freethreading_compatible = False
"""The journaled, copy-on-write world state of the EVM.

All data lives in C memory (see ``state_tables.h``): accounts and storage in open-addressing
hash tables keyed by raw addresses and (address, slot) pairs, grouped in *layers*.  Each
:class:`State` writes to its own mutable top layer; below it lies a chain of frozen layers,
immutable and shared (refcounted) with other States and :class:`Snapshot` objects.  Reads walk
the chain top to bottom and then ask the Backend; what the Backend answers is stored in the top
layer as a clean entry, so that an exported snapshot contains it.

Storage *incarnations* make wiping an account's storage O(1): every account carries an
incarnation number and a slot entry counts only if it carries the same number.  0 is the
Backend's incarnation; CREATE, deletion and ``set_account(storage=...)`` take a fresh one.

A journal (a C array) records the old value of everything a transaction changes, so that
``revert(checkpoint)`` undoes it.  See ``state.pxd`` for the contract with the interpreter.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, calloc, realloc, free, qsort
from libc.string cimport memcpy, memset, memcmp
from libc.stdio cimport snprintf

from verbs._evm.u256 cimport (u256, u256_zero, u256_is_zero, u256_eq, u256_lt, u256_add,
                              u256_sub, u256_from_be, u256_to_be)
from verbs._evm.keccak cimport c_keccak256

import zlib
from types import MethodType

cdef extern from "state_tables.h" nogil:
    int ACC_LIVE
    int ACC_DEAD
    int ADDR_LEN
    int SKEY_LEN
    int SKEY_SLOT_OFF
    int J_ACCT, J_SLOT, J_TRANSIENT, J_WARM_ACCT, J_WARM_SLOT, J_CREATED, J_DESTRUCT, J_TOUCH
    ctypedef struct txslot_t:
        u256 original
        uint64_t flags
    uint64_t TS_WARM, TS_ORIG
    txslot_t *txs_get(vtable *t, const uint8_t *k, uint64_t h)

    uint64_t vt_hash(const uint8_t *k, size_t n)
    void vt_init(vtable *t, uint32_t ksize, uint32_t vsize)
    void vt_free(vtable *t)
    uint8_t *vt_entry(const vtable *t, size_t i)
    uint64_t vt_hashof(const uint8_t *e)
    uint8_t *vt_key(uint8_t *e)
    void *vt_val(const vtable *t, uint8_t *e)
    uint8_t *vt_find_h(const vtable *t, const uint8_t *key, uint64_t h)
    uint8_t *vt_find(const vtable *t, const uint8_t *key)
    uint8_t *vt_insert_h(vtable *t, const uint8_t *key, uint64_t h, int *created)
    uint8_t *vt_insert(vtable *t, const uint8_t *key, int *created)
    void vt_remove_entry(vtable *t, uint8_t *e)
    int vt_remove(vtable *t, const uint8_t *key)
    void vt_clear(vtable *t)
    int vt_copy(vtable *dst, const vtable *src)
    int vt_eq(const uint8_t *a, const uint8_t *b, size_t n)
    int vt_compact(vtable *t)
    void *vt_mem_grow(void *p, size_t old_bytes, size_t new_bytes)
    void vt_mem_free(void *p, size_t bytes)

    void skey_make(uint8_t *out, const uint8_t *addr, const u256 *key)
    void layer_incref(layer_t *l)
    int layer_decref_is_last(layer_t *l)
    layer_t *layer_new(layer_t *parent)
    uint64_t state_fresh_inc()
    void state_code_lock()
    void state_code_unlock()
    int state_code_lock_atfork()
    uint8_t *state_analyse_jumpdests(const uint8_t *code, size_t size)
    uint8_t *state_publish_ptr(uint8_t **slot, uint8_t *mine)
    uint8_t *state_load_ptr(uint8_t **slot)
    int64_t atomic_add_i64 "__atomic_add_fetch"(int64_t *p, int64_t v, int order)
    int ATOMIC_RELAXED "__ATOMIC_RELAXED"


# Flatten the chain of frozen layers when it gets deeper than this.
cdef int64_t MAX_DEPTH = 16


def _set_max_depth(int64_t depth) -> int:
    """Test hook: set the chain depth above which export_snapshot flattens; returns the old."""
    global MAX_DEPTH
    if depth < 1:
        raise ValueError("depth must be >= 1")
    old = MAX_DEPTH
    MAX_DEPTH = depth
    return old
SNAPSHOT_MAGIC = b"VERBSNAP"
SNAPSHOT_VERSION = 1
cdef Py_ssize_t _HEADER_LEN = 8 + 2 + 2 + 8 + 4 + 8

# keccak256(b"")
cdef uint8_t EMPTY_HASH[32]
cdef Code EMPTY_CODE
cdef uint8_t EMPTY_JUMPDESTS[1]
cdef acct_t ABSENT          # what a read of an unknown account sees when there is no Backend
cdef vtable CODE_TABLE      # code hash -> Code* (process-wide, guarded by state_code_lock)

c_keccak256(NULL, 0, EMPTY_HASH)
memset(&EMPTY_CODE, 0, sizeof(Code))
EMPTY_CODE.data = EMPTY_JUMPDESTS
EMPTY_CODE.size = 0
memcpy(EMPTY_CODE.hash, EMPTY_HASH, 32)
EMPTY_JUMPDESTS[0] = 0
EMPTY_CODE.jumpdests = EMPTY_JUMPDESTS
EMPTY_CODE.refcount = 1 << 40
memset(&ABSENT, 0, sizeof(acct_t))
ABSENT.status = ACC_DEAD
vt_init(&CODE_TABLE, 32, sizeof(void *))
state_code_lock_atfork()


# ------------------------------------------------------------------------------------------------
# errors raised from nogil code

cdef int _raise_oom() except -1 with gil:
    raise MemoryError("verbs state: out of memory")


# ------------------------------------------------------------------------------------------------
# Code: refcounted, immutable, shared by hash

cdef Code *_code_intern(const uint8_t *data, size_t size) except NULL nogil:
    """A new reference to the Code holding these bytes (NULL only on error; size must be > 0)."""
    cdef uint8_t h[32]
    cdef int created = 0
    cdef uint8_t *e
    cdef Code *c
    c_keccak256(data, size, h)
    state_code_lock()
    e = vt_find_h(&CODE_TABLE, h, vt_hash(h, 32))
    if e != NULL:
        c = (<Code **>vt_val(&CODE_TABLE, e))[0]
        atomic_add_i64(&c.refcount, 1, ATOMIC_RELAXED)
        state_code_unlock()
        return c
    c = <Code *>malloc(sizeof(Code) + size)
    if c == NULL:
        state_code_unlock()
        _raise_oom()
        return NULL
    c.data = (<uint8_t *>c) + sizeof(Code)
    memcpy(<uint8_t *>c.data, data, size)
    c.size = size
    memcpy(c.hash, h, 32)
    c.jumpdests = NULL
    c.refcount = 1
    e = vt_insert_h(&CODE_TABLE, h, vt_hash(h, 32), &created)
    if e == NULL:
        free(c)
        state_code_unlock()
        _raise_oom()
        return NULL
    (<Code **>vt_val(&CODE_TABLE, e))[0] = c
    state_code_unlock()
    return c


cdef inline void _code_incref(void *p) noexcept nogil:
    if p != NULL:
        atomic_add_i64(&(<Code *>p).refcount, 1, ATOMIC_RELAXED)


cdef void _code_decref(void *p) noexcept nogil:
    cdef Code *c = <Code *>p
    if c == NULL:
        return
    state_code_lock()
    if atomic_add_i64(&c.refcount, -1, ATOMIC_RELAXED) == 0:
        e = vt_find_h(&CODE_TABLE, c.hash, vt_hash(c.hash, 32))
        if e != NULL:
            vt_remove_entry(&CODE_TABLE, e)
        if c.jumpdests != NULL:
            free(c.jumpdests)
        free(c)
    state_code_unlock()


def _live_code_count() -> int:
    """Test hook: the number of distinct Code objects alive in this process."""
    return CODE_TABLE.count


# ------------------------------------------------------------------------------------------------
# layers

cdef void _layer_release(layer_t *l) noexcept nogil:
    """Drop one reference to `l`, freeing it (and, in turn, its parents) when it was the last."""
    cdef layer_t *p
    cdef size_t i
    cdef uint8_t *e
    while l != NULL and layer_decref_is_last(l):
        p = l.parent
        for i in range(l.accts.cap):
            e = vt_entry(&l.accts, i)
            if vt_hashof(e):
                _code_decref((<acct_t *>vt_val(&l.accts, e)).code)
        vt_free(&l.accts)
        vt_free(&l.slots)
        free(l)
        l = p


cdef int _merge_into(layer_t *out, layer_t **chain, Py_ssize_t n) noexcept nogil:
    """Fill the empty layer `out` from `chain` (chain[0] is the bottom); -1 if out of memory."""
    cdef layer_t *l
    cdef Py_ssize_t d
    cdef size_t i, nstale = 0
    cdef uint8_t *e
    cdef uint8_t *ne
    cdef uint8_t *ae
    cdef uint8_t *stale = NULL
    cdef int created
    cdef acct_t *a
    cdef slot_t *s
    cdef uint64_t want
    if vt_copy(&out.accts, &chain[0].accts):
        return -1
    # take the copied records' code references before anything can fail: on failure the caller
    # releases `out`, which drops one reference per record
    for i in range(out.accts.cap):
        e = vt_entry(&out.accts, i)
        if vt_hashof(e):
            _code_incref((<acct_t *>vt_val(&out.accts, e)).code)
    if vt_copy(&out.slots, &chain[0].slots):
        return -1
    for d in range(1, n):
        l = chain[d]
        for i in range(l.accts.cap):
            e = vt_entry(&l.accts, i)
            if vt_hashof(e) == 0:
                continue
            ne = vt_insert_h(&out.accts, vt_key(e), vt_hashof(e), &created)
            if ne == NULL:
                return -1
            a = <acct_t *>vt_val(&out.accts, ne)
            if not created:
                _code_decref(a.code)
            a[0] = (<acct_t *>vt_val(&l.accts, e))[0]
            _code_incref(a.code)
        for i in range(l.slots.cap):
            e = vt_entry(&l.slots, i)
            if vt_hashof(e) == 0:
                continue
            ne = vt_insert_h(&out.slots, vt_key(e), vt_hashof(e), &created)
            if ne == NULL:
                return -1
            (<slot_t *>vt_val(&out.slots, ne))[0] = (<slot_t *>vt_val(&l.slots, e))[0]
    # drop the entries of dead incarnations (collect their keys, then remove them)
    for i in range(out.slots.cap):
        e = vt_entry(&out.slots, i)
        if vt_hashof(e) == 0:
            continue
        s = <slot_t *>vt_val(&out.slots, e)
        ae = vt_find(&out.accts, vt_key(e))
        want = (<acct_t *>vt_val(&out.accts, ae)).inc if ae != NULL else 0
        if s.inc != want or (want != 0 and u256_is_zero(&s.value)):
            if nstale % 1024 == 0:
                ne = <uint8_t *>realloc(stale, (nstale + 1024) * SKEY_LEN)
                if ne == NULL:
                    free(stale)
                    return -1
                stale = ne
            memcpy(stale + nstale * SKEY_LEN, vt_key(e), SKEY_LEN)
            nstale += 1
    for i in range(nstale):
        vt_remove(&out.slots, stale + i * SKEY_LEN)
    free(stale)
    if vt_compact(&out.accts) or vt_compact(&out.slots):
        return -1
    return 0


cdef layer_t *_merge_chain(layer_t *top) except NULL nogil:
    """A new bottom layer (refcount 1) with the content of the chain from `top` down.

    Accounts: the topmost record of each address.  Storage: the topmost entry of each key,
    kept only if it belongs to its account's current incarnation (zeros are kept only in
    incarnation 0, where they shadow the Backend).  The bottom layer's tables are copied whole
    and the layers above applied on them, so flattening a big base under small layers costs
    little more than two memcpy's.
    """
    cdef layer_t *out
    cdef layer_t **chain
    cdef layer_t *l = top
    cdef Py_ssize_t n = 0, d
    cdef int rc
    while l != NULL:
        n += 1
        l = l.parent
    chain = <layer_t **>malloc(n * sizeof(layer_t *))
    out = layer_new(NULL)
    if chain == NULL or out == NULL:
        free(chain)
        free(out)
        _raise_oom()
    l = top
    for d in range(n):
        chain[n - 1 - d] = l
        l = l.parent
    rc = _merge_into(out, chain, n)
    free(chain)
    if rc != 0:
        _layer_release(out)
        _raise_oom()
    return out


# ------------------------------------------------------------------------------------------------
# Python conversions (cold paths)

cdef const uint8_t *_addr(object address) except NULL:
    if type(address) is not bytes:
        raise TypeError(f"address must be bytes, not {type(address).__name__}")
    if PyBytes_GET_SIZE(address) != 20:
        raise ValueError(f"address must be 20 bytes, got {PyBytes_GET_SIZE(address)}")
    return <const uint8_t *>PyBytes_AS_STRING(address)


cdef int _to_u256(object v, u256 *out, str what) except -1:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int, not {type(v).__name__}")
    if v < 0 or v >> 256:
        raise ValueError(f"{what} out of range for a 256-bit word: {v}")
    cdef bytes b = v.to_bytes(32, "big")
    u256_from_be(out, <const uint8_t *>PyBytes_AS_STRING(b))
    return 0


cdef object _from_u256(const u256 *v):
    cdef uint8_t b[32]
    u256_to_be(b, v)
    return int.from_bytes(PyBytes_FromStringAndSize(<char *>b, 32), "big")


cdef uint64_t _to_u64(object v, str what) except? 0xFFFFFFFFFFFFFFFF:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int, not {type(v).__name__}")
    if v < 0 or v >> 64:
        raise ValueError(f"{what} out of range for a 64-bit integer: {v}")
    return <uint64_t>v


# ------------------------------------------------------------------------------------------------

cdef class Snapshot:
    """A frozen, immutable state: a chain of shared copy-on-write layers.

    Build a State from it with ``State(backend, snapshot=snap)`` (O(1), no copying).  A
    Snapshot is a value: ``==`` compares content (live accounts with their nonce, balance, code
    and non-zero storage; a zero slot equals an absent one), ``to_bytes()``/``from_bytes()``
    give a compact versioned binary form, and it pickles through that form.
    """
    cdef layer_t *layer

    def __dealloc__(self):
        if self.layer != NULL:
            _layer_release(self.layer)
            self.layer = NULL

    @property
    def depth(self) -> int:
        """The number of layers in the chain."""
        return self.layer.depth if self.layer != NULL else 0

    def dump(self) -> dict:
        """``{address: (nonce, balance, code, {slot: value != 0})}`` of every live account."""
        return _dump_chain(self.layer)

    def _test_refcounts(self) -> list:
        """Test hook: the reference counts of the layers of the chain, top first."""
        cdef layer_t *l = self.layer
        out = []
        while l != NULL:
            out.append(l.refcount)
            l = l.parent
        return out

    def __eq__(self, other):
        if not isinstance(other, Snapshot):
            return NotImplemented
        return _chains_equal(self.layer, (<Snapshot>other).layer)

    __hash__ = None

    def __repr__(self):
        return f"<Snapshot depth={self.depth}>"

    def to_bytes(self) -> bytes:
        """Serialize to a compact, versioned binary form (see :meth:`from_bytes`).

        Layout: magic ``b"VERBSNAP"``, u16 version, u16 flags (bit 0: zlib-compressed body),
        u64 raw body length, u32 CRC-32 of the raw body, u64 stored body length, then the body.
        The raw body lists the accounts sorted by address, each with its storage sorted by slot
        (all integers little-endian, words 32 bytes big-endian).
        """
        return _serialize(self.layer)

    @staticmethod
    def from_bytes(data) -> Snapshot:
        """Rebuild a Snapshot from :meth:`to_bytes`; raises ValueError on bad input."""
        return _deserialize(data)

    def __reduce__(self):
        return (_snapshot_from_bytes, (self.to_bytes(),))

    def save(self, path) -> None:
        """Write :meth:`to_bytes` to a file."""
        data = self.to_bytes()
        with open(path, "wb") as f:
            f.write(data)

    @staticmethod
    def load(path) -> Snapshot:
        """Read a Snapshot written by :meth:`save`; raises ValueError on bad content."""
        with open(path, "rb") as f:
            return _deserialize(f.read())


def _snapshot_from_bytes(data):
    """Unpickling helper: ``Snapshot.from_bytes``."""
    return _deserialize(data)


cdef Snapshot _wrap_layer(layer_t *l):
    """A Snapshot taking a new reference to `l`."""
    cdef Snapshot s = Snapshot.__new__(Snapshot)
    layer_incref(l)
    s.layer = l
    return s


cdef dict _dump_chain(layer_t *top):
    cdef layer_t *m
    cdef dict out = {}
    cdef size_t i
    cdef uint8_t *e
    cdef acct_t *a
    cdef slot_t *s
    cdef Code *c
    cdef object addr
    if top == NULL:
        return out
    m = _merge_chain(top)
    try:
        for i in range(m.accts.cap):
            e = vt_entry(&m.accts, i)
            if vt_hashof(e) == 0:
                continue
            a = <acct_t *>vt_val(&m.accts, e)
            if a.status != ACC_LIVE:
                continue
            c = <Code *>a.code
            out[PyBytes_FromStringAndSize(<char *>vt_key(e), 20)] = (
                a.nonce, _from_u256(&a.balance),
                PyBytes_FromStringAndSize(<char *>c.data, c.size) if c != NULL else b"", {})
        for i in range(m.slots.cap):
            e = vt_entry(&m.slots, i)
            if vt_hashof(e) == 0:
                continue
            s = <slot_t *>vt_val(&m.slots, e)
            if u256_is_zero(&s.value):
                continue
            addr = PyBytes_FromStringAndSize(<char *>vt_key(e), 20)
            if addr in out:
                out[addr][3][_from_u256(<u256 *>(vt_key(e) + SKEY_SLOT_OFF))] = _from_u256(&s.value)
    finally:
        _layer_release(m)
    return out


cdef size_t _live_slots(layer_t *m) noexcept nogil:
    """The number of non-zero slots of live accounts in a merged layer."""
    cdef size_t i, n = 0
    cdef uint8_t *e
    cdef uint8_t *ae
    for i in range(m.slots.cap):
        e = vt_entry(&m.slots, i)
        if vt_hashof(e) == 0 or u256_is_zero(&(<slot_t *>vt_val(&m.slots, e)).value):
            continue
        ae = vt_find(&m.accts, vt_key(e))
        if ae != NULL and (<acct_t *>vt_val(&m.accts, ae)).status == ACC_LIVE:
            n += 1
    return n


cdef int _merged_contains(layer_t *m1, layer_t *m2) noexcept nogil:
    """1 if every live account of m1 (with its non-zero storage) is in m2, identical."""
    cdef size_t i
    cdef uint8_t *e
    cdef uint8_t *f
    cdef acct_t *a
    cdef acct_t *b
    for i in range(m1.accts.cap):
        e = vt_entry(&m1.accts, i)
        if vt_hashof(e) == 0:
            continue
        a = <acct_t *>vt_val(&m1.accts, e)
        if a.status != ACC_LIVE:
            continue
        f = vt_find_h(&m2.accts, vt_key(e), vt_hashof(e))
        if f == NULL:
            return 0
        b = <acct_t *>vt_val(&m2.accts, f)
        # Code is interned by hash: equal bytes are the same Code object
        if (b.status != ACC_LIVE or b.nonce != a.nonce or b.code != a.code
                or not u256_eq(&a.balance, &b.balance)):
            return 0
    for i in range(m1.slots.cap):
        e = vt_entry(&m1.slots, i)
        if vt_hashof(e) == 0 or u256_is_zero(&(<slot_t *>vt_val(&m1.slots, e)).value):
            continue
        f = vt_find(&m1.accts, vt_key(e))
        if f == NULL or (<acct_t *>vt_val(&m1.accts, f)).status != ACC_LIVE:
            continue
        f = vt_find_h(&m2.slots, vt_key(e), vt_hashof(e))
        if f == NULL or not u256_eq(&(<slot_t *>vt_val(&m2.slots, f)).value,
                                    &(<slot_t *>vt_val(&m1.slots, e)).value):
            return 0
    return 1


cdef bint _chains_equal(layer_t *l1, layer_t *l2) except -1:
    """Content equality of two chains (live accounts, their non-zero storage)."""
    cdef layer_t *m1
    cdef layer_t *m2
    cdef size_t i, n1 = 0, n2 = 0
    cdef uint8_t *e
    cdef bint eq
    if l1 == l2:
        return True
    if l1 == NULL or l2 == NULL:
        return False
    m1 = _merge_chain(l1)
    try:
        m2 = _merge_chain(l2)
    except BaseException:
        _layer_release(m1)
        raise
    with nogil:
        for i in range(m1.accts.cap):
            e = vt_entry(&m1.accts, i)
            if vt_hashof(e) and (<acct_t *>vt_val(&m1.accts, e)).status == ACC_LIVE:
                n1 += 1
        for i in range(m2.accts.cap):
            e = vt_entry(&m2.accts, i)
            if vt_hashof(e) and (<acct_t *>vt_val(&m2.accts, e)).status == ACC_LIVE:
                n2 += 1
        eq = (n1 == n2 and _live_slots(m1) == _live_slots(m2)
              and _merged_contains(m1, m2) != 0)
        _layer_release(m1)
        _layer_release(m2)
    return eq


# --- serialization --------------------------------------------------------------------------

cdef int _cmp_entry_key20(const void *a, const void *b) noexcept nogil:
    return memcmp(vt_key((<uint8_t **>a)[0]), vt_key((<uint8_t **>b)[0]), 20)


cdef int _cmp_entry_skey(const void *a, const void *b) noexcept nogil:
    cdef uint8_t *ka = vt_key((<uint8_t **>a)[0])
    cdef uint8_t *kb = vt_key((<uint8_t **>b)[0])
    cdef int r = memcmp(ka, kb, 20)
    cdef u256 x, y
    if r != 0:
        return r
    memcpy(&x, ka + SKEY_SLOT_OFF, 32)
    memcpy(&y, kb + SKEY_SLOT_OFF, 32)
    if u256_lt(&x, &y):
        return -1
    if u256_lt(&y, &x):
        return 1
    return 0


cdef struct Buf:
    uint8_t *p
    size_t n
    size_t cap


cdef int _buf_put(Buf *b, const void *src, size_t n) except -1 nogil:
    cdef size_t ncap
    cdef uint8_t *np
    if b.n + n > b.cap:
        ncap = b.cap * 2 if b.cap else 4096
        while ncap < b.n + n:
            ncap *= 2
        np = <uint8_t *>realloc(b.p, ncap)
        if np == NULL:
            _raise_oom()
        b.p = np
        b.cap = ncap
    memcpy(b.p + b.n, src, n)
    b.n += n
    return 0


cdef inline int _put_u64(Buf *b, uint64_t v) except -1 nogil:
    cdef uint8_t t[8]
    cdef int i
    for i in range(8):
        t[i] = <uint8_t>(v >> (8 * i))
    return _buf_put(b, t, 8)


cdef inline int _put_u32(Buf *b, uint32_t v) except -1 nogil:
    cdef uint8_t t[4]
    cdef int i
    for i in range(4):
        t[i] = <uint8_t>(v >> (8 * i))
    return _buf_put(b, t, 4)


cdef inline int _put_word(Buf *b, const u256 *v) except -1 nogil:
    cdef uint8_t t[32]
    u256_to_be(t, v)
    return _buf_put(b, t, 32)


cdef int _serialize_raw(layer_t *m, Buf *b) except -1 nogil:
    """Raw body of a merged layer `m`:
    u64 count, then per address (sorted): addr[20], u8 status (0: no account record, only
    storage; 1 live; 2 dead), u8 flags (bit 0: own storage incarnation, i.e. not the Backend's),
    u64 nonce, word balance, u32 code length, code, u32 slot count, (word slot, word value)*.
    """
    cdef size_t na = m.accts.count, ns = m.slots.count, i, k, j, n_groups
    cdef uint8_t **acc = <uint8_t **>malloc((na + 1) * sizeof(uint8_t *))
    cdef uint8_t **slo = <uint8_t **>malloc((ns + 1) * sizeof(uint8_t *))
    cdef uint8_t *e
    cdef uint8_t *key
    cdef acct_t *a
    cdef Code *c
    cdef uint8_t hdr[2]
    cdef u256 zero
    cdef int r
    u256_zero(&zero)
    if acc == NULL or slo == NULL:
        free(acc)
        free(slo)
        _raise_oom()
    k = 0
    for i in range(m.accts.cap):
        e = vt_entry(&m.accts, i)
        if vt_hashof(e):
            acc[k] = e
            k += 1
    k = 0
    for i in range(m.slots.cap):
        e = vt_entry(&m.slots, i)
        if vt_hashof(e):
            slo[k] = e
            k += 1
    qsort(acc, na, sizeof(uint8_t *), _cmp_entry_key20)
    qsort(slo, ns, sizeof(uint8_t *), _cmp_entry_skey)
    # count the groups: accounts, plus addresses that have slots but no account record
    n_groups = na
    j = 0
    for k in range(ns):
        if k > 0 and memcmp(vt_key(slo[k]), vt_key(slo[k - 1]), 20) == 0:
            continue
        if vt_find(&m.accts, vt_key(slo[k])) == NULL:
            n_groups += 1
    try:
        _put_u64(b, n_groups)
        i = 0      # next account
        j = 0      # next slot
        while i < na or j < ns:
            # the next address in order: the smaller of the next account and the next slot
            if i < na and (j >= ns or memcmp(vt_key(acc[i]), vt_key(slo[j]), 20) <= 0):
                key = vt_key(acc[i])
                a = <acct_t *>vt_val(&m.accts, acc[i])
                i += 1
            else:
                key = vt_key(slo[j])
                a = NULL
            _buf_put(b, key, 20)
            if a != NULL:
                hdr[0] = a.status
                hdr[1] = 1 if a.inc != 0 else 0
                _buf_put(b, hdr, 2)
                _put_u64(b, a.nonce)
                _put_word(b, &a.balance)
                c = <Code *>a.code
                if c != NULL:
                    _put_u32(b, <uint32_t>c.size)
                    _buf_put(b, c.data, c.size)
                else:
                    _put_u32(b, 0)
            else:
                hdr[0] = 0
                hdr[1] = 0
                _buf_put(b, hdr, 2)
                _put_u64(b, 0)
                _put_word(b, &zero)
                _put_u32(b, 0)
            k = j
            while k < ns and memcmp(vt_key(slo[k]), key, 20) == 0:
                k += 1
            _put_u32(b, <uint32_t>(k - j))
            while j < k:
                _put_word(b, <u256 *>(vt_key(slo[j]) + SKEY_SLOT_OFF))
                _put_word(b, &(<slot_t *>vt_val(&m.slots, slo[j])).value)
                j += 1
    finally:
        free(acc)
        free(slo)
    return 0


cdef bytes _serialize(layer_t *top):
    cdef layer_t *m
    cdef Buf b
    b.p = NULL
    b.n = 0
    b.cap = 0
    if top == NULL:
        raise ValueError("empty Snapshot")
    m = _merge_chain(top)
    try:
        _serialize_raw(m, &b)
        raw = PyBytes_FromStringAndSize(<char *>b.p, b.n)
    finally:
        free(b.p)
        _layer_release(m)
    body = zlib.compress(raw, 6)
    header = (SNAPSHOT_MAGIC + SNAPSHOT_VERSION.to_bytes(2, "little") + (1).to_bytes(2, "little")
              + len(raw).to_bytes(8, "little") + zlib.crc32(raw).to_bytes(4, "little")
              + len(body).to_bytes(8, "little"))
    return header + body


cdef class _Reader:
    cdef const uint8_t *p
    cdef size_t n
    cdef size_t pos
    cdef bytes keep

    cdef const uint8_t *take(self, size_t k) except NULL:
        cdef const uint8_t *r
        if k > self.n - self.pos:
            raise ValueError(f"snapshot data truncated at byte {self.pos} of {self.n}")
        r = self.p + self.pos
        self.pos += k
        return r

    cdef uint64_t u64(self) except? 0xFFFFFFFFFFFFFFFF:
        cdef const uint8_t *q = self.take(8)
        cdef uint64_t v = 0
        cdef int i
        for i in range(8):
            v |= (<uint64_t>q[i]) << (8 * i)
        return v

    cdef uint32_t u32(self) except? 0xFFFFFFFF:
        cdef const uint8_t *q = self.take(4)
        return q[0] | (<uint32_t>q[1] << 8) | (<uint32_t>q[2] << 16) | (<uint32_t>q[3] << 24)


cdef Snapshot _deserialize(object data):
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if type(data) is not bytes:
        raise TypeError(f"snapshot data must be bytes, not {type(data).__name__}")
    cdef bytes d = <bytes>data
    if len(d) < 8 or d[:8] != SNAPSHOT_MAGIC:
        raise ValueError("not a verbs snapshot: bad magic header")
    if len(d) < _HEADER_LEN:
        raise ValueError("snapshot data truncated: incomplete header")
    version = int.from_bytes(d[8:10], "little")
    if version != SNAPSHOT_VERSION:
        raise ValueError(f"unsupported snapshot version {version} (this verbs reads version "
                         f"{SNAPSHOT_VERSION})")
    flags = int.from_bytes(d[10:12], "little")
    if flags & ~1:
        raise ValueError(f"unknown snapshot flags {flags:#x}")
    raw_len = int.from_bytes(d[12:20], "little")
    crc = int.from_bytes(d[20:24], "little")
    body_len = int.from_bytes(d[24:32], "little")
    body = d[_HEADER_LEN:]
    if len(body) < body_len:
        raise ValueError(f"snapshot data truncated: body has {len(body)} of {body_len} bytes")
    if len(body) > body_len:
        raise ValueError(f"snapshot data has {len(body) - body_len} trailing bytes")
    if flags & 1:
        try:
            raw = zlib.decompress(body)
        except zlib.error as exc:
            raise ValueError(f"corrupt snapshot body: {exc}") from None
    else:
        raw = body
    if len(raw) != raw_len:
        raise ValueError(f"corrupt snapshot body: {len(raw)} bytes, header says {raw_len}")
    if zlib.crc32(raw) != crc:
        raise ValueError("corrupt snapshot body: checksum mismatch")
    cdef layer_t *l = layer_new(NULL)
    if l == NULL:
        raise MemoryError()
    cdef Snapshot snap = Snapshot.__new__(Snapshot)
    snap.layer = l          # owns the reference; freed with `snap` if parsing fails
    _parse_raw(l, raw)
    vt_compact(&l.accts)
    vt_compact(&l.slots)
    return snap


cdef int _parse_raw(layer_t *l, bytes raw) except -1:
    cdef _Reader r = _Reader()
    cdef uint64_t n, k
    cdef uint32_t nslots, codelen, j
    cdef const uint8_t *addr
    cdef const uint8_t *q
    cdef uint8_t status, flags
    cdef uint8_t *e
    cdef int created
    cdef acct_t *a
    cdef slot_t *s
    cdef uint64_t inc
    cdef int64_t nz
    cdef u256 slot
    cdef uint8_t skey[56]
    cdef uint8_t prev[20]
    r.keep = raw
    r.p = <const uint8_t *>PyBytes_AS_STRING(raw)
    r.n = len(raw)
    r.pos = 0
    n = r.u64()
    if n > r.n:
        raise ValueError(f"corrupt snapshot body: {n} accounts in {r.n} bytes")
    for k in range(n):
        addr = r.take(20)
        if k > 0 and memcmp(prev, addr, 20) >= 0:
            raise ValueError("corrupt snapshot body: accounts not in order")
        memcpy(prev, addr, 20)
        q = r.take(2)
        status = q[0]
        flags = q[1]
        if status > 2 or flags > 1:
            raise ValueError(f"corrupt snapshot body: bad account status {status}/{flags}")
        inc = state_fresh_inc() if flags else 0
        a = NULL
        if status != 0:
            e = vt_insert(&l.accts, addr, &created)
            if e == NULL:
                raise MemoryError()
            a = <acct_t *>vt_val(&l.accts, e)
            memset(a, 0, sizeof(acct_t))
            a.status = status
            a.inc = inc
            a.nonce = r.u64()
            u256_from_be(&a.balance, r.take(32))
            codelen = r.u32()
            if codelen:
                q = r.take(codelen)
                a.code = _code_intern(q, codelen)
        else:
            r.take(8 + 32 + 4)
        nslots = r.u32()
        nz = 0
        for j in range(nslots):
            u256_from_be(&slot, r.take(32))
            skey_make(skey, addr, &slot)
            e = vt_insert(&l.slots, skey, &created)
            if e == NULL:
                raise MemoryError()
            if not created:
                raise ValueError("corrupt snapshot body: duplicate storage slot")
            s = <slot_t *>vt_val(&l.slots, e)
            s.inc = inc
            u256_from_be(&s.value, r.take(32))
            if not u256_is_zero(&s.value):
                nz += 1
        if a != NULL:
            a.nz = nz
    if r.pos != r.n:
        raise ValueError(f"corrupt snapshot body: {r.n - r.pos} unparsed bytes")
    return 0


# ------------------------------------------------------------------------------------------------

cdef class State:
    """The EVM world state: journaled, copy-on-write, all data in C.

    Parameters
    ----------
    backend : object, optional
        ``None`` (the empty backend) or an object with ``basic(address) -> (balance, nonce,
        code) | None``, ``storage(address, slot) -> int`` and ``block_hash(number) -> bytes``,
        asked (with the GIL) when the state has never seen an account or slot.
    snapshot : Snapshot, optional
        Start from this snapshot's content, sharing its layers (O(1)).
    """

    def __cinit__(self, backend=None, snapshot=None):
        self.top = NULL
        self.journal = NULL
        self.jlen = 0
        self.jcap = 0
        vt_init(&self.warm_accts, ADDR_LEN, 0)
        vt_init(&self.warm_slots, SKEY_LEN, sizeof(txslot_t))
        vt_init(&self.created, ADDR_LEN, 0)
        vt_init(&self.destructed, ADDR_LEN, 0)
        vt_init(&self.touched, ADDR_LEN, 0)
        vt_init(&self.transient, SKEY_LEN, sizeof(u256))
        vt_init(&self.blockhashes, 8, 32)
        if snapshot is not None and not isinstance(snapshot, Snapshot):
            raise TypeError(f"snapshot must be a Snapshot, not {type(snapshot).__name__}")
        if backend is not None:
            for name in ("basic", "storage", "block_hash"):
                if not callable(getattr(backend, name, None)):
                    raise TypeError(f"backend has no method {name}()")
        self.backend = backend
        self.has_backend = backend is not None
        if snapshot is not None:
            self.top = layer_new((<Snapshot>snapshot).layer)
            if self.top != NULL:
                layer_incref((<Snapshot>snapshot).layer)
        else:
            self.top = layer_new(NULL)
        if self.top == NULL:
            raise MemoryError()

    def __dealloc__(self):
        self._journal_clear()
        vt_mem_free(self.journal, <size_t>self.jcap * sizeof(jentry_t))
        self.journal = NULL
        self.jcap = 0
        vt_free(&self.warm_accts)
        vt_free(&self.warm_slots)
        vt_free(&self.created)
        vt_free(&self.destructed)
        vt_free(&self.touched)
        vt_free(&self.transient)
        vt_free(&self.blockhashes)
        if self.top != NULL:
            _layer_release(self.top)
            self.top = NULL

    # --- internals -------------------------------------------------------------------------------

    cdef acct_t *_find_acct(self, const uint8_t *addr) except NULL nogil:
        """The current record of `addr` (read-only; valid until the next write to the state)."""
        cdef uint64_t h = vt_hash(addr, 20)
        cdef layer_t *l = self.top
        cdef uint8_t *e
        while l != NULL:
            e = vt_find_h(&l.accts, addr, h)
            if e != NULL:
                return <acct_t *>vt_val(&l.accts, e)
            l = l.parent
        if not self.has_backend:
            return &ABSENT
        self._fetch_account(addr)
        e = vt_find_h(&self.top.accts, addr, h)
        return <acct_t *>vt_val(&self.top.accts, e)

    cdef acct_t *_acct_top(self, const uint8_t *addr, int *was_present) except NULL nogil:
        """The record of `addr` in the top layer, copied up from below if needed (no journal)."""
        cdef uint64_t h = vt_hash(addr, 20)
        cdef uint8_t *e = vt_find_h(&self.top.accts, addr, h)
        cdef acct_t copy
        cdef acct_t *src
        cdef int created
        if e != NULL:
            was_present[0] = 1
            return <acct_t *>vt_val(&self.top.accts, e)
        src = self._find_acct(addr)          # may fetch into the top layer
        e = vt_find_h(&self.top.accts, addr, h)
        if e != NULL:
            was_present[0] = 1
            return <acct_t *>vt_val(&self.top.accts, e)
        copy = src[0]
        e = vt_insert_h(&self.top.accts, addr, h, &created)
        if e == NULL:
            _raise_oom()
        _code_incref(copy.code)
        (<acct_t *>vt_val(&self.top.accts, e))[0] = copy
        was_present[0] = 0
        return <acct_t *>vt_val(&self.top.accts, e)

    cdef acct_t *_acct_for_write(self, const uint8_t *addr) except NULL nogil:
        """The top-layer record of `addr`, journaled and marked touched, ready to modify."""
        self._set_insert(&self.touched, J_TOUCH, addr)
        return self._acct_journaled(addr)

    cdef acct_t *_acct_journaled(self, const uint8_t *addr) except NULL nogil:
        """The top-layer record of `addr`, journaled (not touched), ready to modify."""
        cdef int wp = 0
        cdef acct_t *a
        cdef jentry_t *j
        a = self._acct_top(addr, &wp)
        j = self._jpush(J_ACCT)
        j.was_present = wp
        memcpy(j.key, addr, 20)
        j.u.acct = a[0]
        _code_incref(a.code)
        return a

    cdef jentry_t *_jpush(self, uint32_t kind) except NULL nogil:
        cdef Py_ssize_t ncap
        cdef jentry_t *nj
        if self.jlen == self.jcap:
            ncap = self.jcap * 2 if self.jcap else 64
            nj = <jentry_t *>vt_mem_grow(self.journal, <size_t>self.jcap * sizeof(jentry_t),
                                         <size_t>ncap * sizeof(jentry_t))
            if nj == NULL:
                _raise_oom()
            self.journal = nj
            self.jcap = ncap
        nj = &self.journal[self.jlen]
        self.jlen += 1
        nj.kind = kind
        nj.was_present = 0
        return nj

    cdef int _set_insert(self, vtable *t, uint32_t kind, const uint8_t *key) except -1 nogil:
        """Insert `key` in a per-transaction set (journaled); 1 if it was already there."""
        cdef int created = 0
        cdef jentry_t *j
        if vt_insert(t, key, &created) == NULL:
            _raise_oom()
        if not created:
            return 1
        j = self._jpush(kind)
        memcpy(j.key, key, t.ksize)
        return 0

    cdef int _sload_inc(self, const uint8_t *addr, uint64_t inc, const u256 *key,
                        u256 *out) except -1 nogil:
        cdef uint8_t k[56]
        skey_make(k, addr, key)
        return self._slot_read(k, vt_hash(k, SKEY_LEN), inc, out)

    cdef int _slot_read(self, const uint8_t *k, uint64_t h, uint64_t inc, u256 *out) except -1 nogil:
        """The value of slot key `k` (hash `h`) in incarnation `inc`."""
        cdef layer_t *l = self.top
        cdef uint8_t *e
        cdef slot_t *s
        while l != NULL:
            e = vt_find_h(&l.slots, k, h)
            if e != NULL:
                s = <slot_t *>vt_val(&l.slots, e)
                if s.inc == inc:
                    out[0] = s.value
                else:
                    u256_zero(out)
                return 0
            l = l.parent
        if inc != 0 or not self.has_backend:
            u256_zero(out)
            return 0
        return self._fetch_slot(k, out)

    cdef int _slot_write(self, const uint8_t *addr, const uint8_t *k, uint64_t h, uint64_t inc,
                         const u256 *current, const u256 *value) except -1 nogil:
        """Write `value` (journaled) over `current` in the top layer."""
        cdef uint8_t *e
        cdef int created = 0
        cdef jentry_t *j
        cdef slot_t *s
        cdef acct_t *a
        if u256_is_zero(current) != u256_is_zero(value):
            a = self._acct_journaled(addr)     # storage does not "touch" (EIP-161)
            a.nz += -1 if u256_is_zero(value) else 1
        e = vt_insert_h(&self.top.slots, k, h, &created)
        if e == NULL:
            _raise_oom()
        s = <slot_t *>vt_val(&self.top.slots, e)
        j = self._jpush(J_SLOT)
        memcpy(j.key, k, SKEY_LEN)
        j.was_present = not created
        j.u.slot = s[0]
        s.inc = inc
        s.value = value[0]
        return 0

    cdef int _warm_slot_h(self, const uint8_t *k, uint64_t h) except -1 nogil:
        """Warm slot key `k` (journaled); 1 if it was already warm."""
        cdef jentry_t *j
        cdef txslot_t *s = txs_get(&self.warm_slots, k, h)
        if s == NULL:
            _raise_oom()
        if s.flags & TS_WARM:
            return 1
        s.flags |= TS_WARM
        j = self._jpush(J_WARM_SLOT)
        memcpy(j.key, k, SKEY_LEN)
        return 0

    cdef int _fetch_account(self, const uint8_t *addr) except -1 with gil:
        cdef bytes a = PyBytes_FromStringAndSize(<const char *>addr, 20)
        cdef acct_t rec
        cdef int created
        cdef uint8_t *e
        cdef const uint8_t *p
        res = self.backend.basic(a)
        memset(&rec, 0, sizeof(acct_t))
        if res is None:
            rec.status = ACC_DEAD
        else:
            try:
                balance, nonce, code = res
            except (TypeError, ValueError):
                raise TypeError(f"backend.basic() must return (balance, nonce, code) or None, "
                                f"got {res!r}") from None
            if not isinstance(code, (bytes, bytearray, memoryview)):
                raise TypeError(f"backend.basic(): code must be bytes, not {type(code).__name__}")
            code = bytes(code)
            rec.status = ACC_LIVE
            _to_u256(balance, &rec.balance, "backend balance")
            rec.nonce = _to_u64(nonce, "backend nonce")
            if len(code):
                p = <const uint8_t *>PyBytes_AS_STRING(code)
                rec.code = _code_intern(p, len(code))
        e = vt_insert(&self.top.accts, addr, &created)
        if e == NULL:
            _code_decref(rec.code)
            raise MemoryError()
        (<acct_t *>vt_val(&self.top.accts, e))[0] = rec
        return 0

    cdef int _fetch_slot(self, const uint8_t *skey, u256 *out) except -1 with gil:
        cdef u256 key
        cdef int created
        cdef uint8_t *e
        cdef slot_t *s
        memcpy(&key, skey + SKEY_SLOT_OFF, 32)
        v = self.backend.storage(PyBytes_FromStringAndSize(<const char *>skey, 20),
                                 _from_u256(&key))
        _to_u256(v, out, "backend storage value")
        e = vt_insert(&self.top.slots, skey, &created)
        if e == NULL:
            raise MemoryError()
        s = <slot_t *>vt_val(&self.top.slots, e)
        s.inc = 0
        s.value = out[0]
        return 0

    cdef int _fetch_block_hash(self, uint64_t number, uint8_t *out32) except -1 with gil:
        h = self.backend.block_hash(number)
        if not isinstance(h, (bytes, bytearray)) or len(h) != 32:
            raise TypeError(f"backend.block_hash() must return 32 bytes, got {h!r}")
        cdef bytes hb = bytes(h)
        memcpy(out32, PyBytes_AS_STRING(hb), 32)
        return 0

    cdef int _delete_account(self, const uint8_t *addr) except -1 nogil:
        """Delete the account (not journaled: used by commit_tx)."""
        cdef int wp = 0
        cdef acct_t *a = self._acct_top(addr, &wp)
        cdef layer_t *l
        cdef uint64_t h
        self.pvalid = False
        if not self.has_backend and a.inc == 0 and a.nz == 0:
            # Nothing below to shadow (no Backend, no lower layer knows the address) and no
            # storage entry that could resurface (incarnation 0, all of its slots zero): drop the
            # record rather than keep a tombstone, so that deleted empty accounts cost nothing.
            h = vt_hash(addr, 20)
            l = self.top.parent
            while l != NULL and vt_find_h(&l.accts, addr, h) == NULL:
                l = l.parent
            if l == NULL:
                _code_decref(a.code)
                vt_remove_entry(&self.top.accts, <uint8_t *>a - self.top.accts.voff)
                return 0
        _code_decref(a.code)
        memset(a, 0, sizeof(acct_t))
        a.status = ACC_DEAD
        a.inc = state_fresh_inc()
        return 0

    cdef void _journal_clear(self) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(self.jlen):
            if self.journal[i].kind == J_ACCT:
                _code_decref(self.journal[i].u.acct.code)
        self.jlen = 0
        if self.jcap > (1 << 20):      # keep up to 1M entries (~136 MB) between transactions
            vt_mem_free(self.journal, <size_t>self.jcap * sizeof(jentry_t))
            self.journal = NULL
            self.jcap = 0

    cdef void _clear_tx_sets(self) noexcept nogil:
        vt_clear(&self.warm_accts)
        vt_clear(&self.warm_slots)
        vt_clear(&self.created)
        vt_clear(&self.destructed)
        vt_clear(&self.touched)
        vt_clear(&self.transient)

    # --- accounts --------------------------------------------------------------------------------

    cdef int account_exists(self, const uint8_t *addr) except -1 nogil:
        return self._find_acct(addr).status == ACC_LIVE

    cdef int account_is_empty(self, const uint8_t *addr) except -1 nogil:
        cdef acct_t *a = self._find_acct(addr)
        if a.status != ACC_LIVE:
            return 1
        return a.nonce == 0 and u256_is_zero(&a.balance) and a.code == NULL

    cdef int get_balance(self, const uint8_t *addr, u256 *out) except -1 nogil:
        out[0] = self._find_acct(addr).balance
        return 0

    cdef int set_balance(self, const uint8_t *addr, const u256 *value) except -1 nogil:
        cdef acct_t *a = self._acct_for_write(addr)
        a.status = ACC_LIVE
        a.balance = value[0]
        return 0

    cdef int add_balance(self, const uint8_t *addr, const u256 *value) except -1 nogil:
        cdef acct_t *a = self._acct_for_write(addr)
        a.status = ACC_LIVE
        u256_add(&a.balance, &a.balance, value)
        return 0

    cdef int sub_balance(self, const uint8_t *addr, const u256 *value) except -1 nogil:
        cdef acct_t *a = self._find_acct(addr)
        if u256_lt(&a.balance, value):
            return 0
        a = self._acct_for_write(addr)
        a.status = ACC_LIVE
        u256_sub(&a.balance, &a.balance, value)
        return 1

    cdef int get_nonce(self, const uint8_t *addr, uint64_t *out) except -1 nogil:
        out[0] = self._find_acct(addr).nonce
        return 0

    cdef int set_nonce(self, const uint8_t *addr, uint64_t nonce) except -1 nogil:
        cdef acct_t *a = self._acct_for_write(addr)
        a.status = ACC_LIVE
        a.nonce = nonce
        return 0

    cdef int get_code(self, const uint8_t *addr, Code **out) except -1 nogil:
        cdef acct_t *a = self._find_acct(addr)
        if a.code != NULL and a.status == ACC_LIVE:
            out[0] = <Code *>a.code
        else:
            out[0] = &EMPTY_CODE
        return 0

    cdef int set_code(self, const uint8_t *addr, const uint8_t *data, size_t size) except -1 nogil:
        cdef Code *c = NULL
        # the record first: _acct_for_write may ask the Backend and raise, and a Code interned
        # before it would then never be released (interning touches only CODE_TABLE, so `a`
        # stays valid; `data` is copied or matched before the old code is released below)
        cdef acct_t *a = self._acct_for_write(addr)
        if size:
            c = _code_intern(data, size)
        a.status = ACC_LIVE
        _code_decref(a.code)
        a.code = c
        return 0

    cdef int get_code_hash(self, const uint8_t *addr, uint8_t *out32) except -1 nogil:
        cdef acct_t *a = self._find_acct(addr)
        if a.status != ACC_LIVE or (a.nonce == 0 and u256_is_zero(&a.balance) and a.code == NULL):
            memset(out32, 0, 32)
        elif a.code == NULL:
            memcpy(out32, EMPTY_HASH, 32)
        else:
            memcpy(out32, (<Code *>a.code).hash, 32)
        return 0

    cdef const uint8_t *code_jumpdests(self, Code *code) noexcept nogil:
        cdef uint8_t *bits = state_load_ptr(&code.jumpdests)
        if bits != NULL:
            return bits
        bits = state_analyse_jumpdests(code.data, code.size)
        if bits == NULL:
            return NULL
        return state_publish_ptr(&code.jumpdests, bits)

    cdef int create_account(self, const uint8_t *addr) except -1 nogil:
        cdef acct_t *a = self._acct_for_write(addr)
        self.pvalid = False
        a.status = ACC_LIVE
        a.nonce = 0
        _code_decref(a.code)
        a.code = NULL
        a.inc = state_fresh_inc()
        a.nz = 0
        self._set_insert(&self.created, J_CREATED, addr)
        return 0

    cdef int has_storage(self, const uint8_t *addr) except -1 nogil:
        cdef acct_t *a = self._find_acct(addr)
        if a.nz > 0:
            return 1
        if a.inc != 0 or not self.has_backend:
            return 0          # all of this incarnation's storage is local: `nz` is exact
        # The Backend's incarnation: `nz` counts local changes only (0 -> x: +1, x -> 0: -1), so
        # nz > 0 proves storage; otherwise the Backend knows (if it can say).
        return _backend_has_storage(self.backend, addr)

    cdef int account_has_storage(self, const uint8_t *addr) except -1 nogil:
        return self.has_storage(addr)

    cdef int was_created_in_tx(self, const uint8_t *addr) except -1 nogil:
        return vt_find(&self.created, addr) != NULL

    cdef int mark_selfdestruct(self, const uint8_t *addr) except -1 nogil:
        self._set_insert(&self.destructed, J_DESTRUCT, addr)
        return 0

    cdef int touch(self, const uint8_t *addr) except -1 nogil:
        self._set_insert(&self.touched, J_TOUCH, addr)
        return 0

    # --- storage ---------------------------------------------------------------------------------

    cdef int sload(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil:
        return self._sload_inc(addr, self._find_acct(addr).inc, key, out)

    cdef int sstore(self, const uint8_t *addr, const u256 *key, const u256 *value) except -1 nogil:
        cdef uint64_t inc = self._find_acct(addr).inc
        cdef u256 cur
        cdef uint8_t k[56]
        cdef uint64_t h
        cdef txslot_t *s
        skey_make(k, addr, key)
        h = vt_hash(k, SKEY_LEN)
        self._slot_read(k, h, inc, &cur)
        if vt_find(&self.created, addr) == NULL:
            s = txs_get(&self.warm_slots, k, h)
            if s == NULL:
                _raise_oom()
            if not (s.flags & TS_ORIG):
                s.original = cur
                s.flags |= TS_ORIG
        return self._slot_write(addr, k, h, inc, &cur, value)

    cdef int sload_warm(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil:
        cdef uint64_t inc = self._find_acct(addr).inc
        cdef uint8_t k[56]
        cdef uint64_t h
        skey_make(k, addr, key)
        h = vt_hash(k, SKEY_LEN)
        self._slot_read(k, h, inc, out)
        return self._warm_slot_h(k, h)

    cdef int sstore_prepare(self, const uint8_t *addr, const u256 *key, u256 *original,
                            u256 *current) except -1 nogil:
        cdef uint64_t inc = self._find_acct(addr).inc
        cdef uint64_t h
        cdef int was_warm
        cdef txslot_t *s
        cdef jentry_t *j
        skey_make(self.pkey, addr, key)
        h = vt_hash(self.pkey, SKEY_LEN)
        self.pvalid = False
        self._slot_read(self.pkey, h, inc, current)
        # one record of the slot: its warmth and its original value
        s = txs_get(&self.warm_slots, self.pkey, h)
        if s == NULL:
            _raise_oom()
        was_warm = (s.flags & TS_WARM) != 0
        s.flags |= TS_WARM
        if vt_find(&self.created, addr) != NULL:
            u256_zero(original)
        else:
            # the first access in the transaction fixes the original (EIP-2200) value
            if not (s.flags & TS_ORIG):
                s.original = current[0]
                s.flags |= TS_ORIG
            original[0] = s.original
        if not was_warm:
            j = self._jpush(J_WARM_SLOT)       # after the last use of `s` (no table insertion)
            memcpy(j.key, self.pkey, SKEY_LEN)
        self.phash = h
        self.pinc = inc
        self.pvalid = True
        return was_warm

    cdef int sstore_known(self, const uint8_t *addr, const u256 *key, const u256 *current,
                          const u256 *value) except -1 nogil:
        cdef uint8_t k[56]
        cdef uint64_t h
        cdef uint64_t inc
        cdef txslot_t *s
        skey_make(k, addr, key)
        if self.pvalid and vt_eq(k, self.pkey, SKEY_LEN):
            h = self.phash
            inc = self.pinc
        else:
            inc = self._find_acct(addr).inc
            h = vt_hash(k, SKEY_LEN)
            if vt_find(&self.created, addr) == NULL:
                s = txs_get(&self.warm_slots, k, h)
                if s == NULL:
                    _raise_oom()
                if not (s.flags & TS_ORIG):
                    s.original = current[0]
                    s.flags |= TS_ORIG
        return self._slot_write(addr, k, h, inc, current, value)

    cdef int get_original(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil:
        cdef uint8_t k[56]
        cdef uint8_t *e
        if vt_find(&self.created, addr) != NULL:
            u256_zero(out)
            return 0
        skey_make(k, addr, key)
        e = vt_find(&self.warm_slots, k)
        if e != NULL and ((<txslot_t *>vt_val(&self.warm_slots, e)).flags & TS_ORIG):
            out[0] = (<txslot_t *>vt_val(&self.warm_slots, e)).original
            return 0
        return self.sload(addr, key, out)

    cdef int tload(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil:
        cdef uint8_t k[56]
        cdef uint8_t *e
        skey_make(k, addr, key)
        e = vt_find(&self.transient, k)
        if e != NULL:
            out[0] = (<u256 *>vt_val(&self.transient, e))[0]
        else:
            u256_zero(out)
        return 0

    cdef int tstore(self, const uint8_t *addr, const u256 *key, const u256 *value) except -1 nogil:
        cdef uint8_t k[56]
        cdef uint8_t *e
        cdef int created = 0
        cdef jentry_t *j
        skey_make(k, addr, key)
        e = vt_insert(&self.transient, k, &created)
        if e == NULL:
            _raise_oom()
        j = self._jpush(J_TRANSIENT)
        memcpy(j.key, k, SKEY_LEN)
        j.was_present = not created
        j.u.slot.value = (<u256 *>vt_val(&self.transient, e))[0]
        (<u256 *>vt_val(&self.transient, e))[0] = value[0]
        return 0

    # --- EIP-2929 access sets --------------------------------------------------------------------

    cdef int warm_account(self, const uint8_t *addr) except -1 nogil:
        return self._set_insert(&self.warm_accts, J_WARM_ACCT, addr)

    cdef int warm_slot(self, const uint8_t *addr, const u256 *key) except -1 nogil:
        cdef uint8_t k[56]
        skey_make(k, addr, key)
        return self._warm_slot_h(k, vt_hash(k, SKEY_LEN))

    # --- block hashes ----------------------------------------------------------------------------

    cdef int block_hash(self, uint64_t number, uint8_t *out32) except -1 nogil:
        cdef uint8_t k[8]
        cdef uint8_t *e
        cdef int created = 0
        cdef char text[24]
        cdef int n
        cdef int i
        for i in range(8):
            k[i] = <uint8_t>(number >> (8 * i))
        e = vt_find_h(&self.blockhashes, k, vt_hash(k, 8))
        if e != NULL:
            memcpy(out32, vt_val(&self.blockhashes, e), 32)
            return 0
        if self.has_backend:
            self._fetch_block_hash(number, out32)
        else:
            n = snprintf(text, sizeof(text), "%llu", <unsigned long long>number)
            c_keccak256(<const uint8_t *>text, n, out32)
        e = vt_insert_h(&self.blockhashes, k, vt_hash(k, 8), &created)
        if e == NULL:
            _raise_oom()
        memcpy(vt_val(&self.blockhashes, e), out32, 32)
        return 0

    # --- journal ---------------------------------------------------------------------------------

    cdef Py_ssize_t checkpoint(self) noexcept nogil:
        return self.jlen

    cdef void revert(self, Py_ssize_t cp) noexcept nogil:
        cdef jentry_t *j
        cdef uint8_t *e
        cdef acct_t *a
        cdef int created
        cdef vtable *t
        if cp < 0:
            cp = 0
        self.pvalid = False
        while self.jlen > cp:
            self.jlen -= 1
            j = &self.journal[self.jlen]
            if j.kind == J_ACCT:
                e = vt_find(&self.top.accts, j.key)
                if j.was_present:
                    if e == NULL:
                        # cannot happen (entries leave the top layer only by revert, in order),
                        # but never lose the record if it does
                        e = vt_insert(&self.top.accts, j.key, &created)
                        if e == NULL:
                            _code_decref(j.u.acct.code)
                            continue
                        (<acct_t *>vt_val(&self.top.accts, e)).code = NULL
                    a = <acct_t *>vt_val(&self.top.accts, e)
                    _code_decref(a.code)
                    a[0] = j.u.acct            # the journal's code reference moves back
                else:
                    if e != NULL:
                        _code_decref((<acct_t *>vt_val(&self.top.accts, e)).code)
                        vt_remove_entry(&self.top.accts, e)
                    _code_decref(j.u.acct.code)
            elif j.kind == J_SLOT or j.kind == J_TRANSIENT:
                t = &self.top.slots if j.kind == J_SLOT else &self.transient
                e = vt_find(t, j.key)
                if j.was_present:
                    if e == NULL:
                        e = vt_insert(t, j.key, &created)
                        if e == NULL:
                            continue
                    if j.kind == J_SLOT:
                        (<slot_t *>vt_val(t, e))[0] = j.u.slot
                    else:
                        (<u256 *>vt_val(t, e))[0] = j.u.slot.value
                elif e != NULL:
                    vt_remove_entry(t, e)
            elif j.kind == J_WARM_ACCT:
                vt_remove(&self.warm_accts, j.key)
            elif j.kind == J_WARM_SLOT:
                # cold again; the record stays if it holds the original value
                e = vt_find(&self.warm_slots, j.key)
                if e != NULL:
                    (<txslot_t *>vt_val(&self.warm_slots, e)).flags &= ~TS_WARM
                    if not ((<txslot_t *>vt_val(&self.warm_slots, e)).flags & TS_ORIG):
                        vt_remove_entry(&self.warm_slots, e)
            elif j.kind == J_CREATED:
                vt_remove(&self.created, j.key)
            elif j.kind == J_DESTRUCT:
                vt_remove(&self.destructed, j.key)
            elif j.kind == J_TOUCH:
                vt_remove(&self.touched, j.key)

    cdef int commit_tx(self) except -1 nogil:
        cdef size_t i
        cdef Py_ssize_t k
        cdef uint8_t *e
        cdef acct_t *a
        cdef jentry_t *j
        cdef uint8_t addr[20]
        cdef int deleted = 0
        for i in range(self.destructed.cap):
            e = vt_entry(&self.destructed, i)
            if vt_hashof(e):
                self._delete_account(vt_key(e))
                deleted = 1
        for i in range(self.touched.cap):
            e = vt_entry(&self.touched, i)
            if vt_hashof(e):
                memcpy(addr, vt_key(e), 20)
                a = self._find_acct(addr)
                if (a.status == ACC_LIVE and a.nonce == 0 and a.code == NULL
                        and u256_is_zero(&a.balance)):
                    self._delete_account(addr)
                    deleted = 1
        if deleted:
            # Storage this transaction wrote under an incarnation its account no longer has (the
            # account was deleted above, or created and deleted) can never be read again: drop
            # it from the top layer now instead of at the next flattening, so that a long run of
            # create-and-selfdestruct transactions does not grow the top layer without bound.
            # (Removing a stale top entry cannot unshadow a lower one: the account's current
            # incarnation is fresh, so no lower entry carries it.)
            for k in range(self.jlen):
                j = &self.journal[k]
                if j.kind != J_SLOT:
                    continue
                e = vt_find(&self.top.slots, j.key)
                if e == NULL:
                    continue
                memcpy(addr, j.key, 20)
                a = self._find_acct(addr)
                if (<slot_t *>vt_val(&self.top.slots, e)).inc != a.inc:
                    vt_remove_entry(&self.top.slots, e)
        self._journal_clear()
        self._clear_tx_sets()
        return 0

    cdef void discard_tx(self) noexcept nogil:
        self.revert(0)
        self._journal_clear()
        self._clear_tx_sets()

    # --- Python API ------------------------------------------------------------------------------

    def set_account(self, address, *, nonce=0, balance=0, code=b"", storage=None):
        """Write an account directly as committed state (outside any transaction).

        Parameters
        ----------
        address : bytes
            20 bytes.
        nonce, balance : int
        code : bytes
        storage : dict[int, int] or None
            If given, replaces the account's whole storage; if None, the account keeps the
            storage it has.
        """
        cdef const uint8_t *a = _addr(address)
        cdef uint64_t n = _to_u64(nonce, "nonce")
        cdef u256 bal, k, v
        cdef Code *c = NULL
        cdef acct_t *rec
        cdef int wp = 0
        cdef uint8_t sk[56]
        cdef uint8_t *e
        cdef int created
        cdef slot_t *s
        cdef list items = []
        _to_u256(balance, &bal, "balance")
        if not isinstance(code, (bytes, bytearray, memoryview)):
            raise TypeError(f"code must be bytes, not {type(code).__name__}")
        code = bytes(code)
        if storage is not None:
            if not hasattr(storage, "items"):
                raise TypeError(f"storage must be a dict, not {type(storage).__name__}")
            for key, value in storage.items():
                _to_u256(key, &k, "storage slot")
                _to_u256(value, &v, "storage value")
                items.append((key, value))
        self._check_no_tx("set_account")
        self.pvalid = False
        rec = self._acct_top(a, &wp)       # may ask the Backend and raise: before interning
        if len(code):
            c = _code_intern(<const uint8_t *>PyBytes_AS_STRING(code), len(code))
        rec.status = ACC_LIVE
        rec.nonce = n
        rec.balance = bal
        _code_decref(rec.code)
        rec.code = c
        if storage is not None:
            rec.inc = state_fresh_inc()
            rec.nz = 0
            for key, value in items:
                if value == 0:
                    continue
                _to_u256(key, &k, "storage slot")
                _to_u256(value, &v, "storage value")
                skey_make(sk, a, &k)
                e = vt_insert(&self.top.slots, sk, &created)
                if e == NULL:
                    raise MemoryError()
                s = <slot_t *>vt_val(&self.top.slots, e)
                s.inc = rec.inc
                s.value = v
                rec.nz += 1

    def set_storage(self, address, slot, value):
        """Write one storage slot directly as committed state (outside any transaction).

        The account is created (empty) if it does not exist.
        """
        cdef const uint8_t *a = _addr(address)
        cdef u256 k, v, cur
        cdef acct_t *rec
        cdef int wp = 0
        cdef uint8_t sk[56]
        cdef uint8_t *e
        cdef int created
        cdef slot_t *s
        _to_u256(slot, &k, "storage slot")
        _to_u256(value, &v, "storage value")
        self._check_no_tx("set_storage")
        rec = self._acct_top(a, &wp)
        self._sload_inc(a, rec.inc, &k, &cur)
        rec = self._acct_top(a, &wp)
        rec.status = ACC_LIVE
        if u256_is_zero(&cur) != u256_is_zero(&v):
            rec.nz += -1 if u256_is_zero(&v) else 1
        skey_make(sk, a, &k)
        e = vt_insert(&self.top.slots, sk, &created)
        if e == NULL:
            raise MemoryError()
        s = <slot_t *>vt_val(&self.top.slots, e)
        s.inc = rec.inc
        s.value = v

    def _check_no_tx(self, what):
        if self.jlen != 0:
            raise RuntimeError(f"{what}() called inside a transaction (commit or discard it first)")

    def get_storage(self, address, slot) -> int:
        """The value of a storage slot (0 if unset)."""
        cdef u256 k, v
        cdef const uint8_t *a = _addr(address)
        _to_u256(slot, &k, "storage slot")
        self.sload(a, &k, &v)
        return _from_u256(&v)

    def __getattr__(self, name):
        # get_balance/get_nonce/get_code/account_exists are cdef methods (the interpreter's
        # API, see state.pxd); a cdef class cannot also have def methods of the same names, so
        # their Python versions are served from here.
        fn = _PY_API.get(name)
        if fn is None:
            raise AttributeError(f"'State' object has no attribute {name!r}")
        return MethodType(fn, self)

    def dump(self) -> dict:
        """``{address: (nonce, balance, code, {slot: value != 0})}`` of every live account in
        the local state (everything the layers hold; not what the Backend was never asked)."""
        return _dump_chain(self.top)

    def export_snapshot(self) -> Snapshot:
        """Freeze the changes since the last snapshot and return the state as a Snapshot.

        Costs O(changes since the last snapshot) (and O(state) once every ~16 snapshots, when
        the chain of layers is flattened).  Must be called between transactions.
        """
        cdef layer_t *top = self.top
        cdef layer_t *frozen
        cdef layer_t *nt
        self._check_no_tx("export_snapshot")
        if top.accts.count == 0 and top.slots.count == 0 and top.parent != NULL:
            return _wrap_layer(top.parent)
        if vt_compact(&top.accts) or vt_compact(&top.slots):
            raise MemoryError()
        if top.depth > MAX_DEPTH:
            frozen = _merge_chain(top)
            _layer_release(top)
        else:
            frozen = top
        nt = layer_new(frozen)      # takes the State's reference to `frozen` as its parent
        if nt == NULL:
            self.top = layer_new(NULL)
            _layer_release(frozen)
            raise MemoryError()
        self.top = nt
        return _wrap_layer(frozen)

    @property
    def depth(self) -> int:
        """The number of layers under and including the top layer."""
        return self.top.depth

    def accessed_slots(self) -> list:
        """The storage slots warmed so far in the current transaction, in first-access order.

        Returns
        -------
        list[tuple[bytes, int]]
            ``(address, slot)`` pairs read from the journal, so a slot first touched in a
            call frame that reverted is not in it (its warming was undone, EIP-2929); ``[]``
            between transactions.  Slots warmed by an access list come first.
        """
        cdef Py_ssize_t i
        cdef jentry_t *j
        cdef u256 k
        cdef list out = []
        for i in range(self.jlen):
            j = &self.journal[i]
            if j.kind == J_WARM_SLOT:
                memcpy(&k, j.key + SKEY_SLOT_OFF, sizeof(u256))
                out.append((PyBytes_FromStringAndSize(<const char *>j.key, 20), _from_u256(&k)))
        return out

    # --- test hooks: thin wrappers over the cdef API, for tests only -----------------------------

    def _test_set_balance(self, address, value):
        cdef u256 v
        _to_u256(value, &v, "value")
        self.set_balance(_addr(address), &v)

    def _test_add_balance(self, address, value):
        cdef u256 v
        _to_u256(value, &v, "value")
        self.add_balance(_addr(address), &v)

    def _test_sub_balance(self, address, value) -> bool:
        cdef u256 v
        _to_u256(value, &v, "value")
        return bool(self.sub_balance(_addr(address), &v))

    def _test_set_nonce(self, address, nonce):
        self.set_nonce(_addr(address), _to_u64(nonce, "nonce"))

    def _test_set_code(self, address, code: bytes):
        State.set_code(self, _addr(address), <const uint8_t *>PyBytes_AS_STRING(code), len(code))

    def _test_code_hash(self, address) -> bytes:
        cdef uint8_t out[32]
        self.get_code_hash(_addr(address), out)
        return PyBytes_FromStringAndSize(<char *>out, 32)

    def _test_jumpdests(self, address) -> bytes:
        cdef Code *c
        State.get_code(self, _addr(address), &c)
        cdef const uint8_t *bits = self.code_jumpdests(c)
        return PyBytes_FromStringAndSize(<const char *>bits, c.size // 8 + 1)

    def _test_code_shared(self, address_a, address_b) -> bool:
        cdef Code *a
        cdef Code *b
        State.get_code(self, _addr(address_a), &a)
        State.get_code(self, _addr(address_b), &b)
        return a == b

    def _test_is_empty(self, address) -> bool:
        return bool(self.account_is_empty(_addr(address)))

    def _test_create_account(self, address):
        self.create_account(_addr(address))

    def _test_has_storage(self, address) -> bool:
        return bool(self.has_storage(_addr(address)))

    def _test_created_in_tx(self, address) -> bool:
        return bool(self.was_created_in_tx(_addr(address)))

    def _test_selfdestruct(self, address):
        self.mark_selfdestruct(_addr(address))

    def _test_touch(self, address):
        self.touch(_addr(address))

    def _test_sstore(self, address, slot, value):
        cdef u256 k, v
        _to_u256(slot, &k, "slot")
        _to_u256(value, &v, "value")
        self.sstore(_addr(address), &k, &v)

    def _test_sload_warm(self, address, slot) -> tuple:
        cdef u256 k, v
        _to_u256(slot, &k, "slot")
        cdef int warm = self.sload_warm(_addr(address), &k, &v)
        return bool(warm), _from_u256(&v)

    def _test_sstore_prepare(self, address, slot) -> tuple:
        cdef u256 k, o, c
        _to_u256(slot, &k, "slot")
        cdef int warm = self.sstore_prepare(_addr(address), &k, &o, &c)
        return bool(warm), _from_u256(&o), _from_u256(&c)

    def _test_sstore_known(self, address, slot, current, value):
        cdef u256 k, c, v
        _to_u256(slot, &k, "slot")
        _to_u256(current, &c, "current")
        _to_u256(value, &v, "value")
        self.sstore_known(_addr(address), &k, &c, &v)

    def _test_original(self, address, slot) -> int:
        cdef u256 k, v
        _to_u256(slot, &k, "slot")
        self.get_original(_addr(address), &k, &v)
        return _from_u256(&v)

    def _test_tstore(self, address, slot, value):
        cdef u256 k, v
        _to_u256(slot, &k, "slot")
        _to_u256(value, &v, "value")
        self.tstore(_addr(address), &k, &v)

    def _test_tload(self, address, slot) -> int:
        cdef u256 k, v
        _to_u256(slot, &k, "slot")
        self.tload(_addr(address), &k, &v)
        return _from_u256(&v)

    def _test_warm_account(self, address) -> bool:
        return bool(self.warm_account(_addr(address)))

    def _test_warm_slot(self, address, slot) -> bool:
        cdef u256 k
        _to_u256(slot, &k, "slot")
        return bool(self.warm_slot(_addr(address), &k))

    def _test_block_hash(self, number) -> bytes:
        cdef uint8_t out[32]
        self.block_hash(_to_u64(number, "number"), out)
        return PyBytes_FromStringAndSize(<char *>out, 32)

    def _test_checkpoint(self) -> int:
        return self.checkpoint()

    def _test_revert(self, cp):
        self.revert(cp)

    def _test_commit_tx(self):
        self.commit_tx()

    def _test_discard_tx(self):
        self.discard_tx()

    def _test_sload_loop(self, address, slot, Py_ssize_t n) -> int:
        """Run `n` sloads of one slot without the GIL (for rough timing); returns the value."""
        cdef u256 k, v
        cdef const uint8_t *a = _addr(address)
        cdef Py_ssize_t i
        _to_u256(slot, &k, "slot")
        with nogil:
            for i in range(n):
                self.sload(a, &k, &v)
        return _from_u256(&v)

    def _test_opcode_loop(self, address, Py_ssize_t nslots, Py_ssize_t n, Py_ssize_t per_tx,
                          bint fused):
        """Run `n` SSTOREs the way the interpreter does (original, current, warmth, then the
        write: fused calls, or the separate ones), committing every `per_tx` (rough timing)."""
        cdef u256 k, v, o, c
        cdef const uint8_t *a = _addr(address)
        cdef Py_ssize_t i
        with nogil:
            for i in range(n):
                u256_zero(&k)
                k.w[0] = <uint64_t>(i % nslots)
                u256_zero(&v)
                v.w[0] = <uint64_t>(i + 1)
                if fused:
                    self.sstore_prepare(a, &k, &o, &c)
                    self.sstore_known(a, &k, &c, &v)
                else:
                    self.get_original(a, &k, &o)
                    self.sload(a, &k, &c)
                    self.warm_slot(a, &k)
                    self.sstore(a, &k, &v)
                if (i + 1) % per_tx == 0:
                    self.commit_tx()
            self.commit_tx()

    def _test_sstore_loop(self, address, Py_ssize_t nslots, Py_ssize_t n, Py_ssize_t per_tx):
        """Run `n` sstores over `nslots` slots (value i + 1) without the GIL, committing a
        transaction every `per_tx` sstores (for rough timing)."""
        cdef u256 k, v
        cdef const uint8_t *a = _addr(address)
        cdef Py_ssize_t i
        with nogil:
            for i in range(n):
                u256_zero(&k)
                k.w[0] = <uint64_t>(i % nslots)
                u256_zero(&v)
                v.w[0] = <uint64_t>(i + 1)
                self.sstore(a, &k, &v)
                if (i + 1) % per_tx == 0:
                    self.commit_tx()
            self.commit_tx()


cdef int _backend_has_storage(object backend, const uint8_t *addr) except -1 with gil:
    fn = getattr(backend, "has_storage", None)
    if fn is None:
        return 0
    return 1 if fn(PyBytes_FromStringAndSize(<const char *>addr, 20)) else 0



# --- Python versions of the methods whose names the cdef API takes (see State.__getattr__) ---

def _py_get_balance(State self, address) -> int:
    """The balance of `address` (0 if it does not exist)."""
    return _from_u256(&self._find_acct(_addr(address)).balance)


def _py_get_nonce(State self, address) -> int:
    """The nonce of `address` (0 if it does not exist)."""
    return self._find_acct(_addr(address)).nonce


def _py_get_code(State self, address) -> bytes:
    """The code of `address` (b"" if none)."""
    cdef Code *c
    self.get_code(_addr(address), &c)
    return PyBytes_FromStringAndSize(<const char *>c.data, c.size)


def _py_account_exists(State self, address) -> bool:
    """Whether the account exists (even if empty)."""
    return bool(self.account_exists(_addr(address)))


_PY_API = {
    "get_balance": _py_get_balance,
    "get_nonce": _py_get_nonce,
    "get_code": _py_get_code,
    "account_exists": _py_account_exists,
}
