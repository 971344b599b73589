"""Call traces of env transactions: trace_call, record_traces, RevertError.trace."""
from __future__ import annotations

import pickle

import pytest

from verbs import envs, utils
from verbs.envs import RevertError
from verbs.trace import CallFrame

SUPPLY = 10**24


@pytest.fixture
def token(env, erc20):
    """(env, abi type, token address, holder) with a SimpleERC20 minted to ``holder``."""
    abi_type, bytecode = erc20
    holder = utils.int_to_address(1001)
    env.create_account(holder, 10**20)
    address = abi_type.constructor.deploy(env, holder, bytecode, ["Token", "TKN", SUPPLY])
    return env, abi_type, address, holder


def _transfer(abi_type, to, amount):
    return abi_type.transfer.encode([to, amount])


def test_trace_call_of_a_transfer(token):
    env, t, address, holder = token
    to = utils.int_to_address(2002)
    frame = env.trace_call(holder, address, _transfer(t, to, 5))
    assert isinstance(frame, CallFrame)
    assert (frame.type, frame.sender, frame.to, frame.value, frame.depth) == (
        "CALL", holder, address, 0, 0)
    assert frame.success and frame.error is None and frame.calls == []
    assert int.from_bytes(frame.output, "big") == 1
    [log] = frame.logs
    assert log.address == address and log.position == 0 and log.index == 0
    assert log.topics[1][12:] == holder and log.topics[2][12:] == to
    # the root's gas used is the transaction's: what call() reports
    _, _, gas = env.call(holder, address, _transfer(t, to, 5))
    assert frame.gas_used == gas


def test_trace_call_leaves_the_state_unless_committed(token):
    env, t, address, holder = token
    to = utils.int_to_address(2002)
    balance = t.balanceOf.call(env, holder, address, [to])[0][0]
    env.trace_call(holder, address, _transfer(t, to, 5))
    assert t.balanceOf.call(env, holder, address, [to])[0][0] == balance
    env.trace_call(holder, address, _transfer(t, to, 5), commit=True)
    assert t.balanceOf.call(env, holder, address, [to])[0][0] == balance + 5


def test_trace_call_returns_a_failed_transaction(token):
    env, t, address, holder = token
    poor = utils.int_to_address(3003)
    frame = env.trace_call(poor, address, _transfer(t, holder, 1))
    assert not frame.success and frame.halt == "revert"
    assert frame.error == "execution reverted" and frame.revert_reason is None  # custom error
    assert frame.output[:4] == t.InsufficientBalance.selector
    assert frame.failing_path() == [frame]


def test_trace_call_deploys(env, erc20):
    abi_type, bytecode = erc20
    holder = utils.int_to_address(1001)
    data = bytecode + abi_type.constructor.encode(["Token", "TKN", 10])
    frame = env.trace_call(holder, None, data, commit=True)
    assert frame.type == "CREATE" and frame.success and frame.input == data
    assert env.evm.get_code(frame.to) == frame.output


def test_trace_call_rejects_bad_input(token):
    env, t, address, holder = token
    with pytest.raises(ValueError):
        env.trace_call(holder, b"\x01" * 19, b"")
    with pytest.raises(TypeError):
        env.trace_call(holder, address, "0xa9059cbb")


def test_traces_are_values(token):
    env, t, address, holder = token
    frame = env.trace_call(holder, address, _transfer(t, utils.int_to_address(9), 1))
    copy = pickle.loads(pickle.dumps(frame))
    assert copy == frame and copy is not frame
    assert copy.to_call_tracer() == frame.to_call_tracer()


def test_record_traces_aligns_with_events(token):
    env, t, address, holder = token
    env.record_traces(True)
    assert env.recording_traces
    poor = utils.int_to_address(3003)
    txs = [t.transfer.transaction(holder, address, [utils.int_to_address(10 + i), i + 1])
           for i in range(5)]
    txs.append((poor, address, _transfer(t, holder, 1), False))  # fails, unchecked
    env.submit_transactions(txs)
    env.process_block()
    env.trace_call(holder, address, _transfer(t, holder, 1))  # between blocks: its own
    t.balanceOf.call(env, holder, address, [holder])  # between blocks: not traced
    events, traces = env.get_last_events(), env.get_last_traces()
    assert len(events) == len(traces) == 6
    for event, trace in zip(events, traces):
        assert event.success == trace.success
        assert [(log.address, tuple(log.topics), log.data) for log in event.logs] == \
            [(log.address, log.topics, log.data) for log in trace.logs]
    env.submit_transactions(txs[:1])
    env.process_block()
    assert [t.to for t in env.get_last_traces()] == [address]
    env.process_block()  # an empty block
    assert env.get_last_traces() == []
    env.record_traces(False)
    env.submit_transactions(txs[:2])
    env.process_block()
    assert env.get_last_traces() == [] and len(env.get_last_events()) == 2


def test_failed_call_and_execute_carry_their_trace(token):
    env, t, address, holder = token
    poor = utils.int_to_address(3003)
    for run in (t.transfer.call, t.transfer.execute):
        with pytest.raises(RevertError) as info:
            run(env, poor, address, [holder, 1])
        err = info.value
        assert err.trace is not None and len(err.trace) == 1
        assert err.trace[0].type == "CALL" and err.trace[0].halt == "revert"
        assert "0x" + address.hex() in str(err)
        assert pickle.loads(pickle.dumps(err)).trace == err.trace


def test_failed_checked_transaction_of_a_block_carries_its_trace(token):
    env, t, address, holder = token
    poor = utils.int_to_address(3003)
    env.submit_transaction(poor, address, _transfer(t, holder, 1), True)
    other = utils.int_to_address(4004)
    env.submit_transaction(holder, address, _transfer(t, other, 1), True)
    with pytest.raises(RevertError) as info:
        env.process_block()
    assert info.value.trace is not None and info.value.trace[0].sender == poor
    # the block went on: the good transfer landed
    assert t.balanceOf.call(env, holder, address, [other])[0][0] == 1
    assert [e.success for e in env.get_last_events()].count(False) == 1


def test_trace_failures_off(erc20):
    env = envs.EmptyEnvRandom(1, trace_failures=False)
    abi_type, bytecode = erc20
    holder = utils.int_to_address(1001)
    env.create_account(holder, 10**20)
    address = abi_type.constructor.deploy(env, holder, bytecode, ["Token", "TKN", SUPPLY])
    with pytest.raises(RevertError) as info:
        abi_type.transfer.call(env, utils.int_to_address(3003), address, [holder, 1])
    assert info.value.trace is None


def test_a_deep_revert_path(shared_dir):
    import defi

    defi.artifacts_or_skip()
    chain = defi.EnvChain(envs.EmptyEnvRandom(7))
    w = defi.deploy(chain)
    scenarios = {s.name: s for s in defi.scenarios(w)}
    for name, s in scenarios.items():  # the state the failing swap needs
        if name.startswith("swap via Prober"):
            break
        chain.send(s.sender, s.to, s.data, s.value)
    s = scenarios["swap via Prober: token transferFrom reverts 3 frames down"]
    with pytest.raises(RevertError) as info:
        chain.env.execute(s.sender, s.to, s.data)
    path = info.value.trace
    assert [f.to for f in path] == [w["Prober"], w["UniswapV2Router02"], w["TKA"]]
    assert path[1].revert_reason == "TransferHelper: TRANSFER_FROM_FAILED"
    assert path[2].output[:4] == bytes.fromhex("fb8f41b2")  # ERC20InsufficientAllowance
    assert " > " in str(info.value)
