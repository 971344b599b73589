"""Command line: ``python -m tests.fuzz {run,show} ...`` (see tests/fuzz/README.md)."""
from __future__ import annotations

import argparse
import sys
import time

from . import gen
from .runner import ORACLES, check, run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run programs and compare with an oracle")
    r.add_argument("--oracle", choices=sorted(ORACLES), default="revm")
    r.add_argument("--fork", action="append", help="a fork of the oracle (default: all)")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--start", type=int, default=0, help="first program index")
    r.add_argument("--count", type=int, default=1000)
    r.add_argument("--size", choices=sorted(gen.SIZES), help="program size")
    r.add_argument("--every", type=int, default=1000, help="progress line every N indices")
    r.add_argument("--stop-after", type=int, default=10, help="stop after N mismatches")
    s = sub.add_parser("show", help="print one program and its comparison")
    s.add_argument("--oracle", choices=sorted(ORACLES), default="revm")
    s.add_argument("--fork", default=None)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--index", type=int, required=True)
    s.add_argument("--size", choices=sorted(gen.SIZES))
    s.add_argument("--no-shrink", action="store_true")
    a = ap.parse_args(argv)
    if a.cmd == "show":
        fork = a.fork or ORACLES[a.oracle][0][0]
        size = a.size or ORACLES[a.oracle][1]
        print(gen.program(a.seed, a.index, fork, size).describe())
        m = check(a.seed, a.index, a.oracle, fork, size, shrink=not a.no_shrink)
        print("agree" if m is None else "MISMATCH (minimised)\n" + m.report())
        return 0 if m is None else 1
    t = time.monotonic()
    n, found = run(a.oracle, a.seed, a.start, a.count, a.fork, a.size, log=sys.stdout,
                   every=a.every, stop_after=a.stop_after)
    dt = time.monotonic() - t
    print(f"done: oracle={a.oracle} seed={a.seed} indices={a.start}..{a.start + a.count - 1} "
          f"programs={n} mismatches={len(found)} time={dt:.0f}s rate={n / max(dt, 1e-9):.1f}/s")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
