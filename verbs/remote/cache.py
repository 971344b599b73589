"""The original verbs' request-cache value: what a fork run fetched, to seed later runs.

The shape (``verbs.types.Cache`` in verbs 0.4, filled from revm types) is::

    (start_timestamp: int,
     start_block_number: int,
     [(address: bytes20, (balance: bytes32, nonce: int, code_hash: bytes32, code: bytes)), ...],
     [(address: bytes20, slot: bytes32, value: bytes32), ...])

Byte orders and padding follow revm, exactly as the original exports them:

- ``balance``, ``slot`` and ``value`` are 32-byte **little-endian** integers;
- ``code`` is the deployed code followed by :data:`CODE_PADDING` (33) zero bytes (revm's
  analysed legacy bytecode); an account without code has 33 zero bytes and
  :data:`EMPTY_CODE_HASH`; ``code_hash`` is keccak256 of the code without the padding.

The JSON form of the original (``verbs.utils.cache_to_json``) turns every ``bytes`` into hex
without ``0x`` and tuples into lists. The functions here build and read entries of that shape
so that other modules need not repeat the byte-order and padding rules.
"""
from __future__ import annotations

from collections.abc import Iterable

from verbs.primitives import EMPTY_CODE_HASH, keccak256
from verbs.types import AccountEntry, Cache, StorageEntry

CODE_PADDING = 33
"""Zero bytes revm appends to legacy code (and stores for an account without code)."""


def _le32(n: int) -> bytes:
    return int(n).to_bytes(32, "little")


def account_entry(address: bytes, balance: int, nonce: int, code: bytes) -> AccountEntry:
    """One account of the cache, from plain values.

    Parameters
    ----------
    address : bytes
        20 bytes.
    balance, nonce : int
    code : bytes
        The deployed code, without padding.

    Returns
    -------
    tuple
        ``(address, (balance_le32, nonce, code_hash, code + 33 zero bytes))``.
    """
    code = bytes(code)
    code_hash = keccak256(code) if code else EMPTY_CODE_HASH
    return (bytes(address), (_le32(balance), int(nonce), code_hash,
                             code + b"\0" * CODE_PADDING))


def storage_entry(address: bytes, slot: int, value: int) -> StorageEntry:
    """One storage value of the cache: ``(address, slot_le32, value_le32)``."""
    return (bytes(address), _le32(slot), _le32(value))


def make_cache(timestamp: int, block_number: int,
               accounts: Iterable[tuple[bytes, int, int, bytes]],
               storage: Iterable[tuple[bytes, int, int]]) -> Cache:
    """A cache value from ``(address, balance, nonce, code)`` and ``(address, slot, value)``."""
    return (int(timestamp), int(block_number),
            [account_entry(*a) for a in accounts],
            [storage_entry(*s) for s in storage])


def strip_code_padding(code: bytes, code_hash: bytes) -> bytes:
    """The deployed code inside a cache entry's padded ``code``, checked against ``code_hash``.

    Raises
    ------
    ValueError
        No prefix of ``code`` that drops only trailing zero bytes hashes to ``code_hash``.
    """
    code = bytes(code)
    if code_hash == EMPTY_CODE_HASH and not code.strip(b"\0"):
        return b""
    if len(code) >= CODE_PADDING and keccak256(code[:-CODE_PADDING]) == code_hash:
        return code[:-CODE_PADDING]
    if keccak256(code) == code_hash:
        return code
    stripped = code.rstrip(b"\0")
    for end in range(len(stripped), len(code) + 1):
        if keccak256(code[:end]) == code_hash:
            return code[:end]
    raise ValueError("cached code does not match its code hash")


def read_account_entry(entry: AccountEntry) -> tuple[bytes, int, int, bytes]:
    """``(address, balance, nonce, code)`` of an account entry (code without padding)."""
    address, (balance, nonce, code_hash, code) = entry
    return (bytes(address), int.from_bytes(balance, "little"), int(nonce),
            strip_code_padding(code, code_hash))


def read_storage_entry(entry: StorageEntry) -> tuple[bytes, int, int]:
    """``(address, slot, value)`` of a storage entry."""
    address, slot, value = entry
    return bytes(address), int.from_bytes(slot, "little"), int.from_bytes(value, "little")
