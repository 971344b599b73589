"""The DeFi workload of tests/defi runs identically on a verbs env and on anvil."""
from __future__ import annotations

import defi
import pytest

from verbs import envs


@pytest.fixture(scope="module")
def on_env():
    defi.artifacts_or_skip()
    chain = defi.EnvChain(envs.EmptyEnvRandom(7))
    workload = defi.deploy(chain)
    return chain, workload, defi.run(chain, workload)


@pytest.fixture(scope="module")
def on_anvil():
    defi.artifacts_or_skip()
    with defi.Anvil(defi.anvil_or_skip()) as node:
        chain = defi.AnvilChain(node.url)
        workload = defi.deploy(chain)
        yield chain, workload, defi.run(chain, workload)


def test_router_init_code_hash_matches_the_pair_deployed():
    arts = defi.artifacts_or_skip()
    assert defi.pair_init_code_hash(arts) == defi.PAIR_INIT_CODE_HASH
    # the router's code embeds it (UniswapV2Library.pairFor)
    assert defi.PAIR_INIT_CODE_HASH in arts["UniswapV2Router02"].bytecode


def test_every_scenario_has_its_expected_outcome_on_the_env(on_env):
    chain, w, results = on_env
    assert [o.success for _, o in results] == [s.succeeds for s, _ in results]
    # createPair made the pairs where pairFor computes them (CREATE2)
    for a, b in ((w["TKA"], w["TKB"]), (w["TKB"], w["TKC"]), (w["TKA"], w["WETH9"])):
        ok, out = chain.call(w.deployer, w["UniswapV2Factory"],
                             defi.fn("getPair(address,address)", a, b))
        assert ok and out[12:] == w.pair(a, b)
        assert chain.env.get_code(w.pair(a, b))
    # the proxy stored through DELEGATECALL into its own storage, not the implementation's
    views = defi.read_views(chain, w)
    assert int.from_bytes(views["box value via proxy"][1], "big") == 42
    ok, out = chain.call(w.deployer, w["Box"], defi.fn("value()"))
    assert ok and int.from_bytes(out, "big") == 0
    # ecrecover found the trader
    assert views["prober lastSigner"][1][12:] == w.trader


def test_env_and_anvil_agree(on_env, on_anvil):
    env_chain, w_env, env_results = on_env
    anvil_chain, w_anvil, anvil_results = on_anvil
    assert w_env.addresses == w_anvil.addresses
    assert len(env_results) == len(anvil_results)
    for (scenario, ours), (_, theirs) in zip(env_results, anvil_results):
        assert (ours.success, ours.logs) == (theirs.success, theirs.logs), scenario.name
    ours = defi.read_views(env_chain, w_env)
    theirs = defi.read_views(anvil_chain, w_anvil)
    assert all(ok for ok, _ in ours.values())
    assert ours == theirs
