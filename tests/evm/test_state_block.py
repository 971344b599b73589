"""The block checkpoint of the EVM state (State.begin_block / commit_block / discard_block):
a committed block equals the same changes made without it, a discarded block leaves the state
as it was, and misuse is a clear error."""
from __future__ import annotations

import random

import pytest
from evm_asm import asm, push

from verbs._evm.evm import EVM
from verbs._evm.state import State
from verbs._evm.tx import Tx

SENDER = b"\x01" * 20
CONTRACTS = [bytes([0xC0, i]) + b"\x00" * 18 for i in range(3)]
PLAIN = [bytes([0xA0, i]) + b"\x00" * 18 for i in range(6)]
# SSTORE(calldata[0:32], calldata[32:64])
STORE = push(32) + asm("CALLDATALOAD") + push(0) + asm("CALLDATALOAD") + asm("SSTORE", "STOP")


class DictBackend:
    """A Backend answering from dicts (some accounts and slots exist only there)."""

    def __init__(self):
        self.accounts = {PLAIN[0]: (10**18, 3, b""), CONTRACTS[2]: (0, 1, STORE)}
        self.slots = {(CONTRACTS[2], 1): 7, (CONTRACTS[2], 2): 9}

    def basic(self, address):
        return self.accounts.get(address)

    def storage(self, address, slot):
        return self.slots.get((address, slot), 0)

    def block_hash(self, number):
        return number.to_bytes(32, "big")

    def has_storage(self, address):
        return any(v for (a, _), v in self.slots.items() if a == address)


def _evm(backend: bool) -> EVM:
    evm = EVM("Osaka", rules="simulation", backend=DictBackend() if backend else None)
    evm.set_account(SENDER, balance=10**21)
    for c in CONTRACTS[:2]:
        evm.set_account(c, code=STORE, nonce=1)
    return evm


def _ops(rng: random.Random) -> list:
    ops = []
    for _ in range(rng.randrange(1, 8)):
        kind = rng.choice(["store", "store", "store", "set_account", "set_storage",
                           "touch_empty", "transfer"])
        if kind == "store":
            ops.append((kind, rng.choice(CONTRACTS), rng.randrange(4), rng.choice([0, 1, 5])))
        elif kind == "set_account":
            storage = rng.choice([None, {}, {0: rng.randrange(3)}])
            ops.append((kind, rng.choice(PLAIN + CONTRACTS[2:]), rng.randrange(3), storage))
        elif kind == "set_storage":
            ops.append((kind, rng.choice(PLAIN + CONTRACTS), rng.randrange(4), rng.randrange(3)))
        else:
            ops.append((kind, rng.choice(PLAIN), rng.choice([0, 0, 1])))
    return ops


def _apply(evm: EVM, ops: list) -> list:
    out = []
    for op in ops:
        kind = op[0]
        if kind == "store":
            _, to, slot, value = op
            data = slot.to_bytes(32, "big") + value.to_bytes(32, "big")
            r = evm.transact(Tx(SENDER, to=to, data=data, gas_limit=100_000))
            out.append((r.success, r.gas_used))
        elif kind == "set_account":
            _, address, balance, storage = op
            code = STORE if address in CONTRACTS else b""
            evm.set_account(address, balance=balance, code=code, storage=storage)
        elif kind == "set_storage":
            _, address, slot, value = op
            evm.state.set_storage(address, slot, value)
        elif kind == "touch_empty":      # EIP-161: an empty account touched is deleted
            _, address, _ = op
            evm.set_account(address)
            r = evm.transact(Tx(SENDER, to=address, gas_limit=100_000))
            out.append((r.success, r.gas_used, evm.account_exists(address)))
        else:
            _, address, value = op
            r = evm.transact(Tx(SENDER, to=address, value=value, gas_limit=100_000))
            out.append((r.success, r.gas_used))
    return out


