"""Failures that are not transaction outcomes (a cache miss under ``strict_cache=True``, a
Backend that fails, a precompile library that raises) propagate from ``call`` / ``execute`` /
``deploy_contract`` / ``process_block``; a block that meets one leaves the env exactly as it was,
and processing it again once the cause is gone gives what a run without the failure gives.

The fork env's version, on anvil behind a failing proxy, is in ``tests/fork/test_env_faults.py``.
"""
from __future__ import annotations

import pytest

from verbs import envs, utils
from verbs._evm import precompiles
from verbs.envs import CacheMissError, RevertError
from verbs.errors import EVMInternalError
from verbs.primitives import keccak256
from verbs.remote.cache import make_cache

DEPLOYER = utils.int_to_address(1001)
HOLDERS = [utils.int_to_address(2000 + i) for i in range(5)]
FRESH = [utils.int_to_address(3000 + i) for i in range(3)]
SHA256 = utils.int_to_address(2)


def _token_cache(erc20):
    """A cache (the original's shape) of a chain with the ERC20 and five funded holders."""
    abi_type, bytecode = erc20
    env = envs.EmptyEnvRandom(5)
    env.create_account(DEPLOYER, 10**20)
    token = abi_type.constructor.deploy(env, DEPLOYER, bytecode, ["T", "T", 10**24])
    for i, holder in enumerate(HOLDERS):
        env.create_account(holder, 10**18)
        abi_type.transfer.execute(env, DEPLOYER, token, [holder, (i + 1) * 10**20])
    accounts, storage = [], []
    for address, (nonce, balance, code, slots) in env.evm.dump().items():
        accounts.append((address, balance, nonce, code))
        storage.extend((address, slot, value) for slot, value in slots.items())
    return token, make_cache(env.timestamp, env.block_number, accounts, storage)


def _state(env) -> dict:
    """Everything process_block may change, for before/after comparisons."""
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
    return env.get_last_events(), env.get_event_history(), env.evm.dump(), env.step, (
        env.block_number, env.timestamp, env.evm.prevrandao)


def _queue_transfers(env, abi_type, token, fresh_position: int, n: int = 5):
    """n transfers from n senders with priority fees n..1 (the gas-priority order); the one
    at ``fresh_position`` pays a holder the cache does not know.  One reverts (unchecked)."""
    for i in range(n):
        to = FRESH[0] if i == fresh_position else HOLDERS[(i + 1) % n]
        sender = HOLDERS[i]
        amount = 10**30 if i == (fresh_position + 1) % n else 10**18  # too much: reverts
        env.submit_transaction(sender, token, abi_type.transfer.encode([to, amount]),
                               False, gas_priority_fee=n - i)


@pytest.mark.parametrize("fresh_position", [0, 2, 4])
def test_a_strict_cache_miss_mid_block_raises_changes_nothing_and_the_retry_is_clean(
        erc20, fresh_position):
    abi_type, _ = erc20
    token, cache = _token_cache(erc20)
    env = envs.EmptyEnvGasPriority(11, cache=cache, strict_cache=True)
    clean = envs.EmptyEnvGasPriority(11, cache=cache, strict_cache=True)
    for e in (env, clean):   # a first block, so that there are events and history to keep
        _queue_transfers(e, abi_type, token, fresh_position=-1)
        e.process_block()
        _queue_transfers(e, abi_type, token, fresh_position=-1)
        e.process_block()
    before = _state(env)
    _queue_transfers(env, abi_type, token, fresh_position)
    queued = list(env._queue)
    slot = int.from_bytes(keccak256(FRESH[0].rjust(32, b"\0") + (3).to_bytes(32, "big")), "big")
    with pytest.raises(CacheMissError, match=f"{slot:#x} of 0x{token.hex()}") as info:
        env.process_block()
    assert not isinstance(info.value, RevertError)
    after = _state(env)
    assert after.pop("queue") == queued
    before.pop("queue")
    assert after == before
    # the miss is accepted (read as empty, as a non-strict cache does): the retry is clean
    for e in (env, clean):
        e._cache_backend.strict = False
    _queue_transfers(clean, abi_type, token, fresh_position)
    env.process_block()
    clean.process_block()
    assert _outcome(env) == _outcome(clean)
    assert [ev.success for ev in env.get_last_events()].count(False) == 1
    assert env.cache_misses() == clean.cache_misses() == {"accounts": [],
                                                          "storage": [(token, slot)]}
    for e in (env, clean):   # the generator's stream goes on the same
        _queue_transfers(e, abi_type, token, fresh_position=-1)
        e.process_block()
    assert _outcome(env) == _outcome(clean)


