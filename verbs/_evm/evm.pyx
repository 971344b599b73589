"""The Python entry point of the EVM: ``EVM`` validates and processes a transaction.

Transaction validation and processing follow ethereum/execution-specs ``fork.py``
(``check_transaction``, ``process_transaction``) and ``transactions.py``
(``validate_transaction``, ``calculate_intrinsic_cost``) for transaction types 0-4, with the
fork's numbers taken from the Schedule (hardforks.pyx).  See docs/internals.md "The EVM core".
"""

from libc.stdint cimport uint8_t, uint32_t, int64_t, uint64_t
from libc.string cimport memcpy, memset
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.ref cimport Py_INCREF
from cpython.long cimport PyLong_AsUnsignedLongLong, PyLong_FromUnsignedLongLong

from verbs._evm.u256 cimport u256, u256_from_be, u256_to_be, u256_set_u64, u256_fits_u64
from verbs._evm.state cimport State
from verbs._evm.code cimport Code
from verbs._evm.eip7702 cimport is_delegation, delegate_of, designation
from verbs._evm.hardforks cimport Schedule, fill_schedule
from verbs._evm.opcodes cimport OP_CALL, OP_CREATE
from verbs._evm.interpreter cimport (
    Interpreter, LogRec, Message, Outcome, BlockEnv, H_REVERT, H_CREATE_COLLISION,
)
from verbs._evm.hardforks import fork_id, fork_name, Rules, fake_exponential
from verbs._evm.interpreter import HALT_NAMES, contract_address
from verbs._evm.tx cimport Tx, Result, _check_tx_fields
from verbs._evm.tx import InvalidTransaction, to_address, _as_tx
from verbs._evm.authorization import recover_authority

cdef extern from "Python.h":
    int _PyLong_Sign(object v)
    size_t _PyLong_NumBits(object v) except? <size_t>-1
    long long PyLong_AsLongLongAndOverflow(object v, int *overflow) except? -1

cdef tuple _HALT_NAMES = HALT_NAMES

__all__ = ["EVM", "unpack_block"]

U64_MAX = 2 ** 64 - 1
U256_MAX = 2 ** 256 - 1
ZERO_ADDRESS = b"\x00" * 20
INT64_MAX = 2 ** 63 - 1


# Filled Schedules by (fork, rules, blob schedule), as the struct's bytes: filling one walks
# the opcode table and the fork's rules in Python, longer than the rest of making an EVM, and
# every env made from a snapshot makes one.  The struct holds values only (no pointers), so a
# copy is the same schedule.
cdef dict _SCHEDULES = {}
cdef int _SCHEDULES_MAX = 64


cdef int load_schedule(Schedule *s, int fork, object rules, object blob_schedule) except -1:
    """fill_schedule, from the cache when these arguments were seen before."""
    cdef bytes cached
    try:
        key = (fork,
               None if rules is None else tuple([getattr(rules, k) for k in Rules.__slots__]),
               None if blob_schedule is None else tuple(sorted(blob_schedule.items())))
        cached = _SCHEDULES.get(key)
    except (TypeError, AttributeError):     # unhashable or unusual values: no caching
        fill_schedule(s, fork, rules, blob_schedule)
        return 0
    if cached is not None:
        memcpy(s, PyBytes_AS_STRING(cached), sizeof(Schedule))
        return 0
    fill_schedule(s, fork, rules, blob_schedule)
    if len(_SCHEDULES) < _SCHEDULES_MAX:
        _SCHEDULES[key] = PyBytes_FromStringAndSize(<const char *>s, sizeof(Schedule))
    return 0


def _int(v):
    return int(v, 16) if isinstance(v, str) else int(v)


cdef inline int int_to_u256(u256 *r, object v) except -1:
    """v mod 2**256 as a word (no Python big-int arithmetic for 0 <= v < 2**64)."""
    cdef bytes b
    if type(v) is int and _PyLong_Sign(v) >= 0 and _PyLong_NumBits(v) <= 64:
        u256_set_u64(r, PyLong_AsUnsignedLongLong(v))
        return 0
    b = (v & U256_MAX).to_bytes(32, "big")
    u256_from_be(r, <const uint8_t *>PyBytes_AS_STRING(b))
    return 0


cdef inline int64_t clamp_i64(object v) except? -1:
    """An int as int64, saturated at the int64 limits (gas limits compare the same)."""
    cdef int overflow = 0
    cdef long long x = PyLong_AsLongLongAndOverflow(v, &overflow)
    if overflow > 0:
        return 0x7FFFFFFFFFFFFFFF
    if overflow < 0:
        return -0x7FFFFFFFFFFFFFFF - 1
    return x


