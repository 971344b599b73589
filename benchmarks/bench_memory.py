"""Long runs hold: the process's memory over 10^6 calls and 10^6 committed ERC20 transfers,
and what one recorded event, one fresh storage slot and one account cost.

- ``calls``: ``balanceOf`` through ``env.call`` (nothing is committed);
- ``transfers``: ERC20 ``transfer`` between a fixed set of holders through ``process_block``
  (blocks of 100), the event history cleared after every block
  (``env.clear_event_history()``): the state does not grow, so neither should memory;
- ``per event``: the same transfers with the history kept (RSS growth / events recorded);
- ``per slot``: transfers to fresh holders (one new ``balanceOf`` slot each, history cleared);
- ``per account``: ``create_account`` of fresh addresses.

RSS comes from ``/proc/self/statm``, sampled every ``--sample`` iterations; "growth" compares
the last sample with the one after the first ``--sample`` iterations (the warm-up).  The
per-item figures divide an RSS difference by the number of items, so they include the
amortized growth of hash tables (which double).

usage: nice python benchmarks/bench_memory.py [--n 1000000] [--sample 100000] [--items 200000]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ERC20 = REPO.parent / "shared" / "contracts" / "build" / "SimpleERC20.opt.json"
PAGE = os.sysconf("SC_PAGE_SIZE")
BLOCK = 100


def rss() -> int:
    """Resident set size of this process, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def setup(n_holders: int):
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


def _report(name: str, samples: list, t0: float) -> dict:
    base = samples[1][1] if len(samples) > 1 else samples[0][1]
    last = samples[-1][1]
    growth = (last - base) / base * 100
    print(f"{name}: {samples[-1][0]:,} in {time.perf_counter() - t0:.0f} s; RSS after warm-up "
          f"{base / 2**20:.1f} MiB, at the end {last / 2**20:.1f} MiB: growth {growth:+.2f}%")
    print("   samples (MiB): " + " ".join(f"{r / 2**20:.1f}" for _, r in samples))
    return {"n": samples[-1][0], "rss_warm": base, "rss_end": last, "growth_pct": growth,
            "samples": samples}


def bench_calls(n: int, sample: int) -> dict:
    env, token_abi, token, holders = setup(100)
    data = [token_abi.balanceOf.encode([h]) for h in holders]
    call = env.call
    samples = [(0, rss())]
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        call(holders[i % 100], token, data[(i * 7) % 100])
        if i % sample == 0:
            samples.append((i, rss()))
    return _report("calls", samples, t0)


def _transfer_blocks(n: int, sample: int, clear: bool, fresh: bool = False):
    env, token_abi, token, holders = setup(BLOCK)
    from verbs import utils

    per_block = [[(holders[i], token, token_abi.transfer.encode([holders[(i + 1 + b) % BLOCK],
                                                                 1]), False)
                  for i in range(BLOCK)] for b in range(7)]
    samples = [(0, rss())]
    t0 = time.perf_counter()
    done = 0
    b = 0
    while done < n:
        if fresh:   # each transfer pays a new holder: a new balanceOf slot
            txs = [(holders[i], token, token_abi.transfer.encode(
                [utils.int_to_address(10**8 + done + i), 1]), False) for i in range(BLOCK)]
        else:
            txs = per_block[b % 7]
        env.submit_transactions(txs)
        env.process_block()
        if clear:
            env.clear_event_history()
        done += BLOCK
        b += 1
        if done % sample == 0:
            samples.append((done, rss()))
    assert all(e.success for e in env.get_last_events())
    return env, samples, t0


def bench_transfers(n: int, sample: int) -> dict:
    _, samples, t0 = _transfer_blocks(n, sample, clear=True)
    return _report("transfers (history cleared)", samples, t0)


def per_item(name: str, n_items: int, before: int, after: int) -> float:
    per = (after - before) / n_items
    print(f"{name}: {per:.0f} bytes each ({n_items:,} items, RSS +{(after - before) / 2**20:.1f} "
          f"MiB)")
    return per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10**6)
    parser.add_argument("--sample", type=int, default=10**5)
    parser.add_argument("--items", type=int, default=2 * 10**5)
    parser.add_argument("--only", default="calls,transfers,event,slot,account")
    args = parser.parse_args()
    only = set(args.only.split(","))
    gc.collect()
    out = {}
    if "calls" in only:
        out["calls"] = bench_calls(args.n, args.sample)
    if "transfers" in only:
        out["transfers"] = bench_transfers(args.n, args.sample)
    if "event" in only:
        env, _, _ = _transfer_blocks(args.items, args.items, clear=True)
        gc.collect()
        r0 = rss()
        _transfer_blocks_into(env, args.items, clear=False)
        gc.collect()
        out["bytes_per_event"] = per_item("per recorded Transfer event (history kept)",
                                          args.items, r0, rss())
        del env
    if "slot" in only:
        env, _, _ = _transfer_blocks(BLOCK * 10, BLOCK * 10, clear=True)
        gc.collect()
        r0 = rss()
        _transfer_blocks_into(env, args.items, clear=True, fresh=True)
        gc.collect()
        out["bytes_per_slot"] = per_item("per fresh storage slot (new holder)", args.items, r0,
                                         rss())
        del env
    if "account" in only:
        from verbs import envs, utils

        env = envs.EmptyEnvRandom(3)
        for i in range(1000):
            env.create_account(utils.int_to_address(10**9 + i), 1)
        gc.collect()
        r0 = rss()
        for i in range(args.items):
            env.create_account(utils.int_to_address(2 * 10**9 + i), 1)
        gc.collect()
        out["bytes_per_account"] = per_item("per account (create_account)", args.items, r0,
                                            rss())
    print(json.dumps({k: v for k, v in out.items() if not isinstance(v, dict)}))


def _transfer_blocks_into(env, n: int, clear: bool, fresh: bool = False) -> None:
    """n more transfers on an env made by setup(BLOCK) (holders and token found again)."""
    from verbs import utils

    holders = [utils.int_to_address(10**6 + 1 + i) for i in range(BLOCK)]
    token = _token_of(env)
    transfer = bytes.fromhex("a9059cbb")
    done = 0
    b = 0
    while done < n:
        txs = []
        for i in range(BLOCK):
            to = utils.int_to_address(10**8 + done + i) if fresh \
                else holders[(i + 1 + b) % BLOCK]
            txs.append((holders[i], token, transfer + to.rjust(32, b"\0")
                        + (1).to_bytes(32, "big"), False))
        env.submit_transactions(txs)
        env.process_block()
        if clear:
            env.clear_event_history()
        done += BLOCK
        b += 1


def _token_of(env) -> bytes:
    """The token's address: the one account with code."""
    (token,) = [a for a, (_, _, code, _) in env.evm.dump().items() if code]
    return token


if __name__ == "__main__":
    main()
