"""The original verbs 0.4 snapshot 5-tuple: reading ours as it, loading it, and verbs 0.4.1."""
from __future__ import annotations

import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verbs import abi, envs
from verbs._evm.keccak import keccak256
from verbs.envs import Snapshot
from verbs.envs.base import SIM_GAS_LIMIT
from verbs.envs.original import ORIGINAL_GAS_LIMIT, from_original, shareable

REPO = Path(__file__).resolve().parents[2]
VENV04 = REPO / "benchmarks" / ".venv-verbs04"
INITIAL_VALUE = 101  # the constructor argument of the `deployed` fixture


def _le(v: int) -> bytes:
    return v.to_bytes(32, "little")


@pytest.fixture(scope="module")
def original_pickle(data_dir):
    """verbs 0.4.1's export_snapshot() 5-tuple, pickled, and the answers that come with it."""
    with open(data_dir / "verbs04-snapshot.pkl", "rb") as f:
        snapshot = pickle.load(f)
    answers = json.loads((data_dir / "verbs04-snapshot.json").read_text())["answers"]
    erc20 = json.loads((data_dir / "erc20-verbs-example.json").read_text())
    return snapshot, answers, abi.get_abi("ERC20", erc20["abi"])


def _balances(env, token_abi, token, holders) -> dict:
    return {h: token_abi.balanceOf.call(env, h, token, [h])[0][0] for h in holders}


@pytest.mark.parametrize("env_type", [envs.EmptyEnvRandom, envs.EmptyEnvGasPriority])
@pytest.mark.parametrize("form", [tuple, list])
def test_verbs04_pickle_gives_every_answer(original_pickle, env_type, form):
    snapshot, answers, token_abi = original_pickle
    env = env_type(11, snapshot=form(snapshot))
    assert env.block_number == answers["block_number"]
    assert env.timestamp == answers["timestamp"]
    # the tuple has no step: as the original, the env starts at 0; the exporting env had run
    # answers["step"] blocks from block 0, which the block number carries
    assert env.step == 0 and env.block_number - answers["step"] == 0
    assert (
        _balances(env, token_abi, answers["token"], answers["token_balances"])
        == answers["token_balances"]
    )
    assert env.get_balance(answers["admin"]) > 0
    env.process_block()
    assert (env.step, env.block_number, env.timestamp) == (1, answers["block_number"] + 1,
                                                          answers["timestamp"] + 15)


def _storage_sorted(accounts):
    return sorted((a, (info, state, sorted(slots))) for a, (info, state, slots) in accounts)


def test_reading_a_verbs04_tuple_back_gives_the_same_tuple(original_pickle):
    """Shapes, byte orders, code padding, account states: ours equals the original's export."""
    snapshot, _, _ = original_pickle
    ours = envs.EmptyEnvRandom(1, snapshot=snapshot).export_snapshot()
    assert ours[0] == snapshot[0]
    assert _storage_sorted(ours[1]) == _storage_sorted(snapshot[1])
    assert sorted(ours[2]) == sorted(snapshot[2])
    assert ours[3] == list(snapshot[3]) and ours[4] == list(snapshot[4])


def test_snapshot_reads_as_the_5_tuple(deployed):
    env, a, address, admin = deployed
    env.process_block()
    snap = env.export_snapshot()
    assert snap._original is None  # built on first access only
    clone = envs.EmptyEnvRandom(3, snapshot=snap)
    assert snap._original is None  # an env from a Snapshot does not convert it
    assert len(snap) == 5
    block_env, accounts, contracts, logs, block_hashes = snap
    as_tuple = tuple(snap)
    assert snap._original is not None
    assert (snap[0], snap[1], snap[2], snap[3], snap[4]) == as_tuple
    assert snap[-1] is snap[4] and snap[1:3] == as_tuple[1:3] and snap[::-1] == as_tuple[::-1]
    with pytest.raises(IndexError):
        snap[5]
    assert block_env[0] == _le(env.block_number) and block_env[2] == _le(env.timestamp)
    assert block_env[1] == bytes(20) and block_env[3] == _le(ORIGINAL_GAS_LIMIT)
    assert block_env[6] == env.evm.prevrandao and block_env[7] == (0, 1)
    by_address = dict(accounts)
    (_balance, _nonce, code_hash, code), state, slots = by_address[address]
    runtime = env.evm.get_code(address)
    assert code == runtime + bytes(33) and code_hash == keccak256(runtime) and state == 2
    assert (keccak256(runtime), code) in contracts
    assert _le(INITIAL_VALUE) in dict(slots).values()
    (balance, _nonce, code_hash, code), state, slots = by_address[admin]
    assert int.from_bytes(balance, "little") == env.get_balance(admin)
    assert (code, code_hash, state, slots) == (b"\x00", keccak256(b""), 1, [])
    assert logs == [] and block_hashes == []
    # value semantics and the binary form are untouched by the view
    assert snap == pickle.loads(pickle.dumps(snap)) == Snapshot.from_bytes(snap.to_bytes())
    assert a.getValue.call(clone, admin, address, [])[0][0] == INITIAL_VALUE


