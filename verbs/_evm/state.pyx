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

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, realloc, free, qsort
from libc.string cimport memcpy, memset, memcmp
from libc.stdio cimport snprintf

from verbs._evm.u256 cimport (u256, u256_zero, u256_is_zero, u256_eq, u256_lt, u256_add,
                              u256_sub, u256_from_be, u256_to_be)
from verbs._evm.keccak cimport c_keccak256
from verbs._evm.code cimport Code, analyse_jumpdests, jumpdest_bitmap_size
from verbs._evm.analysis cimport verbs_analysis, new_analysis
from verbs._evm.hardforks cimport Schedule, N_FORKS
from verbs._evm.convert cimport _addr, _to_u256, _from_u256, _to_u64

from verbs._evm import container

cdef extern from "state_tables.h" nogil:
    int ACC_LIVE
    int ACC_DEAD
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
    int vt_resize(vtable *t, size_t ncap)
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


include "code.pxi"
include "state_layers.pxi"
include "snapshot.pxi"
include "snapshot_format.pxi"


# ------------------------------------------------------------------------------------------------
# The hash of a block that no Backend knows (a simulated block, or any block without a Backend)

cdef void c_simulated_block_hash(uint64_t number, uint8_t *out32) noexcept nogil:
    """keccak256 of the block number in decimal ASCII (``keccak256(str(number).encode())``)."""
    cdef char text[24]
    cdef int n = snprintf(text, sizeof(text), "%llu", <unsigned long long>number)
    c_keccak256(<const uint8_t *>text, n, out32)


def simulated_block_hash(number) -> bytes:
    """The hash BLOCKHASH gives for block ``number`` when no Backend answers for it.

    Parameters
    ----------
    number : int
        The block number, ``0 <= number < 2**64``.

    Returns
    -------
    bytes
        ``keccak256(str(number).encode())`` (32 bytes).
    """
    cdef uint8_t out[32]
    c_simulated_block_hash(_to_u64(number, "block number"), out)
    return PyBytes_FromStringAndSize(<char *>out, 32)


# ------------------------------------------------------------------------------------------------

# A block layer whose tables stay within this capacity is kept (emptied) for the next block.
cdef size_t SPARE_MAX_CAP = 4096


