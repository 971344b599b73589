"""The in-memory environments: accounts, deploy, call/execute, the block loop, events, errors."""
import pickle

import pytest
from eth_abi import encode

from verbs import abi, envs, utils
from verbs.envs import Event, RevertError

INITIAL_VALUE = 101


def test_fresh_env_gives_zero_address_10000_eth(env):
    assert env.get_balance(utils.ZERO_ADDRESS) == 10_000 * 10**18
    assert env.step == 0


def test_create_account_sets_balance(env):
    a = utils.int_to_address(7)
    env.create_account(a, 12345)
    assert env.get_balance(a) == 12345


def test_deploy_with_raw_bytecode_and_call(env, test_contract):
    abi_json, bytecode = test_contract
    admin = utils.int_to_address(99)
    env.create_account(admin, int(1e19))
    address = env.deploy_contract(
        admin, "test_contract", bytecode + encode(["int256"], [INITIAL_VALUE])
    )
    assert isinstance(address, bytes) and len(address) == 20
    a = abi.get_abi("ABI", abi_json)
    result, logs, gas = a.getValue.call(env, admin, address, [])
    assert result[0] == INITIAL_VALUE and logs == [] and gas > 21000


def test_execute_commits_and_call_does_not(deployed):
    env, a, address, admin = deployed
    a.setValue.call(env, admin, address, [5])
    assert a.getValue.call(env, admin, address, [])[0][0] == INITIAL_VALUE
    _, logs, _ = a.setValue.execute(env, admin, address, [202])
    assert a.getValue.call(env, admin, address, [])[0][0] == 202
    assert len(logs) == 1


def test_log_is_the_original_2_tuple_and_keeps_topics(deployed):
    env, a, address, admin = deployed
    _, logs, _ = a.setValue.execute(env, admin, address, [202])
    log = logs[0]
    log_address, data = log
    assert log_address == address == log.address and data == log.data
    assert a.ValueUpdated.decode(log[1]) == (INITIAL_VALUE, 202)
    # the bytecode (as in the original tests) emits LOG1 with ValueUpdated(int256,int256):
    # its ABI entry names an indexed `by` that this build of the contract does not emit
    assert log.topics == (utils.keccak256(b"ValueUpdated(int256,int256)"),)
    assert pickle.loads(pickle.dumps(log)).topics == log.topics


def test_revert_raises_revert_error_with_reason_and_data(deployed):
    env, a, address, admin = deployed
    with pytest.raises(RevertError) as info:
        a.setValue.execute(env, admin, address, [1001])
    err = info.value
    assert isinstance(err, Exception)
    assert err.reason == " Value must be less than 1000"
    assert " Value must be less than 1000" in err.args[0]
    assert err.data[:4] == bytes.fromhex("08c379a0")
    assert err.halt == "revert"
    with pytest.raises(RevertError):
        a.setValue.call(env, admin, address, [1001])
    # the env is still usable
    assert a.getValue.call(env, admin, address, [])[0][0] == INITIAL_VALUE


def test_failed_deployment_raises_revert_error(env):
    admin = utils.int_to_address(99)
    # creation code that reverts immediately: PUSH0 PUSH0 REVERT
    with pytest.raises(RevertError) as info:
        env.deploy_contract(admin, "broken", bytes.fromhex("5f5ffd"))
    assert info.value.halt == "revert"
    # INVALID opcode: a halt, which the original panics on
    with pytest.raises(RevertError) as info:
        env.deploy_contract(admin, "broken", bytes.fromhex("fe"))
    assert info.value.halt == "invalid_opcode"


def test_submit_and_process_block_updates_state_and_events(deployed):
    env, a, address, admin = deployed
    number, timestamp = env.block_number, env.timestamp
    env.submit_transaction(admin, address, a.setValue.encode([202]), True)
    env.process_block()
    assert env.step == 1
    assert env.block_number == number + 1 and env.timestamp == timestamp + 15
    assert a.getValue.call(env, admin, address, [])[0][0] == 202
    [event] = env.get_last_events()
    assert isinstance(event, Event)
    assert event.success and event.selector == a.setValue.selector
    assert event.step == 0 and event.sequence == 0 and len(event.logs) == 1
    success, selector, logs, step, sequence = event
    assert logs[0].topics[0] == utils.keccak256(b"ValueUpdated(int256,int256)")
    env.process_block()
    assert env.get_last_events() == []
    assert env.get_event_history() == [event]


