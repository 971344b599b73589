"""Differential test of random *bytes* as code, on verbs' EVM and on the fuzzer's oracles.

The structured programs (calls, creates, precompiles, storage, ...) are the fuzzer's
(``tests/fuzz``, with a seeded slice in ``tests/fuzz/test_fuzz.py``); this test reuses its
adapters for the other end of the spectrum: arbitrary bytes, mostly failing programs, run as
the code of the transaction's target.
"""
import random

import pytest
from fuzz import gen, ours
from fuzz.outcome import diff


def random_bytes_program(seed: int, fork: str) -> gen.Program:
    rng = random.Random(seed)
    pushes = list(range(0x5F, 0x80))
    code = bytes(rng.choice(pushes) if rng.random() < 0.25 else rng.randrange(256)
                 for _ in range(rng.randrange(1, 60)))
    target = gen.CONTRACTS[0]
    return gen.Program(fork=fork, to=target, gas=200_000, label=f"random bytes seed={seed}",
                       accounts={
                           gen.CALLER: {"nonce": 0, "balance": 10 ** 20, "code": b"",
                                        "storage": {}},
                           target: {"nonce": 1, "balance": 1000, "code": code, "storage": {}}})


def _check(program, oracle):
    mine = ours.run(program)
    theirs = oracle.run(program, {k for a in mine.accounts.values() for k in a.storage})
    lines = diff(mine, theirs, oracle.IGNORE)
    assert not lines, program.describe() + "\n" + "\n".join(lines)


@pytest.mark.parametrize("seed", range(300))
def test_random_bytes_match_revm(seed):
    revm = pytest.importorskip("fuzz.revm")
    _check(random_bytes_program(seed, "Cancun"), revm)


@pytest.mark.parametrize("fork", ["Prague", "Osaka"])
@pytest.mark.parametrize("seed", range(100))
def test_random_bytes_match_the_execution_specs(seed, fork):
    pytest.importorskip("ethereum")
    from fuzz import spec

    _check(random_bytes_program(seed, fork), spec)
