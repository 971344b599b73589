"""Test hooks and rough timing loops over the State's C API (for tests and benchmarks only).

Each function is a thin wrapper over one cdef method of :class:`verbs._evm.state.State`
(``set_balance(state, address, value)`` calls ``state.set_balance``), so that tests can drive the
interpreter's contract with the state directly.  Nothing in the engine imports this module.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcpy, memset
from libc.stdlib cimport free
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from verbs._evm.u256 cimport u256, u256_zero, u256_from_be, u256_to_be, u256_set_u64
from verbs._evm.state cimport State, Snapshot, layer_t
from verbs._evm.code cimport Code, analyse_jumpdests, jumpdest_bitmap_size
from verbs._evm.hardforks cimport DEPTH_LIMIT, fill_schedule, Schedule
from verbs._evm.analysis cimport *
from verbs._evm.interpreter cimport Interpreter, Message, Outcome, Frame

from verbs._evm.hardforks import fork_id
from verbs._evm.interpreter import halt_name
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


# ------------------------------------------------------------------------------------------
# the interpreter, driven directly (evmone's instructions_test style)

def jumpdest_bitmap(bytes code) -> bytes:
    """The jumpdest bitmap of ``code`` as the interpreter analyses initcode."""
    cdef size_t n = len(code)
    out = bytearray(jumpdest_bitmap_size(n))
    cdef uint8_t[::1] view = out
    analyse_jumpdests(<const uint8_t *>PyBytes_AS_STRING(code), n, &view[0])
    return bytes(out)


KIND_NAMES = {
    I_STOP: "STOP", I_BEGINBLOCK: "BEGINBLOCK", I_INVALID: "INVALID", I_GENERIC: "GENERIC",
    I_PUSH_SMALL: "PUSH_SMALL", I_PUSH_BIG: "PUSH_BIG", I_PUSH0: "PUSH0", I_DUP: "DUP",
    I_SWAP: "SWAP", I_POP: "POP", I_JUMP: "JUMP", I_JUMPI: "JUMPI", I_PC: "PC",
    I_JUMP_STATIC: "JUMP_STATIC", I_JUMPI_STATIC: "JUMPI_STATIC",
    I_ADD: "ADD", I_MUL: "MUL", I_SUB: "SUB", I_DIV: "DIV", I_SDIV: "SDIV", I_MOD: "MOD",
    I_SMOD: "SMOD", I_ADDMOD: "ADDMOD", I_MULMOD: "MULMOD", I_SIGNEXTEND: "SIGNEXTEND",
    I_LT: "LT", I_GT: "GT", I_SLT: "SLT", I_SGT: "SGT", I_EQ: "EQ", I_ISZERO: "ISZERO",
    I_AND: "AND", I_OR: "OR", I_XOR: "XOR", I_NOT: "NOT", I_BYTE: "BYTE", I_SHL: "SHL",
    I_SHR: "SHR", I_SAR: "SAR", I_CLZ: "CLZ", I_ADDRESS: "ADDRESS", I_CALLER: "CALLER",
    I_CALLVALUE: "CALLVALUE", I_CALLDATALOAD: "CALLDATALOAD", I_CALLDATASIZE: "CALLDATASIZE",
    I_CODESIZE: "CODESIZE", I_RETURNDATASIZE: "RETURNDATASIZE", I_MLOAD: "MLOAD",
    I_MSTORE: "MSTORE", I_KECCAK256: "KECCAK256",
}


def analysed_code(bytes code, fork="Osaka") -> dict:
    """The analysis of ``code`` (analysis.pyx) under ``fork``: ``{"instrs": [(kind name, pc,
    arg), ...], "push_values": [int, ...], "jumpdests": {pc: instruction index}, "size":
    bytes}``; a BEGINBLOCK's arg is unpacked to ``(gas, stack needed, stack allowed)``."""
    cdef Schedule sched
    cdef size_t n = len(code), i
    cdef verbs_analysis *a
    cdef const verbs_instr *ins
    cdef uint8_t buf[32]
    cdef uint64_t blk
    cdef u256 dest
    cdef int64_t t
    fill_schedule(&sched, fork_id(fork), None, None)
    a = new_analysis(<const uint8_t *>PyBytes_AS_STRING(code), n, sched.ops)
    if a == NULL:
        raise MemoryError("code analysis")
    try:
        instrs = []
        n_push = 0
        for i in range(a.n_instrs):
            ins = &a.instrs[i]
            if ins.op == I_BEGINBLOCK:
                blk = <uint64_t>ins.arg
                arg = (<int64_t><uint32_t>blk, <int>((blk >> 32) & 0xFFFF), <int>(blk >> 48) - 1)
            else:
                arg = ins.arg
                if ins.op == I_PUSH_BIG:
                    n_push = max(n_push, ins.arg + 1)
            instrs.append((KIND_NAMES[ins.op], ins.pc, arg))
        push_values = []
        for i in range(n_push):
            u256_to_be(buf, &a.push_values[i])
            push_values.append(int.from_bytes(PyBytes_FromStringAndSize(<char *>buf, 32), "big"))
        jumpdests = {}
        for i in range(n):
            u256_set_u64(&dest, i)
            t = verbs_jump_index(a, &dest)
            if t >= 0:
                jumpdests[i] = t
        return {"instrs": instrs, "push_values": push_values, "jumpdests": jumpdests,
                "size": a.size}
    finally:
        free(a)


