"""The simulation environment: an EVM, a block loop, a transaction queue and events.

``verbs.envs`` is the only place that turns agent transactions into EVM transactions.
"""
from __future__ import annotations

import typing

import numpy as np

from verbs._evm.evm import EVM
from verbs._evm.hardforks import schedule
from verbs._evm.tx import InvalidTransaction, Tx
from verbs.abi import decode_revert
from verbs.envs.cache import CacheBackend
from verbs.envs.cheats import CheatsMixin
from verbs.envs.events import Event, EventStore, Log
from verbs.envs.original import BlockHashes, from_original
from verbs.envs.snapshot import Snapshot
from verbs.envs.tracing import TracingMixin
from verbs.errors import RevertError
from verbs.primitives import to_address
from verbs.trace import Recorder
from verbs.trace.labels import Labels
from verbs.trace.render import describe_path
from verbs.types import Transaction

#: Seconds between simulated blocks (as the original verbs).
BLOCK_INTERVAL = 15
#: Gas given to every simulated transaction when real fees are off: effectively unlimited, as
#: the original (which used ``u64::MAX``), but small enough for exact 64-bit gas arithmetic.
SIM_GAS_LIMIT = 1 << 53
#: The zero address starts with 10,000 ETH in a fresh environment, as in the original.
ZERO_ADDRESS_BALANCE = 10_000 * 10**18

_tuple_new = tuple.__new__
_U256 = 1 << 256

#: What ``submit_transactions`` takes: the original's 7-tuples or the 4-tuples its docstring shows.
TransactionLike = tuple[bytes, bytes, bytes, bool] | Transaction


def _invalid(exc: InvalidTransaction, what: str) -> RevertError:
    """The RevertError for a transaction the EVM rejected as invalid."""
    return RevertError(f"{what}: invalid transaction ({exc.kind}): {exc}",
                       halt="invalid_transaction")


class PendingTransaction(typing.NamedTuple):
    """A transaction waiting in the queue for the next block."""

    sender: bytes
    to: bytes
    data: bytes
    checked: bool
    gas_priority_fee: int | None
    nonce: int | None
    value: int