def test_env_from_our_tuple_has_the_same_state(deployed):
    env, a, address, admin = deployed
    a.setValue.execute(env, admin, address, [77])
    env.process_block()
    snap = env.export_snapshot()
    for form in (tuple(snap), list(snap), pickle.loads(pickle.dumps(tuple(snap)))):
        again = envs.EmptyEnvGasPriority(9, snapshot=form)
        copy = again.export_snapshot()
        assert copy.state == snap.state and copy.block == snap.block and copy.step == 0
        assert a.getValue.call(again, admin, address, [])[0][0] == 77
        assert tuple(copy) == tuple(snap)


def _minimal(**changes) -> list:
    """A valid original tuple (one EOA, one contract) with fields replaced."""
    code = bytes.fromhex("6003406000526020" "6000f3")  # return BLOCKHASH(3)
    block = [_le(5), bytes(20), _le(75), _le(ORIGINAL_GAS_LIMIT), _le(0), _le(0), bytes(32), (0, 1)]
    eoa = [b"\x01" * 20, [[_le(10), 0, keccak256(b""), b"\x00"], 1, []]]
    contract = [
        b"\x02" * 20, [[_le(0), 1, keccak256(code), code + bytes(33)], 2, [(_le(1), _le(9))]]
    ]
    t = [block, [eoa, contract], [(keccak256(code), code + bytes(33))], [], []]
    for key, value in changes.items():
        path = key.split("__")
        target = t
        for p in path[:-1]:
            target = target[int(p)]
        target[int(path[-1])] = value
    return t


def test_minimal_tuple_loads_and_block_hashes_answer_blockhash():
    t = _minimal()
    env = envs.EmptyEnvRandom(1, snapshot=t)
    assert env.get_balance(b"\x01" * 20) == 10 and env.evm.get_storage(b"\x02" * 20, 1) == 9
    assert env.evm.gas_limit == SIM_GAS_LIMIT
    empty_env_hash = env.call(b"\x01" * 20, b"\x02" * 20, b"")[0]
    assert empty_env_hash == keccak256(b"3")  # what an empty env answers
    t[4] = [(_le(3), b"\xaa" * 32)]
    env = envs.EmptyEnvRandom(1, snapshot=t)
    assert env.call(b"\x01" * 20, b"\x02" * 20, b"")[0] == b"\xaa" * 32
    # code given as None is read from the contracts by its hash
    t = _minimal()
    t[1][1] = (b"\x02" * 20, ((_le(0), 1, t[2][0][0], None), 2, []))
    assert envs.EmptyEnvRandom(1, snapshot=t).evm.get_code(b"\x02" * 20) == bytes.fromhex(
        "60034060005260206000f3")
    # revm's NotExisting accounts are left out
    t = _minimal()
    t[1][0] = (b"\x01" * 20, ((_le(0), 0, keccak256(b""), b"\x00"), 0, []))
    assert not envs.EmptyEnvRandom(1, snapshot=t).evm.account_exists(b"\x01" * 20)


def test_code_keeps_its_own_trailing_zero_bytes():
    code = bytes.fromhex("600160005500") + b"\x00\x00"  # ends in zero bytes of its own
    t = _minimal()
    t[1][1] = (b"\x02" * 20, ((_le(0), 1, keccak256(code), code + bytes(33)), 2, []))
    snapshot, _ = from_original(t)
    assert snapshot.state.dump()[b"\x02" * 20][2] == code


