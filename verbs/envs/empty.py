"""In-memory environments: an empty EVM (or one from a snapshot or a cache)."""
from __future__ import annotations

from verbs.envs.base import ZERO_ADDRESS_BALANCE, BaseEnv
from verbs.envs.ordering import order_gas_priority, order_random

_ZERO = b"\x00" * 20


class _EmptyEnv(BaseEnv):
    def __init__(self, seed: int, snapshot=None, cache=None, **options):
        super().__init__(seed, snapshot, cache, **options)
        if snapshot is None and cache is None:
            # As the original: a fresh environment gives the zero address 10,000 ETH.
            self._evm.set_account(_ZERO, balance=ZERO_ADDRESS_BALANCE)


class EmptyEnvRandom(_EmptyEnv):
    """An in-memory EVM whose blocks are ordered by a seeded random shuffle.

    Parameters
    ----------
    seed : int
        Seed of the env's random generator.
    snapshot : verbs.envs.Snapshot or tuple, optional
        Start from a snapshot (shared copy-on-write: O(1) whatever the state size), or from the
        original verbs' 5-tuple ``(block env, accounts, contracts, logs, block hashes)`` as its
        ``export_snapshot()`` made it (read in O(state); the env starts at step 0).
    cache : verbs.types.Cache, optional
        Start from a fetch cache (the original's ``Cache`` value).
    **options
        ``fork``, ``block_interval``, ``real_fees``, ``strict_cache``: see
        :class:`verbs.envs.base.BaseEnv`.
    """

    _order = staticmethod(order_random)


class EmptyEnvGasPriority(_EmptyEnv):
    """An in-memory EVM whose blocks are ordered by gas priority (see
    :func:`verbs.envs.ordering.order_gas_priority`); parameters as :class:`EmptyEnvRandom`."""

    _order = staticmethod(order_gas_priority)
