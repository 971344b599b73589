"""The original verbs' Cache shape: built and read like verbs 0.4 writes it."""
from __future__ import annotations

import json

import pytest

from verbs.errors import RPCMalformedResponse
from verbs.remote.cache import (
    EMPTY_CODE_HASH,
    account_entry,
    make_cache,
    read_account_entry,
    read_storage_entry,
    strip_code_padding,
)
from verbs.remote.hexjson import parse_data, parse_quantity, parse_word

DAI = bytes.fromhex("6b175474e89094c44da98b954eedeac495271d0f")


def original_cache_from_json(doc):
    """verbs 0.4's cache_from_json, restated (bytes from hex, tuples)."""
    return (doc[0], doc[1],
            [(bytes.fromhex(a), (bytes.fromhex(i[0]), i[1], bytes.fromhex(i[2]),
                                 bytes.fromhex(i[3]))) for a, i in doc[2]],
            [tuple(bytes.fromhex(x) for x in s) for s in doc[3]])


def test_reading_the_original_dai_cache_gives_the_known_facts(data_dir):
    cache = original_cache_from_json(json.loads(
        (data_dir / "verbs04-dai-cache.raw.json").read_text()))
    assert cache[:2] == (1702552271, 18784000)
    accounts = {read_account_entry(e)[0]: read_account_entry(e)[1:] for e in cache[2]}
    balance, nonce, code = accounts[DAI]
    assert nonce == 1 and code.startswith(bytes.fromhex("6080604052"))
    storage = {(a, s): v for a, s, v in map(read_storage_entry, cache[3])}
    assert storage[(DAI, 1)] == 3649626828757146571328619810


def test_entries_rebuilt_from_values_equal_the_original_bytes(data_dir):
    cache = original_cache_from_json(json.loads(
        (data_dir / "verbs04-dai-cache.raw.json").read_text()))
    values = [read_account_entry(e) for e in cache[2]]
    slots = [read_storage_entry(e) for e in cache[3]]
    assert make_cache(cache[0], cache[1], values, slots) == cache


def test_empty_account_has_padding_only_and_the_empty_code_hash():
    address, (balance, nonce, code_hash, code) = account_entry(b"\1" * 20, 5, 0, b"")
    assert balance == (5).to_bytes(32, "little")
    assert code_hash == EMPTY_CODE_HASH and code == b"\0" * 33


def test_code_ending_in_zero_bytes_survives_padding():
    code = bytes.fromhex("600000")
    entry = account_entry(b"\2" * 20, 0, 1, code)
    assert read_account_entry(entry)[3] == code


def test_code_that_does_not_match_its_hash_is_refused():
    with pytest.raises(ValueError, match="code hash"):
        strip_code_padding(b"\x60\x01" + b"\0" * 33, b"\0" * 32)


@pytest.mark.parametrize("value", [None, 0, "", "12", "0x", "0xzz", ["0x1"]])
def test_quantities_that_are_not_hex_are_refused_not_zero(value):
    with pytest.raises(RPCMalformedResponse):
        parse_quantity(value, "balance", "eth_getBalance", ["0x00", "latest"])


def test_data_and_words_are_checked():
    assert parse_data("0x", "code") == b""
    assert parse_word("0x" + "00" * 31 + "07") == 7
    with pytest.raises(RPCMalformedResponse, match="odd"):
        parse_data("0x123", "code")
    with pytest.raises(RPCMalformedResponse, match="20 bytes"):
        parse_data("0x1234", "address", 20)
    with pytest.raises(RPCMalformedResponse, match="256-bit"):
        parse_word("0x" + "11" * 33)
