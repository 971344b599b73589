"""Batch-execution workloads, timed, on whichever ``verbs`` the interpreter imports.

Run by ``bench_batch.py`` twice: with our verbs, and with verbs 0.4.1 from its own virtual
environment (``python -I`` from a temporary directory).  Only the API both share is used.
Every subcommand prints one JSON line.

  state TOKEN_JSON SIZES REPEATS KS
        an ERC20 with SIZES[-1] holders (one storage slot each) is built in steps; at each size
        the env is snapshotted, and ``EmptyEnvRandom(seed, snapshot)`` plus its first
        ``balanceOf`` call is timed REPEATS times; then on the largest state, for each k in
        KS, k transfers (k distinct holders' slots change) and ``export_snapshot()`` is timed.
  batch TOKEN_JSON JOBS REPEATS
        the batch example (``python -m verbs demo``): 2 parameter sets x 16 samples, 50 agents,
        100 steps, ``batch_run(n_jobs=JOBS)``; samples/s and a digest of the results.
  memory TOKEN_JSON SIZE MODE
        a state of SIZE holders, snapshotted; MODE "one": one env from it runs one sample;
        MODE "batch2": a 2-worker batch of 2 x 4 samples from it.  (The parent measures RSS.)
"""
from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import time

import numpy as np

import verbs

N_AGENTS = 50
FIRST_AGENT = 100
SUPPLY = 10**19
HOLDER0 = 10**6          # holder i is the address 10**6 + i


def load_token(path):
    with open(path) as f:
        artifact = json.load(f)
    abi = verbs.abi.get_abi("SimpleERC20", artifact["abi"])
    return abi, artifact["bytecode"]        # hex text: both libraries take it


def deploy(seed, token_json):
    env = verbs.envs.EmptyEnvRandom(seed)
    admin = verbs.utils.int_to_address(99_999_999)
    env.create_account(admin, 10**19)
    abi, code = load_token(token_json)
    token = abi.constructor.deploy(env, admin, code, ["Demo", "DMO", SUPPLY])
    return env, admin, abi, token


def add_holders(env, admin, abi, token, start, stop, chunk=5000):
    """Holders start..stop-1 receive 1 token unit each (one new storage slot each)."""
    for lo in range(start, stop, chunk):
        for i in range(lo, min(stop, lo + chunk)):
            to = verbs.utils.int_to_address(HOLDER0 + i)
            env.submit_transaction(admin, token, abi.transfer.encode([to, 1]), True)
        env.process_block()


class TokenAgent(verbs.sim.BaseAgent):
    """As verbs/demo.py: when active, reads its balance and sends part of it to a random
    agent; every draw from the Sim's generator."""

    def __init__(self, i, token, abi, n_agents, activation_rate):
        self.address = verbs.utils.int_to_address(i)
        self.token = token
        self.abi = abi
        self.n_agents = n_agents
        self.activation_rate = activation_rate
        self.balance = 0

    def update(self, rng, env):
        if rng.uniform() >= self.activation_rate:
            return []
        self.balance = self.abi.balanceOf.call(env, self.address, self.token, [self.address])[0][0]
        if self.balance <= 0:
            return []
        receiver = verbs.utils.int_to_address(int(rng.integers(self.n_agents)) + FIRST_AGENT)
        amount = min(self.balance, 100_000)
        return [self.abi.transfer.transaction(self.address, self.token, [receiver, amount])]

    def record(self, env):
        return self.abi.balanceOf.call(env, self.address, self.token, [self.address])[0][0]


def sim_func(env, seed, n_steps, *, activation_rate, erc20_address, erc20_abi, admin_address):
    """One sample (verbs/demo.py's): agent 0 receives the admin's tokens, then they trade."""
    agents = [TokenAgent(FIRST_AGENT + i, erc20_address, erc20_abi, N_AGENTS, activation_rate)
              for i in range(N_AGENTS)]
    amount = erc20_abi.balanceOf.call(env, admin_address, erc20_address, [admin_address])[0][0]
    erc20_abi.transfer.execute(env, admin_address, erc20_address, [agents[0].address, amount])
    records = verbs.sim.Sim(seed, env, agents).run(n_steps, show_progress=False)
    return np.asarray(records, dtype=object)


