"""Environments from a fetch cache written by the original verbs (mainnet DAI)."""
import json

import pytest

from verbs import abi, envs, utils
from verbs.envs import CacheMissError, RevertError

DAI = bytes.fromhex("6b175474e89094c44da98b954eedeac495271d0f")
ERC20_VIEWS = [
    {
        "name": "decimals",
        "type": "function",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint8"}],
        "stateMutability": "view",
    },
    {
        "name": "name",
        "type": "function",
        "inputs": [],
        "outputs": [{"name": "", "type": "string"}],
        "stateMutability": "view",
    },
    {
        "name": "totalSupply",
        "type": "function",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
        "stateMutability": "view",
    },
    {
        "name": "balanceOf",
        "type": "function",
        "inputs": [{"name": "a", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
        "stateMutability": "view",
    },
]


@pytest.fixture(scope="module")
def dai_cache(data_dir):
    wrapped = json.loads((data_dir / "verbs04-dai-cache.json").read_text())
    return utils.cache_from_json(wrapped["cache"])


def test_dai_cache_answers_known_facts(dai_cache):
    env = envs.EmptyEnvRandom(1, cache=dai_cache)
    dai = abi.get_abi("DAI", ERC20_VIEWS)
    caller = utils.int_to_address(1)
    assert dai.decimals.call(env, caller, DAI, [])[0][0] == 18
    assert dai.name.call(env, caller, DAI, [])[0][0] == "Dai Stablecoin"
    assert dai.totalSupply.call(env, caller, DAI, [])[0][0] == 3649626828757146571328619810
    assert env.block_number == 18784000 and env.timestamp == 1702552271


def test_dai_code_size_and_hash_without_revm_padding(dai_cache):
    from Crypto.Hash import keccak

    env = envs.EmptyEnvRandom(1, cache=dai_cache)
    code = env.evm.get_code(DAI)
    [(_, (_, _, code_hash, _))] = [e for e in dai_cache[2] if e[0] == DAI]
    assert keccak.new(digest_bits=256, data=code).digest() == code_hash
    # EXTCODESIZE / EXTCODEHASH from a contract: PUSH20 DAI EXTCODESIZE PUSH0 MSTORE
    # PUSH20 DAI EXTCODEHASH PUSH1 32 MSTORE PUSH1 64 PUSH0 RETURN
    probe = (
        b"\x73" + DAI + b"\x3b\x5f\x52" + b"\x73" + DAI + b"\x3f\x60\x20\x52" + b"\x60\x40\x5f\xf3"
    )
    runtime_len = len(probe)
    init = (
        bytes([0x60, runtime_len, 0x60, 0x0C, 0x5F, 0x39, 0x60, runtime_len, 0x5F, 0xF3])
        + b"\x00\x00"
        + probe
    )
    deployer = utils.int_to_address(1)
    prober = env.deploy_contract(deployer, "probe", init)
    out, _, _ = env.call(deployer, prober, b"", 0)
    assert int.from_bytes(out[:32], "big") == len(code)
    assert out[32:] == code_hash


def test_cache_misses_are_counted(dai_cache):
    env = envs.EmptyEnvRandom(1, cache=dai_cache)
    dai = abi.get_abi("DAI", ERC20_VIEWS)
    holder = utils.int_to_address(424242)
    assert dai.balanceOf.call(env, holder, DAI, [holder])[0][0] == 0
    misses = env.cache_misses()
    assert any(addr == DAI for addr, _ in misses["storage"])


def test_strict_cache_raises_naming_the_slot(dai_cache):
    env = envs.EmptyEnvRandom(1, cache=dai_cache, strict_cache=True)
    dai = abi.get_abi("DAI", ERC20_VIEWS)
    caller = utils.ZERO_ADDRESS  # in the cache
    assert dai.decimals.call(env, caller, DAI, [])[0][0] == 18
    holder = utils.int_to_address(424242)
    with pytest.raises((RevertError, CacheMissError)) as info:
        dai.balanceOf.call(env, caller, DAI, [holder])
    assert DAI.hex() in str(info.value).lower() and "slot" in str(info.value)
    # an account the cache does not hold is named too
    with pytest.raises((RevertError, CacheMissError)) as info:
        dai.balanceOf.call(env, holder, DAI, [holder])
    assert holder.hex() in str(info.value).lower()


def test_raw_cache_file_loads(data_dir):
    cache = utils.cache_from_file(str(data_dir / "verbs04-dai-cache.raw.json"))
    env = envs.EmptyEnvGasPriority(1, cache=cache)
    dai = abi.get_abi("DAI", ERC20_VIEWS)
    assert dai.decimals.call(env, utils.int_to_address(1), DAI, [])[0][0] == 18


def test_corrupt_cache_code_is_rejected(dai_cache):
    ts, bn, accounts, storage = dai_cache
    bad = [(a, (b, n, h, (c or b"") + b"\x01")) for a, (b, n, h, c) in accounts]
    with pytest.raises(ValueError, match="code hash"):
        envs.EmptyEnvRandom(1, cache=(ts, bn, bad, storage))


@pytest.mark.parametrize("cache, exc, message", [
    ((-1, 0, [], []), ValueError, "timestamp must be in [0, 2**64), got -1"),
    ((0, -5, [], []), ValueError, "block_number must be in [0, 2**64), got -5"),
    ((0, 0, [(b"\x11" * 20, (b"", -1, bytes(32), b""))], []), ValueError,
     "account 0 (0x1111111111111111111111111111111111111111) nonce must be in [0, 2**64)"),
    ((0, 0, [(b"\x11" * 20, (-3, 0, bytes(32), b""))], []), ValueError,
     "balance must be in [0, 2**256), got -3"),
    ((0, 0, [], [(b"\x11" * 20, -1, 0)]), ValueError, "storage entry 0 slot must be in"),
    (("0", 0, [], []), TypeError, "timestamp must be an int, got str"),
])
def test_cache_tuple_out_of_range_values_raise_naming_field(cache, exc, message):
    # found by tests/fuzz/decoders.py: these raised OverflowError (uint64_t) naming nothing
    with pytest.raises(exc) as info:
        envs.EmptyEnvRandom(1, cache=cache)
    assert message in str(info.value)
