"""EVM.transact (verbs/_evm/evm.pyx): an exception is never a transaction outcome.

A Backend that fails (an RPC error, a strict-cache miss) or a precompile library that raises
ends the transaction with that exception, typed and chained, and leaves the state exactly as
before the call; the EVM stays usable.
"""
import pytest
from evm_asm import asm, push

from verbs._evm import precompiles
from verbs._evm.evm import EVM
from verbs._evm.tx import InvalidTransaction, Tx
from verbs.errors import EVMInternalError

SENDER = b"\x01" * 20
ME = b"\x10" * 20
UNKNOWN = b"\x33" * 20
SHA256 = b"\x00" * 19 + b"\x02"


class BackendDown(ConnectionError):
    """What a Backend raises when its node stops answering."""


class FailingBackend:
    """An empty chain whose node fails on any question about ``UNKNOWN`` once armed."""

    def __init__(self):
        self.armed = False
        self.fail_on = UNKNOWN

    def basic(self, address):
        if self.armed and address == self.fail_on:
            raise BackendDown("node unreachable")
        return None

    def storage(self, address, slot):
        return 0

    def block_hash(self, number):
        return b"\x00" * 32


def sstore_then_balance_of_unknown() -> bytes:
    """SSTORE(0, 7) then BALANCE(UNKNOWN): the Backend is asked about UNKNOWN after the
    transaction has changed the state."""
    return (push(7) + push(0) + asm("SSTORE")
            + push(int.from_bytes(UNKNOWN, "big")) + asm("BALANCE", "STOP"))


def make_evm(backend=None):
    evm = EVM("Osaka", backend=backend)
    evm.set_account(SENDER, balance=10 ** 18)
    evm.set_account(ME, balance=5, code=sstore_then_balance_of_unknown())
    return evm


@pytest.mark.parametrize("commit", [True, False])
def test_backend_exception_mid_transaction_propagates_and_state_is_unchanged(commit):
    backend = FailingBackend()
    evm = make_evm(backend)
    before = evm.export_snapshot()
    backend.armed = True
    with pytest.raises(BackendDown, match="node unreachable"):
        evm.transact(Tx(SENDER, to=ME, gas_limit=100_000), commit=commit)
    assert evm.export_snapshot() == before
    assert evm.get_nonce(SENDER) == 0 and evm.get_storage(ME, 0) == 0
    assert evm.get_balance(SENDER) == 10 ** 18
    # the node answers again: the same transaction runs as if the failure never happened
    backend.armed = False
    r = evm.transact(Tx(SENDER, to=ME, gas_limit=100_000))
    assert r.success
    assert evm.get_nonce(SENDER) == 1 and evm.get_storage(ME, 0) == 7


def test_backend_exception_during_validation_propagates():
    backend = FailingBackend()
    evm = make_evm(backend)
    before = evm.export_snapshot()
    backend.armed = True
    backend.fail_on = b"\x44" * 20            # a sender the state has never seen
    with pytest.raises(BackendDown):
        evm.transact(Tx(b"\x44" * 20, to=ME, gas_limit=100_000))
    assert evm.export_snapshot() == before


def sha256_call_then_sstore() -> bytes:
    """SSTORE(0, 1), then CALL sha256 with 32 bytes of input."""
    return (push(1) + push(0) + asm("SSTORE")
            + push(32) + push(0) + push(32) + push(0) + push(0)
            + push(int.from_bytes(SHA256, "big")) + push(50_000) + asm("CALL", "STOP"))


def test_precompile_library_exception_is_an_internal_error(monkeypatch):
    def broken(data, gas, fork):
        raise ZeroDivisionError("library bug")

    for table in precompiles._BY_FORK.values():
        monkeypatch.setitem(table, 0x02, broken)
    evm = EVM("Osaka")
    evm.set_account(SENDER, balance=10 ** 18)
    evm.set_account(ME, code=sha256_call_then_sstore())
    before = evm.export_snapshot()
    with pytest.raises(EVMInternalError, match="precompile 0x2") as info:
        evm.transact(Tx(SENDER, to=ME, gas_limit=200_000))
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert evm.export_snapshot() == before
    assert evm.get_nonce(SENDER) == 0 and evm.get_storage(ME, 0) == 0


def test_precompile_rejected_input_is_a_failed_call_not_an_error():
    # blake2f (0x09) rejects a 1-byte input: the CALL fails (pushes 0), the transaction
    # succeeds
    code = (push(0) + push(0) + push(1) + push(0) + push(0) + push(9) + push(50_000)
            + asm("CALL") + push(0) + asm("MSTORE") + push(32) + push(0) + asm("RETURN"))
    evm = EVM("Osaka")
    evm.set_account(SENDER, balance=10 ** 18)
    evm.set_account(ME, code=code)
    r = evm.transact(Tx(SENDER, to=ME, gas_limit=200_000))
    assert r.success and int.from_bytes(r.output, "big") == 0


def two_logs() -> bytes:
    """LOG0 of 2 bytes of memory (0xbeef), then LOG3 with no data."""
    return (push(0xBEEF) + push(0) + asm("MSTORE")
            + push(2) + push(30) + asm("LOG0")
            + push(3) + push(2) + push(1) + push(0) + push(0) + asm("LOG3", "STOP"))


def test_transact_packed_appends_the_record_of_what_transact_produces():
    evm = make_evm()
    evm.set_account(ME, code=two_logs())
    [log0, log3] = evm.transact_fields(SENDER, ME, b"\x01\x02\x03\x04\x05", commit=False).logs
    assert log0 == (ME, (), b"\xbe\xef")
    assert log3 == (ME, tuple(i.to_bytes(32, "big") for i in (1, 2, 3)), b"")
    records = bytearray(b"kept")
    r = evm.transact_packed(records, SENDER, ME, b"\x01\x02\x03\x04\x05", gas_limit=100_000)
    assert r.success and r.logs == [] and evm.get_nonce(SENDER) == 1   # committed
    assert bytes(records) == (
        b"kept" + bytes([4 << 1 | 1]) + b"\x01\x02\x03\x04" + (2).to_bytes(4, "little")
        + ME + b"\x00" + (2).to_bytes(4, "little") + b"\xbe\xef"
        + ME + b"\x03" + log3[1][0] + log3[1][1] + log3[1][2] + bytes(4))


def test_transact_packed_records_failed_and_invalid_transactions_without_logs():
    evm = make_evm()
    evm.set_account(ME, code=two_logs()[:-1] + b"\xfe")   # logs, then INVALID
    records = bytearray()
    r = evm.transact_packed(records, SENDER, ME, b"\xaa", gas_limit=100_000)
    assert not r.success and r.halt == "invalid_opcode"
    assert bytes(records) == bytes([1 << 1]) + b"\xaa" + bytes(4)
    with pytest.raises(InvalidTransaction):
        evm.transact_packed(records, SENDER, ME, b"", gas_limit=100_000, nonce=9)
    assert bytes(records[-5:]) == bytes(5)      # no selector, failed, no logs


def test_transact_packed_appends_nothing_when_the_backend_fails():
    backend = FailingBackend()
    evm = make_evm(backend)
    backend.armed = True
    records = bytearray(b"x")
    with pytest.raises(BackendDown):
        evm.transact_packed(records, SENDER, ME, b"\x01\x02\x03\x04", gas_limit=100_000)
    assert records == b"x"