cdef int _vt_reserve(vtable *t, size_t extra) noexcept nogil:
    """Grow `t` so that `extra` more insertions cannot resize it; -1 if out of memory."""
    cdef size_t need = (t.count + extra) * 2, ncap
    if need <= t.cap:
        return 0
    ncap = t.cap if t.cap else 8
    while ncap < need:
        ncap *= 2
    return vt_resize(t, ncap)


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
        self.block_base = NULL
        self.block_spare = NULL
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
        if self.block_spare != NULL:
            _layer_release(self.block_spare)
            self.block_spare = NULL

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
        cdef uint8_t k[SKEY_LEN]
        skey_make(k, addr, key)
        return self._slot_read(k, vt_hash(k, SKEY_LEN), inc, out)

    cdef int _slot_read(self, const uint8_t *k, uint64_t h, uint64_t inc,
                        u256 *out) except -1 nogil:
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

    cdef int has_account(self, const uint8_t *addr) except -1 nogil:
        return self._find_acct(addr).status == ACC_LIVE

    cdef int account_is_empty(self, const uint8_t *addr) except -1 nogil:
        cdef acct_t *a = self._find_acct(addr)
        if a.status != ACC_LIVE:
            return 1
        return a.nonce == 0 and u256_is_zero(&a.balance) and a.code == NULL

    cdef int read_balance(self, const uint8_t *addr, u256 *out) except -1 nogil:
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

    cdef int read_nonce(self, const uint8_t *addr, uint64_t *out) except -1 nogil:
        out[0] = self._find_acct(addr).nonce
        return 0

    cdef int set_nonce(self, const uint8_t *addr, uint64_t nonce) except -1 nogil:
        cdef acct_t *a = self._acct_for_write(addr)
        a.status = ACC_LIVE
        a.nonce = nonce
        return 0

    cdef int read_code(self, const uint8_t *addr, Code **out) except -1 nogil:
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
        bits = <uint8_t *>malloc(jumpdest_bitmap_size(code.size))
        if bits == NULL:
            return NULL
        analyse_jumpdests(code.data, code.size, bits)
        return state_publish_ptr(&code.jumpdests, bits)

    cdef const verbs_analysis *code_analysis(self, Code *code, const Schedule *sched
                                             ) noexcept nogil:
        """The instruction analysis of non-empty ``code`` under ``sched``'s fork, built on
        first use and kept with the Code (NULL when memory is short: run the plain loop)."""
        cdef uint8_t **slot = <uint8_t **>&code.analysis[sched.fork]
        cdef uint8_t *a = state_load_ptr(slot)
        if a != NULL:
            return <const verbs_analysis *>a
        a = <uint8_t *>new_analysis(code.data, code.size, sched.ops)
        if a == NULL:
            return NULL
        return <const verbs_analysis *>state_publish_ptr(slot, a)

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

    cdef int create_collision(self, const uint8_t *addr) except -1 nogil:
        cdef acct_t *a = self._find_acct(addr)
        cdef Code *code
        if a.nonce != 0:
            return 1
        self.read_code(addr, &code)
        if code.size != 0:
            return 1
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
        cdef uint8_t k[SKEY_LEN]
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
        cdef uint8_t k[SKEY_LEN]
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
        cdef uint8_t k[SKEY_LEN]
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
        cdef uint8_t k[SKEY_LEN]
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
        cdef uint8_t k[SKEY_LEN]
        cdef uint8_t *e
        skey_make(k, addr, key)
        e = vt_find(&self.transient, k)
        if e != NULL:
            out[0] = (<u256 *>vt_val(&self.transient, e))[0]
        else:
            u256_zero(out)
        return 0

    cdef int tstore(self, const uint8_t *addr, const u256 *key, const u256 *value) except -1 nogil:
        cdef uint8_t k[SKEY_LEN]
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
        cdef uint8_t k[SKEY_LEN]
        skey_make(k, addr, key)
        return self._warm_slot_h(k, vt_hash(k, SKEY_LEN))

    # --- block hashes ----------------------------------------------------------------------------

    cdef int block_hash(self, uint64_t number, uint8_t *out32) except -1 nogil:
        cdef uint8_t k[8]
        cdef uint8_t *e
        cdef int created = 0
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
            c_simulated_block_hash(number, out32)
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
        cdef uint8_t sk[SKEY_LEN]
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
        cdef uint8_t sk[SKEY_LEN]
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

    def get_balance(self, address) -> int:
        """The balance of ``address`` (20 bytes; 0 if the account does not exist)."""
        return _from_u256(&self._find_acct(_addr(address)).balance)

    def get_nonce(self, address) -> int:
        """The nonce of ``address`` (20 bytes; 0 if the account does not exist)."""
        return self._find_acct(_addr(address)).nonce

    def get_code(self, address) -> bytes:
        """The code of ``address`` (20 bytes; ``b""`` if none)."""
        cdef Code *c
        self.read_code(_addr(address), &c)
        return PyBytes_FromStringAndSize(<const char *>c.data, c.size)

    def account_exists(self, address) -> bool:
        """Whether the account ``address`` (20 bytes) exists, even if empty."""
        return bool(self.has_account(_addr(address)))

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
        if self.block_base != NULL:
            raise RuntimeError("export_snapshot() called inside a block (commit or discard it "
                               "first)")
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

    # --- block checkpoint ------------------------------------------------------------------------
    # A block of transactions is made atomic by a layer of its own: begin_block() pushes a fresh
    # top layer over the current one (which the block then leaves untouched), commit_block()
    # moves the block layer's records down into it (O(records the block wrote or fetched)) and
    # discard_block() drops the block layer (O(the same)).  Reads in a block walk one more layer.

    def begin_block(self) -> None:
        """Open a block checkpoint: every change until :meth:`commit_block` or
        :meth:`discard_block` can be dropped at once.  Must be called between transactions.

        Raises
        ------
        RuntimeError
            Inside a transaction or an open block.
        """
        cdef layer_t *nt
        self._check_no_tx("begin_block")
        if self.block_base != NULL:
            raise RuntimeError("begin_block() called inside a block")
        if self.block_spare != NULL:    # the last block's layer, emptied: no table to grow
            nt = self.block_spare
            self.block_spare = NULL
            nt.parent = self.top
            nt.depth = self.top.depth + 1
        else:
            nt = layer_new(self.top)
            if nt == NULL:
                raise MemoryError()
        # the block layer takes the State's reference to the old top
        self.block_base = self.top
        self.top = nt
        self.pvalid = False

    def commit_block(self) -> None:
        """Keep every change since :meth:`begin_block`.  Must be called between transactions.

        Raises
        ------
        RuntimeError
            Inside a transaction, or with no open block.
        """
        self._check_no_tx("commit_block")
        if self.block_base == NULL:
            raise RuntimeError("commit_block() without begin_block()")
        self._merge_block()

    def discard_block(self) -> None:
        """Drop every change since :meth:`begin_block` (an open transaction's included): the
        state is again what it was then.

        Raises
        ------
        RuntimeError
            With no open block.
        """
        cdef layer_t *l
        if self.block_base == NULL:
            raise RuntimeError("discard_block() without begin_block()")
        self.discard_tx()
        l = self.top
        self.top = self.block_base
        self.block_base = NULL
        l.parent = NULL                 # the State keeps the reference to the old top
        _layer_release(l)
        self.pvalid = False

    @property
    def in_block(self) -> bool:
        """Whether a block checkpoint is open."""
        return self.block_base != NULL

    cdef int _merge_block(self) except -1 nogil:
        """Move the block layer's records into the layer under it and make that the top."""
        cdef layer_t *l = self.top
        cdef layer_t *base = self.block_base
        cdef vtable tmp
        cdef size_t i
        cdef uint8_t *e
        cdef uint8_t *ne
        cdef acct_t *src
        cdef acct_t *dst
        cdef int created
        # room for every record first, so that no insertion below can fail half-way
        if base.accts.count and _vt_reserve(&base.accts, l.accts.count):
            _raise_oom()
        if base.slots.count and _vt_reserve(&base.slots, l.slots.count):
            _raise_oom()
        if base.accts.count == 0:
            tmp = base.accts
            base.accts = l.accts
            l.accts = tmp
        else:
            for i in range(l.accts.cap):
                e = vt_entry(&l.accts, i)
                if vt_hashof(e) == 0:
                    continue
                ne = vt_insert_h(&base.accts, vt_key(e), vt_hashof(e), &created)
                dst = <acct_t *>vt_val(&base.accts, ne)
                if not created:
                    _code_decref(dst.code)
                src = <acct_t *>vt_val(&l.accts, e)
                dst[0] = src[0]
                src.code = NULL         # the reference moved with the record
        if base.slots.count == 0:
            tmp = base.slots
            base.slots = l.slots
            l.slots = tmp
        else:
            for i in range(l.slots.cap):
                e = vt_entry(&l.slots, i)
                if vt_hashof(e) == 0:
                    continue
                ne = vt_insert_h(&base.slots, vt_key(e), vt_hashof(e), &created)
                (<slot_t *>vt_val(&base.slots, ne))[0] = (<slot_t *>vt_val(&l.slots, e))[0]
        self.top = base
        self.block_base = NULL
        l.parent = NULL
        # keep the emptied layer for the next block (its records' code references moved with
        # them), unless its tables grew big: a huge block must not pin its memory
        if l.accts.cap <= SPARE_MAX_CAP and l.slots.cap <= SPARE_MAX_CAP:
            vt_clear(&l.accts)
            vt_clear(&l.slots)
            self.block_spare = l
        else:
            vt_free(&l.accts)
            vt_free(&l.slots)
            _layer_release(l)
        self.pvalid = False
        return 0

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

cdef int _backend_has_storage(object backend, const uint8_t *addr) except -1 with gil:
    fn = getattr(backend, "has_storage", None)
    if fn is None:
        return 0
    return 1 if fn(PyBytes_FromStringAndSize(<const char *>addr, 20)) else 0