def test_unchecked_failure_is_recorded_as_failed(deployed):
    env, a, address, admin = deployed
    env.submit_transactions(
        [
            (admin, address, a.setValue.encode([5000]), False, None, None, None),
            (admin, address, a.setValue.encode([7]), False),
        ]
    )
    env.process_block()
    events = sorted(env.get_last_events(), key=lambda e: e.success)
    assert [e.success for e in events] == [False, True]
    assert events[0].logs == []
    assert a.getValue.call(env, admin, address, [])[0][0] == 7


def test_checked_failure_raises_after_block_and_env_stays_usable(deployed):
    env, a, address, admin = deployed
    env.submit_transaction(admin, address, a.setValue.encode([5000]), True)
    env.submit_transaction(admin, address, a.setValue.encode([9]), True)
    with pytest.raises(RevertError) as info:
        env.process_block()
    assert info.value.reason == " Value must be less than 1000"
    assert env.step == 1
    assert len(env.get_last_events()) == 2
    assert a.getValue.call(env, admin, address, [])[0][0] == 9
    env.submit_transaction(admin, address, a.setValue.encode([10]), True)
    env.process_block()
    assert a.getValue.call(env, admin, address, [])[0][0] == 10


def test_two_checked_failures_are_both_named(deployed):
    env, a, address, admin = deployed
    for v in (2000, 3000):
        env.submit_transaction(admin, address, a.setValue.encode([v]), True)
    with pytest.raises(RevertError) as info:
        env.process_block()
    assert len(info.value.failures) == 2
    assert "1 more" in info.value.args[0]


def _block_order(env_type, seed):
    env = env_type(seed)
    for i in range(10):
        env.submit_transaction(
            utils.int_to_address(i + 1), utils.int_to_address(500 + i), i.to_bytes(4, "big"), False
        )
    env.process_block()
    return tuple(int.from_bytes(e.selector, "big") for e in env.get_last_events())


def test_same_seed_same_block_order_and_prevrandao():
    assert _block_order(envs.EmptyEnvRandom, 3) == _block_order(envs.EmptyEnvRandom, 3)
    a, b = envs.EmptyEnvRandom(3), envs.EmptyEnvRandom(3)
    a.process_block()
    b.process_block()
    assert a.evm.prevrandao == b.evm.prevrandao != b"\x00" * 32


def test_random_validator_shuffles_with_seeded_generator():
    orders = {_block_order(envs.EmptyEnvRandom, seed) for seed in range(5)}
    assert all(sorted(o) == list(range(10)) for o in orders)
    assert len(orders) > 1


def test_addresses_accept_hex_strings_and_reject_bad_input(env):
    env.create_account("0x" + "11" * 20, 5)
    assert env.get_balance(b"\x11" * 20) == 5
    with pytest.raises(ValueError, match="address"):
        env.create_account(b"\x11" * 19, 5)
    with pytest.raises(TypeError):
        env.create_account(12345, 5)
    with pytest.raises(ValueError):
        # bad EIP-55 checksum (mixed case)
        env.create_account("0x52908400098527886E0F7030069857D2E4169EE7".replace("E", "e", 1), 5)
    with pytest.raises(TypeError):
        env.submit_transaction(b"\x11" * 20, b"\x22" * 20, "not bytes", True)
    with pytest.raises(ValueError):
        env.submit_transactions([(b"\x11" * 20, b"\x22" * 20)])
    with pytest.raises(ValueError):
        env.create_account(b"\x11" * 20, -1)


def test_value_transfer_in_call(env):
    a, b = utils.int_to_address(1), utils.int_to_address(2)
    env.create_account(a, 1000)
    out, logs, gas = env.execute(a, b, b"", 300)
    assert env.get_balance(b) == 300 and env.get_balance(a) == 700


def test_erc20_custom_error_decodes(env, erc20):
    token_abi, bytecode = erc20
    admin = utils.int_to_address(99)
    token = token_abi.constructor.deploy(env, admin, bytecode, ["T", "T", 1000])
    other = utils.int_to_address(5)
    with pytest.raises(RevertError) as info:
        token_abi.transfer.execute(env, other, token, [admin, 1])
    assert info.value.data[:4] == token_abi.InsufficientBalance.selector
    assert "InsufficientBalance" in (info.value.reason or "")


