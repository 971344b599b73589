"""The C Keccak-256 (verbs/_evm/keccak.h) against pycryptodome."""
import os

import pytest
from Crypto.Hash import keccak as crypto_keccak
from eth_utils import to_checksum_address as reference_checksum
from hypothesis import given, settings
from hypothesis import strategies as st

from verbs._evm.keccak import keccak256, to_checksum_address


def reference(data: bytes) -> bytes:
    return crypto_keccak.new(digest_bits=256, data=bytes(data)).digest()


def test_empty_input_matches_reference():
    assert keccak256(b"") == reference(b"")


@pytest.mark.parametrize("n", range(0, 301))
def test_every_length_up_to_300(n):
    data = bytes((7 * i + n) & 0xFF for i in range(n))
    assert keccak256(data) == reference(data)


@pytest.mark.parametrize("k", [1, 2, 3, 7, 30, 31])
@pytest.mark.parametrize("delta", [-2, -1, 0, 1, 2])
def test_lengths_around_rate_multiples(k, delta):
    data = os.urandom(136 * k + delta)
    assert keccak256(data) == reference(data)


def test_large_input_hashed_without_gil_matches_reference():
    data = os.urandom(100_000)
    assert keccak256(data) == reference(data)


def test_data_that_looks_like_padding():
    # inputs ending in padding-like bytes, one byte short of a block and exactly a block
    for data in (b"\x01", b"\x80", b"\x81", b"\x01" + b"\x00" * 133 + b"\x80",
                 b"\x01" + b"\x00" * 134 + b"\x80"):
        assert keccak256(data) == reference(data)


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=1000))
def test_random_data(data):
    assert keccak256(data) == reference(data)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=600), start=st.integers(0, 50))
def test_buffer_types(data, start):
    ref = reference(data[start:])
    assert keccak256(bytearray(data)[start:]) == ref
    assert keccak256(memoryview(data)[start:]) == ref
    assert keccak256(bytes(data[start:])) == ref


def test_rejects_non_buffers():
    with pytest.raises(TypeError):
        keccak256("text")
    with pytest.raises(TypeError):
        keccak256(12)


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=20, max_size=20))
def test_to_checksum_address_matches_eth_utils(address):
    expected = reference_checksum(address)
    assert to_checksum_address(address) == expected
    assert to_checksum_address(address) == expected  # the remembered result
    assert to_checksum_address(bytearray(address)) == expected
    assert to_checksum_address(memoryview(address)) == expected


@pytest.mark.parametrize("bad", [b"", b"\x01" * 19, b"\x01" * 21, bytearray(32)])
def test_to_checksum_address_rejects_other_lengths(bad):
    with pytest.raises(ValueError, match="an address is 20 bytes"):
        to_checksum_address(bad)


@pytest.mark.parametrize("bad", [None, 5, "0x" + "00" * 20])
def test_to_checksum_address_rejects_non_bytes(bad):
    with pytest.raises(TypeError):
        to_checksum_address(bad)
