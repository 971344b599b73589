"""The fuzzer's own tests and a seeded slice of its runs (a few thousand programs)."""
from __future__ import annotations

import copy
import importlib.util

import pytest

from . import gen
from .minimise import minimise
from .outcome import Account, Outcome, diff
from .runner import ORACLES, check, compare

HAS_REVM = importlib.util.find_spec("pyrevm") is not None
HAS_SPEC = importlib.util.find_spec("ethereum") is not None
needs_revm = pytest.mark.skipif(not HAS_REVM, reason="pyrevm is not installed")
needs_spec = pytest.mark.skipif(not HAS_SPEC, reason="ethereum-execution is not installed")

SEED = 0          # the long runs use other seeds (README.md)
REVM_SLICE = 5000
SPEC_SLICE = 300  # per fork
EXTRA_SLICE = 100


def test_program_is_a_pure_function_of_its_arguments():
    a, b = gen.program(3, 17, "Osaka", "small"), gen.program(3, 17, "Osaka", "small")
    assert a == b
    assert gen.program(3, 18, "Osaka", "small") != a
    assert gen.program(4, 17, "Osaka", "small") != a


def test_generator_covers_the_opcodes_it_promises():
    seen = bytearray()
    for i in range(200):
        for acc in gen.program(SEED, i, "Osaka").accounts.values():
            seen += acc["code"]
    ops = set(seen)
    for op in (0xF0, 0xF1, 0xF2, 0xF4, 0xF5, 0xFA, 0xFF, 0xFD, 0xA0, 0xA4, 0x3E, 0x3D, 0x3B,
               0x3C, 0x3F, 0x55, 0x54, 0x5C, 0x5D, 0x5E, 0x51, 0x52, 0x1E):
        assert op in ops, hex(op)


def test_diff_reports_every_field():
    acc = {b"\x01" * 20: Account(1, 2, b"\x00", {1: 2})}
    base = Outcome("success", b"\x01", 100, [(b"\x01" * 20, (), b"")], acc)
    assert diff(base, copy.deepcopy(base)) == []
    for change in ({"status": "revert"}, {"output": b""}, {"gas_used": 101}, {"logs": []},
                   {"accounts": {b"\x01" * 20: Account(1, 2, b"\x00", {1: 3})}},
                   {"accounts": {b"\x01" * 20: Account(2, 2, b"\x00", {1: 2})}},
                   {"accounts": {}}):
        other = copy.deepcopy(base)
        for k, v in change.items():
            setattr(other, k, v)
        assert diff(base, other), change
    # an absent account and an empty one are the same; an ignored field is not compared
    empty = Outcome("success", b"\x01", 100, [], {b"\x02" * 20: Account(0, 0, b"")})
    assert diff(empty, Outcome("success", b"\x01", 100, [], {})) == []
    assert diff(base, Outcome("success", b"\x01", 100, [(b"\x01" * 20, (), b"")],
                              {b"\x01" * 20: Account(9, 2, b"\x00", {1: 2})}),
                {(b"\x01" * 20, "nonce")}) == []


def test_minimise_keeps_the_failure_and_shrinks():
    p = gen.program(SEED, 5, "Cancun")
    sstore = 0x55
    target = next(a for a, acc in p.accounts.items() if sstore in acc["code"])

    def fails(q):
        return sstore in q.accounts[target]["code"]

    m = minimise(p, fails)
    assert fails(m)
    assert sum(len(a["code"]) for a in m.accounts.values()) < \
        sum(len(a["code"]) for a in p.accounts.values())


@needs_revm
def test_a_wrong_evm_is_caught(monkeypatch):
    """The harness is not vacuous: one unit of gas off is a mismatch."""
    from . import ours

    real = ours.run

    def off_by_one(program):
        out = real(program)
        out.gas_used += 1
        return out

    monkeypatch.setattr(ours, "run", off_by_one)
    assert compare(gen.program(SEED, 0, "Cancun"), "revm")


@needs_revm
@pytest.mark.parametrize("part", range(10))
def test_slice_matches_revm(part):
    n = REVM_SLICE // 10
    for index in range(part * n, (part + 1) * n):
        m = check(SEED, index, "revm", "Cancun")
        assert m is None, m.report()


@needs_spec
@pytest.mark.parametrize("fork", ORACLES["spec"][0])
def test_slice_matches_the_execution_specs(fork):
    for index in range(SPEC_SLICE):
        m = check(SEED, index, "spec", fork)
        assert m is None, m.report()


@needs_spec
@pytest.mark.parametrize("fork", ORACLES["spec"][0])
def test_extra_slice_matches_the_execution_specs(fork):
    """EIP-7702 delegations, contract-creating transactions, fees, EIP-2681 nonces."""
    for index in range(EXTRA_SLICE):
        m = check(SEED, index, "spec", fork, "extra")
        assert m is None, m.report()


def test_extra_programs_have_what_they_promise():
    ps = [gen.program(SEED, i, "Prague", "extra") for i in range(60)]
    assert any(p.to is None for p in ps)
    assert any(p.to in gen.DELEGATED for p in ps)
    assert any(p.gas_price > p.base_fee > 0 for p in ps)
    assert all(p.accounts[d]["code"][:3] == b"\xef\x01\x00" for p in ps for d in gen.DELEGATED)
