"""Cheatcodes (verbs.envs.cheats) on empty, cache and fork envs, compared with anvil's."""
from __future__ import annotations

import json

import defi
import pytest

from verbs import envs, utils
from verbs.envs import DealError, Snapshot

DAI = bytes.fromhex("6b175474e89094c44da98b954eedeac495271d0f")
HOLDER = bytes.fromhex("00000000000000000000000000000000000b0b0b")
AMOUNT = 123_456_789 * 10**18 + 7
SOL_TOKENS = ("OZ ERC20", "WETH9", "Vyper token", "Uniswap V2 LP")


def balance_of(env, token: bytes, holder: bytes) -> int:
    out, _, _ = env.call(utils.ZERO_ADDRESS, token, defi.fn("balanceOf(address)", holder))
    return int.from_bytes(out, "big")


def total_supply(env, token: bytes) -> int:
    out, _, _ = env.call(utils.ZERO_ADDRESS, token, defi.fn("totalSupply()"))
    return int.from_bytes(out, "big")


def deploy_tokens(chain: defi.Chain, contracts_dir) -> dict:
    """The DeFi workload (pairs with liquidity) and the Vyper token: name -> address."""
    w = defi.deploy(chain)
    defi.run(chain, w)
    build = contracts_dir / "build"
    from eth_abi import encode

    initcode = bytes.fromhex((build / "Token.bin").read_text().strip().removeprefix("0x"))
    outcome = chain.send(w.deployer, None, initcode + encode(
        ["string", "string", "uint256"], ["Vyper Token", "VYT", 10**24]))
    assert outcome.success
    return {"OZ ERC20": w["TKA"], "WETH9": w["WETH9"], "Vyper token": outcome.created,
            "Uniswap V2 LP": w.pair(w["TKA"], w["TKB"])}


@pytest.fixture(scope="module")
def dai_cache(data_dir):
    wrapped = json.loads((data_dir / "verbs04-dai-cache.json").read_text())
    return utils.cache_from_json(wrapped["cache"])


@pytest.fixture(scope="module")
def empty_world(contracts_dir):
    defi.artifacts_or_skip()
    chain = defi.EnvChain(envs.EmptyEnvRandom(3))
    return chain.env, deploy_tokens(chain, contracts_dir)


@pytest.fixture(scope="module")
def anvil_world(contracts_dir, dai_cache):
    """An anvil node with the same tokens, and DAI copied from the verbs 0.4 cache."""
    defi.artifacts_or_skip()
    with defi.Anvil(defi.anvil_or_skip()) as node:
        chain = defi.AnvilChain(node.url)
        tokens = deploy_tokens(chain, contracts_dir)
        from verbs.remote.cache import read_account_entry, read_storage_entry

        for entry in dai_cache[2]:
            address, _, _, code = read_account_entry(entry)
            if address == DAI:
                chain.rpc("anvil_setCode", "0x" + DAI.hex(), "0x" + code.hex())
        for entry in dai_cache[3]:
            address, slot, value = read_storage_entry(entry)
            if address == DAI:
                chain.rpc("anvil_setStorageAt", "0x" + DAI.hex(), hex(slot),
                          "0x" + value.to_bytes(32, "big").hex())
        chain.rpc("evm_mine")
        tokens["DAI"] = DAI
        yield node, chain, tokens


# ---------------------------------------------------------------------- account fields
def test_each_cheat_keeps_the_other_fields(empty_world):
    world, tokens = empty_world
    snap = world.export_snapshot()
    env = envs.EmptyEnvRandom(3, snapshot=snap)  # a copy: the module's env stays as it is
    token = tokens["OZ ERC20"]
    code = env.get_code(token)
    nonce = env.get_nonce(token)
    supply_before = total_supply(env, token)
    env.set_balance(token, 5 * 10**18)
    assert env.get_balance(token) == 5 * 10**18
    assert env.get_code(token) == code and env.get_nonce(token) == nonce
    assert total_supply(env, token) == supply_before  # storage kept
    env.set_nonce(token, 99)
    assert env.get_nonce(token) == 99 and env.get_balance(token) == 5 * 10**18
    env.set_storage(token, 2, 777)  # OZ ERC20 v5: _totalSupply at slot 2
    assert env.get_storage(token, 2) == 777 and total_supply(env, token) == 777
    env.set_code(token, "0x60055f5260205ff3")  # returns 5 whatever the call
    assert total_supply(env, token) == 5 and env.get_storage(token, 2) == 777
    assert env.get_nonce(token) == 99 and env.get_balance(token) == 5 * 10**18
    assert total_supply(world, token) == supply_before


def test_cheats_reject_bad_input():
    env = envs.EmptyEnvRandom(1)
    with pytest.raises(ValueError):
        env.set_balance(HOLDER, -1)
    with pytest.raises(ValueError):
        env.set_balance(HOLDER, 2**256)
    with pytest.raises(ValueError):
        env.set_nonce(HOLDER, 2**64 - 1)
    with pytest.raises(TypeError):
        env.set_storage(HOLDER, "0", 1)
    with pytest.raises(ValueError):
        env.set_code(HOLDER, "0xzz")
    with pytest.raises(ValueError):
        env.set_balance(b"\x01" * 19, 1)
    with pytest.raises(ValueError):
        env.warp(2**64)