cdef inline object u256_to_int(const u256 *a):
    cdef uint8_t buf[32]
    if u256_fits_u64(a):
        return PyLong_FromUnsignedLongLong(a.w[0])
    u256_to_be(buf, a)
    return int.from_bytes(PyBytes_FromStringAndSize(<char *>buf, 32), "big")


cdef inline const uint8_t *P(bytes b):
    return <const uint8_t *>PyBytes_AS_STRING(b)


cdef Tx _fields_tx(bytes sender, to, bytes data, value, gas_limit, nonce, gas_price,
                   max_fee_per_gas, max_priority_fee_per_gas):
    """The Tx of ``EVM.transact_fields``' arguments (type 0, or 2 when a max fee is given)."""
    cdef Tx tx = Tx.__new__(Tx)
    if PyBytes_GET_SIZE(sender) != 20:
        raise ValueError(f"an address has 20 bytes, not {len(sender)}")
    tx.sender = sender
    if to is not None and not (type(to) is bytes and PyBytes_GET_SIZE(to) == 20):
        to = to_address(to) if len(to) else None
    tx.to = to
    tx.data = data
    tx.value = value if type(value) is int else int(value)
    tx.gas_limit = gas_limit if type(gas_limit) is int else int(gas_limit)
    tx.nonce = None if nonce is None else int(nonce)
    tx.gas_price = gas_price
    tx.max_fee_per_gas = max_fee_per_gas
    tx.max_priority_fee_per_gas = max_priority_fee_per_gas
    tx.access_list = ()
    tx.tx_type = 2 if (max_fee_per_gas is not None or
                       max_priority_fee_per_gas is not None) else 0
    return tx


# The packed records of ``EVM.transact_packed`` (one per transaction of a block, read back by
# ``unpack_block``): a flag byte (bit 0 success, bits 1-3 the selector's length), the selector
# (the first bytes of the transaction's data, at most 4), the number of logs (uint32, little-
# endian), then per log the address (20 bytes), the number of topics (1 byte), the topics
# (32 bytes each), the data size (uint32, little-endian) and the data.

cdef inline void _put_u32le(uint8_t *p, uint32_t v) noexcept:
    p[0] = v & 0xFF
    p[1] = (v >> 8) & 0xFF
    p[2] = (v >> 16) & 0xFF
    p[3] = v >> 24


cdef inline uint32_t _get_u32le(const uint8_t *p) noexcept:
    return p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


cdef int _pack_record(bytearray records, bint success, bytes data, Interpreter it) except -1:
    """Append the record of a transaction: its outcome and selector, and with ``success`` the
    logs the interpreter holds (those of the transaction it ran last)."""
    cdef Py_ssize_t n = min(PyBytes_GET_SIZE(data), 4)
    cdef size_t i, n_logs = it.n_logs if success else 0
    cdef size_t total = 5 + n
    cdef Py_ssize_t start = PyByteArray_GET_SIZE(records)
    cdef LogRec *r
    cdef uint8_t *p
    if n_logs > 0xFFFFFFFF:
        raise OverflowError(f"{n_logs} logs in one transaction (at most 2**32 - 1)")
    for i in range(n_logs):
        r = &it.logs[i]
        if r.data_size > 0xFFFFFFFF:    # unreachable: memory is capped at 1 GiB
            raise OverflowError(f"log data of {r.data_size} bytes (at most 2**32 - 1)")
        total += 25 + 32 * <size_t>r.n_topics + r.data_size
    PyByteArray_Resize(records, start + <Py_ssize_t>total)
    p = <uint8_t *>PyByteArray_AS_STRING(records) + start
    p[0] = <uint8_t>((n << 1) | success)
    memcpy(p + 1, PyBytes_AS_STRING(data), n)
    p += 1 + n
    _put_u32le(p, <uint32_t>n_logs)
    p += 4
    for i in range(n_logs):
        r = &it.logs[i]
        memcpy(p, r.address, 20)
        p[20] = <uint8_t>r.n_topics
        p += 21
        memcpy(p, r.topics, 32 * <size_t>r.n_topics)
        p += 32 * <size_t>r.n_topics
        _put_u32le(p, <uint32_t>r.data_size)
        p += 4
        if r.data_size:
            memcpy(p, it.log_data + r.data_off, r.data_size)
        p += r.data_size
    return 0


_tuple_new = tuple.__new__


