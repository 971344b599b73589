"""Programs where the differential fuzzer (tests/fuzz) saw verbs and an oracle disagree.

Each case is a minimised program with its expected outcome worked out from the execution
specs, checked on verbs and, where ``ethereum-execution`` is installed, on the specs too.
So far every disagreement was the oracle's (pyrevm's ``message_call``; see
tests/fuzz/revm.py): these tests keep verbs on the right side of each.
"""
from __future__ import annotations

import importlib.util

import pytest
from fuzz import gen, ours
from fuzz.asm import asm, push
from fuzz.outcome import diff

C0, C1, C3 = gen.CONTRACTS[0], gen.CONTRACTS[1], gen.CONTRACTS[3]
KEY = 2 ** 255 + 7


def world(fork: str, code: bytes, storage: dict | None = None, others: dict | None = None,
          gas: int = 100_000) -> gen.Program:
    accounts = {gen.CALLER: {"nonce": 0, "balance": 10 ** 18, "code": b"", "storage": {}},
                C0: {"nonce": 1, "balance": 0, "code": code, "storage": storage or {}}}
    for a, acc in (others or {}).items():
        accounts[a] = {"nonce": 1, "balance": 0, "code": b"", "storage": {}, **acc}
    return gen.Program(fork=fork, accounts=accounts, to=C0, gas=gas)


def run_checked(program: gen.Program):
    """verbs' outcome, after checking it equals the execution specs' where installed."""
    mine = ours.run(program)
    if importlib.util.find_spec("ethereum") is not None:
        from fuzz import spec

        p = gen.Program(**{**program.__dict__, "fork": "Prague"})
        assert diff(ours.run(p), spec.run(p)) == []
    return mine


@pytest.mark.parametrize("fork", ["Cancun", "Prague", "Osaka"])
def test_sstore_of_a_slot_with_a_nonzero_original_value(fork):
    # pyrevm's insert_account_storage makes such a slot dirty with original 0 (cost 100)
    reverted = run_checked(world(fork, asm("PUSH1", 2, "PUSH1", 5, "SSTORE", "PUSH0", "PUSH0",
                                           "REVERT"), {5: 1}))
    assert (reverted.status, reverted.gas_used) == ("revert", 21000 + 6 + 2100 + 2900 + 4)
    assert reverted.accounts[C0].storage == {5: 1}
    changed = run_checked(world(fork, asm("PUSH1", 2, "PUSH1", 5, "SSTORE", "STOP"), {5: 1}))
    assert (changed.gas_used, changed.accounts[C0].storage) == (21000 + 6 + 5000, {5: 2})
    # clearing it refunds 4800 (EIP-3529), under the cap of a fifth of the gas used
    cleared = run_checked(world(fork, asm("PUSH0", "PUSH1", 5, "SSTORE", "STOP"), {5: 1}))
    assert (cleared.gas_used, cleared.accounts[C0].storage) == (21000 + 5 + 5000 - 4800, {})


@pytest.mark.parametrize("fork", ["Cancun", "Osaka"])
def test_an_account_with_storage_is_cold(fork):
    # pyrevm leaves an account warm once storage is inserted for it
    code = asm("PUSH0", "PUSH0", "PUSH0", "PUSH0") + push(int.from_bytes(C1, "big")) \
        + asm("PUSH1", 100, "STATICCALL", "POP", "STOP")
    out = run_checked(world(fork, code, others={C1: {"code": b"\x00", "storage": {1: 1}}}))
    assert (out.status, out.gas_used) == ("success", 21000 + 8 + 3 + 3 + 2600 + 2)


def _create(fork: str, init: bytes) -> tuple:
    g = gen.Gen(None, fork, "small")
    code = g.write_memory(0, init) + push(len(init)) + push(0) + push(0) + asm("CREATE") \
        + push(0) + asm("SSTORE", "STOP")
    return run_checked(world(fork, code, gas=300_000)), gen.create_address(C0, 1)


@pytest.mark.parametrize("fork", ["Cancun", "Prague"])
def test_created_and_self_destructed_in_one_transaction(fork):
    # EIP-6780: the account goes, storage and all; pyrevm's journal still holds it
    init = push(1) + push(KEY) + asm("SSTORE") + push(int.from_bytes(C3, "big")) \
        + asm("SELFDESTRUCT")
    out, created = _create(fork, init)
    assert out.status == "success"
    assert out.accounts[C0].storage == {0: int.from_bytes(created, "big")}
    assert out.accounts[C0].nonce == 2
    assert created not in out.accounts or out.accounts[created].empty()


@pytest.mark.parametrize("fork", ["Cancun", "Osaka"])
def test_created_code_is_exactly_what_the_constructor_returned(fork):
    # pyrevm's get_code pads the analysed code with zero bytes
    runtime = asm("PUSH1", 1, "PUSH0", "SSTORE", "PUSH1", 0x20, "PUSH0", "REVERT")
    g = gen.Gen(None, fork, "small")
    init = g.write_memory(0, runtime) + push(len(runtime)) + push(0) + asm("RETURN")
    out, created = _create(fork, init)
    assert out.accounts[created].code == runtime
    assert out.accounts[created].nonce == 1


@pytest.mark.parametrize("fork", ["Cancun", "Osaka"])
def test_gaslimit_is_the_block_gas_limit(fork):
    # pyrevm's GASLIMIT answers EVM(gas_limit=...), not the block env's gas limit
    out = run_checked(world(fork, asm("GASLIMIT", "PUSH1", 2, "SSTORE", "STOP")))
    assert out.accounts[C0].storage == {2: gen.BLOCK["gas_limit"]}


@pytest.mark.parametrize("fork", ["Cancun", "Osaka"])
def test_point_evaluation_of_the_zero_polynomial(fork):
    """Not a disagreement: the fuzzer's only valid KZG input, checked on every oracle."""
    import random

    from fuzz import inputs

    data = inputs.point_evaluation_valid(random.Random(1))
    g = gen.Gen(None, fork, "small")
    code = g.write_memory(0x100, data) + push(0x40) + push(0) + push(len(data)) \
        + push(0x100) + push(10) + asm("GAS", "STATICCALL") + push(0x40) \
        + asm("MSTORE") + push(0x60) + push(0) + asm("RETURN")
    p = world(fork, code, gas=300_000)
    out = run_checked(p)
    assert out.status == "success"
    assert out.output == (4096).to_bytes(32, "big") + inputs.BLS_MODULUS.to_bytes(32, "big") \
        + (1).to_bytes(32, "big")
    if fork == "Cancun" and importlib.util.find_spec("pyrevm") is not None:
        from fuzz import revm

        assert diff(out, revm.run(p), revm.IGNORE) == []
