"""The seeded slice of the decoder fuzzer (``python -m tests.fuzz.decoders``) that CI runs.

Every decoder of untrusted bytes gets a few hundred structurally mutated inputs; only its
documented exceptions may come out (see ``tests/fuzz/README.md`` for the long runs).
"""
from __future__ import annotations

import random

import pytest

from tests.fuzz import decoders

COUNTS = {"state_snapshot": 400, "env_snapshot": 400, "cache_json": 400, "cache_file": 200,
          "original": 150, "authorization": 400, "abi": 400, "rpc": 400}
NEEDS_DATA = {"state_snapshot", "env_snapshot", "cache_json", "cache_file", "original"}


def test_every_target_has_a_slice():
    assert set(COUNTS) == set(decoders.TARGETS)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_mutated_inputs_raise_only_documented_errors(name, request):
    if name in NEEDS_DATA:
        request.getfixturevalue("data_dir")
    target = decoders.TARGETS[name]
    found = []
    for i in range(COUNTS[name]):
        value = target.input(7, i)
        exc = decoders.check(target, value, budget=5.0)
        if exc is not None:
            found.append(f"index {i}: {type(exc).__name__}: {exc}")
    assert not found, f"{name}: undocumented exceptions (seed 7):\n" + "\n".join(found[:10])


def test_inputs_are_a_function_of_seed_and_index():
    target = decoders.TARGETS["authorization"]
    assert target.input(3, 17) == target.input(3, 17)
    assert any(target.input(3, i) != target.input(4, i) for i in range(5))


def test_check_reports_undocumented_exceptions_and_hangs():
    def boom(value):
        raise KeyError(value)

    def hang(value):
        while True:
            pass

    t = decoders.Target("t", lambda: [b""], lambda rng, v: v, boom, (ValueError,))
    assert isinstance(decoders.check(t, b"x"), KeyError)
    t.run = hang
    assert isinstance(decoders.check(t, b"x", budget=0.2), decoders.Budget)
    t.run = lambda value: int("zz")
    assert decoders.check(t, b"x") is None


def test_mutators_reach_length_fields():
    rng = random.Random(1)
    data = bytes(40)
    seen = {decoders.mutate_bytes(rng, data, [(16, 8)])[16:24] for _ in range(300)}
    assert (2**60).to_bytes(8, "little") in seen
    tree = [1, ["ab", [2, "cd"]]]
    mutated = [decoders.mutate_tree(rng, tree) for _ in range(200)]
    assert tree == [1, ["ab", [2, "cd"]]]   # the seed is not modified
    assert any(m != tree for m in mutated)


def test_cli_runs(capsys):
    assert decoders.main(["--target", "authorization", "--count", "50", "--seed", "2",
                          "--mem-gb", "0"]) == 0
    assert "50 inputs seed 2" in capsys.readouterr().out


def test_length_fields_of_2_60_are_rejected_before_allocating():
    import eth_abi

    from verbs import codec, envs
    from verbs._evm import container
    from verbs._evm.state import Snapshot as StateSnapshot

    state = envs.EmptyEnvRandom(1).export_snapshot().state.to_bytes()
    for compress in (False, True):
        data = bytearray(container.pack("state", container.unpack(state, "state"),
                                        compress=compress))
        for offset in (16, 28):  # raw_len, body_len
            bad = bytearray(data)
            bad[offset:offset + 8] = (2**60).to_bytes(8, "little")
            with pytest.raises(ValueError):
                StateSnapshot.from_bytes(bytes(bad))
    encoded = bytearray(eth_abi.encode(["bytes"], [b"abc"]))
    encoded[32:64] = (2**60).to_bytes(32, "big")  # the length word
    with pytest.raises(codec.DecodeError):
        codec.Codec(["bytes"]).decode(bytes(encoded))
