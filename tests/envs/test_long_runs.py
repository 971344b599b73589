"""Long runs hold: calls and committed transfers (event history cleared) leave nothing behind.

Counted in live Python memory blocks (``sys.getallocatedblocks``) and in what the state holds,
not in time: a leak of one object per call or transaction shows as thousands of blocks.
"""
from __future__ import annotations

import gc
import sys

from verbs import envs, utils

N = 10_000
#: Blocks allowed to appear over N iterations after the warm-up (caches, free lists): far
#: below the N a leak of one object per iteration leaves.
SLACK = 500


def _setup(erc20, holders: int = 20):
    abi_type, bytecode = erc20
    env = envs.EmptyEnvRandom(9)
    deployer = utils.int_to_address(10**6)
    env.create_account(deployer, 10**20)
    token = abi_type.constructor.deploy(env, deployer, bytecode, ["T", "T", 10**30])
    accounts = [utils.int_to_address(10**6 + 1 + i) for i in range(holders)]
    for a in accounts:
        abi_type.transfer.execute(env, deployer, token, [a, 10**24])
    return env, abi_type, token, accounts


def _blocks() -> int:
    gc.collect()
    return sys.getallocatedblocks()


def test_calls_leave_nothing_behind(erc20):
    env, abi_type, token, accounts = _setup(erc20)
    data = [abi_type.balanceOf.encode([a]) for a in accounts]

    def run(n):
        for i in range(n):
            out, _, gas = env.call(accounts[i % 20], token, data[(i * 7) % 20])
            assert gas > 0 and len(out) == 32

    run(1000)
    before, dump = _blocks(), env.evm.dump()
    run(N)
    assert _blocks() - before < SLACK
    assert env.evm.dump() == dump


def test_committed_transfers_leave_nothing_behind(erc20):
    env, abi_type, token, accounts = _setup(erc20)
    blocks = [[(accounts[i], token, abi_type.transfer.encode([accounts[(i + 1 + b) % 20], 1]),
                True) for i in range(20)] for b in range(7)]

    def run(n):
        for b in range(n // 20):
            env.submit_transactions(blocks[b % 7])
            env.process_block()
            env.clear_event_history()
        assert len(env.get_last_events()) == 20 and env.get_event_history() == []

    run(1000)
    before, size, depth = _blocks(), len(env.evm.dump()), env.evm.state.depth
    run(N)
    assert _blocks() - before < SLACK
    assert len(env.evm.dump()) == size and env.evm.state.depth == depth
