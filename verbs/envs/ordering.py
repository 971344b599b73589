"""Block builders: how the queued transactions of a step are ordered."""
from __future__ import annotations

import numpy as np

from verbs.envs.base import PendingTransaction


def order_random(
    rng: np.random.Generator, queue: list[PendingTransaction]
) -> list[PendingTransaction]:
    """Shuffle the queue with the env's seeded generator (the original's random validator)."""
    order = rng.permutation(len(queue))
    return [queue[i] for i in order]


def order_gas_priority(
    rng: np.random.Generator, queue: list[PendingTransaction]
) -> list[PendingTransaction]:
    """Order the queue by gas priority, as the original's gas-priority validator.

    Transactions are grouped by sender; each group is ordered by nonce (transactions without a
    nonce come after those with one, in submission order); groups are ordered by the priority
    fee of their first transaction, highest first, ties broken by the seeded generator (the
    original breaks them by hash-map order, which is not reproducible).
    """
    groups: dict[bytes, list[tuple[int, PendingTransaction]]] = {}
    for index, tx in enumerate(queue):
        groups.setdefault(tx.sender, []).append((index, tx))
    ordered_groups = []
    for members in groups.values():
        members.sort(
            key=lambda it: (it[1].nonce is None, it[1].nonce or 0, it[0])
        )
        ordered_groups.append([tx for _, tx in members])
    shuffled = [ordered_groups[i] for i in rng.permutation(len(ordered_groups))]
    shuffled.sort(key=lambda group: -(group[0].gas_priority_fee or 0))
    return [tx for group in shuffled for tx in group]
