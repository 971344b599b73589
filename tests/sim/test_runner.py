"""The simulation loop: the basic ERC20 simulation of the original documentation."""
import numpy as np
import pytest

import verbs
from verbs import sim, utils

N_AGENTS = 10


def basic_sim(erc20_example, Agent, seed, n_steps=20):
    token_abi, bytecode = erc20_example
    env = verbs.envs.EmptyEnvRandom(1234)
    admin = utils.int_to_address(99999999)
    env.create_account(admin, int(1e19))
    token = token_abi.constructor.deploy(env, admin, bytecode, [int(1e19)])
    agents = [Agent(i + 100, token, token_abi, N_AGENTS) for i in range(N_AGENTS)]
    token_abi.transfer.execute(env, admin, token, [agents[0].address, int(1e19)])
    runner = sim.Sim(seed, env, agents)
    records = np.array(runner.run(n_steps, show_progress=False), dtype=object)
    balances = [token_abi.balanceOf.call(env, admin, token, [a.address])[0][0] for a in agents]
    return records, balances, env


def test_basic_sim_conserves_supply_and_spreads_tokens(erc20_example, token_agent):
    records, balances, env = basic_sim(erc20_example, token_agent, 101)
    assert records.shape == (20, N_AGENTS)
    assert sum(balances) == int(1e19)
    assert sum(b > 0 for b in balances) > 1
    assert env.step == 20
    assert len(env.get_event_history()) + len(env.get_last_events()) > 0


def test_basic_sim_is_reproducible(erc20_example, token_agent):
    r1, b1, _ = basic_sim(erc20_example, token_agent, 7)
    r2, b2, _ = basic_sim(erc20_example, token_agent, 7)
    r3, b3, _ = basic_sim(erc20_example, token_agent, 8)
    assert (r1 == r2).all() and b1 == b2
    assert b1 != b3


def test_sim_empty_and_fork_classmethods_have_cls(monkeypatch):
    monkeypatch.delenv("ETH_RPC_URL", raising=False)
    s = sim.Sim.empty(5)
    assert isinstance(s.env, verbs.envs.EmptyEnvRandom) and s.agents == []
    s = sim.Sim.empty(5, gas_priority=True)
    assert isinstance(s.env, verbs.envs.EmptyEnvGasPriority)
    with pytest.raises(ValueError, match="ETH_RPC_URL"):
        sim.Sim.fork(None, None, 5)  # no node URL and no ETH_RPC_URL: a clear error


def test_base_agent_methods_must_be_implemented():
    agent = sim.BaseAgent()
    env = verbs.EmptyEnv(1)
    agent.deploy(env, utils.int_to_address(3), 55)
    assert env.get_balance(utils.int_to_address(3)) == 55
    with pytest.raises(NotImplementedError):
        agent.update(np.random.default_rng(0), env)
    with pytest.raises(NotImplementedError):
        agent.record(env)


def test_short_names():
    assert verbs.EmptyEnv is verbs.envs.EmptyEnv is verbs.envs.EmptyEnvRandom
    assert verbs.ForkEnv is verbs.envs.ForkEnv is verbs.envs.ForkEnvRandom
    assert verbs.batch_runner.batch_run is verbs.sim.batch_runner.batch_run