def test_erc20_transfer_events_carry_indexed_topics(env, erc20):
    token_abi, bytecode = erc20
    admin = utils.int_to_address(99)
    token = token_abi.constructor.deploy(env, admin, bytecode, ["T", "T", 1000])
    receiver = utils.int_to_address(5)
    env.submit_transaction(admin, token, token_abi.transfer.encode([receiver, 10]), True)
    env.process_block()
    [event] = env.get_last_events()
    [log] = event.logs
    decoded = token_abi.Transfer.decode_log(log)
    assert decoded["from"] == utils.to_checksum_address(admin)
    assert decoded["to"] == utils.to_checksum_address(receiver) and decoded["value"] == 10
    assert token_abi.balanceOf.call(env, admin, token, [receiver])[0][0] == 10


def test_gas_priority_orders_by_fee_then_nonce():
    env = envs.EmptyEnvGasPriority(7)
    a, b = utils.int_to_address(101), utils.int_to_address(202)
    target = utils.int_to_address(999)
    env.submit_transaction(b, target, b"\x00\x00\x00\x01", False, None, 1)
    env.submit_transaction(a, target, b"\x00\x00\x00\x02", False, 10, 1)
    env.submit_transaction(b, target, b"\x00\x00\x00\x03", False, None, 2)
    env.submit_transaction(a, target, b"\x00\x00\x00\x04", False, None, 2)
    env.process_block()
    selectors = [e.selector for e in env.get_last_events()]
    assert selectors == [
        b"\x00\x00\x00\x02",
        b"\x00\x00\x00\x04",
        b"\x00\x00\x00\x01",
        b"\x00\x00\x00\x03",
    ]


@pytest.mark.parametrize("fork", ["Cancun", "Prague", "Osaka"])
def test_real_fees_charge_gas_within_the_fork_tx_gas_cap(fork, test_contract):
    abi_json, bytecode = test_contract
    env = envs.EmptyEnvRandom(1, fork=fork, real_fees=True)
    env.evm.set_block(base_fee=7, gas_limit=36_000_000)
    admin = utils.int_to_address(99)
    env.create_account(admin, 10**18)
    a = abi.get_abi("T", abi_json)
    address = a.constructor.deploy(env, admin, bytecode, [INITIAL_VALUE])
    before = env.get_balance(admin)
    _, _, gas = a.setValue.execute(env, admin, address, [5])
    assert env.get_balance(admin) == before - gas * 7


def test_decoded_checksummed_addresses_feed_back_into_every_env_method(env, erc20):
    """Decoded addresses are EIP-55 strings; the env takes them wherever it takes an address,
    and still returns the addresses it creates as 20 bytes, as the original."""
    token_abi, bytecode = erc20
    admin = utils.int_to_address(0xABCDEF)
    token = token_abi.constructor.deploy(env, admin, bytecode, ["T", "T", 1000])
    assert type(token) is bytes and len(token) == 20
    env.submit_transaction(
        admin, token, token_abi.transfer.encode([utils.int_to_address(0xFEED), 10]), True
    )
    env.process_block()
    [log] = env.get_last_events()[0].logs
    assert type(log.address) is bytes
    decoded = token_abi.Transfer.decode_log(log)
    sender, receiver = decoded["from"], decoded["to"]
    assert sender == utils.to_checksum_address(admin) and sender != sender.lower()
    assert receiver == utils.to_checksum_address(utils.int_to_address(0xFEED))
    token_str = utils.to_checksum_address(token)

    env.create_account(receiver, 10**18)
    assert env.get_balance(receiver) == 10**18 == env.get_balance(utils.to_address(receiver))
    assert token_abi.balanceOf.call(env, sender, token_str, [receiver])[0] == (10,)
    token_abi.transfer.execute(env, receiver, token_str, [sender, 4])
    assert env.call(sender, token_str, token_abi.balanceOf.encode([receiver]))[0] == (
        (6).to_bytes(32, "big"))
    env.execute(receiver, token_str, token_abi.transfer.encode([sender, 1]))
    env.submit_transaction(receiver, token_str, token_abi.transfer.encode([sender, 1]), True)
    env.submit_transactions([token_abi.transfer.transaction(receiver, token_str, [sender, 1])])
    env.process_block()
    assert token_abi.balanceOf.call(env, sender, token, [receiver])[0] == (3,)
    second = env.deploy_contract(
        receiver, "T2", bytecode + token_abi.constructor.encode(["U", "U", 5])
    )
    assert type(second) is bytes and len(second) == 20
    third = token_abi.constructor.deploy(env, sender, bytecode, ["V", "V", 5])
    assert type(third) is bytes and len(third) == 20