def _as_bytes(value, name: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{name} must be bytes, got {type(value).__name__}")


def _as_uint(value, name: str, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if value < 0 or value >= 1 << 256:
        raise ValueError(f"{name} must be in [0, 2**256), got {value}")
    return value


_TX_GAS_CAPS: dict[str, int] = {}


def _tx_gas_cap(fork: str) -> int:
    """The fork's per-transaction gas cap (0: none), looked up once per fork name."""
    cap = _TX_GAS_CAPS.get(fork) if type(fork) is str else None
    if cap is None:
        cap = schedule(fork)["tx_gas_cap"]
        _TX_GAS_CAPS[fork] = cap
    return cap


def _snapshot_from_original(value, backend):
    """The Snapshot of the original's 5-tuple, and the backend that answers its block hashes."""
    snapshot, block_hashes = from_original(value)
    if block_hashes and backend is None:
        backend = BlockHashes(block_hashes)
    return snapshot, backend


class BaseEnv(CheatsMixin, TracingMixin):
    """Common machinery of the empty and fork environments.

    Parameters
    ----------
    seed : int
        Seed of the env's random generator (transaction shuffling, prevrandao).
    snapshot : verbs.envs.Snapshot or tuple, optional
        Start from this snapshot (shares its state copy-on-write), or from the original verbs'
        5-tuple (read into a new state; the env starts at step 0, as the original).
    cache : verbs.types.Cache, optional
        Start from a fetch cache in the original verbs' shape.
    fork : str
        EVM rules: ``"Shanghai"``, ``"Cancun"``, ``"Prague"`` or ``"Osaka"`` (default).
    block_interval : int
        Seconds added to the timestamp each block (15 by default, as the original).
    real_fees : bool
        ``False`` (default, as the original): gas price and base fee are 0, no nonce or balance
        checks for gas, no block or per-transaction gas limit, 16 MiB code size limit, EIP-3607
        off.  ``True``: the fork's mainnet rules, with the block's base fee and gas limit and
        the transactions' priority fees charged.
    strict_cache : bool
        With ``cache=``: raise :class:`verbs.envs.CacheMissError` on a read the cache cannot
        answer instead of reading it as empty.
    trace_failures : bool
        ``True`` (default): a transaction that fails where a :class:`RevertError` reports it
        (``call``, ``execute``, ``deploy_contract``, a checked transaction of a block) runs
        again under the call tracer, from the same state, and the error carries the call
        frames down to where it failed (``err.trace``).  Successful transactions and
        unchecked failures cost nothing more.
    """

    _order = None  # set by subclasses: a function (rng, queue) -> ordered queue

    def __init__(
        self,
        seed: int,
        snapshot: Snapshot | tuple | list | None = None,
        cache=None,
        *,
        fork: str = "Osaka",
        block_interval: int = BLOCK_INTERVAL,
        real_fees: bool = False,
        strict_cache: bool = False,
        trace_failures: bool = True,
        _backend=None,
        _chain_id: int = 1,
    ):
        if snapshot is not None and cache is not None:
            raise ValueError(
                "An env must be initialised from either a snapshot or a cache, not both"
            )
        seed = _as_uint(seed, "seed")
        self._seed = seed
        self._rng_made = None  # the generator, made on first use (_rng)
        self._block_interval = int(_as_uint(block_interval, "block_interval"))
        self._real_fees = bool(real_fees)
        self._tx_gas_cap = _tx_gas_cap(fork)  # 0: no cap in this fork
        self._queue: list[PendingTransaction] = []
        # Events are recorded as packed bytes and built as Event and Log objects when read
        # (as objects they took ~0.7 KB per ERC20 transfer and slowed every full collection).
        self._events = EventStore()
        self._last_events: list[Event] | None = None  # the last block's, once built
        self._step = 0
        self._fork = fork
        self._cache_backend = None
        # call/execute go straight to the EVM unless a subclass hooks _run (the fork env)
        self._plain_run = type(self)._run is BaseEnv._run
        # ... and without building the fee fields when there are no fees
        self._sim_direct = self._plain_run and not self._real_fees

        backend = _backend
        if cache is not None:
            self._cache_backend = CacheBackend(cache, strict=strict_cache)
            backend = self._cache_backend
        if snapshot is not None and not isinstance(snapshot, Snapshot):
            snapshot, backend = _snapshot_from_original(snapshot, backend)

        self._evm = EVM(
            fork=fork,
            chain_id=_chain_id,
            rules=None if self._real_fees else "simulation",
            backend=backend,
            snapshot=snapshot.state if snapshot is not None else None,
        )
        self._transact_fields = self._evm.transact_fields
        self._failure_recorder = Recorder() if trace_failures else None
        self._evm.failure_tracer = self._failure_recorder
        self._block_recorder: Recorder | None = None  # record_traces (tracing.py)
        self._last_traces: list = []
        # label() and the ABI types used with the env (tracing.py)
        self._labels = Labels(transactions=True)
        self._abi_types: dict[bytes, type] = {}  # what verbs.abi told _learn_abi, by address
        if snapshot is not None:
            self._restore_block(snapshot.block)  # with a pending warp/roll (cheats.py)
            self._step = snapshot.step
        elif cache is not None:
            self._cache_backend.load_into(self._evm)
            self._evm.set_block(
                number=self._cache_backend.block_number,
                timestamp=self._cache_backend.timestamp,
                gas_limit=SIM_GAS_LIMIT,
            )
        else:
            self._evm.set_block(number=0, timestamp=0, gas_limit=SIM_GAS_LIMIT)

    # ------------------------------------------------------------------ properties
    @property
    def _rng(self) -> np.random.Generator:
        """The env's generator, seeded with its seed: made when first used (seeding takes
        longer than the rest of making an env from a snapshot, and a sample that only calls
        never needs it)."""
        rng = self._rng_made
        if rng is None:
            rng = self._rng_made = np.random.default_rng(self._seed)
        return rng

    @property
    def step(self) -> int:
        """The current step (the number of blocks processed)."""
        return self._step

    @property
    def block_number(self) -> int:
        """The number of the block the next transactions run in."""
        return self._evm.number

    @property
    def timestamp(self) -> int:
        """The timestamp of the current block."""
        return self._evm.timestamp

    @property
    def fork(self) -> str:
        """The EVM rules in force."""
        return self._fork

    @property
    def evm(self):
        """The underlying :class:`verbs._evm.evm.EVM` (for advanced use)."""
        return self._evm

    # ------------------------------------------------------------------ accounts
    def create_account(self, address, start_balance: int) -> None:
        """Create an account with a balance of ETH (in wei).

        The original replaces the account; here an existing account keeps its nonce, code and
        storage and only its balance is set.
        """
        address = to_address(address, "address")
        balance = _as_uint(start_balance, "start_balance")
        self._evm.set_account(
            address,
            nonce=self._evm.get_nonce(address),
            balance=balance,
            code=self._evm.get_code(address),
            storage=None,
        )

    def get_balance(self, address) -> int:
        """The ETH balance (wei) of an account."""
        return self._evm.get_balance(to_address(address, "address"))

    # ------------------------------------------------------------------ direct execution
    def _fees(self, priority_fee: int | None = None):
        """(gas_limit, gas_price, max_fee_per_gas, max_priority_fee_per_gas) of an env
        transaction: all the gas it may want at price 0, or with real fees the block's gas
        limit, capped at 30M and at the fork's per-transaction cap (EIP-7825 from Osaka), at
        the base fee plus the priority fee (type 2)."""
        if self._real_fees:
            tip = priority_fee or 0
            limit = min(self._evm.gas_limit, 30_000_000)
            if self._tx_gas_cap:
                limit = min(limit, self._tx_gas_cap)
            return limit, None, self._evm.base_fee + tip, tip
        return SIM_GAS_LIMIT, 0, None, None

    def _tx(self, sender: bytes, to: bytes | None, data: bytes, value: int,
            nonce: int | None = None, priority_fee: int | None = None):
        gas_limit, gas_price, max_fee, tip = self._fees(priority_fee)
        return Tx(
            sender, to=to, data=data, value=value, nonce=nonce, gas_limit=gas_limit,
            gas_price=gas_price, max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip,
        )

    def _transact(self, sender: bytes, to: bytes | None, data: bytes, value: int,
                  commit: bool, nonce: int | None = None,
                  priority_fee: int | None = None):
        """``evm.transact(self._tx(...), commit)`` without building the Tx."""
        if self._real_fees:
            gas_limit, gas_price, max_fee, tip = self._fees(priority_fee)
            return self._transact_fields(sender, to, data, value, gas_limit, commit, nonce,
                                         gas_price, max_fee, tip)
        return self._transact_fields(sender, to, data, value, SIM_GAS_LIMIT, commit, nonce, 0)

    def _run(self, tx, commit: bool, what: str):
        try:
            return self._evm.transact(tx, commit=commit)
        except InvalidTransaction as exc:
            raise _invalid(exc, what) from exc

    @staticmethod
    def _logs(result) -> list[Log]:
        logs = result.logs
        if not logs:
            return []
        out = []
        for address, topics, data in logs:
            log = _tuple_new(Log, (address, data))  # = Log(address, topics, data)
            log.topics = topics
            out.append(log)
        return out

    def _failure(self, result, what: str, trace=None) -> RevertError:
        data = bytes(result.output) if result.halt == "revert" else b""
        reason = decode_revert(data) if data else None
        if result.halt == "revert":
            text = reason if reason is not None else (
                f"revert with data 0x{data.hex()}" if data else "revert without data"
            )
        else:
            text = f"halt: {result.halt}"
        message = f"{what} failed due to {text}"
        if trace is None:
            trace = result.trace
        path = None
        if trace is not None:
            path = trace.failing_path()
            if path:
                message += "\n  " + describe_path(path, self._labels)
        return RevertError(message, data=data, reason=reason, halt=result.halt, trace=path)

    def deploy_contract(self, deployer, contract_name: str, bytecode: bytes) -> bytes:
        """Deploy a contract by running its creation code (with constructor arguments).

        Returns
        -------
        bytes
            The 20-byte address of the new contract.

        Raises
        ------
        RevertError
            If the constructor reverts or halts (the original panics).
        """
        deployer = to_address(deployer, "deployer")
        bytecode = _as_bytes(bytecode, "bytecode")
        result = self._run(self._tx(deployer, None, bytecode, 0), True,
                           f"Deployment of {contract_name}")
        if not result.success:
            raise self._failure(result, f"Deployment of {contract_name}")
        return result.created_address

    def call(self, sender, contract_address, encoded_args: bytes, value: int = 0):
        """Run a transaction without committing it.

        Returns
        -------
        tuple[bytes, list[Log], int]
            The output, the logs and the gas used.

        Raises
        ------
        RevertError
            If the call reverts or halts.
        """
        # The agents' hot path: normal arguments (20-byte addresses, bytes, a small int) on a
        # simulation-rules env go straight to the EVM; the rest takes _direct.
        if (self._sim_direct and type(sender) is bytes and len(sender) == 20
                and type(contract_address) is bytes and len(contract_address) == 20
                and type(encoded_args) is bytes and type(value) is int and 0 <= value < _U256):
            try:
                result = self._transact_fields(sender, contract_address, encoded_args, value,
                                               SIM_GAS_LIMIT, False, None, 0)
            except InvalidTransaction as exc:
                raise _invalid(exc, "Call") from exc
            if result.success:
                return result.output, self._logs(result) if result.logs else [], result.gas_used
            raise self._failure(
                result, f"Call of 0x{contract_address.hex()} from 0x{sender.hex()}")
        return self._direct(sender, contract_address, encoded_args, value, False)

    def execute(self, sender, contract_address, encoded_args: bytes, value: int = 0):
        """Run a transaction and commit it (outside the block loop).

        Returns
        -------
        tuple[bytes, list[Log], int]
            The output, the logs and the gas used.

        Raises
        ------
        RevertError
            If the transaction reverts or halts (its nonce and fees are still committed, as
            on a chain).
        """
        if (self._sim_direct and type(sender) is bytes and len(sender) == 20
                and type(contract_address) is bytes and len(contract_address) == 20
                and type(encoded_args) is bytes and type(value) is int and 0 <= value < _U256):
            try:
                result = self._transact_fields(sender, contract_address, encoded_args, value,
                                               SIM_GAS_LIMIT, True, None, 0)
            except InvalidTransaction as exc:
                raise _invalid(exc, "Execute") from exc
            if result.success:
                return result.output, self._logs(result) if result.logs else [], result.gas_used
            raise self._failure(
                result, f"Execute of 0x{contract_address.hex()} from 0x{sender.hex()}")
        return self._direct(sender, contract_address, encoded_args, value, True)

    def _direct(self, sender, contract_address, encoded_args, value, commit):
        """call/execute for any argument types and env (normalises, then runs)."""
        what = "Execute" if commit else "Call"
        sender = to_address(sender, "sender")
        contract_address = to_address(contract_address, "contract_address")
        encoded_args = _as_bytes(encoded_args, "encoded_args")
        value = _as_uint(value, "value")
        if self._plain_run:
            try:
                result = self._transact(sender, contract_address, encoded_args, value, commit)
            except InvalidTransaction as exc:
                raise _invalid(exc, what) from exc
        else:  # a subclass hooks _run (the fork env prefetches)
            result = self._run(
                self._tx(sender, contract_address, encoded_args, value), commit, what)
        if not result.success:
            raise self._failure(
                result, f"{what} of 0x{contract_address.hex()} from 0x{sender.hex()}")
        return result.output, self._logs(result) if result.logs else [], result.gas_used

    # ------------------------------------------------------------------ queue and blocks
    def submit_transaction(
        self,
        sender,
        transact_to,
        encoded_args: bytes,
        checked: bool,
        gas_priority_fee: int | None = None,
        nonce: int | None = None,
        value: int | None = None,
    ) -> None:
        """Queue a transaction for the next block.

        Parameters
        ----------
        sender, transact_to : bytes or str
            Addresses (20 bytes or 0x-hex).
        encoded_args : bytes
            ABI-encoded selector and arguments.
        checked : bool
            If ``True``, :meth:`process_block` raises :class:`RevertError` after the block when
            this transaction fails.
        gas_priority_fee, nonce, value : int, optional
        """
        if type(sender) is not bytes or len(sender) != 20:
            sender = to_address(sender, "sender")
        if type(transact_to) is not bytes or len(transact_to) != 20:
            transact_to = to_address(transact_to, "transact_to")
        if type(encoded_args) is not bytes:
            encoded_args = _as_bytes(encoded_args, "encoded_args")
        self._queue.append(
            _tuple_new(PendingTransaction, (  # = PendingTransaction(...)
                sender,
                transact_to,
                encoded_args,
                bool(checked),
                None if gas_priority_fee is None
                else _as_uint(gas_priority_fee, "gas_priority_fee"),
                None if nonce is None else _as_uint(nonce, "nonce"),
                0 if value is None else _as_uint(value, "value"),
            ))
        )

    def submit_transactions(self, transactions: typing.Iterable[TransactionLike]) -> None:
        """Queue several transactions: 7-tuples ``(sender, to, args, checked, fee, nonce,
        value)`` as the original, or 4-tuples ``(sender, to, args, checked)``."""
        queue = self._queue
        for i, tx in enumerate(transactions):
            if type(tx) is tuple and len(tx) == 7:
                sender, to, data, checked, fee, nonce, value = tx
                if (fee is None and nonce is None and value is None and type(sender) is bytes
                        and len(sender) == 20 and type(to) is bytes and len(to) == 20
                        and type(data) is bytes):
                    # already normal (abi's Function.transaction): what submit_transaction
                    # would queue
                    queue.append(_tuple_new(PendingTransaction, (
                        sender, to, data, checked is True or bool(checked), None, None, 0)))
                    continue
            n = len(tx) if isinstance(tx, (tuple, list)) else 0
            if n == 7:
                sender, to, data, checked, fee, nonce, value = tx
            elif n == 4:
                sender, to, data, checked = tx
                fee = nonce = value = None
            else:
                raise ValueError(
                    f"transaction {i} must be a 4- or 7-tuple "
                    f"(sender, transact_to, encoded_args, checked[, fee, nonce, value])"
                )
            self.submit_transaction(sender, to, data, checked, fee, nonce, value)

    def _advance_block(self) -> None:
        prevrandao = self._rng.bytes(32)
        number, timestamp = self._next_block_fields()  # +1 and +interval, or warp/roll's
        self._evm.set_block(number=number, timestamp=timestamp, prevrandao=prevrandao)

    def process_block(self) -> None:
        """Process the queued transactions as the next block.

        The block number goes up by one, the timestamp by the block interval, a fresh
        prevrandao comes from the seeded generator; the queue is ordered by the env's validator
        and each transaction runs and commits on its own.  The events of the previous block move
        to the history.  Every transaction is atomic: a failing one is recorded with
        ``success=False`` and the block goes on.  After the block, if any *checked* transaction
        failed, :class:`RevertError` is raised for the first (naming the others); the env stays
        consistent and usable.

        The block is atomic against exceptions that are not transaction outcomes (the node
        behind a fork env failing, :class:`verbs.envs.CacheMissError` under
        ``strict_cache=True``, a library bug): the exception propagates and the env is exactly
        as before the call (state, step, events, block number, timestamp and prevrandao, the
        random generator, the queue), so that calling ``process_block`` again once the cause is
        gone gives the block a run without the failure would have given.
        """
        step = self._step
        traces: list = []
        events = self._events
        mark = events.mark()
        if not self._queue:  # no transaction, nothing that can fail: no checkpoint needed
            self._advance_block()
            type(self)._order(self._rng, [])
            failures = None
        else:
            evm = self._evm
            state = evm.state
            rng_state = self._rng.bit_generator.state
            number, timestamp, prevrandao = evm.number, evm.timestamp, evm.prevrandao
            state.begin_block()
            recorder = self._trace_block_begin()
            try:
                self._advance_block()
                events.begin_block(step)
                failures, traces = self._run_block(
                    type(self)._order(self._rng, self._queue), step, recorder)
            except BaseException:
                state.discard_block()
                events.rollback(mark)
                self._rng.bit_generator.state = rng_state
                evm.set_block(number=number, timestamp=timestamp, prevrandao=prevrandao)
                raise
            finally:
                self._trace_block_end(recorder)
                evm.failure_tracer = self._failure_recorder
            state.commit_block()
            self._queue = []
        events.end_block(mark)
        self._last_events = None
        self._last_traces = traces
        self._step = step + 1
        if failures:
            first = failures[0]
            message = first.args[0]
            if len(failures) > 1:
                message += (f" (and {len(failures) - 1} more failed checked transactions: "
                            + "; ".join(f.args[0] for f in failures[1:]) + ")")
            raise RevertError(message, data=first.data, reason=first.reason,
                              halt=first.halt, failures=failures, trace=first.trace)

    def _run_block(self, ordered: list[PendingTransaction], step: int,
                   recorder: Recorder | None) -> tuple[list[RevertError], list]:
        """Run the ordered transactions of a block, recording one event each (in order, so that
        an event's sequence is its transaction's index in ``ordered``); return the RevertErrors
        of the failed checked transactions and, with ``recorder`` (record_traces, already set
        on the EVM), a trace per transaction.  Exceptions other than invalid transactions
        propagate."""
        failures: list[RevertError] = []
        traces: list = []
        records = self._events.records
        evm = self._evm
        transact = evm.transact_packed
        if self._real_fees:
            fees = self._fees
        else:  # the same fees for every transaction
            fees = None
            gas_limit, gas_price, max_fee, tip = self._fees()
        # record_traces: every transaction traced (its trace next to its event, both in
        # sequence order); otherwise only failed checked ones are, again, for their RevertError
        retrace = self._failure_recorder if recorder is None else None
        armed = evm.failure_tracer  # set only when it changes: most blocks are all unchecked
        for sequence, (sender, to, data, checked, fee, nonce, value) in enumerate(ordered):
            if fees is not None:
                gas_limit, gas_price, max_fee, tip = fees(fee)
            if retrace is not None:
                want = retrace if checked else None
                if want is not armed:
                    armed = evm.failure_tracer = want
            try:  # appends the transaction's event to the records, whatever its outcome
                result = transact(records, sender, to, data, value, gas_limit, nonce,
                                  gas_price, max_fee, tip)
            except InvalidTransaction as exc:
                if recorder is not None:
                    recorder.reset()
                    traces.append(None)
                if checked:
                    failures.append(RevertError(
                        f"Transaction {sequence} of step {step} (selector 0x{data[:4].hex()}) "
                        f"from 0x{sender.hex()} is invalid ({exc.kind}): {exc}",
                        halt="invalid_transaction",
                    ))
                continue
            trace = None
            if recorder is not None:
                trace = recorder.take(result.gas_used)
                traces.append(trace)
            if checked and not result.success:
                failures.append(self._failure(
                    result,
                    f"Transaction {sequence} of step {step} (selector 0x{data[:4].hex()}) "
                    f"from 0x{sender.hex()} to 0x{to.hex()}",
                    trace,
                ))
        return failures, traces

    def get_last_events(self) -> list[Event]:
        """The events of the last processed block."""
        if self._last_events is None:
            self._last_events = self._events.last()
        return list(self._last_events)

    def get_event_history(self) -> list[Event]:
        """The events of every block before the last one (as the original: the last block's
        events join the history when the next block is processed).

        The events are kept packed and built on each call (a few microseconds per event):
        read the history once, or each block's events with :meth:`get_last_events`.
        """
        return self._events.history()

    def clear_event_history(self) -> None:
        """Forget the events of every block before the last one (:meth:`get_event_history`
        then returns ``[]``; :meth:`get_last_events` is kept).

        A long simulation that reads each block's events as it goes calls this now and then, so
        that its memory stays flat: the history keeps every event otherwise, packed (about
        170 bytes for an ERC20 ``Transfer``; see ``benchmarks/bench_memory.py``).
        """
        self._events.clear_history()

    # ------------------------------------------------------------------ snapshots and caches
    def export_snapshot(self) -> Snapshot:
        """Freeze the state into an immutable snapshot (cost proportional to what changed since
        the last snapshot) holding the state, the block env and the step.

        A :class:`verbs.envs.Snapshot` value (picklable, savable, comparable) that also reads
        as the original's 5-tuple (``s[0]`` .. ``s[4]``, built on first access).  Events and
        the pending queue are not part of it.
        """
        return Snapshot(self._evm.export_snapshot(), self._snapshot_block(), self._step)

    def cache_misses(self):
        """Accounts and slots read from a ``cache=`` env that the cache could not answer.

        Returns
        -------
        dict
            ``{"accounts": [address, ...], "storage": [(address, slot), ...]}``
        """
        if self._cache_backend is None:
            return {"accounts": [], "storage": []}
        return self._cache_backend.misses()
