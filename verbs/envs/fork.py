"""Environments forked from a live chain, fetching state lazily over JSON-RPC.

A fork env is an :class:`~verbs.envs.base.BaseEnv` whose EVM state asks a
:class:`verbs.fork.RPCBackend` for every account and storage slot it has never seen: the
backend answers from memory, from its disk cache of the pinned block, or from the node (one
JSON-RPC batch per miss), and records what it served, so that :meth:`_ForkEnv.export_cache`
gives the original verbs' ``Cache`` value and ``EmptyEnv*(seed, cache=c)`` replays the same
simulation offline.

Round trips
-----------
Without help, the first transaction to a contract costs one round trip per account and per
storage slot it reads. With ``prefetch=True`` (the default) the env first asks the node for
the access lists of the transactions to contracts it has not met yet (``eth_createAccessList``
of all of them in one batch, at the pinned block), then fetches every account and slot they
name in one more batch: two round trips per block (or per direct call) with new contracts,
whatever they read. A target the backend already knows (memory or disk cache) is never
prefetched, so a run from a warm disk cache still sends no request.

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
from verbs.envs.validators import order_gas_priority, order_random

if typing.TYPE_CHECKING:  # pragma: no cover
    from verbs.fork import RPCBackend
    from verbs.fork.cache import Cache

#: Most transactions whose access lists are asked for in one block (one batch).
PREFETCH_MAX_TXS = 64

_ForkTx = typing.Tuple[bytes, typing.Optional[bytes], bytes, int]


def _empty_block_hash(number: int) -> bytes:
    from verbs.fork.cache import keccak256

    return keccak256(str(int(number)).encode())


class _SimulationBackend:
    """The EVM Backend of a fork env: accounts and storage from the RPC backend; block hashes
    from the node up to the pinned block and by the empty backend's convention after it.

    ``basic`` and ``storage`` are the RPC backend's bound methods (no extra call layer on a
    miss).
    """

    __slots__ = ("rpc_backend", "basic", "storage", "_pinned")

    def __init__(self, rpc_backend: "RPCBackend"):
        self.rpc_backend = rpc_backend
        self.basic = rpc_backend.basic
        self.storage = rpc_backend.storage
        self._pinned = rpc_backend.block_number

    def block_hash(self, number: int) -> bytes:
        """The hash of block ``number``: the node's up to the pinned block, else
        ``keccak256(str(number))`` (a simulated block)."""
        if number > self._pinned:
            return _empty_block_hash(number)
        return self.rpc_backend.block_hash(number)


def _flush_quietly(ref: "weakref.ReferenceType") -> None:
    backend = ref()
    if backend is None:  # collected: its own finalizer saved it
        return
    try:
        backend.flush()
    except Exception as exc:  # never fail a process exit over a cache
        from verbs.fork.disk import CacheWarning

        warnings.warn(f"could not save the fork cache: {exc}", CacheWarning)


def _flush_at_exit(backend: "RPCBackend") -> None:
    """Flush ``backend`` when this process's multiprocessing exit handlers run (also in a
    worker that ends with ``os._exit``)."""
    _mp_util.Finalize(backend, _flush_quietly, args=(weakref.ref(backend),), exitpriority=10)


def _register_exit_flush(backend: "RPCBackend") -> None:
    """:func:`_flush_at_exit` here and in every multiprocessing child that inherits
    ``backend`` (a child starts with no finalizer of its parent's)."""
    _flush_at_exit(backend)
    _mp_util.register_after_fork(backend, _flush_at_exit)


def _known_to_backend(backend: "RPCBackend", address: bytes) -> bool:
    """Whether the backend can serve ``address`` without the node (memory or disk cache)."""
    known = getattr(backend, "is_cached", None)
    if known is not None:
        return bool(known(address))
    known = getattr(backend, "_known_account", None)
    return bool(known(address)) if known is not None else False


def _access_list(result) -> typing.List[typing.Tuple[bytes, typing.List[int]]]:
    """The ``accessList`` of an ``eth_createAccessList`` answer (``[]`` if malformed)."""
    from verbs.fork import codec

    out = []
    if not isinstance(result, dict) or not isinstance(result.get("accessList"), list):
        return out
    for item in result["accessList"]:
        try:
            address = codec.parse_data(item.get("address"), "address", 20,
                                       "eth_createAccessList", None)
            keys = [codec.parse_word(k, "storage key", "eth_createAccessList", None)
                    for k in item.get("storageKeys", [])]
        except Exception:  # a hint only: ignore what cannot be read
            continue
        out.append((address, keys))
    return out


class _ForkEnv(BaseEnv):
    def __init__(
        self,
        node_url: typing.Optional[str],
        seed: int,
        block_number: typing.Optional[int] = None,
        *,
        cache_dir=None,
        chain_id: typing.Optional[int] = None,
        trust_disk_cache: typing.Optional[bool] = None,
        prefetch: bool = True,
        rpc_options: typing.Optional[typing.Dict[str, typing.Any]] = None,
        **options,
    ):
        from verbs.fork import RPCBackend

        for name in ("snapshot", "cache"):
            if options.get(name) is not None:
                raise TypeError(
                    f"a fork env takes no {name}= (build an EmptyEnv from it instead)")
            options.pop(name, None)
        backend = RPCBackend(node_url, block_number, cache_dir=cache_dir, chain_id=chain_id,
                             trust_disk_cache=trust_disk_cache, **(rpc_options or {}))
        self._rpc = backend
        self._prefetch_enabled = bool(prefetch)
        self._prefetched: typing.Set[bytes] = set()
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
    def backend(self) -> "RPCBackend":
        """The :class:`verbs.fork.RPCBackend` that fetches state (its ``stats`` count
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
    def export_cache(self) -> "Cache":
        """Everything fetched so far, as the original's ``Cache`` value.

        ``EmptyEnv*(seed, cache=c)`` then runs the same simulation offline (its chain id is
        the empty envs' 1, and ``BLOCKHASH`` of blocks up to the fork block follows the empty
        backend's convention: the cache holds neither).

        Returns
        -------
        verbs.types.Cache
            ``(timestamp, block_number, accounts, storage)`` of the fork block, balances,
            slots and values as 32-byte little-endian words and code padded with 33 zero
            bytes, as the original exports it.
        """
        return self._rpc.export_cache()

    def flush(self):
        """Save what was fetched from the node to the disk cache now (see
        :meth:`verbs.fork.RPCBackend.flush`; also done at exit, in worker processes too).

        Returns
        -------
        pathlib.Path or None
            The file written, or ``None`` (disk cache off, or nothing new).
        """
        return self._rpc.flush()

    # ------------------------------------------------------------------ prefetching
    def _prefetch(self, txs: typing.Sequence[_ForkTx]) -> None:
        """Prefetch what ``txs`` to contracts new to the backend read: their access lists from
        the node in one batch, then every account and slot named in one more."""
        backend = self._rpc
        chosen = []
        for tx in txs:
            to = tx[1]
            if to is None or to in self._prefetched:
                continue
            if _known_to_backend(backend, to):
                self._prefetched.add(to)
                continue
            chosen.append(tx)
            if len(chosen) >= PREFETCH_MAX_TXS:
                break
        if not chosen:
            return
        self._prefetched.update(tx[1] for tx in chosen)
        from verbs.fork import RPCError, codec

        block = ({"blockHash": codec.data(backend.block_env.hash)} if backend.pin_by_hash
                 else codec.quantity(backend.block_number))
        calls = []
        for sender, to, data, value in chosen:
            calls.append(("eth_createAccessList", [{
                "from": codec.address(sender), "to": codec.address(to),
                "data": codec.data(data), "value": codec.quantity(value)}, block]))
        try:
            results = backend.rpc.batch(calls, allow_errors=True)
        except RPCError:
            results = []  # the node cannot help: the transactions fetch what they read
        accounts: typing.Dict[bytes, None] = {}
        slots: typing.Dict[typing.Tuple[bytes, int], None] = {}
        for sender, to, _, _ in chosen:
            accounts[sender] = None
            accounts[to] = None
        if self._real_fees:
            accounts[backend.block_env.coinbase] = None  # paid the priority fees
        for result in results:
            for address, keys in _access_list(result):
                accounts[address] = None
                for key in keys:
                    slots[(address, key)] = None
        backend.prefetch(list(accounts), list(slots))

    def _run(self, tx, commit: bool, what: str):
        if self._prefetch_enabled and tx.to is not None and tx.to not in self._prefetched:
            self._prefetch([(tx.sender, tx.to, tx.data, tx.value)])
        return super()._run(tx, commit, what)

    def process_block(self) -> None:
        """Process the queued transactions as the next block (see
        :meth:`verbs.envs.base.BaseEnv.process_block`); with prefetching on, what the
        transactions to contracts new to the backend read is fetched first, in two round
        trips."""
        if self._prefetch_enabled and self._queue:
            self._prefetch([(p.sender, p.to, p.data, p.value) for p in self._queue
                            if p.to not in self._prefetched])
        super().process_block()


_PARAMETERS_DOC = """
    Parameters
    ----------
    node_url : str or None
        JSON-RPC endpoint (``http(s)://``); ``None`` takes the ``ETH_RPC_URL`` environment
        variable (neither: :class:`verbs.fork.ForkConfigError`, a ``ValueError``).
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
        (``None``: trusted except for development chains, see :class:`verbs.fork.RPCBackend`).
    prefetch : bool
        Prefetch what transactions to contracts new to the backend read, from the node's
        ``eth_createAccessList`` (two round trips per block instead of one per account and
        slot read). On by default.
    rpc_options : dict, optional
        Further keywords of :class:`verbs.fork.RPCBackend` (``timeout``, ``max_attempts``,
        ``headers``, ``pin_by_hash``, ...).
    **options
        ``fork`` (EVM rules, ``"Osaka"`` by default: match the chain's), ``block_interval``,
        ``real_fees``: see :class:`verbs.envs.base.BaseEnv`. With ``real_fees=False`` (the
        default) the base fee is 0 and the gas limit does not bind, as in the empty envs;
        the other block fields (number, timestamp, coinbase, prevrandao, difficulty, excess
        blob gas) are the fork block's.

    Raises
    ------
    verbs.fork.ForkConfigError
        No node URL; a bad block number.
    verbs.fork.RPCError
        The node cannot be reached, answers for another chain or lacks the block.
"""


class ForkEnvRandom(_ForkEnv):
    __doc__ = """A fork of a live chain at a block, blocks ordered by a seeded random shuffle.
""" + _PARAMETERS_DOC

    _order = staticmethod(order_random)


class ForkEnvGasPriority(_ForkEnv):
    __doc__ = """A fork of a live chain at a block, blocks ordered by gas priority (see
    :func:`verbs.envs.validators.order_gas_priority`).
""" + _PARAMETERS_DOC

    _order = staticmethod(order_gas_priority)
