"""Run programs on verbs' EVM and an oracle, compare, and minimise what differs."""
from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from . import gen, ours
from .minimise import minimise
from .outcome import diff

# oracle name -> (its forks, the program size it can afford)
ORACLES = {"revm": (("Cancun",), "medium"), "spec": (("Prague", "Osaka"), "small")}
# sizes an oracle can run besides its own (revm runs calls without fees only)
SIZES = {"revm": ("medium", "small"), "spec": ("small", "extra", "medium")}


def oracle(name: str):
    """The oracle module (imported lazily: each needs its own reference package)."""
    if name == "revm":
        from . import revm
        return revm
    if name == "spec":
        from . import spec
        return spec
    raise ValueError(f"unknown oracle {name!r}; one of {sorted(ORACLES)}")


@dataclass
class Mismatch:
    program: gen.Program
    lines: list[str]

    def report(self) -> str:
        return self.program.describe() + "\n" + "\n".join("  " + x for x in self.lines)


def compare(program: gen.Program, oracle_name: str) -> list[str]:
    """The differences between verbs and the oracle on ``program`` (empty: they agree).
    An exception on either side is a difference too."""
    o = oracle(oracle_name)
    try:
        mine = ours.run(program)
    except Exception:  # noqa: BLE001 - any exception is a finding, reported with its trace
        return ["verbs raised: " + traceback.format_exc(limit=3)]
    try:
        theirs = o.run(program, {k for a in mine.accounts.values() for k in a.storage})
    except Exception:  # noqa: BLE001 - any exception is a finding, reported with its trace
        return ["oracle raised: " + traceback.format_exc(limit=3)]
    return diff(mine, theirs, o.IGNORE)


def check(seed: int, index: int, oracle_name: str, fork: str, size: str | None = None,
          shrink: bool = True) -> Mismatch | None:
    """Compare one program; a mismatch comes back minimised (unless ``shrink`` is false)."""
    size = size or ORACLES[oracle_name][1]
    if size not in SIZES[oracle_name]:
        raise ValueError(f"the {oracle_name} oracle runs sizes {SIZES[oracle_name]}, not {size!r}")
    if fork not in ORACLES[oracle_name][0]:
        raise ValueError(f"the {oracle_name} oracle runs forks {ORACLES[oracle_name][0]}, "
                         f"not {fork!r}")
    p = gen.program(seed, index, fork, size)
    lines = compare(p, oracle_name)
    if not lines:
        return None
    if shrink:
        p = minimise(p, lambda q: bool(compare(q, oracle_name)))
        lines = compare(p, oracle_name) or lines
    return Mismatch(p, lines)


def run(oracle_name: str, seed: int, start: int, count: int, forks: list[str] | None = None,
        size: str | None = None, log: TextIO | None = None, every: int = 1000,
        stop_after: int = 10, on_mismatch: Callable[[Mismatch], None] | None = None
        ) -> tuple[int, list[Mismatch]]:
    """Programs ``start .. start+count-1`` of ``seed`` on every fork of the oracle (the
    forks interleaved, so a run cut short has covered each equally).  Returns (programs
    run, mismatches); stops after ``stop_after`` mismatches."""
    forks = forks or list(ORACLES[oracle_name][0])
    found: list[Mismatch] = []
    n = 0
    t0 = time.monotonic()
    for index in range(start, start + count):
        for fork in forks:
            m = check(seed, index, oracle_name, fork, size)
            n += 1
            if m is not None:
                found.append(m)
                if on_mismatch:
                    on_mismatch(m)
                if log:
                    print("MISMATCH\n" + m.report(), file=log, flush=True)
        if log and (index - start + 1) % every == 0:
            dt = time.monotonic() - t0
            print(f"oracle={oracle_name} forks={','.join(forks)} seed={seed} "
                  f"indices={start}..{index} programs={n} mismatches={len(found)} "
                  f"elapsed={dt:.0f}s rate={n / dt:.1f}/s", file=log, flush=True)
        if len(found) >= stop_after:
            break
    return n, found
