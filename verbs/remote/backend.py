"""``RPCBackend``: the EVM's Backend on a pinned block of a JSON-RPC node.

The EVM asks its Backend (``basic``, ``storage``, ``block_hash``; see ``docs/internals.md``)
only for what its local state has never seen. This backend answers from, in order:

1. what it already served in this run (memory),
2. the on-disk cache of the pinned block (:mod:`verbs.remote.disk`),
3. the node: one JSON-RPC batch, i.e. one HTTP round trip, per miss.

Everything served is recorded, in first-use order, and :meth:`RPCBackend.export_cache`
returns it in the original verbs' ``Cache`` shape (:mod:`verbs.remote.cache`).

Pinning and verification
------------------------
The block is pinned at creation (``block_number=None``: the node's latest block then). State
queries name the block by its hash (EIP-1898 ``{"blockHash": ...}``; ``pin_by_hash=False``
uses the number), so a node that no longer has that exact block (reorg, pruning, a restarted
dev node) answers with an error, raised as :class:`~verbs.errors.BlockNotAvailableError`,
instead of other state. Every batch sent to the node also carries ``eth_chainId``; an answer
for another chain raises :class:`~verbs.errors.ChainMismatchError`.

Requests per operation (first use, nothing cached)
---------------------------------------------------
- creation: 1 round trip (``eth_chainId``, ``eth_getBlockByNumber``); 0 when the block's cache
  file is on disk and trusted (see ``trust_disk_cache``);
- ``basic``: 1 round trip (``eth_chainId``, ``eth_getBalance``, ``eth_getTransactionCount``,
  ``eth_getCode``);
- ``storage``: 1 round trip (``eth_chainId``, ``eth_getStorageAt``; plus the 3 account calls
  when the account was never asked for, so that the exported cache always holds the account
  of every storage entry, as the original's loader needs);
- ``block_hash``: 1 round trip (``eth_chainId``, ``eth_getBlockByNumber``);
- ``prefetch``: 1 round trip for everything missing (more only past ``max_batch_size`` calls);
- ``prefetch_for_tx``: 2 round trips (``eth_createAccessList``, then the prefetch).
"""
from __future__ import annotations

import operator
import os
import threading
import warnings
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from verbs.errors import (
    BlockNotAvailableError,
    ChainMismatchError,
    RemoteConfigError,
    RPCError,
    RPCMalformedResponse,
    RPCResponseError,
)
from verbs.primitives import to_address
from verbs.remote import hexjson
from verbs.remote.block import BlockEnv
from verbs.remote.cache import Cache, make_cache
from verbs.remote.disk import CacheData, CacheWarning, DiskCache
from verbs.remote.rpc import RetryPolicy, RPCClient

AddressLike = bytes | bytearray | memoryview | str

DEV_CHAIN_IDS = frozenset({1337, 31337})
"""Chain ids of local development nodes (anvil, hardhat, ganache): their block numbers are
reused by every fresh node, so their disk caches are checked against the node by default."""

_NOT_FOUND_CODES = frozenset({-32001})


def _slot(s: int | bytes) -> int:
    if isinstance(s, (bytes, bytearray, memoryview)):
        if len(s) != 32:
            raise ValueError(f"a storage slot given as bytes has 32 bytes, got {len(s)}")
        return int.from_bytes(bytes(s), "big")
    s = int(s)
    if not 0 <= s < 1 << 256:
        raise ValueError(f"storage slot out of range: {s}")
    return s


class _Unsaved:
    """What was fetched from the node and is not on disk yet.

    It holds no reference to the backend, so that ``weakref.finalize`` can save it when the
    backend is garbage-collected or at interpreter exit.
    """

    def __init__(self, disk: DiskCache | None, block: BlockEnv):
        self.disk = disk
        self.data = CacheData(block)
        self.dirty = False
        self.lock = threading.Lock()

    def save(self) -> Path | None:
        with self.lock:
            if self.disk is None or not self.dirty:
                return None
            path = self.disk.save(self.data)
            self.dirty = False
            return path

    def save_quietly(self) -> None:
        try:
            self.save()
        except Exception as exc:  # never fail a collection or interpreter exit over a cache
            warnings.warn(f"could not save the fork cache: {exc}", CacheWarning, stacklevel=2)


