"""Transaction fields reach C code as raw pointers: malformed ones must raise, never read out of
bounds (found under AddressSanitizer)."""
import types

import pytest

from verbs._evm._testing import run_code
from verbs._evm.evm import EVM
from verbs._evm.tx import Tx

S, T = b"\x01" * 20, b"\x02" * 20
TX_FIELDS = ("sender", "to", "data", "value", "gas_limit", "nonce", "gas_price",
             "max_fee_per_gas", "max_priority_fee_per_gas", "access_list",
             "max_fee_per_blob_gas", "blob_hashes", "authorization_list", "tx_type")


@pytest.fixture
def evm():
    e = EVM("Cancun")
    e.set_account(S, balance=10**20)
    return e


def _tx(**kw):
    return Tx(S, to=T, gas_limit=100_000, **kw)


@pytest.mark.parametrize("field, value", [("sender", b"\x01" * 3), ("to", b"\x02" * 3),
                                          ("sender", None), ("data", None)])
def test_tx_attribute_set_to_bad_value_raises(evm, field, value):
    tx = _tx()
    setattr(tx, field, value)
    with pytest.raises((ValueError, TypeError)):
        evm.transact(tx)
    assert evm.get_nonce(S) == 0


def test_bad_access_list_address_raises(evm):
    tx = _tx(access_list=[(T, [1])])
    tx.access_list = ((b"\x03" * 7, (1,)),)
    with pytest.raises(ValueError, match="access list"):
        evm.transact(tx)


def test_duck_typed_tx_with_short_sender_raises(evm):
    good = _tx()
    tx = types.SimpleNamespace(**{k: getattr(good, k) for k in TX_FIELDS})
    tx.sender = S[:5]
    with pytest.raises(ValueError, match="sender"):
        evm.transact(tx)


def test_uninitialised_tx_raises(evm):
    with pytest.raises((ValueError, TypeError)):
        evm.transact(Tx.__new__(Tx))


def test_transact_fields_rejects_none_data(evm):
    with pytest.raises(TypeError):
        evm.transact_fields(S, T, None, gas_limit=100_000)


@pytest.mark.parametrize("depth", [-1, 1025, 1100])
def test_run_code_depth_out_of_range_raises(depth):
    with pytest.raises(ValueError, match="depth"):
        run_code(b"\x00", depth=depth)