def test_a_new_account_made_by_a_cheat():
    env = envs.EmptyEnvRandom(1)
    env.set_nonce(HOLDER, 3)
    assert env.evm.account_exists(HOLDER)
    assert (env.get_nonce(HOLDER), env.get_balance(HOLDER), env.get_code(HOLDER)) == (3, 0, b"")
    env.set_storage(HOLDER, 1, 2)
    assert env.get_storage(HOLDER, 1) == 2 and env.get_nonce(HOLDER) == 3


# ---------------------------------------------------------------------- warp and roll
# TIMESTAMP NUMBER: PUSH0 MSTORE, PUSH1 32 MSTORE, return 64 bytes
BLOCK_PROBE = bytes.fromhex("425f5243602052" "60405ff3")


def block_seen(env):
    out, _, _ = env.call(utils.ZERO_ADDRESS, HOLDER, b"")
    return int.from_bytes(out[:32], "big"), int.from_bytes(out[32:], "big")


def test_warp_and_roll_set_the_pending_block():
    env = envs.EmptyEnvRandom(1, block_interval=15)
    env.set_code(HOLDER, BLOCK_PROBE)
    env.process_block()
    assert block_seen(env) == (15, 1)
    env.warp(1_000)
    env.roll(500)
    # calls before the next block see it at once (Foundry's vm.warp / vm.roll)
    assert block_seen(env) == (1_000, 500)
    assert (env.timestamp, env.block_number) == (1_000, 500)
    # the next block is exactly that (anvil's evm_setNextBlockTimestamp) ...
    env.submit_transaction(utils.ZERO_ADDRESS, HOLDER, b"", True)
    env.process_block()
    assert block_seen(env) == (1_000, 500)
    # ... and the blocks after it go on with the interval
    env.process_block()
    assert block_seen(env) == (1_015, 501)
    env.warp(10)  # back in time is allowed, as vm.warp
    env.process_block()
    assert block_seen(env) == (10, 501 + 1)


def test_a_pending_warp_survives_a_snapshot():
    env = envs.EmptyEnvRandom(1)
    env.set_code(HOLDER, BLOCK_PROBE)
    env.warp(7_777)
    env.roll(42)
    snap = Snapshot.from_bytes(env.export_snapshot().to_bytes())
    restored = envs.EmptyEnvRandom(2, snapshot=snap)
    assert block_seen(restored) == (7_777, 42)
    for e in (env, restored):
        e.process_block()
        assert block_seen(e) == (7_777, 42)
        e.process_block()
        assert block_seen(e) == (7_792, 43)


# ---------------------------------------------------------------------- deal
@pytest.mark.parametrize("name", SOL_TOKENS)
def test_deal_on_an_empty_env_agrees_with_anvil(empty_world, anvil_world, name):
    env, tokens = empty_world
    _, chain, anvil_tokens = anvil_world
    token = tokens[name]
    assert anvil_tokens[name] == token  # same deployment on both
    for holder in (HOLDER, defi.TRADER):
        slot = env.deal(token, holder, AMOUNT)
        assert balance_of(env, token, holder) == AMOUNT
        assert env.get_storage(token, slot) == AMOUNT
        chain.rpc("anvil_dealERC20", "0x" + holder.hex(), "0x" + token.hex(), hex(AMOUNT))
        ok, out = chain.call(holder, token, defi.fn("balanceOf(address)", holder))
        assert ok and int.from_bytes(out, "big") == AMOUNT
        # anvil wrote the same slot
        assert int(chain.rpc("eth_getStorageAt", "0x" + token.hex(), hex(slot), "latest"),
                   16) == AMOUNT


def test_deal_dai_from_the_verbs04_cache(dai_cache, anvil_world):
    env = envs.EmptyEnvRandom(1, cache=dai_cache)
    slot = env.deal(DAI, HOLDER, AMOUNT)
    assert balance_of(env, DAI, HOLDER) == AMOUNT
    from verbs.primitives import keccak256

    # DAI's balanceOf mapping is at slot 2
    assert slot == int.from_bytes(keccak256(HOLDER.rjust(32, b"\0") + (2).to_bytes(32, "big")),
                                  "big")
    _, chain, _ = anvil_world
    chain.rpc("anvil_dealERC20", "0x" + HOLDER.hex(), "0x" + DAI.hex(), hex(AMOUNT))
    assert int(chain.rpc("eth_getStorageAt", "0x" + DAI.hex(), hex(slot), "latest"),
               16) == AMOUNT


def test_deal_adjusts_the_total_supply(empty_world):
    env, tokens = empty_world
    for name in ("OZ ERC20", "Vyper token", "Uniswap V2 LP"):
        token = tokens[name]
        holder = utils.int_to_address(0xADD)
        env.deal(token, holder, 10)
        supply = total_supply(env, token)
        env.deal(token, holder, 1_000, adjust=True)
        assert total_supply(env, token) == supply + 990
        assert balance_of(env, token, holder) == 1_000