def unpack_block(const uint8_t[::1] records, Py_ssize_t start, Py_ssize_t stop, step,
                 log_type, event_type, list out):
    """Append to ``out`` the events of the records in ``records[start:stop]``, those of one
    block of ``step`` (sequence numbers from 0): ``event_type`` tuples ``(success, selector,
    logs, step, sequence)``, each log a ``log_type`` tuple ``(address, data)`` with a
    ``topics`` tuple attribute (``verbs.envs.events`` passes its Event and Log).

    Raises
    ------
    ValueError
        If a record runs past ``stop`` (the bytes are not records of ``transact_packed``).
    """
    cdef const uint8_t *base
    cdef Py_ssize_t p = start, q, end, sequence = 0
    cdef size_t n_logs, size
    cdef int n_sel, n_topics, t
    if start < 0 or stop > records.shape[0] or start > stop:
        raise ValueError(f"records[{start}:{stop}] is out of the {records.shape[0]} bytes")
    if stop == start:
        return
    base = &records[0]
    while p < stop:
        n_sel = base[p] >> 1
        if n_sel > 4 or p + 5 + n_sel > stop:
            raise ValueError(f"bad event record at offset {p}")
        success = (base[p] & 1) == 1
        selector = PyBytes_FromStringAndSize(<const char *>base + p + 1, n_sel)
        p += 1 + n_sel
        n_logs = _get_u32le(base + p)
        p += 4
        logs = []
        for _ in range(n_logs):
            if p + 25 > stop:
                raise ValueError(f"bad log record at offset {p}")
            n_topics = base[p + 20]
            q = p + 21 + 32 * n_topics
            if q + 4 > stop:
                raise ValueError(f"bad log record at offset {p}")
            size = _get_u32le(base + q)
            end = q + 4 + <Py_ssize_t>size
            if end > stop:
                raise ValueError(f"bad log record at offset {p}")
            log = _tuple_new(log_type, (
                PyBytes_FromStringAndSize(<const char *>base + p, 20),
                PyBytes_FromStringAndSize(<const char *>base + q + 4, size)))
            topics = PyTuple_New(n_topics)
            for t in range(n_topics):
                topic = PyBytes_FromStringAndSize(<const char *>base + p + 21 + 32 * t, 32)
                Py_INCREF(topic)
                PyTuple_SET_ITEM(topics, t, topic)
            log.topics = topics
            logs.append(log)
            p = end
        out.append(_tuple_new(event_type, (success, selector, logs, step, sequence)))
        sequence += 1


# What validation hands to processing (validate_transaction + check_transaction's results).
cdef struct Validated:
    int64_t intrinsic               # intrinsic gas
    int64_t floor                   # EIP-7623 calldata floor (0 before Prague)
    int64_t gas                     # the gas limit, saturated at the int64 limits
    uint64_t acct_nonce             # the sender's nonce before the transaction
    u256 gas_price                  # the effective gas price
    u256 blob_fee                   # blob gas * blob base fee


