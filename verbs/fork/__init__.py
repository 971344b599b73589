"""Forking from a JSON-RPC node: the Backend that fills the EVM state on a miss.

- :class:`RPCBackend` (``backend``): the EVM Backend on a pinned block, with an on-disk cache
  and the original verbs' cache export;
- :class:`RPCClient` (``rpc``): JSON-RPC over HTTP with batches, timeouts and retries;
- :class:`BlockEnv` (``block``): the pinned block's header fields;
- ``cache``: the original verbs' ``Cache`` value shape; ``disk``: the cache files;
- ``errors``: the exceptions.

Nothing else in verbs talks to the network.
"""
from verbs.fork.backend import DEV_CHAIN_IDS, RPCBackend
from verbs.fork.block import BlockEnv
from verbs.fork.cache import Cache, make_cache, read_account_entry, read_storage_entry
from verbs.fork.disk import CacheWarning, DiskCache, default_cache_dir
from verbs.fork.errors import (
    BlockNotAvailableError,
    ChainMismatchError,
    ForkConfigError,
    ForkError,
    RPCError,
    RPCHTTPError,
    RPCMalformedResponse,
    RPCResponseError,
    RPCTimeoutError,
    RPCTransportError,
)
from verbs.fork.rpc import RetryPolicy, RPCClient, RPCStats

__all__ = [
    "BlockEnv", "BlockNotAvailableError", "Cache", "CacheWarning", "ChainMismatchError",
    "DEV_CHAIN_IDS", "DiskCache", "ForkConfigError", "ForkError", "RPCBackend", "RPCClient",
    "RPCError", "RPCHTTPError", "RPCMalformedResponse", "RPCResponseError", "RPCStats",
    "RPCTimeoutError", "RPCTransportError", "RetryPolicy", "default_cache_dir", "make_cache",
    "read_account_entry", "read_storage_entry",
]