def test_deal_leaves_the_state_alone_when_it_finds_no_slot():
    env = envs.EmptyEnvRandom(1)
    constant = utils.int_to_address(0xC0)
    env.set_code(constant, "0x60055f5260205ff3")  # balanceOf returns 5, reading no storage
    with pytest.raises(DealError, match=constant.hex()):
        env.deal(constant, HOLDER, 1)
    # SLOAD(0) + 1: reads slot 0, but the balance is not stored there
    computed = utils.int_to_address(0xC1)
    env.set_code(computed, "0x5f5460010160005260205ff3")
    env.set_storage(computed, 0, 41)
    with pytest.raises(DealError, match=computed.hex()):
        env.deal(computed, HOLDER, 1)
    assert env.get_storage(computed, 0) == 41
    with pytest.raises(DealError, match="no code"):
        env.deal(HOLDER, HOLDER, 1)


def test_deal_is_in_snapshots(empty_world):
    env, tokens = empty_world
    token = tokens["Vyper token"]
    env.deal(token, HOLDER, 31337)
    snap = Snapshot.from_bytes(env.export_snapshot().to_bytes())
    assert balance_of(envs.EmptyEnvRandom(9, snapshot=snap), token, HOLDER) == 31337


# ---------------------------------------------------------------------- fork envs
@pytest.mark.parametrize("name", SOL_TOKENS + ("DAI",))
def test_deal_on_a_fork_env_and_in_its_exported_cache(anvil_world, name):
    node, chain, tokens = anvil_world
    token = tokens[name]
    env = envs.ForkEnvRandom(node.url, 5, cache_dir=False)
    before = balance_of(env, token, defi.TRADER)
    code = env.get_code(token)
    holder = utils.int_to_address(0xF0F0 + SOL_TOKENS.index(name) if name in SOL_TOKENS
                                  else 0xF0FF)  # a balance anvil never dealt
    amount = AMOUNT + 0xF0F0
    slot = env.deal(token, holder, amount)
    assert balance_of(env, token, holder) == amount
    assert balance_of(env, token, defi.TRADER) == before  # other balances are the node's
    assert env.get_code(token) == code
    ok, out = chain.call(holder, token, defi.fn("balanceOf(address)", holder))
    assert ok and int.from_bytes(out, "big") == 0  # the env's cheat leaves the node alone
    # the exported cache holds the cheated slot: an offline env starts with it
    cache = env.export_cache()
    offline = envs.EmptyEnvRandom(5, cache=cache)
    assert balance_of(offline, token, holder) == amount
    assert offline.get_storage(token, slot) == amount
    assert balance_of(offline, token, defi.TRADER) == before


def test_account_cheats_on_a_fork_env_keep_the_fetched_fields(anvil_world):
    node, chain, tokens = anvil_world
    token = tokens["OZ ERC20"]
    env = envs.ForkEnvRandom(node.url, 5, cache_dir=False, prefetch=False)
    env.set_balance(token, 12345)  # the account was never fetched before this
    node_code = bytes.fromhex(chain.rpc("eth_getCode", "0x" + token.hex(), "latest")[2:])
    node_nonce = int(chain.rpc("eth_getTransactionCount", "0x" + token.hex(), "latest"), 16)
    assert env.get_code(token) == node_code and env.get_nonce(token) == node_nonce
    assert env.get_balance(token) == 12345
    ok, out = chain.call(HOLDER, token, defi.fn("totalSupply()"))
    assert ok
    assert total_supply(env, token) == int.from_bytes(out, "big")  # storage still the node's
    env.set_nonce(defi.TRADER, 1_000)
    node_balance = int(chain.rpc("eth_getBalance", "0x" + defi.TRADER.hex(), "latest"), 16)
    assert env.get_balance(defi.TRADER) == node_balance
    env.set_storage(token, 12345, 6)
    cache = env.export_cache()
    offline = envs.EmptyEnvRandom(5, cache=cache)
    assert offline.get_balance(token) == 12345 and offline.get_code(token) == node_code
    assert offline.get_nonce(defi.TRADER) == 1_000
    assert offline.get_balance(defi.TRADER) == node_balance
    assert offline.get_storage(token, 12345) == 6


def test_warp_and_roll_on_a_fork_env(anvil_world):
    node, chain, _ = anvil_world
    env = envs.ForkEnvRandom(node.url, 5, cache_dir=False)
    env.set_code(HOLDER, BLOCK_PROBE)
    latest = chain.rpc("eth_getBlockByNumber", "latest", False)
    assert block_seen(env) == (int(latest["timestamp"], 16), int(latest["number"], 16))
    env.warp(int(latest["timestamp"], 16) + 3_600)
    env.roll(10**6)
    assert block_seen(env) == (int(latest["timestamp"], 16) + 3_600, 10**6)
    env.process_block()
    env.process_block()
    assert block_seen(env) == (int(latest["timestamp"], 16) + 3_615, 10**6 + 1)