def run_batch(snapshot, token, abi, admin, n_jobs, n_samples=16, n_steps=100):
    kwargs = dict(n_steps=n_steps, n_samples=n_samples,  # noqa: C408
                  parameters_samples=[{"activation_rate": 0.1}, {"activation_rate": 0.2}],
                  snapshot=snapshot, n_jobs=n_jobs, erc20_address=token, erc20_abi=abi,
                  admin_address=admin)
    try:
        return verbs.batch_runner.batch_run(sim_func, show_progress=False, **kwargs)
    except TypeError:           # the original has no show_progress
        return verbs.batch_runner.batch_run(sim_func, verbose=0, **kwargs)


def cmd_state(token_json, sizes, repeats, ks):
    sizes = [int(s) for s in sizes.split(",")]
    ks = [int(k) for k in ks.split(",")]
    repeats = int(repeats)
    env, admin, abi, token = deploy(1, token_json)
    out = {"env_s": {}, "build_s": {}, "export_s": {}, "export_nochange_s": None}
    have = 0
    for size in sizes:
        t = time.perf_counter()
        add_holders(env, admin, abi, token, have, size)
        out["build_s"][size] = time.perf_counter() - t
        have = size
        snap = env.export_snapshot()
        who = verbs.utils.int_to_address(HOLDER0 + size - 1)
        times = []
        for r in range(repeats):
            t = time.perf_counter()
            e = verbs.envs.EmptyEnvRandom(1000 + r, snap)
            bal = abi.balanceOf.call(e, admin, token, [who])[0][0]
            times.append(time.perf_counter() - t)
            assert bal == 1, bal
            del e
        out["env_s"][size] = statistics.median(times)
    # export_snapshot after k changes, on the largest state (a fresh env from its snapshot)
    snap = env.export_snapshot()
    for k in ks:
        times = []
        for r in range(max(3, repeats // 4)):
            e = verbs.envs.EmptyEnvRandom(2000 + r, snap)
            e.export_snapshot()                     # the env's own first export, not timed
            for i in range(k):                      # k holders' slots change (and the admin's)
                to = verbs.utils.int_to_address(HOLDER0 + (i * 7919) % have)
                e.submit_transaction(admin, token, abi.transfer.encode([to, 1]), True)
            e.process_block()
            t = time.perf_counter()
            e.export_snapshot()
            times.append(time.perf_counter() - t)
            del e
        out["export_s"][k] = statistics.median(times)
    print(json.dumps(out))


def digest(results):
    flat = [[[int(x) for x in row] for row in np.asarray(s, dtype=object)] for g in results
            for s in g["samples"]]
    return hashlib.sha256(json.dumps(flat).encode()).hexdigest()


def cmd_batch(token_json, jobs, repeats):
    env, admin, abi, token = deploy(1234, token_json)
    snap = env.export_snapshot()
    times, cpus, d = [], [], None
    for _ in range(int(repeats)):
        c = os.times()
        t = time.perf_counter()
        res = run_batch(snap, token, abi, admin, int(jobs))
        times.append(time.perf_counter() - t)
        c2 = os.times()   # CPU of this process and of its children that ended (our workers;
        cpus.append(sum(c2[:4]) - sum(c[:4]))   # not joblib's, which stay alive)
        n = sum(len(g["samples"]) for g in res)
        dd = digest(res)
        assert d in (None, dd), "the same batch gave different results"
        d = dd
    print(json.dumps({"samples": n, "times_s": times, "s": statistics.median(times),
                      "cpu_s": statistics.median(cpus), "digest": d}))


def cmd_memory(token_json, size, mode):
    env, admin, abi, token = deploy(1, token_json)
    add_holders(env, admin, abi, token, 0, int(size))
    snap = env.export_snapshot()
    del env
    print("READY", flush=True)          # the parent records the baseline here
    t = time.perf_counter()
    if mode == "one":
        e = verbs.envs.EmptyEnvRandom(7, snap)
        sim_func(e, 7, 100, activation_rate=0.2, erc20_address=token, erc20_abi=abi,
                 admin_address=admin)
    else:
        run_batch(snap, token, abi, admin, 2, n_samples=4)
    print(json.dumps({"s": time.perf_counter() - t}))


if __name__ == "__main__":
    cmd, *rest = sys.argv[1:]
    {"state": cmd_state, "batch": cmd_batch, "memory": cmd_memory}[cmd](*rest)
