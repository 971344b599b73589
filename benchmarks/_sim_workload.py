"""One ERC20 simulation of the original verbs' ``examples/basic_sim.py``, timed.

Runs on whichever ``verbs`` the interpreter imports (ours, or verbs 0.4.1 from its own
virtual environment): the script uses only the API both share.  Prints one JSON line.

usage: python _sim_workload.py ERC20_JSON N_AGENTS N_STEPS VARIANT REPEATS
"""
from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time

import verbs

FIRST = 100


class Agent:
    def __init__(self, i, token, abi, n_agents):
        self.address = verbs.utils.int_to_address(i)
        self.token = token
        self.abi = abi
        self.n_agents = n_agents
        self.balance = 0

    def update(self, rng, env):
        self.balance = self.abi.balanceOf.call(env, self.address, self.token, [self.address])[0][0]
        if self.balance > 0:
            receiver = verbs.utils.int_to_address(int(rng.choice(self.n_agents)) + FIRST)
            amount = min(self.balance, 100_000)
            return [self.abi.transfer.transaction(self.address, self.token, [receiver, amount])]
        return []

    def record(self, env):
        return self.balance


def setup(artifact, n_agents, variant):
    env = verbs.envs.EmptyEnvRandom(1234)
    admin = verbs.utils.int_to_address(99999999)
    env.create_account(admin, int(1e19))
    abi = verbs.abi.get_abi("ERC20", artifact["abi"])
    supply = 10**24
    token = abi.constructor.deploy(env, admin, artifact["bytecode"], [supply])
    agents = [Agent(FIRST + i, token, abi, n_agents) for i in range(n_agents)]
    if variant == "canonical":
        abi.transfer.execute(env, admin, token, [agents[0].address, supply])
    else:
        for a in agents:
            abi.transfer.execute(env, admin, token, [a.address, supply // n_agents])
    return env, agents, abi, token, admin


def main():
    path, n_agents, n_steps, variant, repeats = sys.argv[1:6]
    n_agents, n_steps, repeats = int(n_agents), int(n_steps), int(repeats)
    artifact = json.load(open(path))
    times, cpu, digest = [], [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        env, agents, abi, token, admin = setup(artifact, n_agents, variant)
        t1 = time.perf_counter()
        c1 = time.process_time()
        verbs.sim.Sim(101, env, agents).run(n_steps, show_progress=False)
        t2 = time.perf_counter()
        cpu.append(time.process_time() - c1)
        balances = [abi.balanceOf.call(env, admin, token, [a.address])[0][0] for a in agents]
        times.append((t1 - t0, t2 - t1))
        d = hashlib.sha256(json.dumps(balances).encode()).hexdigest()
        assert digest in (None, d), "the same run gave different balances"
        digest = d
    print(json.dumps({
        "setup_s": statistics.median(t[0] for t in times),
        "run_s": statistics.median(t[1] for t in times),
        "run_cpu_s": statistics.median(cpu),
        "balances_sha256": digest,
        "verbs": getattr(verbs, "__version__", "0.4.x"),
    }))


if __name__ == "__main__":
    main()
