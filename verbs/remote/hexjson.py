"""Strict conversions between JSON-RPC hex strings and Python values.

JSON-RPC encodes numbers as ``QUANTITY`` (``"0x"`` + minimal hex digits) and byte strings as
``DATA`` (``"0x"`` + an even number of hex digits). The parsers here reject anything else
(``None``, numbers, missing prefix, odd lengths, wrong sizes) with
:class:`~verbs.errors.RPCMalformedResponse`, so that a broken answer is never read as zero.
"""
from __future__ import annotations

from typing import Any

from verbs.errors import RPCMalformedResponse

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _check_hex(value: Any, what: str, method: str | None, params: Any) -> str:
    if not isinstance(value, str):
        raise RPCMalformedResponse(
            f"{what}: expected a 0x-prefixed hex string, got {type(value).__name__} {value!r:.80}",
            method, params,
        )
    if not (value.startswith("0x") or value.startswith("0X")):
        raise RPCMalformedResponse(f"{what}: missing 0x prefix in {value!r:.80}", method, params)
    digits = value[2:]
    if not _HEX_DIGITS.issuperset(digits):
        raise RPCMalformedResponse(f"{what}: not hex: {value!r:.80}", method, params)
    return digits


def parse_quantity(value: Any, what: str = "quantity", method=None, params=None) -> int:
    """Parse a ``QUANTITY`` (e.g. ``"0x1a"``) into an int.

    Parameters
    ----------
    value : Any
        The JSON value from the node.
    what : str
        Name of the field, for the error message.
    method, params
        The call that produced it, for the error message.

    Returns
    -------
    int

    Raises
    ------
    RPCMalformedResponse
        Not a hex string, or no digits.
    """
    digits = _check_hex(value, what, method, params)
    if not digits:
        raise RPCMalformedResponse(f"{what}: empty quantity {value!r}", method, params)
    return int(digits, 16)


def parse_data(value: Any, what: str = "data", size: int | None = None,
               method=None, params=None) -> bytes:
    """Parse ``DATA`` (e.g. ``"0x6080"``) into bytes, optionally of an exact ``size``."""
    digits = _check_hex(value, what, method, params)
    if len(digits) % 2:
        raise RPCMalformedResponse(f"{what}: odd number of hex digits", method, params)
    out = bytes.fromhex(digits)
    if size is not None and len(out) != size:
        raise RPCMalformedResponse(
            f"{what}: expected {size} bytes, got {len(out)}", method, params)
    return out


def parse_word(value: Any, what: str = "word", method=None, params=None) -> int:
    """Parse a storage value: 32-byte ``DATA`` or (leniently) a ``QUANTITY``, as an int."""
    digits = _check_hex(value, what, method, params)
    if not digits or len(digits) > 64:
        raise RPCMalformedResponse(f"{what}: not a 256-bit word: {value!r:.80}", method, params)
    return int(digits, 16)


def quantity(n: int) -> str:
    """Format a non-negative int as a ``QUANTITY``."""
    if n < 0:
        raise ValueError(f"negative quantity {n}")
    return hex(n)


def data(b: bytes) -> str:
    """Format bytes as ``DATA``."""
    return "0x" + bytes(b).hex()


def address(a: bytes) -> str:
    """Format a 20-byte address (raises ``ValueError`` for another length)."""
    a = bytes(a)
    if len(a) != 20:
        raise ValueError(f"an address has 20 bytes, got {len(a)}")
    return "0x" + a.hex()


def word(n: int) -> str:
    """Format an int in ``[0, 2**256)`` as 32-byte ``DATA`` (a storage slot key)."""
    if not 0 <= n < 1 << 256:
        raise ValueError(f"storage slot out of range: {n}")
    return "0x" + n.to_bytes(32, "big").hex()


def parse_access_list(result: Any, method=None, params=None) -> list[tuple[bytes, list[int]]]:
    """Parse an ``eth_createAccessList`` answer into ``[(address, [slot, ...]), ...]``.

    Raises
    ------
    RPCMalformedResponse
        The answer lacks ``accessList`` or an item is not an address with storage keys.
    """
    if not isinstance(result, dict) or not isinstance(result.get("accessList"), list):
        raise RPCMalformedResponse("answer lacks 'accessList'", method, params)
    out = []
    for item in result["accessList"]:
        if not isinstance(item, dict) or not isinstance(item.get("storageKeys", []), list):
            raise RPCMalformedResponse(f"bad access list item {item!r:.80}", method, params)
        a = parse_data(item.get("address"), "address", 20, method, params)
        keys = [parse_word(k, "storage key", method, params)
                for k in item.get("storageKeys", [])]
        out.append((a, keys))
    return out
