"""EIP-7702 authorities: recovery, and malformed fields raising clear errors (found by
tests/fuzz/decoders.py; they used to raise OverflowError, AttributeError or KeyError)."""
from __future__ import annotations

import coincurve
import pytest

from verbs._evm.authorization import MAGIC, _rlp_bytes, _rlp_int, _rlp_list, recover_authority
from verbs._evm.evm import EVM
from verbs._evm.keccak import keccak256
from verbs._evm.tx import Tx

KEY = coincurve.PrivateKey(bytes(31) + b"\x07")
SIGNER = keccak256(KEY.public_key.format(compressed=False)[1:])[12:]
ADDRESS = bytes(range(20))


def _signed(chain_id=1, nonce=0):
    msg = keccak256(MAGIC + _rlp_list([_rlp_int(chain_id), _rlp_bytes(ADDRESS),
                                       _rlp_int(nonce)]))
    sig = KEY.sign_recoverable(msg, hasher=None)
    return (chain_id, ADDRESS, nonce, sig[64], int.from_bytes(sig[:32], "big"),
            int.from_bytes(sig[32:64], "big"))


def test_recovers_the_signer():
    assert recover_authority(*_signed()) == SIGNER
    assert recover_authority(*_signed(chain_id=2**64 - 1, nonce=2**64 - 2)) == SIGNER


@pytest.mark.parametrize("index, value", [(3, 2), (4, 0), (5, 2**255), (4, -1), (3, -1)])
def test_invalid_signature_is_none(index, value):
    auth = list(_signed())
    auth[index] = value
    assert recover_authority(*auth) is None


@pytest.mark.parametrize("index, value, exc, message", [
    (0, -1, ValueError, "chain_id must be in [0, 2**256), got -1"),
    (0, 2**256, ValueError, "chain_id must be in [0, 2**256)"),
    (2, -1, ValueError, "nonce must be in [0, 2**64), got -1"),
    (2, 2**64, ValueError, "nonce must be in [0, 2**64)"),
    (1, bytes(19), ValueError, "address must be 20 bytes, got 19"),
    (1, "0x" + "00" * 20, TypeError, "address must be bytes, got str"),
    (1, {0: 1}, TypeError, "address must be bytes, got dict"),
    (2, "5", TypeError, "nonce must be an int, got str"),
    (4, 1.5, TypeError, "r must be an int, got float"),
])
def test_malformed_fields_raise_naming_the_field(index, value, exc, message):
    auth = list(_signed())
    auth[index] = value
    with pytest.raises(exc) as info:
        recover_authority(*auth)
    assert message in str(info.value)


def test_transaction_with_negative_authorization_nonce_raises_and_changes_nothing():
    sender, to = b"\x01" * 20, b"\x02" * 20
    evm = EVM("Prague")
    evm.set_account(sender, balance=10**20)
    tx = Tx(sender, to=to, gas_limit=100_000,
            authorization_list=[(1, b"\x03" * 20, -1, 0, 1, 1)])
    with pytest.raises(ValueError, match="authorization nonce"):
        evm.transact(tx)
    assert evm.get_nonce(sender) == 0
    assert evm.get_balance(sender) == 10**20