def run_code(code, *, fork="Osaka", int64_t gas=1_000_000, calldata=b"", value=0,
             bint is_static=False, state=None, address=b"\x10" * 20, caller=b"\x20" * 20,
             int depth=0, bint analysed=True):
    """Run ``code`` as a message at ``address`` (a test hook, like evmone's instructions_test):
    returns ``{"halt", "gas_left", "stack" (bottom first, ints), "output", "refund", "logs",
    "state"}``.  The state changes are committed (as a transaction) so that tests read them.
    ``analysed=False`` runs every frame in the plain loop."""
    cdef State st = State() if state is None else state
    cdef Interpreter it = Interpreter(st)
    cdef Message m
    cdef Outcome o
    cdef Code *c
    cdef Frame *f
    cdef uint8_t buf[32]
    cdef uint8_t origin[20]
    cdef u256 price
    cdef bytes code_b = bytes(code), data_b = bytes(calldata)
    cdef bytes addr_b = bytes(address), caller_b = bytes(caller)
    cdef bytes vb = int(value).to_bytes(32, "big")
    if not 0 <= depth <= DEPTH_LIMIT:      # frames[] has DEPTH_LIMIT + 2 slots
        raise ValueError(f"depth must be in [0, {DEPTH_LIMIT}], not {depth}")
    fill_schedule(&it.sched, fork_id(fork), None, None)
    it.analysed = analysed
    it.block.number = 1
    it.block.gas_limit = 30_000_000
    st.set_account(addr_b, code=code_b,
                   balance=st.get_balance(addr_b), nonce=st.get_nonce(addr_b))
    memset(&m, 0, sizeof(Message))
    memcpy(m.caller, <const uint8_t *>PyBytes_AS_STRING(caller_b), 20)
    memcpy(m.target, <const uint8_t *>PyBytes_AS_STRING(addr_b), 20)
    memcpy(m.code_address, <const uint8_t *>PyBytes_AS_STRING(addr_b), 20)
    u256_from_be(&m.value, <const uint8_t *>PyBytes_AS_STRING(vb))
    m.data = <const uint8_t *>PyBytes_AS_STRING(data_b)
    m.data_size = len(data_b)
    st.read_code(<const uint8_t *>PyBytes_AS_STRING(addr_b), &c)
    m.code = c.data
    m.code_size = c.size
    m.jumpdests = st.code_jumpdests(c) if c.size else NULL
    m.analysis = st.code_analysis(c, &it.sched) if c.size else NULL
    m.gas = gas
    m.depth = depth
    m.is_static = is_static
    memset(origin, 0, 20)
    u256_zero(&price)
    it.begin_tx(origin, &price, None)
    it.execute(&m, &o)
    f = it.frames[depth]
    stack = []
    for i in range(f.sp):
        u256_to_be(buf, &f.stack[i])
        stack.append(int.from_bytes(PyBytes_FromStringAndSize(<char *>buf, 32), "big"))
    out = PyBytes_FromStringAndSize(<const char *>o.output, o.output_size) if o.output_size else b""
    logs = it.take_logs()
    refund = it.refund
    st.commit_tx()
    return {"halt": halt_name(o.halt), "gas_left": o.gas_left, "stack": stack, "output": out,
            "refund": refund, "logs": logs, "state": st}
