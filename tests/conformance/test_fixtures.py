"""``fixtures.py`` proved on the fixtures: every parsed transaction equals its signed ``txbytes``.

For each case the fields the runner hands to ``Tx`` (picked from the legacy data/gas/value
arrays by ``indexes``, the access list of the data index, the type) are compared with the
decoded ``txbytes``, and ``sender`` with the address of ``secretKey``.
``VERBS_FIXTURES_EVERY=k`` checks every k-th file of ``MANIFEST.tsv`` only (default: all).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .fixtures import Case, iter_cases, parse_int, select_files
from .runner import address_of_key
from .trie import rlp_decode

# field order of each typed transaction's payload (after the type byte), signature excluded
_LAYOUT = {
    0: ["nonce", "gas_price", "gas_limit", "to", "value", "data"],
    1: ["chain_id", "nonce", "gas_price", "gas_limit", "to", "value", "data", "access_list"],
    2: ["chain_id", "nonce", "max_priority_fee_per_gas", "max_fee_per_gas", "gas_limit", "to",
        "value", "data", "access_list"],
    3: ["chain_id", "nonce", "max_priority_fee_per_gas", "max_fee_per_gas", "gas_limit", "to",
        "value", "data", "access_list", "max_fee_per_blob_gas", "blob_hashes"],
    4: ["chain_id", "nonce", "max_priority_fee_per_gas", "max_fee_per_gas", "gas_limit", "to",
        "value", "data", "access_list", "authorization_list"],
}


def _i(b: bytes) -> int:
    return int.from_bytes(b, "big")


def decode_tx(txbytes: bytes) -> dict[str, Any]:
    """Decode a signed transaction into the runner's field names (signature dropped)."""
    tx_type = txbytes[0] if txbytes[0] < 0x80 else 0
    fields = rlp_decode(txbytes[1:] if tx_type else txbytes)
    out: dict[str, Any] = {"tx_type": tx_type}
    for name, raw in zip(_LAYOUT[tx_type], fields):
        if name == "to":
            out[name] = raw or None
        elif name == "data":
            out[name] = raw
        elif name == "access_list":
            out[name] = tuple((addr, tuple(_i(k) for k in keys)) for addr, keys in raw)
        elif name == "blob_hashes":
            out[name] = tuple(raw)
        elif name == "authorization_list":
            out[name] = tuple((_i(c), a, _i(n), _i(y), _i(r), _i(s)) for c, a, n, y, r, s in raw)
        else:
            out[name] = _i(raw)
    return out


def _mismatches(case: Case) -> list[str]:
    got = decode_tx(case.txbytes)
    t = case.tx
    bad = []
    if got["tx_type"] != t["tx_type"]:
        bad.append(f"type {t['tx_type']} != {got['tx_type']}")
    for name, value in got.items():
        mine = t.get(name)
        if name == "chain_id":
            mine = case.chain_id
        elif name == "access_list":
            mine = t["access_list"] or ()
        if mine != value:
            bad.append(f"{name}: parsed {mine!r:.80} != txbytes {value!r:.80}")
    return bad


def test_transactions_match_txbytes(ethtests_dir: Path) -> None:
    every = int(os.environ.get("VERBS_FIXTURES_EVERY", "1"))
    checked = 0
    bad: list[str] = []
    keys: dict[bytes, bytes] = {}
    for path in select_files(every=every, root=ethtests_dir):
        for case in iter_cases(path, ethtests_dir):
            key = case.tx["secret_key"]
            if key not in keys:
                keys[key] = address_of_key(key)
            if keys[key] != case.tx["sender"]:
                bad.append(f"{case.test_id}: sender != address of secretKey")
            if case.expect_exception == "TR_RLP_WRONGVALUE":
                continue  # its value (2**256 + 1) has no valid encoding to compare with
            checked += 1
            try:
                problems = _mismatches(case)
            except Exception as exc:  # noqa: BLE001
                problems = [f"undecodable txbytes ({type(exc).__name__}: {exc})"]
            bad.extend(f"{case.test_id}: {p}" for p in problems)
    assert checked > 0
    assert not bad, f"{len(bad)} mismatches, first: {bad[:5]}"


def test_parse_int_forms() -> None:
    assert parse_int("0x") == 0
    assert parse_int("0x0de0b6b3a7640000") == 10**18
    assert parse_int(
        "0x:bigint 0x10000000000000000000000000000000000000000000000000000000000000001"
    ) == 2**256 + 1
    assert parse_int("12") == 12
