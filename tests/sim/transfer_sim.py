"""A small self-contained simulation for the batch tests: agents sending ether at random.

A module of its own (not a conftest) so that a batch run in a subprocess and the test that
resumes it name the same sample function (``transfer_sim.transfer_sim``).
"""
import os
import time

from verbs import sim, utils

FIRST_ADDRESS = 1000

# (n_agents, seed) of every sample this process ran (in-process and Dask-thread runs)
CALLS = []


class Transferer(sim.BaseAgent):
    def __init__(self, i, n_agents, max_amount):
        self.address = utils.int_to_address(FIRST_ADDRESS + i)
        self.n_agents = n_agents
        self.max_amount = max_amount

    def update(self, rng, env):
        receiver = utils.int_to_address(FIRST_ADDRESS + int(rng.integers(self.n_agents)))
        amount = int(rng.integers(self.max_amount))
        return [(self.address, receiver, b"", False, None, None, amount)]

    def record(self, env):
        return env.get_balance(self.address)


def transfer_sim(env, seed, n_steps, *, n_agents, max_amount):
    """One sample: ``n_agents`` agents, ``n_steps`` blocks; ``records[step][agent]``
    (balances).  ``Sim.run`` with its default progress bar."""
    CALLS.append((n_agents, seed))
    agents = [Transferer(i, n_agents, max_amount) for i in range(n_agents)]
    for a in agents:
        env.create_account(a.address, 10**18)
    _hold_if_asked(n_agents, seed)
    return sim.Sim(seed, env, agents).run(n_steps)


# Set in a subprocess whose batch a test kills: the sample "n_agents:seed" never finishes, so
# that the batch stops with a known set of finished samples whatever the scheduling.
HOLD_VARIABLE = "VERBS_TEST_HOLD_SAMPLE"


def _hold_if_asked(n_agents, seed):
    if os.environ.get(HOLD_VARIABLE) != f"{n_agents}:{seed}":
        return
    parent = os.getppid()
    while os.getppid() == parent:  # a pool worker leaves once its driver has died
        time.sleep(0.05)
    os._exit(1)


def other_sim(env, seed, n_steps, *, n_agents, max_amount):
    """Another sample function (for checkpoint mismatches)."""
    return transfer_sim(env, seed, n_steps, n_agents=n_agents, max_amount=max_amount)


def flaky_sim(env, seed, n_steps, *, mode):
    """Sample ``seed == 1`` raises (``mode="raise"``) or kills its worker (``"die"``)."""
    CALLS.append((mode, seed))
    if seed == 1 and mode == "raise":
        raise ValueError("bad sample")
    if seed == 1 and mode == "die":
        os.kill(os.getpid(), 9)
    return seed * 10