BAD = [
    ("not a tuple", {"x": 1}, TypeError, r"Snapshot or the original's 5-tuple, got dict"),
    ("4 fields", _minimal()[:4], ValueError, r"expected 5 fields \(block env, accounts"),
    ("block arity", _minimal(**{"0": [b""] * 7}), ValueError,
     r"block env: expected 8 fields, got 7"),
    ("number type", _minimal(**{"0__0": 5}), TypeError, r"block env number must be bytes, got int"),
    ("number size", _minimal(**{"0__0": bytes(33)}), ValueError,
     r"block env number: .* at most 32"),
    ("coinbase", _minimal(**{"0__1": bytes(19)}), ValueError,
     r"block env coinbase: expected 20 bytes"),
    ("prevrandao", _minimal(**{"0__6": bytes(31)}), ValueError,
     r"prevrandao: expected 32 bytes, got 31"),
    ("blob", _minimal(**{"0__7": (0,)}), ValueError, r"blob .*: expected 2 fields"),
    ("big number", _minimal(**{"0__0": _le(1 << 64)}), ValueError,
     r"number: .* does not fit 64 bits"),
    ("accounts type", _minimal(**{"1": {}}), TypeError,
     r"accounts must be a tuple or list, got dict"),
    ("address", _minimal(**{"1__0": (b"\x01" * 19, None)}), ValueError,
     r"accounts\[0\] address: expected 20 bytes, got 19"),
    ("account arity", _minimal(**{"1__0": (b"\x01" * 20, ((_le(1), 0, bytes(32), b"\x00"), 1))}),
     ValueError, r"accounts\[0\] \(0x0101.*\): expected 3 fields, got 2"),
    ("nonce", _minimal(**{"1__0": (b"\x01" * 20, ((_le(1), -1, keccak256(b""), b"\x00"), 1, []))}),
     ValueError, r"accounts\[0\] .* nonce: -1 is out of range"),
    ("nonce type",
     _minimal(**{"1__0": (b"\x01" * 20, ((_le(1), "0", keccak256(b""), b"\x00"), 1, []))}),
     TypeError, r"nonce must be an int, got str"),
    ("state", _minimal(**{"1__0": (b"\x01" * 20, ((_le(1), 0, keccak256(b""), b"\x00"), 4, []))}),
     ValueError, r"account state: 4 is not 0-3"),
    ("code hash",
     _minimal(**{"1__1": (b"\x02" * 20, ((_le(0), 1, bytes(32), b"\x60\x00" + bytes(33)), 2, []))}),
     ValueError, r"accounts\[1\] .* code: no prefix of the code hashes to its code hash"),
    ("missing code", _minimal(**{"1__1": (b"\x02" * 20, ((_le(0), 1, b"\x05" * 32, None), 2, []))}),
     ValueError, r"code: no code, and contracts lack its hash 0x0505"),
    ("slot", _minimal(**{"1__1__1__2": [(bytes(33), _le(1))]}), ValueError,
     r"accounts\[1\] .* storage\[0\] slot: a 256-bit integer is at most 32 bytes"),
    ("twice", _minimal(**{"1__1": _minimal()[1][0]}), ValueError,
     r"accounts\[1\] .*: listed twice"),
    ("contract", _minimal(**{"2__0": (b"\x01", b"")}), ValueError,
     r"contracts\[0\] code hash: expected 32"),
    ("topic", _minimal(**{"3": [(b"\x01" * 20, [b"\x01"], b"")]}), ValueError,
     r"logs\[0\] topics\[0\]: expected 32 bytes, got 1"),
    ("block hash", _minimal(**{"4": [(_le(1), b"\x01" * 31)]}), ValueError,
     r"block hashes\[0\] hash: expected 32 bytes, got 31"),
    # found by tests/fuzz/decoders.py: EIP-4844's fake_exponential hung on 2**60
    ("excess blob gas", _minimal(**{"0__7": (1 << 60, 1)}), ValueError,
     r"excess_blob_gas: 1152921504606846976 is beyond any reachable value"),
]


