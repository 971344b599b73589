"""ForkEnv benchmark: a short ERC20 simulation on a fork of a real node (anvil), by source.

The script starts its own anvil (as the fork tests find it), deploys SimpleERC20 and gives
tokens to ``--holders`` fresh addresses (one block each), then runs the same simulation on a
fork of the last block from:

1. the node (cold: nothing on disk), without and with prefetching;
2. the disk cache the first run left (``trust_disk_cache=True``: no request at all);
3. the exported cache (``EmptyEnvRandom(seed, cache=c)``, the node not needed);
4. the node behind a proxy that adds ``--latency`` (20 ms) to every HTTP request (the
   fault proxy of ``tests/remote/proxy.py``), cold: without prefetching, with it, and with it
   plus the agents' accounts fetched in one batch first (``env.backend.prefetch``).

Two workloads. "read-then-send": each step every agent (a token holder) reads its
``balanceOf`` (a call) and sends a random part of it to a random agent (a queued transfer).
"send-only": the agents send without reading first. The records and final balances of every run
must agree; the table gives JSON-RPC calls, round trips (HTTP requests) and seconds
(creating the env included).

usage: python benchmarks/bench_fork.py [--holders 20] [--steps 10] [--latency 0.02]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from verbs import abi, envs, utils  # noqa: E402
from verbs.sim import BaseAgent, Sim  # noqa: E402

SEED = 7


def _load(name: str, path: Path):
    # by path: the tests folders are not packages
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_fork_tests = _load("verbs_tests_fork_conftest_helpers", REPO / "tests" / "fork" / "conftest.py")
FaultProxy = _load("verbs_tests_fork_proxy", REPO / "tests" / "fork" / "proxy.py").FaultProxy


class Holder(BaseAgent):
    """Sends a random amount of tokens to a random agent each step.

    ``reads=True`` ("read-then-send", as the original's examples): it first reads its balance
    with a ``balanceOf`` call and sends at most that. ``reads=False`` ("send-only"): it sends
    without looking (the holders have plenty) and records what it sent.
    """

    def __init__(self, address: bytes, token: bytes, erc20, peers, reads: bool):
        self.address, self.token, self.erc20, self.peers = address, token, erc20, peers
        self.reads = reads
        self.balance = 0
        self.sent = 0

    def update(self, rng: np.random.Generator, env):
        amount = int(rng.integers(1, 10**6)) * 10**12
        if self.reads:
            self.balance = self.erc20.balanceOf.call(env, self.address, self.token,
                                                     [self.address])[0][0]
            amount = min(self.balance, amount)
            if not amount:
                return []
        to = self.peers[int(rng.integers(len(self.peers)))]
        self.sent += amount
        return [self.erc20.transfer.transaction(self.address, self.token, [to, amount])]

    def record(self, env):
        return self.balance if self.reads else self.sent


def _send(node, tx: dict) -> dict:
    tx_hash = node.call("eth_sendTransaction", tx)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        receipt = node.call("eth_getTransactionReceipt", tx_hash)
        if receipt is not None:
            assert receipt["status"] == "0x1", receipt
            return receipt
        time.sleep(0.02)
    raise RuntimeError("transaction not mined within 20 s")


def make_chain(node, n_holders: int):
    """Deploy the token and fund ``n_holders`` fresh addresses; (erc20, token, holders, block)."""
    artifact = json.loads(_fork_tests.ARTIFACT.read_text())
    erc20 = abi.get_abi("SimpleERC20", artifact["abi"])
    admin = node.call("eth_accounts")[0]
    init = utils.hex_to_bytes(artifact["bytecode"]) + erc20.constructor.encode(
        ["Bench", "BNC", 10**27])
    receipt = _send(node, {"from": admin, "data": "0x" + init.hex(), "gas": hex(3_000_000)})
    token = bytes.fromhex(receipt["contractAddress"][2:])
    holders = [utils.int_to_address(0xB0B000 + i) for i in range(n_holders)]
    for i, h in enumerate(holders):
        data = erc20.transfer.encode([h, (i + 1) * 10**21])
        receipt = _send(node, {"from": admin, "to": "0x" + token.hex(),
                               "data": "0x" + data.hex(), "gas": hex(200_000)})
    return erc20, token, holders, int(receipt["blockNumber"], 16)


def simulate(env, erc20, token, holders, n_steps: int, reads: bool):
    """Run the simulation; (records, final balances)."""
    agents = []
    for h in holders:
        agent = Holder(h, token, erc20, holders, reads)
        agent.deploy(env, h, 10**18)
        agents.append(agent)
    records = Sim(SEED, env, agents).run(n_steps, show_progress=False)
    final = [erc20.balanceOf.call(env, h, token, [h])[0][0] for h in holders]
    return records, final


def bench_workload(node, rules, chain, reads: bool, n_steps: int, latency: float, tmp: Path):
    """The rows of one workload: (run, JSON-RPC calls, round trips, seconds)."""
    erc20, token, holders, block = chain
    rows = []
    reference = None

    def run(label, make_env, warm_agents=False):
        nonlocal reference
        t0 = time.perf_counter()
        env = make_env()
        if warm_agents:  # what a user can do: fetch the agents' accounts in one batch
            env.backend.prefetch(holders + [token])
        out = simulate(env, erc20, token, holders, n_steps, reads)
        seconds = time.perf_counter() - t0
        if reference is None:
            reference = out
        assert out == reference, f"{label}: different records or balances"
        backend = getattr(env, "backend", None)
        if backend is not None:
            backend.flush()
            stats = backend.rpc.stats
            rows.append((label, stats.requests, stats.round_trips, seconds))
        else:
            rows.append((label, 0, 0, seconds))
        return env

    cold = tmp / f"cold-{reads}"
    run("warm-up (not shown)", lambda: envs.ForkEnvRandom(
        node.url, SEED, block, cache_dir=False, fork=rules, prefetch=False))
    rows.clear()
    env = run("node, cold, no prefetch", lambda: envs.ForkEnvRandom(
        node.url, SEED, block, cache_dir=cold, fork=rules, prefetch=False))
    chain_id, cache = env.chain_id, env.export_cache()
    run("node, cold, prefetch", lambda: envs.ForkEnvRandom(
        node.url, SEED, block, cache_dir=False, fork=rules))
    run("disk cache (2nd run)", lambda: envs.ForkEnvRandom(
        node.url, SEED, block, cache_dir=cold, fork=rules, chain_id=chain_id,
        trust_disk_cache=True))
    run("exported cache (EmptyEnv)", lambda: envs.EmptyEnvRandom(
        SEED, cache=cache, fork=rules, strict_cache=True))
    ms = f"{latency * 1000:.0f} ms"
    with FaultProxy(node.url, latency=latency) as proxy:
        for label, prefetch, warm in (("no prefetch", False, False), ("prefetch", True, False),
                                      ("prefetch + agents' accounts", True, True)):
            run(f"proxy {ms}, cold, {label}", lambda prefetch=prefetch: envs.ForkEnvRandom(
                proxy.url, SEED, block, cache_dir=False, fork=rules, prefetch=prefetch),
                warm_agents=warm)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=20)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()

    binary = _fork_tests.find_anvil()
    if binary is None:
        sys.exit("anvil not found on PATH or in node_modules "
                 "(run `npm install @foundry-rs/anvil` in the repository root)")
    node = _fork_tests.start_anvil(binary)
    rules = {"osaka": "Osaka", "prague": "Prague"}[node.hardfork]
    tables = {}
    try:
        chain = make_chain(node, args.holders)
        with tempfile.TemporaryDirectory() as tmp:
            for reads in (True, False):
                name = "read-then-send" if reads else "send-only"
                tables[name] = bench_workload(node, rules, chain, reads, args.steps,
                                              args.latency, Path(tmp))
    finally:
        node.stop()

    print(f"ERC20 simulation: {args.holders} agents x {args.steps} steps on a fork of anvil "
          f"({node.hardfork}) block {chain[3]}; in each workload the records and final "
          f"balances of every run are identical")
    for name, rows in tables.items():
        print(f"\n{name}:\n")
        print(f"| {'run':<46} | {'JSON-RPC calls':>14} | {'round trips (HTTP)':>18} "
              f"| {'seconds':>7} |")
        print(f"|{'-' * 48}|{'-' * 16}|{'-' * 20}|{'-' * 9}|")
        for label, calls, trips, seconds in rows:
            print(f"| {label:<46} | {calls:>14} | {trips:>18} | {seconds:>7.3f} |")


if __name__ == "__main__":
    main()
