"""Environments forked from a live chain, fetching state lazily over JSON-RPC.

A fork env is an :class:`~verbs.envs.base.BaseEnv` whose EVM state asks a
:class:`verbs.remote.RPCBackend` for every account and storage slot it has never seen: the
backend answers from memory, from its disk cache of the pinned block, or from the node (one
JSON-RPC batch per miss), and records what it served, so that :meth:`_ForkEnv.export_cache`
gives the original verbs' ``Cache`` value and ``EmptyEnv*(seed, cache=c)`` replays the same
simulation offline.

Round trips
-----------
Left alone, a transaction costs one round trip per account and per storage slot it reads
that the backend lacks. With ``prefetch=True`` (the default) the env asks the node for access
lists first (``eth_createAccessList`` at the pinned block) and fetches everything they name in
one more batch:

- in :meth:`~_ForkEnv.process_block`, for the queued transactions whose sender has not sent to
  that target before: all their access lists in one batch, so two round trips for the block
  whatever it reads;
- in ``call``/``execute``, for the first transaction to a contract the backend does not know.

Once the backend serves from its disk cache, blocks are not prefetched (the disk likely holds
it all), so a run from a warm disk cache still sends no request.

Block hashes
------------
``BLOCKHASH`` of a block up to the pinned one is the node's hash; of a simulated block after
it, the empty backend's convention ``keccak256(str(number))`` (the node knows nothing of
simulated blocks).

Worker processes
----------------
The backend saves what it fetched to its disk cache when it is garbage-collected and at
interpreter exit. A process started by :mod:`multiprocessing` (the ``fork()`` pool of
:func:`verbs.batch_runner.batch_run`, a ``ProcessPoolExecutor``) ends with ``os._exit``,
which skips both; a fork env therefore also registers a multiprocessing exit finalizer, in
the process that made it and again in every child that inherits it, which flushes the disk
cache there.
"""
from __future__ import annotations

import multiprocessing.util as _mp_util
import typing
import warnings
import weakref

from verbs.envs.base import SIM_GAS_LIMIT, BaseEnv
from verbs.envs.ordering import order_gas_priority, order_random
from verbs.errors import CacheWarning, RevertError, RPCError
from verbs.primitives import simulated_block_hash
from verbs.remote import RPCBackend
from verbs.types import Cache

#: Most transactions whose access lists are asked for in one block (one batch).
PREFETCH_MAX_TXS = 64

_ForkTx = tuple[bytes, bytes | None, bytes, int]


class _SimulationBackend:
    """The EVM Backend of a fork env: accounts and storage from the RPC backend; block hashes
    from the node up to the pinned block and by the empty backend's convention after it.

    ``basic`` and ``storage`` are the RPC backend's bound methods (no extra call layer on a
    miss).
    """

    __slots__ = ("rpc_backend", "basic", "storage", "_pinned")

    def __init__(self, rpc_backend: RPCBackend):
        self.rpc_backend = rpc_backend
        self.basic = rpc_backend.basic
        self.storage = rpc_backend.storage
        self._pinned = rpc_backend.block_number

    def block_hash(self, number: int) -> bytes:
        """The hash of block ``number``: the node's up to the pinned block, else
        ``keccak256(str(number))`` (a simulated block)."""
        if number > self._pinned:
            return simulated_block_hash(number)
        return self.rpc_backend.block_hash(number)


def _flush_quietly(ref: weakref.ReferenceType) -> None:
    backend = ref()
    if backend is None:  # collected: its own finalizer saved it
        return
    try:
        backend.flush()
    except Exception as exc:  # never fail a process exit over a cache
        warnings.warn(f"could not save the fork cache: {exc}", CacheWarning, stacklevel=2)


def _flush_at_exit(backend: RPCBackend) -> None:
    """Flush ``backend`` when this process's multiprocessing exit handlers run (also in a
    worker that ends with ``os._exit``)."""
    _mp_util.Finalize(backend, _flush_quietly, args=(weakref.ref(backend),), exitpriority=10)


def _register_exit_flush(backend: RPCBackend) -> None:
    """:func:`_flush_at_exit` here and in every multiprocessing child that inherits
    ``backend`` (a child starts with no finalizer of its parent's)."""
    _flush_at_exit(backend)
    _mp_util.register_after_fork(backend, _flush_at_exit)


