# Contract code: interned by hash, shared and refcounted (Code, state.pxd).
# Included by state.pyx (one C translation unit with State).

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
    memset(c.analysis, 0, sizeof(c.analysis))
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
    cdef int i
    if c == NULL:
        return
    state_code_lock()
    if atomic_add_i64(&c.refcount, -1, ATOMIC_RELAXED) == 0:
        e = vt_find_h(&CODE_TABLE, c.hash, vt_hash(c.hash, 32))
        if e != NULL:
            vt_remove_entry(&CODE_TABLE, e)
        if c.jumpdests != NULL:
            free(c.jumpdests)
        for i in range(N_FORKS):
            free(c.analysis[i])
        free(c)
    state_code_unlock()


def _live_code_count() -> int:
    """Test hook: the number of distinct Code objects alive in this process."""
    return CODE_TABLE.count
