"""Environments built from a fetch cache (the original verbs' ``Cache`` value).

A cache holds what a fork environment fetched from a node: ``(timestamp, block_number,
[(address, (balance, nonce, code_hash, code)), ...], [(address, slot, value), ...])`` with
balances, slots and values as 32-byte little-endian bytes and code as revm stores it (the
deployed code followed by 33 zero bytes of padding).  :class:`CacheBackend` loads it into an
EVM and answers the reads the cache cannot answer as empty, as the original, but counts them
(and, when strict, raises :class:`CacheMissError` naming the address and slot).
"""
from __future__ import annotations

from verbs.errors import CacheMissError
from verbs.primitives import simulated_block_hash, to_address
from verbs.remote.cache import strip_code_padding


def _uint(value, what: str, bits: int) -> int:
    """An int in ``[0, 2**bits)``, or a TypeError/ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"cache: {what} must be an int, got {type(value).__name__} {value!r:.80}")
    if not 0 <= value < 1 << bits:
        raise ValueError(f"cache: {what} must be in [0, 2**{bits}), got {value}")
    return value


def _le_int(value, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return _uint(value, what, 256)
    if not isinstance(value, (bytes, bytearray)) or len(value) > 32:
        raise ValueError(f"cache: {what} must be up to 32 little-endian bytes, got {value!r:.80}")
    return int.from_bytes(value, "little")


def unpad_code(code: bytes | None, code_hash: bytes, address: bytes) -> bytes:
    """The deployed code of a cache entry, without revm's padding, checked against its hash
    (the format rules live in :mod:`verbs.remote.cache`).

    Raises
    ------
    ValueError
        If no unpadded form of the code hashes to ``code_hash``, naming the account.
    """
    try:
        return strip_code_padding(bytes(code or b""), bytes(code_hash))
    except ValueError:
        raise ValueError(
            f"cache: the code of 0x{address.hex()} does not match its code hash "
            f"0x{bytes(code_hash).hex()} (corrupt cache?)"
        ) from None


class CacheBackend:
    """A Backend (see ``docs/internals.md``) over a fetch cache.

    Parameters
    ----------
    cache : verbs.types.Cache
        ``(timestamp, block_number, accounts, storage)`` as the original verbs.
    strict : bool
        Raise :class:`CacheMissError` on a miss instead of answering "empty".
    """

    def __init__(self, cache, strict: bool = False):
        try:
            timestamp, block_number, accounts, storage = cache
        except (TypeError, ValueError):
            raise ValueError(
                "cache must be a 4-tuple (timestamp, block_number, accounts, storage)"
            ) from None
        self.timestamp = _uint(timestamp, "timestamp", 64)
        self.block_number = _uint(block_number, "block_number", 64)
        self.strict = bool(strict)
        self.accounts: dict[bytes, tuple[int, int, bytes]] = {}
        self.slots: dict[bytes, dict[int, int]] = {}
        for i, entry in enumerate(accounts):
            try:
                address, (balance, nonce, code_hash, code) = entry
            except (TypeError, ValueError):
                raise ValueError(f"cache: malformed account entry {entry!r:.120}") from None
            address = to_address(address, "cache: account address")
            self.accounts[address] = (
                _le_int(balance, f"account {i} (0x{address.hex()}) balance"),
                _uint(nonce, f"account {i} (0x{address.hex()}) nonce", 64),
                unpad_code(code, code_hash, address),
            )
        for i, entry in enumerate(storage):
            try:
                address, slot, value = entry
            except (TypeError, ValueError):
                raise ValueError(f"cache: malformed storage entry {entry!r:.120}") from None
            address = to_address(address, "cache: storage address")
            slots = self.slots.setdefault(address, {})
            slots[_le_int(slot, f"storage entry {i} slot")] = _le_int(
                value, f"storage entry {i} value")
        self._loading = False
        self._missed_accounts: list[bytes] = []
        self._missed_slots: list[tuple[bytes, int]] = []

    def load_into(self, evm) -> None:
        """Write every cached account and slot into ``evm``'s state.

        Slots are written one by one, so that a slot the cache does not hold still reaches
        this backend (and is counted as a miss) instead of reading as a known zero.
        """
        self._loading = True
        try:
            for address, (balance, nonce, code) in self.accounts.items():
                evm.set_account(address, nonce=nonce, balance=balance, code=code)
            state = evm.state
            for address, slots in self.slots.items():
                for slot, value in slots.items():
                    state.set_storage(address, slot, value)
        finally:
            self._loading = False

    # ---------------------------------------------------------------- Backend interface
    def basic(self, address: bytes):
        """An account the cache does not hold: empty (or an error when strict)."""
        if self._loading:
            return None
        if self.strict:
            raise CacheMissError(f"account 0x{address.hex()} is not in the cache")
        self._missed_accounts.append(address)
        return None

    def storage(self, address: bytes, slot: int) -> int:
        """A slot the cache does not hold: zero (or an error when strict)."""
        if self._loading:
            return 0
        if self.strict:
            raise CacheMissError(
                f"storage slot {slot:#x} of 0x{address.hex()} is not in the cache"
            )
        self._missed_slots.append((address, slot))
        return 0

    def block_hash(self, number: int) -> bytes:
        """Block hashes are not cached: the empty backend's convention."""
        return simulated_block_hash(number)

    def misses(self) -> dict:
        """The accounts and slots read that the cache could not answer, in order."""
        return {"accounts": list(self._missed_accounts), "storage": list(self._missed_slots)}

