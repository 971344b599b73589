"""Block builders: how the queued transactions of a step are ordered."""
from __future__ import annotations

import numpy as np

from verbs.envs.base import PendingTransaction


def order_random(
    rng: np.random.Generator, queue: list[PendingTransaction]
) -> list[PendingTransaction]:
    """Shuffle the queue with the env's seeded generator (the original's random validator)."""
    # Python ints index a list several times faster than numpy's
    return [queue[i] for i in rng.permutation(len(queue)).tolist()]


def order_gas_priority(
    rng: np.random.Generator, queue: list[PendingTransaction]
) -> list[PendingTransaction]:
    """Order the queue by gas priority, as the original's gas-priority validator.

    Transactions are grouped by sender; each group is ordered by nonce (transactions without a
    nonce come after those with one, in submission order); groups are ordered by the priority
    fee of their first transaction, highest first, ties broken by the seeded generator (the
    original breaks them by hash-map order, which is not reproducible).
    """
    groups: dict[bytes, list[PendingTransaction]] = {}
    for tx in queue:
        group = groups.get(tx.sender)
        if group is None:
            groups[tx.sender] = [tx]
        else:
            group.append(tx)
    ordered_groups = list(groups.values())
    for members in ordered_groups:
        if len(members) > 1:  # a stable sort keeps submission order among equal keys
            members.sort(key=_nonce_key)
    shuffled = [ordered_groups[i] for i in rng.permutation(len(ordered_groups)).tolist()]
    shuffled.sort(key=_first_fee_key)
    return [tx for group in shuffled for tx in group]


def _nonce_key(tx: PendingTransaction) -> tuple[bool, int]:
    """Transactions with a nonce first, by nonce."""
    return tx.nonce is None, tx.nonce or 0


def _first_fee_key(group: list[PendingTransaction]) -> int:
    """Highest priority fee of a group's first transaction first."""
    return -(group[0].gas_priority_fee or 0)
