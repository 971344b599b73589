"""A fork env whose node starts failing (HTTP 503, behind the fault proxy) in the middle of a
block, a call, an execute or a deployment: the RPC error propagates, nothing changes, and once
the node answers again the retry gives exactly what a run that never saw the failure gives."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from verbs import abi, envs
from verbs.envs import RevertError
from verbs.errors import RPCHTTPError
from verbs.remote import RetryPolicy

FAST = RetryPolicy(timeout=2.0, max_attempts=2, total_timeout=5.0, backoff_initial=0.01,
                   backoff_max=0.02, jitter=0.0)
FRESH = [bytes([0xF0, i]) + b"\x00" * 18 for i in range(4)]


def _env(proxy, chain, prefetch: bool, seed: int = 7):
    return envs.ForkEnvRandom(proxy.url, seed, block_number=chain.head, cache_dir=False,
                              prefetch=prefetch, rpc_options={"policy": FAST})


def _erc20(chain):
    return abi.get_abi("SimpleERC20", chain.abi)


def _queue_block(env, chain, erc20) -> None:
    """Transfers to fresh holders and between holders (one reverts: too much), unchecked."""
    a, b, c, d = chain.accounts
    for sender, to, amount in ((a, FRESH[0], 3), (b, FRESH[1], 2), (c, a, 1),
                               (a, FRESH[2], 10**30), (b, c, 4), (a, FRESH[3], 5)):
        env.submit_transaction(sender, chain.token, erc20.transfer.encode([to, amount]), False)
    env.submit_transaction(d, a, b"", False, value=10**15)     # ether, no code


def _state(env) -> dict:
    return {
        "dump": env.evm.dump(),
        "step": env.step,
        "block": (env.block_number, env.timestamp, env.evm.prevrandao),
        "rng": env._rng.bit_generator.state,
        "queue": list(env._queue),
        "last": env.get_last_events(),
        "history": env.get_event_history(),
    }


def _outcome(env) -> tuple:
    return (env.get_last_events(), env.get_event_history(), env.evm.dump(), env.step,
            env.block_number, env.timestamp, env.evm.prevrandao)


def _fail_after(proxy, n_ok: int) -> None:
    """Let ``n_ok`` requests through, then answer 503 to every one until ``proxy.clear()``."""
    if n_ok:
        proxy.inject("delay", times=n_ok, seconds=0)
    proxy.inject("status", times=None, code=503)


@pytest.mark.parametrize("prefetch", [False, True], ids=["lazy", "prefetch"])
def test_node_failing_mid_block_raises_changes_nothing_and_the_retry_is_clean(
        proxy, erc20_chain, prefetch):
    chain = erc20_chain
    erc20 = _erc20(chain)
    clean, env = _env(proxy, chain, prefetch), _env(proxy, chain, prefetch)
    for e in (clean, env):      # a first block, so that there are events and history to keep
        e.submit_transaction(chain.accounts[0], chain.token,
                             erc20.transfer.encode([chain.accounts[1], 1]), True)
        e.process_block()
        e.submit_transaction(chain.accounts[1], chain.token,
                             erc20.transfer.encode([chain.accounts[2], 1]), True)
        e.process_block()
    # the clean run of the block, counting its requests
    proxy.reset_counts()
    _queue_block(clean, chain, erc20)
    clean.process_block()
    requests = proxy.requests
    assert requests >= 2, proxy.log
    assert [ev.success for ev in clean.get_last_events()].count(False) == 1
    # the same block on the other env, the node failing half-way through
    before = _state(env)
    _queue_block(env, chain, erc20)
    queued = list(env._queue)
    proxy.reset_counts()
    _fail_after(proxy, requests // 2)
    with pytest.raises(RPCHTTPError) as info:
        env.process_block()
    assert info.value.status == 503 and not isinstance(info.value, RevertError)
    assert proxy.requests > requests // 2          # it failed in the block, not before it
    after = _state(env)
    assert after.pop("queue") == queued
    before.pop("queue")
    assert after == before
    # again, still failing: still nothing changes
    with pytest.raises(RPCHTTPError):
        env.process_block()
    assert _state(env)["dump"] == before["dump"]
    proxy.clear()
    env.process_block()
    assert _outcome(env) == _outcome(clean)
    # and the runs go on the same (state, events, the generator's prevrandao and order)
    for e in (clean, env):
        _queue_block(e, chain, erc20)
        e.process_block()
    assert _outcome(env) == _outcome(clean)
    assert env.get_balance(FRESH[0]) == 0
    assert erc20.balanceOf.call(env, chain.accounts[0], chain.token, [FRESH[0]])[0][0] == 6


def _holds_only_node_values(env, probe, before: dict) -> None:
    """``env``'s state is ``before`` plus what it fetched from the node (kept, as any fetch):
    every account and slot it holds reads the same on a fresh env ``probe``."""
    dump = env.evm.dump()
    assert all(dump.get(address) == entry for address, entry in before.items())
    for address, (nonce, balance, code, slots) in dump.items():
        assert (nonce, balance, code) == (probe.evm.get_nonce(address),
                                          probe.evm.get_balance(address),
                                          probe.evm.get_code(address))
        for slot, value in slots.items():
            assert value == probe.evm.get_storage(address, slot)


def _creation_code() -> bytes:
    artifact = Path(__file__).resolve().parents[2].parent / "shared" / "contracts" / "build"
    path = Path(os.environ.get("VERBS_SHARED", artifact.parents[1])) / "contracts" / "build"
    return bytes.fromhex(json.loads((path / "SimpleERC20.opt.json").read_text())["bytecode"]
                         .removeprefix("0x"))


@pytest.mark.parametrize("prefetch, n_ok", [(True, 0), (False, 1)], ids=["prefetch", "lazy"])
def test_node_failing_in_call_execute_and_deploy_raises_and_changes_nothing(
        proxy, erc20_chain, prefetch, n_ok):
    chain = erc20_chain
    erc20 = _erc20(chain)
    a, b = chain.accounts[:2]
    code = _creation_code() + erc20.constructor.encode(["Again", "AG", 10**20])
    clean, env = _env(proxy, chain, prefetch), _env(proxy, chain, prefetch)
    probe = _env(proxy, chain, prefetch)
    before = env.evm.dump()
    for run in (lambda e: erc20.balanceOf.call(e, a, chain.token, [FRESH[0]]),
                lambda e: erc20.transfer.execute(e, a, chain.token, [FRESH[0], 5]),
                lambda e: e.deploy_contract(b, "SimpleERC20", code)):
        _fail_after(proxy, n_ok)
        with pytest.raises(RPCHTTPError) as info:
            run(env)
        assert info.value.status == 503 and not isinstance(info.value, RevertError)
        proxy.clear()
        assert env.step == 0
        _holds_only_node_values(env, probe, before)
    got = [erc20.balanceOf.call(e, a, chain.token, [FRESH[0]])[0] for e in (env, clean)]
    got += [erc20.transfer.execute(e, a, chain.token, [FRESH[0], 5])[:2] for e in (env, clean)]
    got += [e.deploy_contract(b, "SimpleERC20", code) for e in (env, clean)]
    assert got[0] == got[1] and got[2] == got[3] and got[4] == got[5]
    assert env.evm.dump() == clean.evm.dump()
    assert env.evm.get_nonce(b) == chain.nonces[chain.head][b] + 1
