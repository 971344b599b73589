"""verbs.abi: ABI types, functions, events, errors, constructors, loading."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import eth_abi
import pytest
from Crypto.Hash import keccak

from verbs import abi
from verbs.codec import DecodeError

SHARED = Path(os.environ.get("VERBS_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def shared_json(relative: str):
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{path} is required under CI")
        pytest.skip(f"{path} not found (set VERBS_SHARED)")
    return json.loads(path.read_text())


def k256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


# The original verbs' tests/test.abi (test contract plus tuple inputs)
TEST_ABI = [
    {
        "inputs": [{"internalType": "int256", "name": "x", "type": "int256"}],
        "stateMutability": "nonpayable",
        "type": "constructor",
    },
    {
        "anonymous": False,
        "inputs": [
            {"indexed": False, "internalType": "int256", "name": "old_value", "type": "int256"},
            {"indexed": False, "internalType": "int256", "name": "new_value", "type": "int256"},
        ],
        "name": "ValueUpdated",
        "type": "event",
    },
    {
        "inputs": [],
        "name": "getValue",
        "outputs": [{"internalType": "int256", "name": "", "type": "int256"}],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "inputs": [{"internalType": "int256", "name": "x", "type": "int256"}],
        "name": "setValue",
        "outputs": [],
        "stateMutability": "nonpayable",
        "type": "function",
    },
    {
        "inputs": [
            {
                "components": [
                    {"internalType": "address", "name": "tokenIn", "type": "address"},
                    {"internalType": "address", "name": "tokenOut", "type": "address"},
                    {"internalType": "uint24", "name": "fee", "type": "uint24"},
                    {"internalType": "address", "name": "recipient", "type": "address"},
                    {"internalType": "uint256", "name": "deadline", "type": "uint256"},
                    {"internalType": "uint256", "name": "amountIn", "type": "uint256"},
                    {"internalType": "uint256", "name": "amountOutMinimum", "type": "uint256"},
                    {"internalType": "uint160", "name": "sqrtPriceLimitX96", "type": "uint160"},
                ],
                "internalType": "struct ISwapRouter.ExactInputSingleParams",
                "name": "params",
                "type": "tuple",
            }
        ],
        "name": "exactInputSingle",
        "outputs": [{"internalType": "uint256", "name": "amountOut", "type": "uint256"}],
        "stateMutability": "payable",
        "type": "function",
    },
    {
        "inputs": [
            {
                "components": [
                    {"internalType": "address", "name": "tokenIn", "type": "address"},
                    {"internalType": "address", "name": "tokenOut", "type": "address"},
                    {
                        "components": [
                            {"internalType": "address", "name": "tokenIn", "type": "address"},
                            {"internalType": "address", "name": "tokenOut", "type": "address"},
                        ],
                        "internalType": "struct2",
                        "name": "params",
                        "type": "tuple",
                    },
                ],
                "internalType": "struct test",
                "name": "params",
                "type": "tuple",
            }
        ],
        "name": "test_recursive_tuple",
        "outputs": [{"internalType": "uint256", "name": "amountOut", "type": "uint256"}],
        "stateMutability": "payable",
        "type": "function",
    },
]

# The example of the original documentation's ABI page
DOCS_ABI = [
    {
        "name": "foo",
        "inputs": [{"internalType": "int256", "name": "a", "type": "int256"}],
        "outputs": [],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "name": "bar",
        "anonymous": False,
        "inputs": [{"indexed": False, "internalType": "int256", "name": "b", "type": "int256"}],
        "type": "event",
    },
]


class Log(tuple):
    """A log as the envs return it: unpacks as (address, data), carries topics."""

    def __new__(cls, address, topics, data):
        self = super().__new__(cls, (address, data))
        self.topics = tuple(topics)
        return self

    @property
    def address(self):
        return self[0]

    @property
    def data(self):
        return self[1]


class FakeEnv:
    """Records what the ABI helpers ask of an env and answers canned results."""

    def __init__(self, output=b"", logs=(), gas=21000, address=b"\xcc" * 20):
        self.calls = []
        self.output, self.logs, self.gas, self.address = output, list(logs), gas, address

    def call(self, sender, contract, data, value):
        self.calls.append(("call", sender, contract, data, value))
        return self.output, self.logs, self.gas

    def execute(self, sender, contract, data, value):
        self.calls.append(("execute", sender, contract, data, value))
        return self.output, self.logs, self.gas

    def deploy_contract(self, deployer, name, code):
        self.calls.append(("deploy", deployer, name, code))
        return self.address


# ---------------------------------------------------------------------------
# The original's tests and documentation
# ---------------------------------------------------------------------------


def test_original_test_contract_abi():
    data = shared_json("data/verbs04-test-contract.json")
    a = abi.get_abi("Foo", data["abi"])
    encoded = a.setValue.encode([10])
    assert isinstance(encoded, bytes) and len(encoded) == 36
    assert encoded == k256(b"setValue(int256)")[:4] + eth_abi.encode(["int256"], [10])
    assert a.getValue.decode(encoded[4:]) == (10,)
    assert a.ValueUpdated.decode(encoded[4:] + encoded[4:]) == (10, 10)
    assert a.ValueUpdated.inputs == ["int256", "int256"]  # non-indexed only, as the original
    assert a.ValueUpdated.all_inputs == ["address", "int256", "int256"]
    assert a.ValueUpdated.topic == k256(b"ValueUpdated(address,int256,int256)")
    assert a.constructor.inputs == ["int256"]


def test_abi_from_file(tmp_path):
    path = tmp_path / "test.abi"
    path.write_text(json.dumps(TEST_ABI))
    a = abi.load_abi(str(path))
    assert a.__name__ == "test"
    assert a.getValue.decode(a.setValue.encode([10])[4:]) == (10,)
    assert a.setValue.inputs == ["int256"]
    assert a.exactInputSingle.inputs == [
        "(address,address,uint24,address,uint256,uint256,uint256,uint160)"
    ]
    assert a.test_recursive_tuple.inputs == ["(address,address,(address,address))"]
    assert a.exactInputSingle.selector == bytes.fromhex("414bf389")  # Uniswap V3 router's selector


def test_docs_example():
    a = abi.get_abi("Foo", DOCS_ABI)
    assert a.__name__ == "Foo"
    assert a.foo.encode([10]) == k256(b"foo(int256)")[:4] + eth_abi.encode(["int256"], [10])
    assert a.foo.decode(b"") == ()
    assert a.bar.decode(eth_abi.encode(["int256"], [-7])) == (-7,)
    # the docs' ``Abi.foo.encode([1, 2, 3])`` gives foo (one input) three arguments
    with pytest.raises(TypeError, match=r"expected 1 argument\(s\) for \(int256\), got 3"):
        a.foo.encode([1, 2, 3])


def test_overloaded_names_get_suffixes_in_abi_order():
    data = [
        {
            "name": "foo",
            "inputs": [{"name": "a", "type": "int256"}],
            "outputs": [],
            "type": "function",
        },
        {
            "name": "foo",
            "inputs": [{"name": "a", "type": "int256"}, {"name": "b", "type": "int256"}],
            "outputs": [],
            "type": "function",
        },
    ]
    before = copy.deepcopy(data)
    a = abi.get_abi("Foo", data)
    assert not hasattr(a, "foo")
    assert len(a.foo0.encode([100])) == 36 and len(a.foo1.encode([101, 202])) == 68
    assert a.foo0.selector == k256(b"foo(int256)")[:4]
    assert a.foo1.selector == k256(b"foo(int256,int256)")[:4]
    assert data == before  # the original renamed the caller's entries in place


def test_abi_from_str_and_constructors():
    a = abi.abi_from_str(
        "Foo",
        '[{"name": "foo", "inputs": [{"internalType": "int256", "name": "a", "type": "int256"}], '
        '"outputs": [], "type": "function"}]',
    )
    assert len(a.foo.encode([100])) == 36
    assert a.constructor.inputs == []
    b = abi.get_abi("Foo", [{"inputs": [{"name": "x", "type": "uint256"}], "type": "constructor"}])
    assert b.constructor.inputs == ["uint256"]
    assert b.constructor.encode([5]) == eth_abi.encode(["uint256"], [5])


# ---------------------------------------------------------------------------
# SimpleERC20: selectors, events, errors
# ---------------------------------------------------------------------------


@pytest.fixture
def erc20():
    artifact = shared_json("contracts/build/SimpleERC20.opt.json")
    return abi.get_abi("SimpleERC20", artifact["abi"]), artifact


def test_selectors_match_solc(erc20):
    a, artifact = erc20
    for signature, selector in artifact["methodIdentifiers"].items():
        name = signature.split("(")[0]
        f = getattr(a, name)
        assert f.signature == signature
        assert f.selector.hex() == selector
        assert f.selector == k256(signature.encode())[:4]


def test_function_encode_decode_against_eth_abi(erc20):
    a, _ = erc20
    to = b"\x42" * 20
    assert a.transfer.encode([to, 10**18]) == bytes.fromhex("a9059cbb") + eth_abi.encode(
        ["address", "uint256"], [to, 10**18]
    )
    assert a.transfer.encode(["0x" + to.hex(), 10**18]) == a.transfer.encode([to, 10**18])
    assert a.transfer.decode(eth_abi.encode(["bool"], [True])) == (True,)
    assert a.balanceOf.decode(eth_abi.encode(["uint256"], [7])) == (7,)
    assert a.decimals.decode(eth_abi.encode(["uint8"], [18])) == (18,)
    assert a.name.decode(eth_abi.encode(["string"], ["Token"])) == ("Token",)
    assert a.transfer.decode_input(a.transfer.encode([to, 3])) == ("0x" + to.hex(), 3)
    with pytest.raises(ValueError, match="not transfer"):
        a.transfer.decode_input(a.approve.encode([to, 3]))


def test_bad_arguments_and_outputs(erc20):
    a, _ = erc20
    with pytest.raises(TypeError, match=r"expected 2 argument"):
        a.transfer.encode([b"\x00" * 20])
    with pytest.raises(ValueError, match=r"argument 'to' \(address\)"):
        a.transfer.encode(["0x1234", 1])
    with pytest.raises(ValueError, match=r"argument 'value' \(uint256\): -1 is out of range"):
        a.transfer.encode([b"\x00" * 20, -1])
    with pytest.raises(TypeError, match=r"argument 'value' \(uint256\): expected an int, got str"):
        a.transfer.encode([b"\x00" * 20, "1"])
    with pytest.raises(DecodeError, match="needs at least 32 bytes"):
        a.balanceOf.decode(b"\x00" * 31)
    with pytest.raises(DecodeError, match="malformed bool"):
        a.transfer.decode((2).to_bytes(32, "big"))
    with pytest.raises(DecodeError, match=r"output 0 \(uint8\)"):
        a.decimals.decode((256).to_bytes(32, "big"))


def test_event_decode_log_with_indexed_topics(erc20):
    a, _ = erc20
    sender, receiver = b"\x01" * 20, b"\x02" * 20
    topic0 = k256(b"Transfer(address,address,uint256)")
    assert a.Transfer.topic == topic0
    log = Log(
        b"\xcc" * 20,
        [topic0, bytes(12) + sender, bytes(12) + receiver],
        eth_abi.encode(["uint256"], [5]),
    )
    assert a.Transfer.decode(log.data) == (5,)
    expected = {"from": "0x" + sender.hex(), "to": "0x" + receiver.hex(), "value": 5}
    assert a.Transfer.decode_log(log) == expected
    assert a.Transfer.decode_log((log.address, list(log.topics), log.data)) == expected
    assert a.Transfer.matches(log) and not a.Approval.matches(log)
    with pytest.raises(ValueError, match="not a Approval"):
        a.Approval.decode_log(log)
    with pytest.raises(ValueError, match="expected 2 indexed topic"):
        a.Transfer.decode_log(Log(b"\xcc" * 20, [topic0], log.data))
    with pytest.raises(ValueError, match="carries no topics"):
        a.Transfer.decode_log((log.address, log.data))
    with pytest.raises(DecodeError):
        a.Transfer.decode_log(
            Log(b"\xcc" * 20, [topic0, b"\x01" * 32, bytes(32)], log.data)
        )  # dirty address topic


def test_event_decode_log_dynamic_indexed_and_anonymous():
    ev = abi.Event(
        {
            "name": "Named",
            "type": "event",
            "anonymous": True,
            "inputs": [
                {"name": "label", "type": "string", "indexed": True},
                {"name": "", "type": "int8", "indexed": True},
                {"name": "note", "type": "string", "indexed": False},
            ],
        }
    )
    label_hash = k256(b"hello")
    log = Log(
        b"\x00" * 20,
        [label_hash, (-2).to_bytes(32, "big", signed=True)],
        eth_abi.encode(["string"], ["hi"]),
    )
    assert ev.decode_log(log) == {"label": label_hash, "arg1": -2, "note": "hi"}
    assert not ev.matches(log)
    plain = abi.Event({"name": "P", "type": "event", "inputs": [{"name": "v", "type": "uint256"}]})
    assert plain.decode_log((b"\x00" * 20, eth_abi.encode(["uint256"], [9]))) == {"v": 9}


def test_custom_errors_decode(erc20):
    a, _ = erc20
    err = a.errors["InsufficientBalance"]
    assert a.InsufficientBalance is err
    assert err.selector == k256(b"InsufficientBalance(uint256,uint256)")[:4]
    data = err.selector + eth_abi.encode(["uint256", "uint256"], [1, 2])
    assert err.decode(data) == (1, 2)
    assert abi.decode_error(data, a) == ("InsufficientBalance", {"have": 1, "want": 2})
    assert abi.decode_revert(data, a) == "InsufficientBalance(have=1, want=2)"
    assert abi.decode_revert(data, a.errors.values()) == "InsufficientBalance(have=1, want=2)"
    artifact = shared_json("contracts/build/SimpleERC20.opt.json")
    assert abi.decode_revert(data, artifact["abi"]) == "InsufficientBalance(have=1, want=2)"
    assert abi.decode_revert(data).startswith(
        f"unknown error 0x{err.selector.hex()} (68 bytes of data"
    )
    with pytest.raises(ValueError, match="not InsufficientBalance"):
        err.decode(a.errors["InsufficientAllowance"].encode([1, 2]))


def test_decode_revert_error_string_and_panic():
    data = shared_json("data/verbs04-test-contract.json")
    reason = " Value must be less than 1000"
    revert = bytes.fromhex("08c379a0") + eth_abi.encode(["string"], [reason])
    assert abi.decode_revert(revert, data["abi"]) == reason
    assert abi.decode_error(revert) == ("Error", {"message": reason})
    panic = bytes.fromhex("4e487b71") + eth_abi.encode(["uint256"], [0x11])
    assert abi.decode_revert(panic) == "Panic(0x11): arithmetic underflow or overflow"
    assert (
        abi.decode_revert(bytes.fromhex("4e487b71") + eth_abi.encode(["uint256"], [0x99]))
        == "Panic(0x99): unknown panic code"
    )
    assert abi.decode_revert(b"") is None
    assert abi.decode_revert(None) is None
    assert abi.decode_revert(b"\x01\x02").startswith("unknown error 0x0102")
    truncated = revert[:40]
    assert abi.decode_error(truncated) is None
    assert abi.decode_revert(truncated).startswith("unknown error 0x08c379a0")


def test_tuple_outputs_decode():
    f = abi.Function(
        {
            "name": "slot0",
            "type": "function",
            "inputs": [],
            "outputs": [
                {
                    "name": "s",
                    "type": "tuple",
                    "components": [
                        {"name": "a", "type": "address"},
                        {"name": "b", "type": "uint128[2]"},
                    ],
                },
                {"name": "tags", "type": "string[]"},
            ],
        }
    )
    assert f.outputs == ["(address,uint128[2])", "string[]"]
    out = eth_abi.encode(["(address,uint128[2])", "string[]"], [(b"\x05" * 20, [1, 2]), ["x", "y"]])
    assert f.decode(out) == (("0x" + "05" * 20, (1, 2)), ("x", "y"))


# ---------------------------------------------------------------------------
# Env-facing helpers, with a fake env
# ---------------------------------------------------------------------------


def test_transaction_tuple_shape(erc20):
    a, _ = erc20
    sender, token, to = b"\x01" * 20, b"\x02" * 20, b"\x03" * 20
    tx = a.transfer.transaction(sender, token, [to, 5])
    assert tx == (sender, token, a.transfer.encode([to, 5]), True, None, None, None)
    tx = a.transfer.transaction(
        "0x" + sender.hex(),
        "0x" + token.hex(),
        [to, 5],
        checked=False,
        gas_priority_fee=7,
        nonce=2,
        value=9,
    )
    assert tx == (sender, token, a.transfer.encode([to, 5]), False, 7, 2, 9)
    with pytest.raises(ValueError, match="sender: expected 20 bytes"):
        a.transfer.transaction(b"\x01", token, [to, 5])


def test_call_and_execute_go_through_the_env(erc20):
    a, _ = erc20
    sender, token, who = b"\x01" * 20, b"\x02" * 20, b"\x03" * 20
    log = Log(
        token,
        [a.Transfer.topic, bytes(12) + sender, bytes(12) + who],
        eth_abi.encode(["uint256"], [1]),
    )
    env = FakeEnv(output=eth_abi.encode(["uint256"], [77]), logs=[log], gas=30000)
    assert a.balanceOf.call(env, sender, token, [who]) == ((77,), [log], 30000)
    assert env.calls[-1] == ("call", sender, token, a.balanceOf.encode([who]), 0)
    env.output = eth_abi.encode(["bool"], [True])
    result, logs, gas = a.transfer.execute(env, "0x" + sender.hex(), token, [who, 1], value=3)
    assert result == (True,) and logs == [log] and gas == 30000
    assert env.calls[-1] == ("execute", sender, token, a.transfer.encode([who, 1]), 3)
    env.output = None
    assert a.transfer.call(env, sender, token, [who, 1])[0] is None


def test_constructor_deploy(erc20):
    a, artifact = erc20
    env = FakeEnv()
    deployer = b"\x09" * 20
    args = ["Token", "TKN", 1000]
    expected = bytes.fromhex(artifact["bytecode"]) + eth_abi.encode(
        ["string", "string", "uint256"], args
    )
    for code in (
        artifact["bytecode"],
        "0x" + artifact["bytecode"],
        bytes.fromhex(artifact["bytecode"]),
    ):
        assert a.constructor.deploy(env, deployer, code, args) == b"\xcc" * 20
        assert env.calls[-1] == ("deploy", deployer, "SimpleERC20", expected)
    with pytest.raises(TypeError, match=r"expected 3 argument"):
        a.constructor.deploy(env, deployer, artifact["bytecode"])
    plain = abi.get_abi("Plain", [])
    plain.constructor.deploy(env, deployer, "0x6000")
    assert env.calls[-1] == ("deploy", deployer, "Plain", b"\x60\x00")


# ---------------------------------------------------------------------------
# Loading and malformed ABIs
# ---------------------------------------------------------------------------


def test_load_abi_from_artifact_and_plain_list(tmp_path):
    artifact = shared_json("contracts/build/SimpleERC20.opt.json")
    p = tmp_path / "SimpleERC20.json"
    p.write_text(json.dumps(artifact))
    a = abi.load_abi(p)
    assert a.__name__ == "SimpleERC20" and a.transfer.selector.hex() == "a9059cbb"
    q = tmp_path / "Token.abi.json"
    q.write_text(json.dumps(artifact["abi"]))
    assert abi.load_abi(str(q)).__name__ == "Token"
    r = tmp_path / "hardhat.json"
    r.write_text(json.dumps({"contractName": "X", "abi": json.dumps(artifact["abi"])}))
    assert abi.load_abi(r).balanceOf.inputs == ["address"]


def test_load_vyper_abi():
    data = shared_json("contracts/build/Token.abi.json")
    a = abi.get_abi("Token", data)
    assert a.transfer.selector.hex() == "a9059cbb"


@pytest.mark.parametrize(
    "content,message",
    [
        ("{oops", "not valid JSON"),
        ('{"bytecode": "00"}', "expected an ABI list or an artifact with an 'abi' key"),
        ("5", "expected an ABI list"),
        (
            '[{"type": "function", "name": "f", "inputs": [{"name": "a", "type": "uint7"}]}]',
            "function 'f'.*invalid ABI type 'uint7'",
        ),
    ],
)
def test_load_abi_errors_name_the_file(tmp_path, content, message):
    p = tmp_path / "weird.json"
    p.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        abi.load_abi(p)
    assert str(p) in str(info.value)


@pytest.mark.parametrize(
    "entries,message",
    [
        ({"not": "a list"}, "must be a list"),
        ([5], "entry 0 is not an ABI object"),
        ([{"type": "function", "inputs": []}], "function entry has no name"),
        (
            [{"type": "function", "name": "f", "inputs": [{"name": "a", "type": "blob"}]}],
            "unknown ABI type 'blob'",
        ),
        (
            [{"type": "function", "name": "f", "inputs": [{"name": "a", "type": "tuple"}]}],
            "no 'components'",
        ),
        ([{"type": "function", "name": "f", "inputs": "uint256"}], "'inputs' must be a list"),
        (
            [{"type": "event", "name": "E", "inputs": [{"name": "a"}]}],
            "must be an object with a 'type'",
        ),
        ([{"type": "error", "name": "E", "inputs": [{"name": "a", "type": "uint0"}]}], "error 'E'"),
    ],
)
def test_malformed_abi_raises_clear_errors(entries, message):
    with pytest.raises(ValueError, match=message):
        abi.get_abi("Bad", entries)


def test_abi_from_str_bad_json():
    with pytest.raises(ValueError, match="ABI JSON of 'Foo' is not valid JSON"):
        abi.abi_from_str("Foo", "[{")


def test_unknown_entry_types_are_ignored_and_type_defaults_to_function():
    a = abi.get_abi(
        "X",
        [
            {"type": "fallback"},
            {"type": "receive", "stateMutability": "payable"},
            {"name": "f", "inputs": [], "outputs": []},
        ],
    )
    assert a.f.selector == k256(b"f()")[:4]


def test_functions_events_errors_pickle(erc20):
    import pickle

    a, _ = erc20
    for obj in (a.transfer, a.Transfer, a.errors["InsufficientBalance"], a.constructor):
        clone = pickle.loads(pickle.dumps(obj))
        assert type(clone) is type(obj)
    assert pickle.loads(pickle.dumps(a.transfer)).encode([b"\x01" * 20, 1]) == a.transfer.encode(
        [b"\x01" * 20, 1]
    )


def test_empty_output_explains_itself(erc20):
    a, _ = erc20
    with pytest.raises(
        DecodeError, match=r"balanceOf\(address\) returned no data.*contract at that address"
    ):
        a.balanceOf.decode(b"")


# found by tests/fuzz/decoders.py: bytes(n) of an int topic or data allocated n zero bytes
# (or raised OverflowError for a huge n)
_SWAP = {"type": "event", "name": "Swap", "anonymous": False, "inputs": [
    {"name": "sender", "type": "address", "indexed": True},
    {"name": "amount", "type": "uint256", "indexed": False}]}


def _swap_log():
    ev = abi.Event(_SWAP)
    return ev, (bytes(20), [ev.topic, bytes(12) + b"\x22" * 20], eth_abi.encode(["uint256"], [7]))


def test_decode_log_roundtrip_before_the_malformed_cases():
    ev, log = _swap_log()
    assert ev.decode_log(log) == {"sender": "0x" + "22" * 20, "amount": 7}


@pytest.mark.parametrize("topic, exc, message", [
    (2**40, TypeError, "log topic 1 must be bytes, got int"),
    (2**64, TypeError, "log topic 1 must be bytes, got int"),
    (b"\x22" * 20, ValueError, "log topic 1 must be 32 bytes, got 20"),
    ("0x" + "22" * 32, TypeError, "log topic 1 must be bytes, got str"),
])
def test_decode_log_rejects_malformed_topics(topic, exc, message):
    ev, (address, topics, data) = _swap_log()
    with pytest.raises(exc) as info:
        ev.decode_log((address, [topics[0], topic], data))
    assert message in str(info.value)


@pytest.mark.parametrize("data", [2**40, -1, None])
def test_decode_log_and_revert_reject_non_bytes_data(data):
    ev, (address, topics, _) = _swap_log()
    with pytest.raises(TypeError, match="log data must be bytes"):
        ev.decode_log((address, topics, data))
    if data is not None:
        with pytest.raises(TypeError, match="revert data must be bytes"):
            abi.decode_revert(data)
        with pytest.raises(TypeError, match="revert data must be bytes"):
            abi.decode_error(data)