class RPCBackend:
    """The EVM Backend for a block of a JSON-RPC node, with a disk cache.

    Parameters
    ----------
    node_url : str, optional
        ``http(s)://`` JSON-RPC endpoint; ``None`` takes ``$ETH_RPC_URL``.
    block_number : int, optional
        The block to fork from; ``None`` takes the node's latest block at creation.
    cache_dir : str or Path or False, optional
        Disk cache directory (``None``: ``$VERBS_CACHE_DIR`` or ``~/.cache/verbs``);
        ``False`` turns the disk cache off.
    chain_id : int, optional
        The expected chain id. Checked against the node; lets a re-run find its disk cache
        without any request (otherwise the id the URL answered with last time is used).
    trust_disk_cache : bool, optional
        Whether a disk cache hit at creation is used without asking the node for the block
        header. ``None`` (default): trusted except for development chain ids
        (:data:`DEV_CHAIN_IDS`), whose caches are checked against the node's block hash
        (one round trip). A stale trusted cache is still detected at the first miss, because
        queries name the block by its hash.
    pin_by_hash : bool
        Name the pinned block by hash (EIP-1898) in state queries (default) or by number.
    verify_chain : bool
        Send ``eth_chainId`` with every batch and check it (default).
    policy : RetryPolicy, optional
        Timeouts and retries; by default built from ``timeout``, ``max_attempts`` and
        ``total_timeout``.
    timeout, max_attempts, total_timeout : float, int, float
        See :class:`~verbs.remote.rpc.RetryPolicy`.
    max_batch_size : int
        Most calls in one HTTP request.
    headers : dict, optional
        Extra HTTP headers (API keys).

    Attributes
    ----------
    block_env : BlockEnv
        The pinned block's header fields and the chain id.
    rpc : RPCClient
        The client (``rpc.stats`` counts requests and round trips).

    Raises
    ------
    RemoteConfigError
        Neither ``node_url`` nor ``$ETH_RPC_URL``; a negative block number.
    RPCError
        The node could not be asked, or answered for another chain, or lacks the block.
    """

    def __init__(self, node_url: str | None = None, block_number: int | None = None,
                 cache_dir: str | Path | None | bool = None, *,
                 chain_id: int | None = None, trust_disk_cache: bool | None = None,
                 pin_by_hash: bool = True, verify_chain: bool = True,
                 policy: RetryPolicy | None = None, timeout: float = 30.0,
                 max_attempts: int = 5, total_timeout: float = 120.0,
                 max_batch_size: int = 500, headers: dict[str, str] | None = None):
        if node_url is None:
            node_url = os.environ.get("ETH_RPC_URL") or None
        if not node_url:
            raise RemoteConfigError(
                "no node URL: pass node_url=... or set the ETH_RPC_URL environment variable")
        if block_number is not None:
            given = block_number
            try:
                if isinstance(given, bool):
                    raise TypeError
                block_number = operator.index(given)  # ints, numpy ints
            except TypeError:
                block_number = -1
            if block_number < 0:
                raise RemoteConfigError(
                    f"block_number must be a non-negative int or None, got {given!r}")
        if policy is None:
            policy = RetryPolicy(timeout=timeout, max_attempts=max_attempts,
                                 total_timeout=total_timeout)
        self.rpc = RPCClient(node_url, policy=policy, headers=headers,
                             max_batch_size=max_batch_size)
        self.pin_by_hash = pin_by_hash
        self.verify_chain = verify_chain
        self._lock = threading.RLock()
        self._disk = None if cache_dir is False else DiskCache(
            None if cache_dir is None or cache_dir is True else cache_dir)
        self._disk_data: CacheData | None = None
        self._accounts: dict[bytes, tuple[int, int, bytes]] = {}
        self._storage: dict[tuple[bytes, int], int] = {}
        self._hashes: dict[int, bytes] = {}
        self.memory_hits = 0
        self.disk_hits = 0
        self.last_access_list_error: RPCError | None = None

        block_env = self._open_from_disk(node_url, block_number, chain_id, trust_disk_cache)
        if block_env is None:
            block_env = self._fetch_header(node_url, block_number, chain_id)
        self.block_env: BlockEnv = block_env
        self._unsaved = _Unsaved(self._disk, block_env)
        weakref.finalize(self, self._unsaved.save_quietly)

    # ---------------------------------------------------------------- creation
    def _open_from_disk(self, url, block_number, chain_id, trust) -> BlockEnv | None:
        if self._disk is None or block_number is None:
            return None
        known = chain_id if chain_id is not None else self._disk.known_chain_id(url)
        if known is None:
            return None
        if trust is None:
            trust = known not in DEV_CHAIN_IDS
        if not trust:
            return None
        data = self._disk.load(known, block_number)
        if data is None:
            return None
        self._disk_data = data
        return data.block

    def _fetch_header(self, url, block_number, chain_id) -> BlockEnv:
        tag = "latest" if block_number is None else hexjson.quantity(block_number)
        calls = [("eth_chainId", []), ("eth_getBlockByNumber", [tag, False])]
        node_chain_raw, header = self.rpc.batch(calls)
        node_chain = hexjson.parse_quantity(node_chain_raw, "chain id", "eth_chainId", [])
        if chain_id is not None and node_chain != chain_id:
            raise ChainMismatchError(
                f"node {self.rpc.endpoint} answers for chain {node_chain}, expected {chain_id}",
                "eth_chainId", [])
        if header is None:
            raise BlockNotAvailableError(f"node has no block {tag}", "eth_getBlockByNumber",
                                         [tag, False])
        env = BlockEnv.from_rpc(node_chain, header, "eth_getBlockByNumber", [tag, False])
        if block_number is not None and env.number != block_number:
            raise RPCMalformedResponse(f"asked for block {block_number}, got {env.number}",
                                       "eth_getBlockByNumber", [tag, False])
        if self._disk is not None:
            try:
                self._disk.remember_chain_id(url, node_chain)
            except OSError as exc:
                warnings.warn(f"could not write the fork cache index: {exc}", CacheWarning,
                              stacklevel=2)
            data = self._disk.load(node_chain, env.number)
            if data is not None and data.block.hash != env.hash:
                warnings.warn(
                    f"ignoring fork cache for chain {node_chain} block {env.number}: it was "
                    f"made for block hash 0x{data.block.hash.hex()}, the node has "
                    f"0x{env.hash.hex()}", CacheWarning, stacklevel=3)
                data = None
            self._disk_data = data
        return env

    # ---------------------------------------------------------------- properties
    @property
    def chain_id(self) -> int:
        """The pinned chain id."""
        return self.block_env.chain_id

    @property
    def block_number(self) -> int:
        """The pinned block number."""
        return self.block_env.number

    @property
    def cache_path(self) -> Path | None:
        """The disk cache file of the pinned block (``None`` if the disk cache is off)."""
        if self._disk is None:
            return None
        return self._disk.path(self.chain_id, self.block_number)

    @property
    def stats(self) -> dict[str, Any]:
        """Traffic and cache counters: the client's :class:`RPCStats` plus ``memory_hits``,
        ``disk_hits`` and the numbers of accounts/slots/hashes served."""
        d = self.rpc.stats.as_dict()
        d.update(memory_hits=self.memory_hits, disk_hits=self.disk_hits,
                 accounts=len(self._accounts), slots=len(self._storage),
                 block_hashes=len(self._hashes))
        return d

    def _pin(self) -> Any:
        if self.pin_by_hash:
            return {"blockHash": hexjson.data(self.block_env.hash)}
        return hexjson.quantity(self.block_env.number)

    # ---------------------------------------------------------------- network
    def _fetch(self, calls: list[tuple[str, list]]) -> list[Any]:
        """Send ``calls`` (with the chain check) and return their results, in order."""
        prefix = [("eth_chainId", [])] if self.verify_chain else []
        results = self.rpc.batch(prefix + calls, allow_errors=True)
        if self.verify_chain:
            got = results[0]
            if isinstance(got, RPCResponseError):
                raise got
            node_chain = hexjson.parse_quantity(got, "chain id", "eth_chainId", [])
            if node_chain != self.chain_id:
                raise ChainMismatchError(
                    f"node {self.rpc.endpoint} now answers for chain {node_chain}; this "
                    f"backend is pinned to chain {self.chain_id} block {self.block_number}",
                    "eth_chainId", [])
            results = results[1:]
        for (method, params), r in zip(calls, results):
            if isinstance(r, RPCResponseError):
                if self._is_block_missing(r, params):
                    raise BlockNotAvailableError(
                        f"node {self.rpc.endpoint} does not have block {self.block_number} "
                        f"(hash 0x{self.block_env.hash.hex()}) any more: {r.rpc_message}",
                        method, params) from r
                raise r
        return results

    def _is_block_missing(self, error: RPCResponseError, params) -> bool:
        if not (self.pin_by_hash and params and params[-1] == self._pin()):
            return False
        msg = (error.rpc_message or "").lower()
        return error.code in _NOT_FOUND_CODES or (
            "not found" in msg and any(w in msg for w in ("block", "header", "resource")))

    def _account_calls(self, address: bytes) -> list[tuple[str, list]]:
        a, pin = hexjson.address(address), self._pin()
        return [("eth_getBalance", [a, pin]), ("eth_getTransactionCount", [a, pin]),
                ("eth_getCode", [a, pin])]

    def _storage_call(self, address: bytes, slot: int) -> tuple[str, list]:
        return ("eth_getStorageAt", [hexjson.address(address), hexjson.word(slot), self._pin()])

    @staticmethod
    def _parse_account(results, calls) -> tuple[int, int, bytes]:
        (m0, p0), (m1, p1), (m2, p2) = calls
        return (hexjson.parse_quantity(results[0], "balance", m0, p0),
                hexjson.parse_quantity(results[1], "nonce", m1, p1),
                hexjson.parse_data(results[2], "code", None, m2, p2))

    def _fetch_many(self, accounts: Sequence[bytes], slots: Sequence[tuple[bytes, int]]) -> None:
        """Fetch accounts and slots in one batch and record them."""
        calls: list[tuple[str, list]] = []
        for a in accounts:
            calls.extend(self._account_calls(a))
        for a, s in slots:
            calls.append(self._storage_call(a, s))
        if not calls:
            return
        results = self._fetch(calls)
        parsed_accounts = []
        for i, a in enumerate(accounts):
            parsed_accounts.append(
                (a, self._parse_account(results[3 * i:3 * i + 3], calls[3 * i:3 * i + 3])))
        base = 3 * len(accounts)
        parsed_slots = []
        for j, (a, s) in enumerate(slots):
            m, p = calls[base + j]
            parsed_slots.append(((a, s), hexjson.parse_word(results[base + j], "storage value",
                                                           m, p)))
        # record only once everything parsed: a bad answer leaves no partial state behind
        with self._unsaved.lock:
            for a, info in parsed_accounts:
                self._accounts[a] = self._unsaved.data.accounts[a] = info
            for key, value in parsed_slots:
                self._storage[key] = self._unsaved.data.storage[key] = value
            self._unsaved.dirty = True

    # ---------------------------------------------------------------- lookups
    def is_cached(self, address: AddressLike) -> bool:
        """Whether ``address`` is served without the node (from memory or the disk cache).

        A disk cache hit is recorded as served (as :meth:`basic` would).
        """
        address = to_address(address)
        with self._lock:
            return self._known_account(address)

    def _known_account(self, address: bytes) -> bool:
        """Serve from memory or disk if possible (recording a disk hit)."""
        if address in self._accounts:
            return True
        if self._disk_data is not None and address in self._disk_data.accounts:
            self._accounts[address] = self._disk_data.accounts[address]
            self.disk_hits += 1
            return True
        return False

    def _known_slot(self, key: tuple[bytes, int]) -> bool:
        if key in self._storage:
            return True
        if self._disk_data is not None and key in self._disk_data.storage:
            self._storage[key] = self._disk_data.storage[key]
            self.disk_hits += 1
            return True
        return False

    # ---------------------------------------------------------------- Backend interface
    def basic(self, address: bytes) -> tuple[int, int, bytes] | None:
        """``(balance, nonce, code)`` of ``address`` at the pinned block.

        Returns
        -------
        tuple or None
            ``None`` for an empty account (no balance, nonce or code: under EIP-161 the same
            as a missing one; JSON-RPC cannot tell them apart). It is still recorded.
        """
        address = to_address(address)
        with self._lock:
            if address in self._accounts:
                self.memory_hits += 1
            elif not self._known_account(address):
                self._fetch_many([address], [])
            info = self._accounts[address]
        return None if info == (0, 0, b"") else info

    def storage(self, address: bytes, slot: int) -> int:
        """The value of storage ``slot`` of ``address`` at the pinned block."""
        address, slot = to_address(address), _slot(slot)
        key = (address, slot)
        with self._lock:
            if key in self._storage:
                self.memory_hits += 1
            else:
                # the account first (as a fetch records it), so that the export's order and
                # content do not depend on whether the values came from disk or the node
                need_account = [] if self._known_account(address) else [address]
                need_slot = [] if self._known_slot(key) else [key]
                self._fetch_many(need_account, need_slot)
            return self._storage[key]

    def block_hash(self, number: int) -> bytes:
        """The hash of block ``number`` (at most the pinned block).

        Raises
        ------
        BlockNotAvailableError
            ``number`` is after the pinned block (a simulated block, not the node's), or the
            node does not have it.
        """
        number = int(number)
        if number < 0:
            raise ValueError(f"negative block number {number}")
        with self._lock:
            if number == self.block_number:
                return self.block_env.hash
            if number > self.block_number:
                raise BlockNotAvailableError(
                    f"block {number} is after the fork block {self.block_number}: its hash "
                    f"belongs to the simulation, not to the node", "eth_getBlockByNumber",
                    [hexjson.quantity(number), False])
            if number in self._hashes:
                self.memory_hits += 1
                return self._hashes[number]
            if self._disk_data is not None and number in self._disk_data.block_hashes:
                self.disk_hits += 1
                h = self._hashes[number] = self._disk_data.block_hashes[number]
                return h
            call = ("eth_getBlockByNumber", [hexjson.quantity(number), False])
            (header,) = self._fetch([call])
            if header is None:
                raise BlockNotAvailableError(f"node has no block {number}", *call)
            if not isinstance(header, dict) or "hash" not in header:
                raise RPCMalformedResponse("block lacks field 'hash'", *call)
            h = hexjson.parse_data(header["hash"], "hash", 32, *call)
            got = hexjson.parse_quantity(header.get("number"), "number", *call)
            if got != number:
                raise RPCMalformedResponse(f"asked for block {number}, got {got}", *call)
            with self._unsaved.lock:
                self._hashes[number] = self._unsaved.data.block_hashes[number] = h
                self._unsaved.dirty = True
            return h

    # ---------------------------------------------------------------- prefetch
    def prefetch(self, accounts: Iterable[AddressLike] = (),
                 slots: Iterable[tuple[AddressLike, int | bytes]] = ()) -> int:
        """Fetch every missing account and slot in one batch (one round trip).

        The account of every slot is fetched too if missing.

        Parameters
        ----------
        accounts : iterable of address
        slots : iterable of (address, slot)

        Returns
        -------
        int
            The number of accounts and slots fetched from the node (0: all were cached).
        """
        with self._lock:
            want_accounts: dict[bytes, None] = {}
            want_slots: dict[tuple[bytes, int], None] = {}
            for a in accounts:
                want_accounts[to_address(a)] = None
            for a, s in slots:
                key = (to_address(a), _slot(s))
                want_slots[key] = None
                want_accounts[key[0]] = None
            missing_accounts = [a for a in want_accounts if not self._known_account(a)]
            missing_slots = [k for k in want_slots if not self._known_slot(k)]
            self._fetch_many(missing_accounts, missing_slots)
            return len(missing_accounts) + len(missing_slots)

    def prefetch_for_tx(self, sender: AddressLike, to: AddressLike | None,
                        data: bytes = b"", value: int = 0,
                        gas: int | None = None) -> list[tuple[bytes, list[int]]]:
        """Prefetch what a transaction will touch, from the node's ``eth_createAccessList``.

        ``sender``, ``to`` and the block's coinbase are prefetched too (the node's access list
        leaves them out; the EVM reads them). Where the node does not offer
        ``eth_createAccessList`` (or it fails for this transaction), only those are prefetched
        and the error is kept in :attr:`last_access_list_error`.

        Parameters
        ----------
        sender, to : address
            ``to=None`` for a contract creation.
        data : bytes
        value : int
        gas : int, optional
            Gas limit for the node's simulation (default: the node's choice).

        Returns
        -------
        list of (address, list of int)
            The access list the node returned (empty on fallback).
        """
        sender_b = to_address(sender)
        to_b = None if to is None else to_address(to)
        tx: dict[str, Any] = {"from": hexjson.address(sender_b), "data": hexjson.data(data),
                              "value": hexjson.quantity(value)}
        if to_b is not None:
            tx["to"] = hexjson.address(to_b)
        if gas is not None:
            tx["gas"] = hexjson.quantity(gas)
        call = ("eth_createAccessList", [tx, self._pin()])
        access: list[tuple[bytes, list[int]]] = []
        self.last_access_list_error = None
        try:
            with self._lock:
                (result,) = self._fetch([call])
            access = hexjson.parse_access_list(result, *call)
        except (ChainMismatchError, BlockNotAvailableError):
            raise
        except RPCError as exc:
            self.last_access_list_error = exc
        accounts = [sender_b] + ([to_b] if to_b is not None else [])
        accounts += [a for a, _ in access] + [self.block_env.coinbase]  # EIP-3651 warms it
        slots = [(a, s) for a, keys in access for s in keys]
        self.prefetch(accounts, slots)
        return access

    def access_lists(
        self, txs: Sequence[tuple[bytes, bytes, bytes, int]]
    ) -> list[list[tuple[bytes, list[int]]]]:
        """The node's access lists of several transactions, in one batch (one round trip).

        Each transaction is asked for with ``eth_createAccessList`` at the pinned block. The
        answers are hints for :meth:`prefetch`: a transaction that the node fails (a revert
        there) or answers malformed gets an empty list.

        Parameters
        ----------
        txs : sequence of (sender, to, data, value)
            The transactions (20-byte ``sender`` and ``to``).

        Returns
        -------
        list of list of (address, list of int)
            One access list per transaction, in order.

        Raises
        ------
        RPCError
            The batch itself failed (the node cannot be reached, or its answer is no batch).
        """
        pin = self._pin()
        calls = [("eth_createAccessList", [{
            "from": hexjson.address(sender), "to": hexjson.address(to),
            "data": hexjson.data(data), "value": hexjson.quantity(value)}, pin])
            for sender, to, data, value in txs]
        results = self.rpc.batch(calls, allow_errors=True)
        out = []
        for (method, params), result in zip(calls, results):
            try:
                out.append(hexjson.parse_access_list(result, method, params))
            except RPCError:  # an RPCResponseError answer, or a malformed one
                out.append([])
        return out

    # ---------------------------------------------------------------- cache export / disk
    def export_cache(self) -> Cache:
        """Everything served so far, in the original verbs' ``Cache`` shape.

        Returns
        -------
        tuple
            ``(timestamp, block_number, accounts, storage)``, see :mod:`verbs.remote.cache`
            (32-byte little-endian words, code padded with 33 zero bytes), in first-use order.
            Served means fetched from the node or read from the disk cache in this run.
        """
        with self._lock:
            return make_cache(self.block_env.timestamp, self.block_env.number,
                              [(a, *info) for a, info in self._accounts.items()],
                              [(a, s, v) for (a, s), v in self._storage.items()])

    def flush(self) -> Path | None:
        """Merge what was fetched from the node into the disk cache file (atomically).

        Called by :meth:`close`, on leaving a ``with`` block, when the backend is
        garbage-collected and at interpreter exit (not in a ``fork()``-ed worker that ends
        with ``os._exit``, as multiprocessing's do: call it there).

        Returns
        -------
        Path or None
            The file written, or ``None`` (disk cache off, or nothing new).
        """
        with self._lock:
            return self._unsaved.save()

    def close(self) -> None:
        """Flush the disk cache and close the connection."""
        try:
            self.flush()
        finally:
            self.rpc.close()

    def __enter__(self) -> RPCBackend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"RPCBackend({self.rpc.endpoint}, chain_id={self.chain_id}, "
                f"block_number={self.block_number})")
