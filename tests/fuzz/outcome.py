"""What every EVM's run of a program is reduced to, and how two of them are compared."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Account:
    nonce: int
    balance: int
    code: bytes
    storage: dict[int, int] = field(default_factory=dict)   # non-zero slots only

    def empty(self) -> bool:
        return not (self.nonce or self.balance or self.code or self.storage)


@dataclass
class Outcome:
    """``status`` is success, revert or halt; ``output`` is the return or revert data
    (empty after a halt); ``logs`` are (address, topics, data), empty unless success;
    ``accounts`` the post-state (an absent account and an empty one are the same)."""

    status: str
    output: bytes
    gas_used: int
    logs: list[tuple[bytes, tuple[bytes, ...], bytes]]
    accounts: dict[bytes, Account]
    reason: str = ""
    # (status, output, gas_used, logs) of the program's earlier transactions
    earlier: list[tuple] = field(default_factory=list)


def diff(ours: Outcome, theirs: Outcome, ignore: set[tuple[bytes, str]] = frozenset()
         ) -> list[str]:
    """The differences between two outcomes, as readable lines (empty when they agree).
    ``ignore`` names (address, field) pairs an oracle is known not to model."""
    out = []
    if len(ours.earlier) != len(theirs.earlier):
        out.append(f"transactions: ours={len(ours.earlier) + 1} theirs={len(theirs.earlier) + 1}")
    for i, (a, b) in enumerate(zip(ours.earlier, theirs.earlier)):
        if a != b:
            out.append(f"transaction {i}: ours={_show(a)} theirs={_show(b)}")
    for f in ("status", "output", "gas_used", "logs"):
        a, b = getattr(ours, f), getattr(theirs, f)
        if a != b:
            out.append(f"{f}: ours={_show(a)} theirs={_show(b)}")
    for addr in sorted(set(ours.accounts) | set(theirs.accounts)):
        empty = Account(0, 0, b"")
        a, b = ours.accounts.get(addr, empty), theirs.accounts.get(addr, empty)
        for f in ("nonce", "balance", "code"):
            if (addr, f) in ignore:
                continue
            if getattr(a, f) != getattr(b, f):
                out.append(f"0x{addr.hex()} {f}: ours={_show(getattr(a, f))} "
                           f"theirs={_show(getattr(b, f))}")
        for k in sorted(set(a.storage) | set(b.storage)):
            if a.storage.get(k, 0) != b.storage.get(k, 0):
                out.append(f"0x{addr.hex()} slot {k:#x}: ours={a.storage.get(k, 0):#x} "
                           f"theirs={b.storage.get(k, 0):#x}")
    return out


def _show(v) -> str:
    if isinstance(v, bytes):
        return "0x" + (v.hex() if len(v) <= 64 else v[:64].hex() + f"...({len(v)} bytes)")
    s = repr(v)
    return s if len(s) < 300 else s[:300] + "..."
