"""Environment snapshots: copy-on-write isolation, value semantics, binary form."""
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
