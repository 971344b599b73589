"""Environments forked from a live chain, fetching state lazily over JSON-RPC."""
from __future__ import annotations

import typing

from verbs.envs.base import SIM_GAS_LIMIT, BaseEnv
from verbs.envs.validators import order_gas_priority, order_random


class _ForkEnv(BaseEnv):
    def __init__(
        self,
        node_url: typing.Optional[str],
        seed: int,
        block_number: typing.Optional[int] = None,
        *,
        cache_dir=None,
        **options,
    ):
        from verbs.fork import RPCBackend

        backend = RPCBackend(node_url, block_number, cache_dir=cache_dir)
        self._rpc = backend
        block = backend.block_env
        super().__init__(seed, _backend=backend, _chain_id=block["chain_id"], **options)
        real_fees = options.get("real_fees", False)
        self._evm.set_block(
            number=block["number"],
            timestamp=block["timestamp"],
            coinbase=block["coinbase"],
            prevrandao=block["prevrandao"],
            base_fee=block["base_fee"] if real_fees else 0,
            gas_limit=block["gas_limit"] if real_fees else SIM_GAS_LIMIT,
            excess_blob_gas=block.get("excess_blob_gas") or 0,
        )

    @property
    def backend(self):
        """The :class:`verbs.fork.RPCBackend` that fetches state (its ``stats`` count
        requests and round trips)."""
        return self._rpc

    def export_cache(self):
        """Everything fetched so far, as the original's ``Cache`` value, so that
        ``EmptyEnv*(seed, cache=c)`` can run the same simulation offline."""
        return self._rpc.export_cache()


class ForkEnvRandom(_ForkEnv):
    """A fork of a live chain at a block, blocks ordered by a seeded random shuffle.

    Parameters
    ----------
    node_url : str or None
        JSON-RPC endpoint; ``None`` takes the ``ETH_RPC_URL`` environment variable.
    seed : int
        Seed of the env's random generator.
    block_number : int, optional
        The block to fork at; ``None`` pins the latest block at creation.
    cache_dir : path, optional
        On-disk fetch cache (keyed by chain id and block number).
    **options
        ``fork``, ``block_interval``, ``real_fees``: see :class:`verbs.envs.base.BaseEnv`.
    """

    _order = staticmethod(order_random)


class ForkEnvGasPriority(_ForkEnv):
    """As :class:`ForkEnvRandom`, blocks ordered by gas priority."""

    _order = staticmethod(order_gas_priority)
