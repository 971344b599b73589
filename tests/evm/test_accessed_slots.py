"""EVM.call_accessed_slots: the storage slots a call warmed, in order, for deal."""
from __future__ import annotations

import pytest

from verbs._evm.evm import EVM
from verbs._evm.tx import InvalidTransaction, Tx

A = bytes.fromhex("00000000000000000000000000000000000000aa")
B = bytes.fromhex("00000000000000000000000000000000000000bb")
SENDER = bytes.fromhex("00000000000000000000000000000000000000ee")


def push1(v: int) -> bytes:
    return bytes([0x60, v])


def test_slots_in_first_access_order_with_addresses_and_no_revert_frames():
    evm = EVM(rules="simulation")
    # B: SLOAD 9, SSTORE 8 := 1, then REVERT: its slots are not in the answer
    evm.set_account(B, code=push1(9) + b"\x54\x50" + push1(1) + push1(8) + b"\x55"
                    + push1(0) + b"\x80\xfd")
    # A: SLOAD 5, SLOAD 3, SLOAD 5 again, CALL B (reverts), SSTORE 7 := 2, STOP
    call_b = (push1(0) + b"\x80\x80\x80\x80" + b"\x73" + B + b"\x5a\xf1\x50")
    code = (push1(5) + b"\x54\x50" + push1(3) + b"\x54\x50" + push1(5) + b"\x54\x50"
            + call_b + push1(2) + push1(7) + b"\x55\x00")
    evm.set_account(A, code=code)
    evm.state.set_storage(A, 3, 33)
    result, slots = evm.call_accessed_slots(Tx(SENDER, to=A, gas_limit=1_000_000))
    assert result.success
    assert slots == [(A, 5), (A, 3), (A, 7)]
    # nothing was committed; the journal is clear again
    assert evm.get_storage(A, 7) == 0 and evm.state.accessed_slots() == []


def test_access_list_slots_come_first():
    evm = EVM(rules="simulation")
    evm.set_account(A, code=push1(1) + b"\x54\x00")
    tx = Tx(SENDER, to=A, gas_limit=100_000, access_list=[(B, (4,))])
    _, slots = evm.call_accessed_slots(tx)
    assert slots == [(B, 4), (A, 1)]


def test_invalid_transaction_raises_and_leaves_no_journal():
    evm = EVM()  # mainnet rules: the sender cannot pay
    evm.set_account(A, code=push1(1) + b"\x54\x00")
    with pytest.raises(InvalidTransaction):
        evm.call_accessed_slots(Tx(SENDER, to=A, gas_limit=100_000, gas_price=10**9))
    assert evm.state.accessed_slots() == []