cdef class EVM:
    """An EVM: a journaled State, a fork Schedule, a block environment; ``transact`` runs a
    transaction (see docs/internals.md "The EVM core")."""

    cdef readonly State state
    cdef Interpreter interp
    cdef readonly int fork_id
    cdef readonly object rules
    cdef object _blob_schedule
    cdef public object failure_tracer
    cdef object _chain_id
    cdef readonly object number, timestamp, coinbase, gas_limit, base_fee, prevrandao
    cdef readonly object difficulty, excess_blob_gas, blob_base_fee

    def __init__(self, fork="Osaka", chain_id=1, rules=None, backend=None,
                 blob_schedule=None, state=None, snapshot=None):
        self.fork_id = fork_id(fork)
        if isinstance(rules, str):
            if rules != "simulation":
                raise ValueError(f"unknown rules {rules!r} (None, 'simulation' or a Rules)")
            rules = Rules.simulation()
        self.rules = rules
        self._chain_id = int(chain_id)
        if state is not None and (backend is not None or snapshot is not None):
            raise ValueError("give either state or backend/snapshot")
        self.state = state if state is not None else State(backend, snapshot=snapshot)
        self.interp = Interpreter(self.state)
        self._blob_schedule = self._parse_blob_schedule(blob_schedule)
        load_schedule(&self.interp.sched, self.fork_id, rules, self._blob_schedule)
        self.number = 1
        self.timestamp = 0
        self.coinbase = ZERO_ADDRESS
        self.gas_limit = 30_000_000
        self.base_fee = 0
        self.prevrandao = b"\x00" * 32
        self.difficulty = 0
        self.excess_blob_gas = 0
        self._sync_block()

    @property
    def chain_id(self):
        return self._chain_id

    @chain_id.setter
    def chain_id(self, value):
        self._chain_id = int(value)
        self._sync_block()

    @property
    def fork(self) -> str:
        return fork_name(self.fork_id)

    @staticmethod
    def _parse_blob_schedule(bs):
        if bs is None:
            return None
        if isinstance(bs, dict):
            out = {}
            for k, v in bs.items():
                key = {"base_fee_update_fraction": "baseFeeUpdateFraction"}.get(k, k)
                out[key] = _int(v)
            return out
        target, max_, fraction = bs
        return {"target": _int(target), "max": _int(max_),
                "baseFeeUpdateFraction": _int(fraction)}

    # --- block environment -----------------------------------------------------------------
    def set_block(self, *, number=None, timestamp=None, coinbase=None, gas_limit=None,
                  base_fee=None, prevrandao=None, difficulty=None, excess_blob_gas=None,
                  blob_schedule=None):
        """Set any subset of the block environment.  ``blob_schedule`` overrides the fork's
        blob schedule: ``(target, max, base_fee_update_fraction)`` or the fixtures' dict
        ``{"target", "max", "baseFeeUpdateFraction"}``."""
        if number is not None:
            self.number = int(number)
        if timestamp is not None:
            self.timestamp = int(timestamp)
        if coinbase is not None:
            self.coinbase = to_address(coinbase)
        if gas_limit is not None:
            self.gas_limit = int(gas_limit)
        if base_fee is not None:
            self.base_fee = int(base_fee)
        if prevrandao is not None:
            if isinstance(prevrandao, int):
                prevrandao = prevrandao.to_bytes(32, "big")
            self.prevrandao = bytes(prevrandao).rjust(32, b"\x00")
        if difficulty is not None:
            self.difficulty = int(difficulty)
        if excess_blob_gas is not None:
            self.excess_blob_gas = int(excess_blob_gas)
        if blob_schedule is not None:
            self._blob_schedule = self._parse_blob_schedule(blob_schedule)
            load_schedule(&self.interp.sched, self.fork_id, self.rules, self._blob_schedule)
        self._sync_block()

    def _sync_block(self):
        cdef Schedule *s = &self.interp.sched
        cdef BlockEnv *b = &self.interp.block
        memcpy(b.coinbase, P(self.coinbase), 20)
        b.number = min(self.number, U64_MAX)
        b.timestamp = min(self.timestamp, U64_MAX)
        b.gas_limit = min(self.gas_limit, U64_MAX)
        int_to_u256(&b.base_fee, self.base_fee)
        u256_from_be(&b.prevrandao, P(self.prevrandao))
        int_to_u256(&b.chain_id, self._chain_id)
        if s.blob_gas_per_blob:
            self.blob_base_fee = fake_exponential(s.blob_min_price, self.excess_blob_gas,
                                                  s.blob_update_fraction)
        else:
            self.blob_base_fee = 0
        int_to_u256(&b.blob_base_fee, self.blob_base_fee)

    def block_env(self) -> dict:
        """The block environment as the keywords of ``set_block``."""
        return dict(number=self.number, timestamp=self.timestamp, coinbase=self.coinbase,
                    gas_limit=self.gas_limit, base_fee=self.base_fee,
                    prevrandao=self.prevrandao, difficulty=self.difficulty,
                    excess_blob_gas=self.excess_blob_gas)

    @property
    def block_number(self):
        return self.number

    # --- state -----------------------------------------------------------------------------
    def export_snapshot(self):
        """A Snapshot of the state (State.export_snapshot)."""
        return self.state.export_snapshot()

    def set_account(self, address, *, nonce=0, balance=0, code=b"", storage=None):
        self.state.set_account(to_address(address), nonce=nonce, balance=balance, code=code,
                               storage=storage)

    def get_balance(self, address) -> int:
        return self.state.get_balance(to_address(address))

    def get_nonce(self, address) -> int:
        return self.state.get_nonce(to_address(address))

    def get_code(self, address) -> bytes:
        return self.state.get_code(to_address(address))

    def get_storage(self, address, slot) -> int:
        return self.state.get_storage(to_address(address), int(slot))

    def account_exists(self, address) -> bool:
        return self.state.account_exists(to_address(address))

    def dump(self) -> dict:
        return self.state.dump()

    # --- transactions ----------------------------------------------------------------------
    def transact(self, tx, commit=True):
        """Validate and run ``tx``; ``commit=False`` discards every change afterwards.

        Raises InvalidTransaction for an invalid transaction; an exception raised by the
        Backend propagates as it is, and a library failure inside a precompile as
        ``verbs.errors.EVMInternalError``.  In every such case the state is as before the
        call."""
        if type(tx) is not Tx:
            tx = _as_tx(tx)
        return self._transact(<Tx>tx, commit)

    def call(self, tx):
        """Run ``tx`` without committing (``transact(tx, commit=False)``)."""
        if type(tx) is not Tx:
            tx = _as_tx(tx)
        return self._transact(<Tx>tx, False)

    def transact_fields(self, bytes sender not None, to, bytes data not None, value=0,
                        gas_limit=16_000_000,
                        bint commit=True, nonce=None, gas_price=None, max_fee_per_gas=None,
                        max_priority_fee_per_gas=None):
        """``transact(Tx(sender, to, data, value, gas_limit, nonce, gas_price, max_fee_per_gas,
        max_priority_fee_per_gas), commit)`` without building the Tx in Python: the fast entry
        of the simulation environments (``sender`` 20 bytes, ``to`` 20 bytes or None, ``value``
        and ``gas_limit`` ints; type 0, or 2 when a max fee is given)."""
        return self._transact(
            _fields_tx(sender, to, data, value, gas_limit, nonce, gas_price, max_fee_per_gas,
                       max_priority_fee_per_gas), commit, True)

    def transact_packed(self, bytearray records not None, bytes sender not None, to,
                        bytes data not None, value=0, gas_limit=16_000_000, nonce=None,
                        gas_price=None, max_fee_per_gas=None, max_priority_fee_per_gas=None):
        """``transact_fields(..., commit=True)`` that appends the record of the transaction to
        ``records`` instead of building its logs as Python objects (the returned Result's
        ``logs`` is ``[]``): the block loop of the simulation environments records its events
        this way, and ``verbs.envs.events`` reads them.

        The record (see ``unpack_block``) holds the outcome, the selector (the first bytes of
        ``data``, at most 4) and the logs (none unless the transaction succeeded).  An invalid
        transaction appends its record (failed, no logs) and raises InvalidTransaction; any
        other exception appends nothing."""
        cdef Result result
        try:
            result = self._transact(
                _fields_tx(sender, to, data, value, gas_limit, nonce, gas_price, max_fee_per_gas,
                           max_priority_fee_per_gas), True, False)
        except InvalidTransaction:
            _pack_record(records, False, data, self.interp)
            raise
        _pack_record(records, result.success is True, data, self.interp)
        return result

    def set_tracer(self, tracer) -> None:
        """Report the messages, logs and self-destructs of the transactions that follow to
        ``tracer`` (``None``: stop); see ``Interpreter.set_tracer`` for what it is told and
        ``verbs.trace.Recorder`` for the tracer that builds call frames from it."""
        self.interp.set_tracer(tracer)

    def call_accessed_slots(self, tx):
        """Run ``tx`` without committing it and also return the storage slots it accessed.

        What forge-std's ``vm.record``/``vm.accesses`` give a cheatcode such as ``deal``: the
        slots of every account that the transaction read or wrote (warmed, EIP-2929), in the
        order of their first access, from frames that did not revert.

        Returns
        -------
        tuple[Result, list[tuple[bytes, int]]]
            The result and the ``(address, slot)`` pairs.

        Raises
        ------
        InvalidTransaction
            As :meth:`transact` (state unchanged).
        """
        cdef Result result
        cdef Validated v
        cdef list slots
        if type(tx) is not Tx:
            tx = _as_tx(tx)
        _check_tx_fields(<Tx>tx)
        try:
            self._validate(<Tx>tx, &v)
            result = self._process(<Tx>tx, &v)
            slots = self.state.accessed_slots()
        finally:
            self.state.discard_tx()
        return result, slots

    cdef object _transact(self, Tx tx, bint commit, bint take_logs=True):
        cdef Result result
        cdef Validated v
        _check_tx_fields(tx)
        # An exception is never a transaction outcome: InvalidTransaction, one raised by the
        # Backend (a node or cache that failed) or EVMInternalError (a library bug inside a
        # precompile) discards every change of the transaction and propagates unchanged.
        try:
            self._validate(tx, &v)
            result = self._process(tx, &v, take_logs)
            if not result.success and self.failure_tracer is not None and \
                    not self.interp.tracing:
                result = self._retrace(tx)
        except BaseException:
            self.state.discard_tx()
            raise
        if commit:
            self.state.commit_tx()
        else:
            self.state.discard_tx()
        return result

    cdef Result _retrace(self, Tx tx):
        """Run a transaction that failed again from the state before it, under
        ``failure_tracer``, so that its result carries the trace (the second run is the same
        as the first: same state, same block)."""
        cdef Result result
        cdef Validated v
        recorder = self.failure_tracer
        self.state.discard_tx()
        self.interp.set_tracer(recorder)
        try:
            self._validate(tx, &v)
            result = self._process(tx, &v)
        except BaseException:
            recorder.reset()
            raise
        finally:
            self.interp.set_tracer(None)
        result.trace = recorder.take(result.gas_used)
        return result

    cdef int _validate(self, Tx tx, Validated *v) except -1:
        """validate_transaction + check_transaction: raises InvalidTransaction, or fills `v`
        with what processing needs (intrinsic gas, floor, nonce, effective gas price, blob
        fee)."""
        cdef Schedule *s = &self.interp.sched
        cdef uint64_t acct_nonce
        cdef u256 bal
        cdef Code *code
        cdef int t = tx.tx_type
        cdef bytes data = tx.data
        cdef const uint8_t *d = P(data)
        cdef Py_ssize_t size = PyBytes_GET_SIZE(data), i
        cdef int64_t zeros = 0, nonzero, tokens, intrinsic, floor, g
        cdef bint create = tx.to is None
        if t < 0 or t > 4 or not (s.tx_types >> t) & 1:
            raise InvalidTransaction(f"TYPE_{t}_TX_PRE_FORK",
                                     f"type {t} transactions are not valid in {self.fork}")
        sender = tx.sender
        gas = tx.gas_limit
        g = clamp_i64(gas)        # every bound it is compared with below is < 2**62
        # calculate_intrinsic_cost
        for i in range(size):
            zeros += d[i] == 0
        nonzero = size - zeros
        tokens = zeros + nonzero * 4
        intrinsic = s.tx_base + zeros * s.tx_data_zero + nonzero * s.tx_data_nonzero
        if create:
            intrinsic += s.tx_create + s.initcode_word * ((size + 31) // 32)
        if t >= 1:
            for _, keys in tx.access_list:
                intrinsic += s.tx_access_list_address + len(keys) * s.tx_access_list_storage_key
        if t == 4:
            auths = tx.authorization_list or ()
            intrinsic += s.auth_empty_account * len(auths)
        floor = tokens * s.tx_floor_token + s.tx_base if s.tx_floor_token else 0
        # validate_transaction
        if g < intrinsic:
            raise InvalidTransaction("INTRINSIC_GAS_TOO_LOW",
                                     f"gas limit {gas} < intrinsic gas {intrinsic}")
        if g < floor:
            raise InvalidTransaction("INTRINSIC_GAS_BELOW_FLOOR_GAS_COST",
                                     f"gas limit {gas} < calldata floor {floor}")
        self.state.read_nonce(P(sender), &acct_nonce)
        tx_nonce = tx.nonce
        if tx_nonce is None:      # the account's nonce
            if acct_nonce == 0xFFFFFFFFFFFFFFFF:
                raise InvalidTransaction("NONCE_IS_MAX", f"nonce {acct_nonce} >= 2**64 - 1")
        else:
            nonce = tx_nonce
            if nonce >= U64_MAX:
                raise InvalidTransaction("NONCE_IS_MAX", f"nonce {nonce} >= 2**64 - 1")
        if create and size > s.max_initcode_size:
            raise InvalidTransaction("INITCODE_SIZE_EXCEEDED",
                                     f"initcode of {size} bytes > {s.max_initcode_size}")
        if s.tx_gas_cap and <uint64_t>g > s.tx_gas_cap:     # g >= intrinsic > 0 here
            raise InvalidTransaction("GAS_LIMIT_EXCEEDS_MAXIMUM",
                                     f"gas limit {gas} > cap {s.tx_gas_cap} (EIP-7825)")
        # check_transaction
        if s.block_gas_limit_binds and gas > self.gas_limit:
            raise InvalidTransaction("GAS_ALLOWANCE_EXCEEDED",
                                     f"gas limit {gas} > block gas limit {self.gas_limit}")
        blob_gas = 0
        if t == 3:
            blob_hashes = tx.blob_hashes or ()
            blob_gas = s.blob_gas_per_blob * len(blob_hashes)
            if blob_gas > s.blob_gas_per_blob * s.blob_max:
                raise InvalidTransaction("TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED",
                                         f"{len(blob_hashes)} blobs > {s.blob_max} per block")
        base_fee = self.base_fee
        if t >= 2:
            max_fee = base_fee if tx.max_fee_per_gas is None else int(tx.max_fee_per_gas)
            max_prio = 0 if tx.max_priority_fee_per_gas is None \
                else int(tx.max_priority_fee_per_gas)
            if max_fee < max_prio:
                raise InvalidTransaction("PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
                                         f"priority fee {max_prio} > max fee {max_fee}")
            if s.charge_fees and max_fee < base_fee:
                raise InvalidTransaction("INSUFFICIENT_MAX_FEE_PER_GAS",
                                         f"max fee {max_fee} < base fee {base_fee}")
            gas_price = (min(max_prio, max_fee - base_fee) + base_fee) if max_fee >= base_fee \
                else max_fee
            max_gas_fee = gas * max_fee if max_fee else 0
        else:
            price = base_fee if tx.gas_price is None else int(tx.gas_price)
            if s.charge_fees and price < base_fee:
                raise InvalidTransaction("INSUFFICIENT_MAX_FEE_PER_GAS",
                                         f"gas price {price} < base fee {base_fee}")
            gas_price = price
            max_gas_fee = gas * price if price else 0
        blob_price = 0
        if t == 3:
            if len(blob_hashes) == 0:
                raise InvalidTransaction("TYPE_3_TX_ZERO_BLOBS", "a blob transaction without blobs")
            if len(blob_hashes) > s.blob_tx_max:
                raise InvalidTransaction("TYPE_3_TX_BLOB_COUNT_EXCEEDED",
                                         f"{len(blob_hashes)} blobs > {s.blob_tx_max} per tx")
            for h in blob_hashes:
                if len(h) != 32 or h[0] != 0x01:
                    raise InvalidTransaction("TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH",
                                             f"versioned hash {h.hex()} is not KZG (0x01)")
            blob_price = self.blob_base_fee
            max_blob_fee = 0 if tx.max_fee_per_blob_gas is None else int(tx.max_fee_per_blob_gas)
            if max_blob_fee < blob_price:
                raise InvalidTransaction("INSUFFICIENT_MAX_FEE_PER_BLOB_GAS",
                                         f"max fee per blob gas {max_blob_fee} < {blob_price}")
            max_gas_fee += blob_gas * max_blob_fee
        if (t == 3 or t == 4) and create:
            raise InvalidTransaction(f"TYPE_{t}_TX_CONTRACT_CREATION",
                                     f"type {t} transactions cannot create contracts")
        if t == 4 and not auths:
            raise InvalidTransaction("TYPE_4_EMPTY_AUTHORIZATION_LIST",
                                     "empty authorization list")
        if s.check_nonce and tx_nonce is not None:
            if acct_nonce > nonce:
                raise InvalidTransaction("NONCE_MISMATCH_TOO_LOW",
                                         f"nonce {nonce} < account nonce {acct_nonce}")
            if acct_nonce < nonce:
                raise InvalidTransaction("NONCE_MISMATCH_TOO_HIGH",
                                         f"nonce {nonce} > account nonce {acct_nonce}")
        value = tx.value
        if s.check_balance and s.charge_fees:
            if max_gas_fee and max_gas_fee > U256_MAX:
                raise InvalidTransaction("GASLIMIT_PRICE_PRODUCT_OVERFLOW",
                                         "gas limit * gas price overflows 256 bits")
            need = max_gas_fee + value
        else:
            need = value
        if need:
            self.state.read_balance(P(sender), &bal)
            balance = u256_to_int(&bal)
            if balance < need:
                raise InvalidTransaction("INSUFFICIENT_ACCOUNT_FUNDS",
                                         f"balance {balance} < {need} (max fees + value)")
        if s.eip3607:
            self.state.read_code(P(sender), &code)
            if code.size and not is_delegation(code.data, code.size):
                raise InvalidTransaction("SENDER_NOT_EOA", "the sender has code (EIP-3607)")
        blob_fee = blob_gas * blob_price if blob_gas else 0
        if s.charge_fees and (gas_price > U256_MAX or blob_fee > U256_MAX):
            # only reachable without the balance check (which rejects the product first)
            raise InvalidTransaction("GASLIMIT_PRICE_PRODUCT_OVERFLOW",
                                     "the gas price or blob fee does not fit 256 bits")
        v.intrinsic = intrinsic
        v.floor = floor
        v.gas = g
        v.acct_nonce = acct_nonce
        int_to_u256(&v.gas_price, gas_price)
        int_to_u256(&v.blob_fee, blob_fee)
        return 0

    cdef Result _process(self, Tx tx, const Validated *v, bint take_logs=True):
        """process_transaction: charge, warm, authorize, run, refund, pay the coinbase."""
        cdef Schedule *s = &self.interp.sched
        cdef Interpreter it = self.interp
        cdef State st = self.state
        cdef Message m
        cdef Outcome o
        cdef u256 w
        cdef Code *code
        cdef Result r
        cdef uint64_t acct_nonce = v.acct_nonce
        cdef int64_t intrinsic = v.intrinsic
        cdef bytes sender = tx.sender
        cdef bytes data = tx.data
        cdef bint charge = s.charge_fees
        cdef int t = tx.tx_type
        cdef bint success
        cdef int64_t g = v.gas, auth_refund = 0, used, refund_c, gas_used_c
        cdef bint small_gas = g <= (<int64_t>1 << 62)     # gas arithmetic exact in int64
        gas_price = u256_to_int(&v.gas_price)
        to = tx.to
        gas = tx.gas_limit
        value = tx.value
        it.begin_tx(P(sender), &v.gas_price,
                    b"".join(tx.blob_hashes or ()) if t == 3 else None)
        # nonce and fees
        st.set_nonce(P(sender), acct_nonce + 1)
        if charge:
            fee = gas * gas_price + u256_to_int(&v.blob_fee)
            st.read_balance(P(sender), &w)
            if u256_to_int(&w) < fee + value:
                # only with Rules(check_balance=False): top the sender up to what it must
                # pay, as revm's disable_balance_check does
                int_to_u256(&w, fee + value)
                st.set_balance(P(sender), &w)
            int_to_u256(&w, fee)
            st.sub_balance(P(sender), &w)
        # EIP-2929/2930/3651 warm addresses and slots (the fork's precompiles are always warm:
        # the interpreter's access check knows them)
        if s.warm_coinbase:
            it.warm_account(it.block.coinbase)
        it.warm_account(P(sender))
        if t >= 1:
            for addr, keys in tx.access_list:
                it.warm_account(P(addr))
                for k in keys:
                    int_to_u256(&w, k)
                    st.warm_slot(P(addr), &w)
        # the message
        memset(&m, 0, sizeof(Message))
        memcpy(m.caller, P(sender), 20)
        int_to_u256(&m.value, value)
        m.gas = g - intrinsic if small_gas else min(gas - intrinsic, INT64_MAX)
        m.depth = 0
        m.should_transfer_value = 1
        m.kind = OP_CREATE if to is None else OP_CALL
        if to is None:
            target = contract_address(sender, acct_nonce)
            it.warm_account(P(target))
            memcpy(m.target, P(target), 20)
            memcpy(m.code_address, P(target), 20)
            m.is_create = 1
            m.code = P(data)
            m.code_size = PyBytes_GET_SIZE(data)
            m.jumpdests = NULL
            m.analysis = NULL
            if st.create_collision(P(target)):
                o.halt = H_CREATE_COLLISION
                o.gas_left = 0
                o.output = NULL
                o.output_size = 0
                if it.tracing:
                    it.trace_failed(&m, H_CREATE_COLLISION)
            else:
                with nogil:
                    it.execute(&m, &o)
        else:
            target = to
            it.warm_account(P(target))
            if t == 4:
                auth_refund = self._set_delegations(tx.authorization_list)
            memcpy(m.target, P(target), 20)
            memcpy(m.code_address, P(target), 20)
            m.data = P(data)
            m.data_size = PyBytes_GET_SIZE(data)
            st.read_code(P(target), &code)
            if s.delegation_eip7702 and is_delegation(code.data, code.size):
                m.disable_precompiles = 1
                it.warm_account(delegate_of(code.data))
                memcpy(m.code_address, delegate_of(code.data), 20)
                st.read_code(m.code_address, &code)
            m.code = code.data
            m.code_size = code.size
            m.jumpdests = st.code_jumpdests(code) if code.size else NULL
            m.analysis = st.code_analysis(code, &it.sched) if code.size else NULL
            with nogil:
                it.execute(&m, &o)
        success = o.halt < H_REVERT
        r = Result.__new__(Result)
        r.success = success
        r.halt = _HALT_NAMES[o.halt]
        r.output = PyBytes_FromStringAndSize(<const char *>o.output, o.output_size) \
            if o.output_size else b""
        # refunds (EIP-3529) and the calldata floor (EIP-7623); in Python ints only for gas
        # limits beyond 2**62 (simulation rules allow them)
        if small_gas:
            used = g - o.gas_left
            refund_c = min(used // s.refund_quotient, auth_refund + it.refund)
            gas_used_c = max(used - refund_c, v.floor)
            refund = refund_c
            gas_used = gas_used_c
        else:
            used_before_refund = gas - o.gas_left
            refund = min(used_before_refund // s.refund_quotient, auth_refund + it.refund)
            gas_used = max(used_before_refund - refund, v.floor)
        if charge:
            int_to_u256(&w, (gas - gas_used) * gas_price)
            st.add_balance(P(sender), &w)
            int_to_u256(&w, gas_used * (gas_price - self.base_fee))
            st.add_balance(it.block.coinbase, &w)
        r.gas_used = gas_used
        r.gas_refund = refund
        r.logs = it.take_logs() if (take_logs and success and it.n_logs) else []
        r.created_address = target if (to is None and success) else None
        return r

    cdef object _set_delegations(self, auths):
        """EIP-7702 set_delegation: returns the refund for authorities that already exist."""
        cdef Schedule *s = &self.interp.sched
        cdef State st = self.state
        cdef uint64_t n
        cdef Code *code
        refund = 0
        for chain_id, address, nonce, y_parity, r, sig_s in auths:
            if chain_id not in (self._chain_id, 0):
                continue
            if nonce >= U64_MAX:
                continue
            authority = recover_authority(chain_id, address, nonce, y_parity, r, sig_s)
            if authority is None:
                continue
            st.warm_account(P(authority))
            st.read_code(P(authority), &code)
            if code.size and not is_delegation(code.data, code.size):
                continue
            st.read_nonce(P(authority), &n)
            if n != nonce:
                continue
            if st.has_account(P(authority)):
                refund += s.auth_empty_account - s.auth_base
            new_code = b"" if address == ZERO_ADDRESS else designation(address)
            st.set_code(P(authority), P(new_code), len(new_code))
            st.set_nonce(P(authority), n + 1)
        return refund
