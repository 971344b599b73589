"""verbs.utils: addresses, hex, encoding shortcuts, cache JSON, events, compilation."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import eth_abi
import numpy as np
import pytest
from Crypto.Hash import keccak

from verbs import utils

SHARED = Path(os.environ.get("VERBS_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
DATA = SHARED / "data"
CONTRACTS = SHARED / "contracts"


def shared_file(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{path} is required under CI")
        pytest.skip(f"{path} not found (set VERBS_SHARED)")
    return path


def k256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

# EIP-55's own test vectors
EIP55 = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("checksummed", EIP55)
def test_to_checksum_address_matches_eip55_vectors(checksummed):
    raw = bytes.fromhex(checksummed[2:])
    assert utils.to_checksum_address(raw) == checksummed
    assert utils.to_checksum_address(checksummed.lower()) == checksummed


@pytest.mark.parametrize("checksummed", EIP55)
def test_to_address_accepts_every_form(checksummed):
    raw = bytes.fromhex(checksummed[2:])
    for form in (
        raw,
        bytearray(raw),
        memoryview(raw),
        checksummed,
        checksummed.lower(),
        "0x" + checksummed[2:].upper(),
        checksummed[2:].lower(),
        "0X" + checksummed[2:],
    ):
        out = utils.to_address(form)
        assert out == raw and type(out) is bytes


def test_to_address_rejects_bad_checksum_naming_the_argument():
    bad = EIP55[0].replace("aAeb", "AAeb")
    with pytest.raises(
        ValueError,
        match=r"sender: .* fails its EIP-55 checksum "
        r"\(expected 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ):
        utils.to_address(bad, "sender")


@pytest.mark.parametrize(
    "value,exc,message",
    [
        (b"\x00" * 19, ValueError, "expected 20 bytes, got 19 bytes"),
        (bytearray(21), ValueError, "expected 20 bytes, got 21 bytes"),
        ("0x1234", ValueError, "expected 40 hex digits"),
        ("0x" + "zz" * 20, ValueError, "expected 40 hex digits"),
        (123, TypeError, "int_to_address"),
        (None, TypeError, "expected an address as 20 bytes or a hex string, got NoneType"),
        (1.5, TypeError, "got float"),
    ],
)
def test_to_address_bad_values(value, exc, message):
    with pytest.raises(exc, match=message) as info:
        utils.to_address(value, "recipient")
    assert str(info.value).startswith("recipient: ")


def test_int_to_address_and_zero_address():
    assert utils.int_to_address(1) == b"\x00" * 19 + b"\x01"
    assert utils.int_to_address(np.int64(258)) == b"\x00" * 18 + b"\x01\x02"
    assert utils.int_to_address(2**160 - 1) == b"\xff" * 20
    assert utils.ZERO_ADDRESS == b"\x00" * 20
    with pytest.raises(ValueError, match="does not fit"):
        utils.int_to_address(2**160)
    with pytest.raises(ValueError, match="does not fit"):
        utils.int_to_address(-1)
    with pytest.raises(TypeError, match="expected an int"):
        utils.int_to_address("1")
    with pytest.raises(TypeError, match="expected an int"):
        utils.int_to_address(True)


def test_hex_to_bytes():
    assert utils.hex_to_bytes("0x0102") == b"\x01\x02"
    assert utils.hex_to_bytes("0102") == b"\x01\x02"
    assert utils.hex_to_bytes("") == b""
    assert utils.hex_to_bytes(b"\x01") == b"\x01"
    with pytest.raises(ValueError, match="not a valid hex string"):
        utils.hex_to_bytes("0x123")
    with pytest.raises(ValueError, match="not a valid hex string"):
        utils.hex_to_bytes("0xzz")
    with pytest.raises(TypeError, match="expected a hex string"):
        utils.hex_to_bytes(12)


def test_keccak256_matches_pycryptodome():
    assert utils.keccak256(b"") == k256(b"")
    assert utils.keccak256(b"transfer(address,uint256)")[:4] == bytes.fromhex("a9059cbb")


# ---------------------------------------------------------------------------
# Encoding shortcuts
# ---------------------------------------------------------------------------


def test_encode_args_equals_eth_abi():
    args = [b"\x01" * 20, 5, "x"]
    assert utils.encode_args(["address", "uint256", "string"], args) == eth_abi.encode(
        ["address", "uint256", "string"], args
    )
    with pytest.raises(TypeError, match=r"expected 2 argument"):
        utils.encode_args(["int256", "int256"], [1])


def test_encode_function_args_prepends_selector():
    f_abi = {
        "name": "setValue",
        "type": "function",
        "inputs": [{"name": "x", "type": "int256"}],
        "outputs": [],
    }
    out = utils.encode_function_args(f_abi, ["int256"], [-3])
    assert out == k256(b"setValue(int256)")[:4] + eth_abi.encode(["int256"], [-3])


# ---------------------------------------------------------------------------
# Cache JSON
# ---------------------------------------------------------------------------


def test_raw_cache_file_roundtrips_exactly():
    path = shared_file(DATA / "verbs04-dai-cache.raw.json")
    raw = json.loads(path.read_text())
    cache = utils.cache_from_file(path)
    assert utils.cache_to_json(cache) == raw
    assert utils.cache_to_json(utils.cache_from_json(raw)) == raw


def test_wrapped_cache_file_and_known_facts():
    path = shared_file(DATA / "verbs04-dai-cache.json")
    wrapped = json.loads(path.read_text())
    cache = utils.cache_from_file(path)
    timestamp, block, accounts, storage = cache
    assert (timestamp, block) == (1702552271, 18784000)
    assert utils.cache_to_json(cache) == wrapped["cache"]
    by_address = dict(accounts)
    dai = utils.to_address("0x6B175474E89094C44Da98b954EedeAC495271d0F")
    balance, nonce, code_hash, code = by_address[dai]
    assert nonce == 1 and code[-33:] == bytes(33)
    assert k256(code[:-33]) == code_hash  # revm pads code with 33 zero bytes
    zero_code_hash = by_address[utils.ZERO_ADDRESS][2]
    assert zero_code_hash == k256(b"")
    slots = {(a, int.from_bytes(s, "little")): int.from_bytes(v, "little") for a, s, v in storage}
    assert slots[(dai, 1)] == 3649626828757146571328619810  # totalSupply, little-endian words
    assert all(isinstance(x, bytes) for a, (b, n, h, c) in accounts for x in (a, b, h, c))


def test_cache_to_file_roundtrip(tmp_path):
    cache = (
        5,
        7,
        [(b"\x01" * 20, (b"\x02" * 32, 3, b"\x04" * 32, b"\x60\x00"))],
        [(b"\x01" * 20, b"\x00" * 32, b"\x09" * 32)],
    )
    utils.cache_to_file(cache, tmp_path / "c.json")
    assert utils.cache_from_file(tmp_path / "c.json") == cache


@pytest.mark.parametrize(
    "bad,message",
    [
        ([1, 2, 3], r"must be \[timestamp, block_number, accounts, storage\]"),
        ({"x": 1}, "under 'cache'"),
        (["1", 2, [], []], "timestamp must be an int"),
        ([1, 2, [["00" * 20, ["00", 0, "00"]]], []], "account 0 must be"),
        ([1, 2, [["zz", ["00", 0, "00", "00"]]], []], "account 0 address is not valid hex"),
        ([1, 2, [], [["00", "00"]]], "storage entry 0 must be"),
    ],
)
def test_cache_from_json_rejects_malformed(bad, message):
    with pytest.raises(ValueError, match=message):
        utils.cache_from_json(bad)


def test_cache_from_file_names_the_file(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text("{not json")
    with pytest.raises(ValueError, match="broken.json: not valid JSON"):
        utils.cache_from_file(p)
    p.write_text("[1, 2]")
    with pytest.raises(ValueError, match="broken.json: cache JSON must be"):
        utils.cache_from_file(p)


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


def test_events_to_dataframe():
    pd = pytest.importorskip("pandas")
    events = [
        (True, b"\x01\x02\x03\x04", [(b"\x00" * 20, b"")], 3, 0),
        (False, b"\xaa\xbb\xcc\xdd", [], 3, 1),
    ]
    df = utils.events_to_dataframe(events)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["success", "selector", "step", "sequence"]
    assert df["success"].tolist() == [True, False]
    assert df["sequence"].tolist() == [0, 1]
    assert df["selector"].tolist() == [b"\x01\x02\x03\x04", b"\xaa\xbb\xcc\xdd"]


def test_events_to_dataframe_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas: pip install pandas"):
        utils.events_to_dataframe([])


# ---------------------------------------------------------------------------
# Compilation
# ---------------------------------------------------------------------------


def test_process_contract_without_compiler(monkeypatch):
    src = shared_file(CONTRACTS / "SimpleERC20.sol")
    monkeypatch.setattr(utils.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="needs a Solidity compiler"):
        utils.process_contract(str(src))


def test_process_contract_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such Solidity file"):
        utils.process_contract(str(tmp_path / "missing.sol"))


def test_process_contract_compiles_when_a_compiler_is_available():
    src = shared_file(CONTRACTS / "SimpleERC20.sol")
    if utils._find_compiler() is None:
        pytest.skip("no solc or solc-js available (npm install solc)")
    out = utils.process_contract(str(src))
    assert [c["name"] for c in out] == ["SimpleERC20"]
    artifact = json.loads(shared_file(CONTRACTS / "build" / "SimpleERC20.opt.json").read_text())
    assert out[0]["abi"] == artifact["abi"]
    assert bytes.fromhex(out[0]["bin"])[:4] == bytes.fromhex("60806040")


def test_process_contract_reports_compile_errors(tmp_path):
    if utils._find_compiler() is None:
        pytest.skip("no solc or solc-js available (npm install solc)")
    bad = tmp_path / "Bad.sol"
    bad.write_text("pragma solidity >=0.8.0; contract Bad { function f( }")
    with pytest.raises(RuntimeError, match="compiling .*Bad.sol failed"):
        utils.process_contract(str(bad))


def _tiny_cache_json():
    empty_hash = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    return [1702552271, 18784000, [["11" * 20, ["00" * 32, 3, empty_hash, ""]]],
            [["11" * 20, "00" * 32, "05" + "00" * 31]]]


@pytest.mark.parametrize("path, value, message", [
    ((0,), -1, "timestamp must be in [0, 2**64), got -1"),
    ((1,), -18784000, "block_number must be in [0, 2**64), got -18784000"),
    ((1,), 2**64, "block_number must be in [0, 2**64)"),
    ((2, 0, 1, 1), -1, "account 0 nonce must be in [0, 2**64), got -1"),
    ((2, 0, 1, 1), 2**256, "account 0 nonce must be in [0, 2**64)"),
    ((2,), 5, "accounts must be a list"),
    ((3,), None, "storage must be a list"),
])
def test_cache_from_json_rejects_out_of_range_values_naming_field(path, value, message):
    # found by tests/fuzz/decoders.py: these raised OverflowError (uint64_t) from the EVM
    from verbs import envs
    doc = _tiny_cache_json()
    envs.EmptyEnvRandom(1, cache=utils.cache_from_json(doc))  # the unmutated cache loads
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError) as info:
        utils.cache_from_json(doc)
    assert message in str(info.value)