def test_a_failing_backend_in_call_execute_and_deploy_raises_and_changes_nothing(erc20):
    abi_type, bytecode = erc20
    token, cache = _token_cache(erc20)
    env = envs.EmptyEnvRandom(3, cache=cache, strict_cache=True)
    before = env.evm.dump()
    with pytest.raises(CacheMissError):
        abi_type.balanceOf.call(env, HOLDERS[0], token, [FRESH[1]])
    with pytest.raises(CacheMissError):
        abi_type.transfer.execute(env, HOLDERS[0], token, [FRESH[1], 5])
    with pytest.raises(CacheMissError):     # the deployer is not in the cache
        abi_type.constructor.deploy(env, FRESH[2], bytecode, ["T", "T", 1])
    assert env.evm.dump() == before and env.step == 0
    # what does not need the missing data still works, and commits
    abi_type.transfer.execute(env, HOLDERS[0], token, [HOLDERS[1], 5])
    assert env.evm.get_nonce(HOLDERS[0]) == 1


@pytest.fixture
def broken_sha256(monkeypatch):
    """The sha256 precompile's library raises (a library bug, not a rejected input)."""
    def broken(data, gas, fork):
        raise RuntimeError("library bug")

    for table in precompiles._BY_FORK.values():
        if 0x02 in table:
            monkeypatch.setitem(table, 0x02, broken)


def _is_library_bug(exc: BaseException) -> bool:
    """An EVMInternalError chained to RuntimeError("library bug")."""
    seen = exc
    while seen is not None:
        if "library bug" in str(seen):
            return isinstance(exc, EVMInternalError) and not isinstance(exc, RevertError)
        seen = seen.__cause__
    return False


def test_a_precompile_library_bug_raises_from_call_and_execute(env, broken_sha256):
    sender = utils.int_to_address(77)
    env.create_account(sender, 10**18)
    before = env.evm.dump()
    for run in (env.call, env.execute):
        with pytest.raises(RuntimeError) as info:
            run(sender, SHA256, b"abc")
        assert _is_library_bug(info.value), info.value
    assert env.evm.dump() == before


def test_a_precompile_library_bug_mid_block_leaves_the_block_unprocessed(
        erc20, monkeypatch):
    abi_type, bytecode = erc20
    envs_ = [envs.EmptyEnvRandom(21) for _ in range(2)]
    for e in envs_:
        e.create_account(DEPLOYER, 10**20)
        token = abi_type.constructor.deploy(e, DEPLOYER, bytecode, ["T", "T", 10**24])
        for holder in HOLDERS:
            e.submit_transaction(DEPLOYER, token, abi_type.transfer.encode([holder, 10]), True)
        e.submit_transaction(DEPLOYER, SHA256, b"abc", False)
        e.submit_transaction(HOLDERS[0], token, abi_type.transfer.encode([FRESH[0], 10]), False)
    env, clean = envs_
    before = _state(env)
    with monkeypatch.context() as m:
        def broken(data, gas, fork):
            raise RuntimeError("library bug")

        for table in precompiles._BY_FORK.values():
            if 0x02 in table:
                m.setitem(table, 0x02, broken)
        with pytest.raises(RuntimeError) as info:
            env.process_block()
        assert _is_library_bug(info.value), info.value
    assert _state(env) == before
    env.process_block()
    clean.process_block()
    assert _outcome(env) == _outcome(clean)
    assert len(env.get_last_events()) == len(HOLDERS) + 2
