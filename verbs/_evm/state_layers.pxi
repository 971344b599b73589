# Layers: release, merging a chain into one layer, dump, content equality.
# Included by state.pyx (one C translation unit with State).

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
