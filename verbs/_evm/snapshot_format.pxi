# The binary form of a Snapshot (to_bytes / from_bytes).
# Included by state.pyx (one C translation unit with State).

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
    return container.pack("state", raw, compress=True)


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
    cdef bytes raw = container.unpack(data, "state")
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
    cdef uint8_t skey[SKEY_LEN]
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