@pytest.mark.parametrize("backend", [False, True], ids=["no_backend", "backend"])
@pytest.mark.parametrize("seed", range(6))
def test_blocks_committed_equal_plain_changes_and_discarded_ones_vanish(seed, backend):
    rng = random.Random(seed)
    blocky, plain = _evm(backend), _evm(backend)
    for round_ in range(40):
        ops = _ops(rng)
        before = blocky.dump()
        blocky.state.begin_block()
        assert blocky.state.in_block
        got = _apply(blocky, ops)
        if rng.random() < 0.35:
            blocky.state.discard_block()
            assert blocky.dump() == before, f"round {round_}"
        else:
            blocky.state.commit_block()
            assert got == _apply(plain, ops), f"round {round_}"
        assert not blocky.state.in_block
        assert blocky.dump() == plain.dump(), f"round {round_}"
        if round_ % 7 == 6:      # snapshots between blocks see the same state
            assert blocky.export_snapshot() == plain.export_snapshot()
    assert blocky.state.depth == plain.state.depth


def test_a_snapshot_taken_before_a_block_is_not_changed_by_it():
    evm = _evm(False)
    evm.transact(Tx(SENDER, to=CONTRACTS[0], data=(1).to_bytes(32, "big") * 2))
    snap = evm.export_snapshot()
    frozen = snap.dump()
    for finish in ("commit_block", "discard_block"):
        evm.state.begin_block()
        evm.transact(Tx(SENDER, to=CONTRACTS[0], data=(1).to_bytes(32, "big") + bytes(32)))
        evm.set_account(PLAIN[1], balance=5)
        getattr(evm.state, finish)()
        assert snap.dump() == frozen
    assert evm.get_storage(CONTRACTS[0], 1) == 0 and evm.get_balance(PLAIN[1]) == 5
    other = EVM("Osaka", rules="simulation", snapshot=snap)
    assert other.get_storage(CONTRACTS[0], 1) == 1


def test_a_block_over_an_empty_top_layer_and_over_a_snapshot():
    evm = _evm(False)
    evm.export_snapshot()           # the top layer is now empty: commit swaps the tables in
    evm.state.begin_block()
    evm.transact(Tx(SENDER, to=CONTRACTS[1], data=(2).to_bytes(32, "big") * 2))
    evm.state.commit_block()
    assert evm.get_storage(CONTRACTS[1], 2) == 2
    evm.state.begin_block()
    evm.transact(Tx(SENDER, to=CONTRACTS[1], data=(3).to_bytes(32, "big") * 2))
    evm.state.commit_block()
    assert evm.get_storage(CONTRACTS[1], 2) == 2 and evm.get_storage(CONTRACTS[1], 3) == 3
    assert evm.get_nonce(SENDER) == 2


def test_misuse_is_a_clear_error():
    s = State()
    with pytest.raises(RuntimeError, match="without begin_block"):
        s.commit_block()
    with pytest.raises(RuntimeError, match="without begin_block"):
        s.discard_block()
    s.begin_block()
    with pytest.raises(RuntimeError, match="inside a block"):
        s.begin_block()
    with pytest.raises(RuntimeError, match="inside a block"):
        s.export_snapshot()
    s.set_account(PLAIN[0], balance=1)
    s.commit_block()
    assert s.get_balance(PLAIN[0]) == 1
    s.export_snapshot()


def test_a_transaction_failing_inside_a_block_is_discarded_with_the_block():
    class Failing(DictBackend):
        fail = False

        def storage(self, address, slot):
            if self.fail:
                raise ConnectionError("node down")
            return super().storage(address, slot)

    backend = Failing()
    evm = EVM("Osaka", rules="simulation", backend=backend)
    evm.set_account(SENDER, balance=10**21)
    before = evm.dump()
    evm.state.begin_block()
    evm.transact(Tx(SENDER, to=CONTRACTS[2], data=(1).to_bytes(32, "big") + bytes(32)))
    backend.fail = True
    with pytest.raises(ConnectionError):
        evm.transact(Tx(SENDER, to=CONTRACTS[2], data=(3).to_bytes(32, "big") * 2))
    evm.state.discard_block()
    assert evm.dump() == before
    backend.fail = False
    assert evm.get_storage(CONTRACTS[2], 1) == 7 and evm.get_nonce(SENDER) == 0
