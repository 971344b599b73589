"""The JSON-RPC node client: the Backend that fills the EVM state of a fork env on a miss.

- :class:`RPCBackend` (``backend``): the EVM Backend on a pinned block, with an on-disk cache
  and the original verbs' cache export;
- :class:`RPCClient` (``rpc``): JSON-RPC over HTTP with batches, timeouts and retries;
- :class:`BlockEnv` (``block``): the pinned block's header fields;
- ``cache``: the original verbs' ``Cache`` value shape; ``disk``: the cache files;
- ``hexjson``: strict conversions between JSON-RPC hex strings and Python values.

Its exceptions are defined in :mod:`verbs.errors` and re-exported here.

Nothing else in verbs talks to the network.
"""
from __future__ import annotations

from verbs.errors import (
    BlockNotAvailableError,
    ChainMismatchError,
    RemoteConfigError,
    RemoteError,
    RPCError,
    RPCHTTPError,
    RPCMalformedResponse,
    RPCResponseError,
    RPCTimeoutError,
    RPCTransportError,
)
from verbs.remote.backend import DEV_CHAIN_IDS, RPCBackend
from verbs.remote.block import BlockEnv
from verbs.remote.cache import Cache, make_cache, read_account_entry, read_storage_entry
from verbs.remote.disk import CacheWarning, DiskCache, default_cache_dir
from verbs.remote.rpc import RetryPolicy, RPCClient, RPCStats

__all__ = [
    "BlockEnv", "BlockNotAvailableError", "Cache", "CacheWarning", "ChainMismatchError",
    "DEV_CHAIN_IDS", "DiskCache", "RemoteConfigError", "RemoteError", "RPCBackend", "RPCClient",
    "RPCError", "RPCHTTPError", "RPCMalformedResponse", "RPCResponseError", "RPCStats",
    "RPCTimeoutError", "RPCTransportError", "RetryPolicy", "default_cache_dir", "make_cache",
    "read_account_entry", "read_storage_entry",
]
