"""What call tracing costs: an ERC20 transfer untraced and traced, per transaction.

Each variant runs on a fresh env holding the demo's ERC20 (``verbs/data/simple_erc20.json``),
every transfer committed, from one sender to one of 100 receivers (all already holders):

* ``execute``: ``env.execute``; ``trace_call``: ``env.trace_call(..., commit=True)`` (the
  same transaction, its root frame returned);
* ``block``: ``process_block`` of 100 queued transfers; ``block traced``: the same with
  ``env.record_traces(True)`` (what a simulation pays for traces); ``block profiled``:
  traced, and each block's traces folded into a :class:`verbs.trace.profile.GasProfile`
  (what ``Sim.run(profile=...)`` pays).

Prints microseconds per transaction, wall and CPU (median of the repeats), and the ratio to
the untraced variant.  Nothing here asserts a time.

usage: python benchmarks/bench_trace.py [--n 2000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import verbs
from verbs.demo import load_erc20
from verbs.trace.profile import GasProfile

SENDER = verbs.utils.int_to_address(0x1000)
RECEIVERS = [verbs.utils.int_to_address(0x2000 + i) for i in range(100)]
BLOCK = 100


def fresh_env():
    """An env with the token deployed, its supply held by SENDER."""
    env = verbs.EmptyEnv(1)
    env.create_account(SENDER, 10**20)
    abi, bytecode = load_erc20()
    token = abi.constructor.deploy(env, SENDER, bytecode, ["Bench", "BCH", 10**30])
    datas = [abi.transfer.encode([r, 1]) for r in RECEIVERS]
    # every receiver already holds tokens: each timed transfer costs the same
    for d in datas:
        env.execute(SENDER, token, d)
    return env, token, datas


def timed(variants: dict, n: int, repeats: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) microseconds per transaction of each variant, on a fresh env per
    timing; the variants take turns within each repeat, so that a change of load hits them
    alike.  The CPU time of this process is the steadier figure on a loaded machine."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, make in variants.items():
            env, token, datas = fresh_env()
            go = make(env, token, datas)
            wall, cpu = time.perf_counter(), time.process_time()
            go(n)
            times[name].append(((time.perf_counter() - wall) / n * 1e6,
                                (time.process_time() - cpu) / n * 1e6))
    return {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
            for name, t in times.items()}


def execute(env, token, datas):
    ex = env.execute

    def go(n):
        for i in range(n):
            ex(SENDER, token, datas[i % 100])
    return go


def trace_call(env, token, datas):
    tc = env.trace_call

    def go(n):
        for i in range(n):
            tc(SENDER, token, datas[i % 100], commit=True)
    return go


def blocks(record: bool, profile: bool = False):
    def make(env, token, datas):
        env.record_traces(record)
        txs = [(SENDER, token, d, False) for d in datas]
        p = GasProfile()

        def go(n):
            for _ in range(n // BLOCK):
                env.submit_transactions(txs)
                env.process_block()
                if profile:
                    p.add(env.get_last_traces())
        return go
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="transactions per timing")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n = max(BLOCK, args.n // BLOCK * BLOCK)
    print(f"ERC20 transfer, {n} transactions per timing, median of {args.repeats}; "
          f"load average {os.getloadavg()[0]:.2f}")
    us = timed({
        "execute": execute,
        "trace_call": trace_call,
        "block": blocks(False),
        "block traced": blocks(True),
        "block profiled": blocks(True, profile=True),
    }, n, args.repeats)
    print(f"{'variant':16} {'wall us/tx':>10} {'ratio':>6} {'cpu us/tx':>10} {'ratio':>6}  to")
    for name, base in (("execute", None), ("trace_call", "execute"), ("block", None),
                       ("block traced", "block"), ("block profiled", "block")):
        (wall, cpu), ratios = us[name], ""
        if base:
            ratios = f"{wall / us[base][0]:5.2f}x"
        line = f"{name:16} {wall:10.2f} {ratios:>6} {cpu:10.2f}"
        if base:
            line += f" {cpu / us[base][1]:5.2f}x  {base}"
        print(line)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
