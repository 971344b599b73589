"""Codec micro-benchmark: decoding with verbs' fast codec and with eth-abi, side by side.

Prints the time of one ``decode`` call per type list (median of ``--repeat`` runs), the
ratio eth-abi / ours, and how much more an ``address`` costs than a ``uint256`` (decoded
addresses are EIP-55 checksummed strings, which costs one Keccak-256 of 40 hex digits).

Run from the repository root (about 20 s)::

    PYTHONPATH=$PWD python benchmarks/bench_codec.py
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import timeit

import eth_abi

from verbs.codec import Codec

# (label, types, values): values are encoded once with eth-abi, then decoded many times
_RNG = random.Random(1)


def _addr() -> str:
    return "0x" + _RNG.randbytes(20).hex()


CASES = [
    ("uint256", ["uint256"], [2**200 + 12345]),
    ("address", ["address"], [_addr()]),
    ("bool", ["bool"], [True]),
    ("(address,uint256)", ["address", "uint256"], [_addr(), 10**18]),
    ("address[4]", ["address[4]"], [[_addr() for _ in range(4)]]),
    ("uint256[4]", ["uint256[4]"], [[_RNG.getrandbits(256) for _ in range(4)]]),
    ("((address,uint256),address)", ["(address,uint256)", "address"],
     [(_addr(), 7), _addr()]),
]


def _per_call_ns(fn, data: bytes, repeat: int, budget_s: float) -> float:
    """Median nanoseconds of one ``fn(data)`` call."""
    timer = timeit.Timer(lambda: fn(data))
    number, _ = timer.autorange()
    number = max(1, int(number * budget_s / 0.2))
    runs = timer.repeat(repeat=repeat, number=number)
    return statistics.median(runs) / number * 1e9


def _fresh_ns(fn, datas: list, repeat: int) -> float:
    """Median nanoseconds of one ``fn(d)`` call, each call on the next of ``datas``."""
    runs = []
    for _ in range(repeat):
        start = timeit.default_timer()
        for d in datas:
            fn(d)
        runs.append(timeit.default_timer() - start)
    return statistics.median(runs) / len(datas) * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (median)")
    parser.add_argument("--budget", type=float, default=0.2, help="seconds per run")
    args = parser.parse_args()

    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(f"{'types':30s} {'fast':>5s} {'ours ns':>9s} {'eth-abi ns':>11s} {'eth-abi/ours':>13s}")
    ours_ns = {}
    for label, types, values in CASES:
        data = eth_abi.encode(types, values)
        codec = Codec(types)
        mine = _per_call_ns(codec.decode, data, args.repeat, args.budget)
        theirs = _per_call_ns(
            lambda d, t=types: eth_abi.decode(t, d), data, args.repeat, args.budget
        )
        ours_ns[label] = mine
        print(f"{label:30s} {codec.is_fast!s:>5} {mine:9.0f} {theirs:11.0f} {theirs / mine:12.1f}x")
    extra = ours_ns["address"] - ours_ns["uint256"]
    per4 = (ours_ns["address[4]"] - ours_ns["uint256[4]"]) / 4
    print(f"\naddress - uint256 (ours, one value): {extra / 1000:+.3f} us (target <= ~0.3 us)")
    print(f"address[4] - uint256[4] (ours, per element): {per4 / 1000:+.3f} us")

    # Checksums of recently decoded addresses are remembered (verbs._evm.keccak); here every
    # call decodes another address, more than the table holds, so each one is computed.
    n = 40_000
    fresh = [eth_abi.encode(["address"], ["0x" + _RNG.randbytes(20).hex()]) for _ in range(n)]
    words = [eth_abi.encode(["uint256"], [_RNG.getrandbits(256)]) for _ in range(n)]
    a_ns = _fresh_ns(Codec(["address"]).decode, fresh, args.repeat)
    u_ns = _fresh_ns(Codec(["uint256"]).decode, words, args.repeat)
    print(f"{n} distinct addresses, each decoded once: {a_ns:.0f} ns vs uint256 {u_ns:.0f} ns, "
          f"address - uint256: {(a_ns - u_ns) / 1000:+.3f} us")
    sample = Codec(["address"]).decode(eth_abi.encode(["address"], [CASES[1][2][0]]))[0]
    print(f"decoded address: {sample!r} ({type(sample).__name__})")


if __name__ == "__main__":
    main()
