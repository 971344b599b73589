"""verbs.primitives: keccak, addresses and the simulated block-hash rule, against oracles."""
from __future__ import annotations

import eth_utils
import pytest
from Crypto.Hash import keccak
from hypothesis import given
from hypothesis import strategies as st

from verbs import primitives, utils
from verbs.primitives import (
    EMPTY_CODE_HASH,
    ZERO_ADDRESS,
    eip55,
    keccak256,
    simulated_block_hash,
    to_address,
    to_checksum_address,
)


def _pycryptodome(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


@given(st.binary(max_size=300))
def test_keccak256_matches_pycryptodome(data):
    assert keccak256(data) == _pycryptodome(data)
    assert keccak256(bytearray(data)) == keccak256(memoryview(data)) == keccak256(data)


def test_constants():
    assert EMPTY_CODE_HASH == _pycryptodome(b"")
    assert ZERO_ADDRESS == bytes(20)


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_simulated_block_hash_is_keccak_of_the_decimal_number(number):
    assert simulated_block_hash(number) == _pycryptodome(str(number).encode())


@pytest.mark.parametrize("number", [-1, 2**64])
def test_simulated_block_hash_refuses_numbers_no_block_has(number):
    with pytest.raises((ValueError, OverflowError)):
        simulated_block_hash(number)


def test_simulated_block_hash_takes_numpy_integers():
    np = pytest.importorskip("numpy")
    assert simulated_block_hash(np.uint64(12)) == simulated_block_hash(12)


@given(st.binary(min_size=20, max_size=20))
def test_checksum_matches_eth_utils(address):
    expected = eth_utils.to_checksum_address(address)
    assert to_checksum_address(address) == expected
    assert eip55(address.hex()) == expected[2:]
    assert to_address(expected) == address
    assert to_address(expected.lower()) == address
    assert to_address(expected[2:].upper()) == address


def test_a_wrong_checksum_is_rejected_naming_the_argument():
    good = eth_utils.to_checksum_address(bytes(range(1, 21)))
    letters = [i for i, c in enumerate(good) if c.isalpha() and i > 1]
    i = letters[0]
    bad = good[:i] + good[i].swapcase() + good[i + 1:]
    with pytest.raises(ValueError, match="sender: .* fails its EIP-55 checksum"):
        to_address(bad, "sender")


def test_utils_reexports_the_primitives():
    for name in ("to_address", "to_checksum_address", "keccak256", "hex_to_bytes",
                 "int_to_address", "ZERO_ADDRESS"):
        assert getattr(utils, name) is getattr(primitives, name)
