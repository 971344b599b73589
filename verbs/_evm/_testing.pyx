"""Test hooks and rough timing loops over the State's C API (for tests and benchmarks only).

Each function is a thin wrapper over one cdef method of :class:`verbs._evm.state.State`
(``set_balance(state, address, value)`` calls ``state.set_balance``), so that tests can drive the
interpreter's contract with the state directly.  Nothing in the engine imports this module.
"""

from libc.stdint cimport uint8_t, uint64_t
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from verbs._evm.u256 cimport u256, u256_zero
from verbs._evm.state cimport State, Snapshot, layer_t
from verbs._evm.code cimport Code
from verbs._evm.convert cimport _addr, _to_u256, _from_u256, _to_u64


def snapshot_refcounts(Snapshot snap) -> list:
    """Test hook: the reference counts of the layers of the chain, top first."""
    cdef layer_t *l = snap.layer
    out = []
    while l != NULL:
        out.append(l.refcount)
        l = l.parent
    return out


def set_balance(State state, address, value):
    cdef u256 v
    _to_u256(value, &v, "value")
    state.set_balance(_addr(address), &v)


def add_balance(State state, address, value):
    cdef u256 v
    _to_u256(value, &v, "value")
    state.add_balance(_addr(address), &v)


def sub_balance(State state, address, value) -> bool:
    cdef u256 v
    _to_u256(value, &v, "value")
    return bool(state.sub_balance(_addr(address), &v))


def set_nonce(State state, address, nonce):
    state.set_nonce(_addr(address), _to_u64(nonce, "nonce"))


def set_code(State state, address, code: bytes):
    State.set_code(state, _addr(address), <const uint8_t *>PyBytes_AS_STRING(code), len(code))


def code_hash(State state, address) -> bytes:
    cdef uint8_t out[32]
    state.get_code_hash(_addr(address), out)
    return PyBytes_FromStringAndSize(<char *>out, 32)


def jumpdests(State state, address) -> bytes:
    cdef Code *c
    State.read_code(state, _addr(address), &c)
    cdef const uint8_t *bits = state.code_jumpdests(c)
    return PyBytes_FromStringAndSize(<const char *>bits, c.size // 8 + 1)


def code_shared(State state, address_a, address_b) -> bool:
    cdef Code *a
    cdef Code *b
    State.read_code(state, _addr(address_a), &a)
    State.read_code(state, _addr(address_b), &b)
    return a == b


def is_empty(State state, address) -> bool:
    return bool(state.account_is_empty(_addr(address)))


def create_account(State state, address):
    state.create_account(_addr(address))


def has_storage(State state, address) -> bool:
    return bool(state.has_storage(_addr(address)))


def created_in_tx(State state, address) -> bool:
    return bool(state.was_created_in_tx(_addr(address)))


def selfdestruct(State state, address):
    state.mark_selfdestruct(_addr(address))


def touch(State state, address):
    state.touch(_addr(address))


def sstore(State state, address, slot, value):
    cdef u256 k, v
    _to_u256(slot, &k, "slot")
    _to_u256(value, &v, "value")
    state.sstore(_addr(address), &k, &v)


def sload_warm(State state, address, slot) -> tuple:
    cdef u256 k, v
    _to_u256(slot, &k, "slot")
    cdef int warm = state.sload_warm(_addr(address), &k, &v)
    return bool(warm), _from_u256(&v)


def sstore_prepare(State state, address, slot) -> tuple:
    cdef u256 k, o, c
    _to_u256(slot, &k, "slot")
    cdef int warm = state.sstore_prepare(_addr(address), &k, &o, &c)
    return bool(warm), _from_u256(&o), _from_u256(&c)


def sstore_known(State state, address, slot, current, value):
    cdef u256 k, c, v
    _to_u256(slot, &k, "slot")
    _to_u256(current, &c, "current")
    _to_u256(value, &v, "value")
    state.sstore_known(_addr(address), &k, &c, &v)


def original(State state, address, slot) -> int:
    cdef u256 k, v
    _to_u256(slot, &k, "slot")
    state.get_original(_addr(address), &k, &v)
    return _from_u256(&v)


def tstore(State state, address, slot, value):
    cdef u256 k, v
    _to_u256(slot, &k, "slot")
    _to_u256(value, &v, "value")
    state.tstore(_addr(address), &k, &v)


def tload(State state, address, slot) -> int:
    cdef u256 k, v
    _to_u256(slot, &k, "slot")
    state.tload(_addr(address), &k, &v)
    return _from_u256(&v)


def warm_account(State state, address) -> bool:
    return bool(state.warm_account(_addr(address)))


def warm_slot(State state, address, slot) -> bool:
    cdef u256 k
    _to_u256(slot, &k, "slot")
    return bool(state.warm_slot(_addr(address), &k))


def block_hash(State state, number) -> bytes:
    cdef uint8_t out[32]
    state.block_hash(_to_u64(number, "number"), out)
    return PyBytes_FromStringAndSize(<char *>out, 32)


def checkpoint(State state) -> int:
    return state.checkpoint()


def revert(State state, cp):
    state.revert(cp)


def commit_tx(State state):
    state.commit_tx()


def discard_tx(State state):
    state.discard_tx()


def sload_loop(State state, address, slot, Py_ssize_t n) -> int:
    """Run `n` sloads of one slot without the GIL (for rough timing); returns the value."""
    cdef u256 k, v
    cdef const uint8_t *a = _addr(address)
    _to_u256(slot, &k, "slot")
    with nogil:
        for _ in range(n):
            state.sload(a, &k, &v)
    return _from_u256(&v)


def opcode_loop(State state, address, Py_ssize_t nslots, Py_ssize_t n, Py_ssize_t per_tx,
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
                state.sstore_prepare(a, &k, &o, &c)
                state.sstore_known(a, &k, &c, &v)
            else:
                state.get_original(a, &k, &o)
                state.sload(a, &k, &c)
                state.warm_slot(a, &k)
                state.sstore(a, &k, &v)
            if (i + 1) % per_tx == 0:
                state.commit_tx()
        state.commit_tx()


def sstore_loop(State state, address, Py_ssize_t nslots, Py_ssize_t n, Py_ssize_t per_tx):
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
            state.sstore(a, &k, &v)
            if (i + 1) % per_tx == 0:
                state.commit_tx()
        state.commit_tx()