@pytest.mark.parametrize("bad, error, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_malformed_tuples_raise_naming_the_field(bad, error, message):
    with pytest.raises(error, match=message):
        envs.EmptyEnvRandom(1, snapshot=bad)


# ------------------------------------------------------------------ both ways with verbs 0.4.1

_ORIGINAL_SCRIPT = """
import json, pickle, sys
import verbs
tuple_path, token, abi_path, holders, mover = sys.argv[1:6]
abi_json = json.load(open(abi_path))["abi"]
token_abi = verbs.abi.get_abi("ERC20", abi_json)
env = verbs.envs.EmptyEnvRandom(5, pickle.load(open(tuple_path, "rb")))
token = bytes.fromhex(token[2:])
holders = [bytes.fromhex(h[2:]) for h in json.loads(holders)]
before = {"0x" + h.hex(): token_abi.balanceOf.call(env, h, token, [h])[0][0] for h in holders}
mover = bytes.fromhex(mover[2:])
token_abi.transfer.execute(env, mover, token, [holders[0], 12345])
env.process_block()
after = {"0x" + h.hex(): token_abi.balanceOf.call(env, h, token, [h])[0][0] for h in holders}
print(json.dumps({"module": verbs.__file__, "step": env.step, "before": before, "after": after}))
"""


def _original_python() -> str:
    """verbs 0.4.1's interpreter, its venv made on first use as the benchmarks make it."""
    py = VENV04 / "bin" / "python"
    if py.exists():
        return str(py)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV04)], check=True, capture_output=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "verbs==0.4.1"], check=True,
                       capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"verbs 0.4.1's virtual environment ({VENV04}) could not be made: {exc} "
                    f"{detail.decode(errors='replace')[-300:]}")
    return str(py)


def test_our_tuple_loads_into_verbs_041_with_the_same_balances(original_pickle, data_dir, tmp_path):
    snapshot, answers, token_abi = original_pickle
    python = _original_python()
    env = envs.EmptyEnvRandom(2, snapshot=snapshot)
    holders = list(answers["token_balances"])
    # change the state here first, so verbs 0.4.1 reads our state and not its own export
    token = answers["token"]
    token_abi.transfer.execute(env, holders[1], token, [holders[2], 10**17])
    env.process_block()
    ours = env.export_snapshot()
    tuple_path = tmp_path / "ours.pkl"
    with open(tuple_path, "wb") as f:
        pickle.dump(tuple(ours), f)
    mover = holders[3]
    with tempfile.TemporaryDirectory() as cwd:  # never import this repository's verbs
        out = subprocess.run(
            [python, "-I", "-c", _ORIGINAL_SCRIPT, str(tuple_path), token,
             str(data_dir / "erc20-verbs-example.json"), json.dumps(holders), mover],
            cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
        )
    assert out.returncode == 0, out.stderr[-3000:]
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    assert str(VENV04) in theirs["module"]
    assert theirs["before"] == _balances(env, token_abi, token, holders)
    assert theirs["before"][holders[2]] == answers["token_balances"][holders[2]] + 10**17
    token_abi.transfer.execute(env, mover, token, [holders[0], 12345])
    assert theirs["after"] == _balances(env, token_abi, token, holders)
    assert theirs["step"] == 1


def test_shareable_reads_a_tuple_once_unless_it_carries_block_hashes():
    t = _minimal()
    shared = shareable(t)
    assert isinstance(shared, Snapshot) and shared.state == from_original(t)[0].state
    assert shareable(shared) is shared
    t[4] = [(_le(3), b"\xaa" * 32)]
    assert shareable(t) is t  # kept as the tuple, so each env answers BLOCKHASH from it


_accounts = st.dictionaries(
    st.binary(min_size=20, max_size=20),
    st.tuples(
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**256 - 1),
        st.one_of(st.just(b""), st.binary(min_size=1, max_size=40)),
        st.dictionaries(st.integers(0, 2**256 - 1), st.integers(1, 2**256 - 1), max_size=4),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(_accounts, st.integers(0, 2**40), st.integers(0, 2**40), st.binary(min_size=32, max_size=32))
def test_any_state_survives_the_tuple_both_ways(accounts, number, timestamp, prevrandao):
    env = envs.EmptyEnvRandom(1)
    for address, (nonce, balance, code, storage) in accounts.items():
        env.evm.set_account(address, nonce=nonce, balance=balance, code=code, storage=storage)
    env.evm.set_block(number=number, timestamp=timestamp, prevrandao=prevrandao)
    snap = env.export_snapshot()
    again, hashes = from_original(pickle.loads(pickle.dumps(tuple(snap))))
    assert again.state == snap.state and hashes == {}
    assert again.block == snap.block and again.step == 0
    assert tuple(again) == tuple(snap)
