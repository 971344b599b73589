"""The cost of ``process_block`` itself: an empty block, and a block of 100 ERC20 transfers.

Run it with the ``verbs`` to measure on ``PYTHONPATH`` (e.g. once with main's checkout and
once with a branch's, to see what a change to the block loop costs)::

    PYTHONPATH=$PWD python benchmarks/bench_block.py [--blocks 2000] [--repeats 5]

Prints the best of ``repeats`` runs, in microseconds per block.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ERC20 = REPO.parent / "shared" / "contracts" / "build" / "SimpleERC20.opt.json"


def _setup(n_holders: int):
    from verbs import abi, envs, utils

    artifact = json.loads(ERC20.read_text())
    token_abi = abi.get_abi("SimpleERC20", artifact["abi"])
    env = envs.EmptyEnvRandom(7)
    deployer = utils.int_to_address(10**6)
    env.create_account(deployer, 10**20)
    token = token_abi.constructor.deploy(env, deployer, bytes.fromhex(
        artifact["bytecode"].removeprefix("0x")), ["T", "T", 10**30])
    holders = [utils.int_to_address(10**6 + 1 + i) for i in range(n_holders)]
    for h in holders:
        token_abi.transfer.execute(env, deployer, token, [h, 10**24])
    return env, token_abi, token, holders


def bench_empty(blocks: int) -> float:
    env, *_ = _setup(1)
    t = time.perf_counter()
    for _ in range(blocks):
        env.process_block()
    return (time.perf_counter() - t) / blocks * 1e6


def bench_transfers(blocks: int, per_block: int = 100) -> float:
    env, token_abi, token, holders = _setup(per_block)
    n = len(holders)
    calls = [[(holders[i], token, token_abi.transfer.encode([holders[(i + 1 + b) % n], 1]), False)
              for i in range(per_block)] for b in range(7)]
    t = time.perf_counter()
    for b in range(blocks):
        env.submit_transactions(calls[b % 7])
        env.process_block()
    return (time.perf_counter() - t) / blocks * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    empty = min(bench_empty(args.blocks * 10) for _ in range(args.repeats))
    full = min(bench_transfers(args.blocks // 10) for _ in range(args.repeats))
    print(f"empty block: {empty:.2f} us/block")
    print(f"100-transfer block: {full:.1f} us/block ({full / 100:.2f} us/transfer)")


if __name__ == "__main__":
    main()
