"""Environment snapshots: copy-on-write isolation, value semantics, binary form."""
import json
import pickle

import pytest

from verbs import envs, utils
from verbs.envs import Snapshot

INITIAL_VALUE = 101  # the constructor argument of the `deployed` fixture


def test_env_from_snapshot_sees_state_and_block(deployed):
    env, a, address, admin = deployed
    env.process_block()
    snap = env.export_snapshot()
    clone = envs.EmptyEnvRandom(5, snapshot=snap)
    assert a.getValue.call(clone, admin, address, [])[0][0] == INITIAL_VALUE
    assert clone.block_number == env.block_number and clone.timestamp == env.timestamp
    assert clone.step == env.step == 1


def test_envs_from_one_snapshot_do_not_see_each_others_writes(deployed):
    env, a, address, admin = deployed
    snap = env.export_snapshot()
    one = envs.EmptyEnvRandom(1, snapshot=snap)
    two = envs.EmptyEnvGasPriority(2, snapshot=snap)
    a.setValue.execute(one, admin, address, [1])
    a.setValue.execute(two, admin, address, [2])
    a.setValue.execute(env, admin, address, [3])
    assert a.getValue.call(one, admin, address, [])[0][0] == 1
    assert a.getValue.call(two, admin, address, [])[0][0] == 2
    assert a.getValue.call(env, admin, address, [])[0][0] == 3
    three = envs.EmptyEnvRandom(3, snapshot=snap)
    assert a.getValue.call(three, admin, address, [])[0][0] == INITIAL_VALUE


def test_snapshot_equality_and_roundtrip(deployed):
    env, a, address, admin = deployed
    snap = env.export_snapshot()
    again = envs.EmptyEnvRandom(1, snapshot=snap).export_snapshot()
    assert snap == again
    data = snap.to_bytes()
    assert Snapshot.from_bytes(data) == snap
    assert pickle.loads(pickle.dumps(snap)) == snap
    a.setValue.execute(env, admin, address, [77])
    assert env.export_snapshot() != snap


def test_snapshot_save_and_load(deployed, tmp_path):
    env, a, address, admin = deployed
    snap = env.export_snapshot()
    path = tmp_path / "env.snapshot"
    snap.save(path)
    loaded = Snapshot.load(path)
    clone = envs.EmptyEnvRandom(9, snapshot=loaded)
    assert a.getValue.call(clone, admin, address, [])[0][0] == INITIAL_VALUE


@pytest.mark.parametrize("damage", ["truncate", "flip", "version", "magic"])
def test_corrupt_snapshot_raises_clear_error(deployed, damage):
    env, *_ = deployed
    data = bytearray(env.export_snapshot().to_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "version":
        data[8] += 1
    else:
        data[0:8] = b"NOTSNAPS"
    with pytest.raises(ValueError, match="snapshot"):
        Snapshot.from_bytes(bytes(data))


def test_snapshot_and_cache_together_is_an_error(deployed):
    env, *_ = deployed
    with pytest.raises(ValueError, match="not both"):
        envs.EmptyEnvRandom(1, snapshot=env.export_snapshot(), cache=(0, 0, [], []))


def test_zero_address_not_refunded_from_snapshot(deployed):
    env, *_ = deployed
    env.create_account(utils.ZERO_ADDRESS, 1)
    clone = envs.EmptyEnvRandom(1, snapshot=env.export_snapshot())
    assert clone.get_balance(utils.ZERO_ADDRESS) == 1


def test_each_level_names_the_other_kind(deployed):
    from verbs._evm.state import Snapshot as StateSnapshot

    env, *_ = deployed
    snap = env.export_snapshot()
    with pytest.raises(ValueError, match="verbs state snapshot, not a env snapshot"):
        Snapshot.from_bytes(snap.state.to_bytes())
    with pytest.raises(ValueError, match="verbs env snapshot, not a state snapshot"):
        StateSnapshot.from_bytes(snap.to_bytes())


def _with_header(header) -> bytes:
    from verbs._evm import container
    snap = envs.EmptyEnvRandom(1).export_snapshot()
    payload = container.unpack(snap.to_bytes(), "env")
    n = int.from_bytes(payload[:4], "little")
    raw = json.dumps(header).encode()
    return container.pack("env", len(raw).to_bytes(4, "little") + raw + payload[4 + n:])


@pytest.mark.parametrize("header, message", [
    ({"block": [], "step": 0}, "block must be an object, got list"),
    ({"block": None, "step": 0}, "block must be an object, got NoneType"),
    ([1, 2], "the header is list, not an object"),
    ({"block": {"number": -1}, "step": 0}, "block number must be a 256-bit unsigned int"),
    ({"block": {"number": "5"}, "step": 0}, "block number must be a 256-bit unsigned int"),
    ({"block": {"coinbase": {"hex": 5}}, "step": 0}, "block coinbase must be a hex string"),
    ({"block": {}, "step": -3}, "step must be a non-negative int, got -3"),
    ({"block": {}, "step": True}, "step must be a non-negative int, got True"),
])
def test_from_bytes_rejects_a_malformed_header_naming_the_field(header, message):
    # found by tests/fuzz/decoders.py: a header block that is not an object raised
    # AttributeError, and out-of-range values loaded silently
    with pytest.raises(ValueError) as info:
        envs.Snapshot.from_bytes(_with_header(header))
    assert "snapshot header is corrupt" in str(info.value)
    assert message in str(info.value)


def test_from_bytes_accepts_its_own_header_form():
    snap = envs.EmptyEnvRandom(1).export_snapshot()
    from verbs.envs.snapshot import _block_to_json
    back = envs.Snapshot.from_bytes(_with_header({"block": _block_to_json(snap.block),
                                                  "step": 4}))
    assert back.block == snap.block and back.step == 4
