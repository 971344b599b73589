"""What every precompile family shares: the fork ids, the two ways a call fails, gas helpers."""

from __future__ import annotations

from verbs._evm.hardforks import FORK_NAMES, fork_id

#: Fork ids, from the one list of forks in ``verbs._evm.hardforks``.
SHANGHAI, CANCUN, PRAGUE, OSAKA = (fork_id(name) for name in FORK_NAMES)


class PrecompileFailure(Exception):
    """Raised inside a precompile for input it rejects (the call fails)."""


class _OutOfGas(Exception):
    """The precompile costs more gas than the call offered."""


def _words(n: int) -> int:
    return (n + 31) // 32


def _charge(cost: int, gas: int) -> int:
    if cost > gas:
        raise _OutOfGas
    return cost


def _read(data: bytes, start: int, size: int) -> bytes:
    """``size`` bytes of ``data`` from ``start``, zero-padded past its end."""
    if start >= len(data):
        return bytes(size)
    chunk = data[start : start + size]
    return chunk + bytes(size - len(chunk)) if len(chunk) < size else chunk