class _ForkEnv(BaseEnv):
    def __init__(
        self,
        node_url: str | None,
        seed: int,
        block_number: int | None = None,
        *,
        cache_dir=None,
        chain_id: int | None = None,
        trust_disk_cache: bool | None = None,
        prefetch: bool = True,
        rpc_options: dict[str, typing.Any] | None = None,
        **options,
    ):
        for name in ("snapshot", "cache"):
            if options.get(name) is not None:
                raise TypeError(
                    f"a fork env takes no {name}= (build an EmptyEnv from it instead)")
            options.pop(name, None)
        backend = RPCBackend(node_url, block_number, cache_dir=cache_dir, chain_id=chain_id,
                             trust_disk_cache=trust_disk_cache, **(rpc_options or {}))
        self._rpc = backend
        self._prefetch_enabled = bool(prefetch)
        self._prefetched_targets: set[bytes] = set()
        self._prefetched_pairs: set[tuple[bytes, bytes]] = set()
        block = backend.block_env
        super().__init__(seed, _backend=_SimulationBackend(backend), _chain_id=block.chain_id,
                         **options)
        kwargs = block.set_block_kwargs()
        if not self._real_fees:
            # as the empty envs: no base fee and no binding gas limit
            kwargs.update(base_fee=0, gas_limit=SIM_GAS_LIMIT)
        self._evm.set_block(**kwargs)
        _register_exit_flush(backend)

    # ------------------------------------------------------------------ properties
    @property
    def backend(self) -> RPCBackend:
        """The :class:`verbs.remote.RPCBackend` that fetches state (its ``stats`` count
        requests and round trips; ``flush()`` saves the disk cache)."""
        return self._rpc

    @property
    def chain_id(self) -> int:
        """The forked chain's id (the EVM's ``CHAINID``)."""
        return self._rpc.chain_id

    @property
    def fork_block_number(self) -> int:
        """The pinned block the env forked from."""
        return self._rpc.block_number

    # ------------------------------------------------------------------ caches
    def export_cache(self) -> Cache:
        """Everything fetched so far, as the original's ``Cache`` value.

        ``EmptyEnv*(seed, cache=c)`` then runs the same simulation offline. The cache's shape
        (the original's) holds the fork block's number and timestamp but not its chain id,
        coinbase, prevrandao, base fee or block hashes: there ``CHAINID`` is the empty envs'
        1, the coinbase the zero address, the base fee 0, and ``BLOCKHASH`` follows the empty
        backend's convention (a :meth:`export_snapshot` keeps the block env, not the chain
        id).

        Returns
        -------
        verbs.types.Cache
            ``(timestamp, block_number, accounts, storage)`` of the fork block, balances,
            slots and values as 32-byte little-endian words and code padded with 33 zero
            bytes, as the original exports it.  The accounts and slots written by cheatcodes
            (:mod:`verbs.envs.cheats`) hold their current values instead of the fetched
            ones.
        """
        return self._cache_with_cheats(self._rpc.export_cache())  # cheats.py

    def flush(self):
        """Save what was fetched from the node to the disk cache now (see
        :meth:`verbs.remote.RPCBackend.flush`; also done at exit, in worker processes too).

        Returns
        -------
        pathlib.Path or None
            The file written, or ``None`` (disk cache off, or nothing new).
        """
        return self._rpc.flush()

    # ------------------------------------------------------------------ prefetching
    def _prefetch(self, txs: typing.Sequence[_ForkTx]) -> None:
        """Ask the node for the access lists of ``txs`` (one batch, at the pinned block), then
        fetch every account and slot they name that the backend lacks (one more batch)."""
        backend = self._rpc
        try:
            access_lists = backend.access_lists(txs)
        except RPCError:
            access_lists = []  # the node cannot help: the transactions fetch what they read
        accounts: dict[bytes, None] = {}
        slots: dict[tuple[bytes, int], None] = {}
        for sender, to, _, _ in txs:
            accounts[sender] = None
            accounts[to] = None
        if self._real_fees:
            accounts[backend.block_env.coinbase] = None  # paid the priority fees
        for access_list in access_lists:
            for address, keys in access_list:
                accounts[address] = None
                for key in keys:
                    slots[(address, key)] = None
        try:
            backend.prefetch(list(accounts), list(slots))
        except RPCError:
            pass  # a hint only: the transactions then fetch (and fail) as without it

    def _run(self, tx, commit: bool, what: str):
        # a direct call or execute: worth it only for a contract new to the backend (a single
        # transaction to a known one reads few new slots: fetching them lazily is as quick)
        to = tx.to
        if self._prefetch_enabled and to is not None and to not in self._prefetched_targets:
            pair = (tx.sender, to)
            new_pair = pair not in self._prefetched_pairs
            self._prefetched_targets.add(to)
            self._prefetched_pairs.add(pair)
            try:
                if not self._rpc.is_cached(to):
                    self._prefetch([(tx.sender, to, tx.data, tx.value)])
                return super()._run(tx, commit, what)
            except BaseException:
                # the call changed nothing: a retry prefetches again
                self._prefetched_targets.discard(to)
                if new_pair:
                    self._prefetched_pairs.discard(pair)
                raise
        return super()._run(tx, commit, what)

    def process_block(self) -> None:
        """Process the queued transactions as the next block (see
        :meth:`verbs.envs.base.BaseEnv.process_block`).

        With prefetching on, the transactions of senders that have not yet sent to their
        target get their access lists from the node first (all in one batch), and what those
        name is fetched in one more: two round trips for the block, instead of one per account
        and slot read. Not done once the backend serves from its disk cache (which then
        likely holds it all).
        """
        new_pairs: list[tuple[bytes, bytes]] = []
        new_targets: list[bytes] = []
        if self._prefetch_enabled and self._queue:
            chosen = []
            for p in self._queue:
                pair = (p.sender, p.to)
                if pair in self._prefetched_pairs:
                    continue
                if len(chosen) == PREFETCH_MAX_TXS:
                    break  # the rest: in a later block
                self._prefetched_pairs.add(pair)
                new_pairs.append(pair)
                if p.to not in self._prefetched_targets:
                    self._prefetched_targets.add(p.to)
                    new_targets.append(p.to)
                chosen.append((p.sender, p.to, p.data, p.value))
        try:
            if new_pairs and not self._rpc.disk_hits:
                self._prefetch(chosen)
            super().process_block()
        except RevertError:  # failed checked transactions: the block was processed
            raise
        except BaseException:
            # the block left the env as it was (BaseEnv.process_block): a retry prefetches again
            self._prefetched_pairs.difference_update(new_pairs)
            self._prefetched_targets.difference_update(new_targets)
            raise


_PARAMETERS_DOC = """
    Parameters
    ----------
    node_url : str or None
        JSON-RPC endpoint (``http(s)://``); ``None`` takes the ``ETH_RPC_URL`` environment
        variable (neither: :class:`verbs.remote.RemoteConfigError`, a ``ValueError``).
    seed : int
        Seed of the env's random generator.
    block_number : int, optional
        The block to fork at; ``None`` pins the node's latest block at creation.
    cache_dir : path or False, optional
        On-disk fetch cache (keyed by chain id and block number; ``None``: ``$VERBS_CACHE_DIR``
        or ``~/.cache/verbs``; ``False``: none).
    chain_id : int, optional
        The expected chain id: checked against the node, and lets a re-run find its disk
        cache without any request.
    trust_disk_cache : bool, optional
        Use a disk cache hit at creation without asking the node for the block header
        (``None``: trusted except for development chains, see :class:`verbs.remote.RPCBackend`).
    prefetch : bool
        Prefetch what transactions to contracts new to the backend read, from the node's
        ``eth_createAccessList`` (two round trips per block instead of one per account and
        slot read). On by default.
    rpc_options : dict, optional
        Further keywords of :class:`verbs.remote.RPCBackend` (``timeout``, ``max_attempts``,
        ``headers``, ``pin_by_hash``, ...).
    **options
        ``fork`` (EVM rules, ``"Osaka"`` by default: match the chain's), ``block_interval``,
        ``real_fees``: see :class:`verbs.envs.base.BaseEnv`. With ``real_fees=False`` (the
        default) the base fee is 0 and the gas limit does not bind, as in the empty envs;
        the other block fields (number, timestamp, coinbase, prevrandao, difficulty, excess
        blob gas) are the fork block's.

    Notes
    -----
    Creating an account (``create_account``, ``BaseAgent.deploy``) reads it first (one round
    trip each on a cold fork): ``env.backend.prefetch(addresses)`` fetches many in one.

    Raises
    ------
    verbs.remote.RemoteConfigError
        No node URL; a bad block number.
    verbs.remote.RPCError
        The node cannot be reached, answers for another chain or lacks the block.
"""


class ForkEnvRandom(_ForkEnv):
    __doc__ = """A fork of a live chain at a block, blocks ordered by a seeded random shuffle.
""" + _PARAMETERS_DOC

    _order = staticmethod(order_random)


class ForkEnvGasPriority(_ForkEnv):
    __doc__ = """A fork of a live chain at a block, blocks ordered by gas priority (see
    :func:`verbs.envs.ordering.order_gas_priority`).
""" + _PARAMETERS_DOC

    _order = staticmethod(order_gas_priority)
