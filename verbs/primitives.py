"""Ethereum primitives shared by every layer: keccak, addresses, hex, and simulation rules.

Each rule here has no other implementation in the Python side of verbs:

- :func:`to_address` is the one function that turns user input into an address, so addresses
  are accepted in the same forms everywhere (20 bytes, or a hex string whose mixed case must
  match its EIP-55 checksum) and are always returned as 20 bytes;
- :func:`eip55` computes the EIP-55 checksum casing;
- :func:`simulated_block_hash` is the hash ``BLOCKHASH`` gives a block that no chain has:
  ``keccak256(str(number))`` (the original verbs' convention).

This module imports only :mod:`verbs._evm.keccak` (a leaf extension) from verbs.
"""
from __future__ import annotations

import functools
import numbers
import operator
from typing import Any

from verbs._evm.keccak import keccak256 as _keccak256
from verbs._evm.keccak import to_checksum_address as _c_checksum
from verbs._evm.state import simulated_block_hash as _c_simulated_block_hash

__all__ = [
    "EMPTY_CODE_HASH",
    "ZERO_ADDRESS",
    "eip55",
    "hex_to_bytes",
    "int_to_address",
    "keccak256",
    "simulated_block_hash",
    "to_address",
    "to_checksum_address",
]


def keccak256(data: bytes) -> bytes:
    """Keccak-256 hash (Ethereum's, not NIST SHA3-256).

    Parameters
    ----------
    data: bytes
        Data to hash (any bytes-like object).

    Returns
    -------
    bytes
        32-byte digest.
    """
    return _keccak256(data)


#: keccak256 of empty code (the code hash of an account without code).
EMPTY_CODE_HASH = keccak256(b"")


def simulated_block_hash(number: int) -> bytes:
    """The hash of a block that exists only in the simulation: ``keccak256(str(number))``.

    Parameters
    ----------
    number: int
        The block number.

    Returns
    -------
    bytes
        32 bytes.
    """
    return _c_simulated_block_hash(int(number))


def eip55(lower_hex: str) -> str:
    """EIP-55 casing of 40 lower-case hex digits (no ``0x``).

    Parameters
    ----------
    lower_hex: str
        The address as 40 lower-case hex digits.

    Returns
    -------
    str
        The same digits, letters upper-cased where the checksum says so.
    """
    return _c_checksum(bytes.fromhex(lower_hex))[2:]


def to_checksum_address(value: bytes | str) -> str:
    """EIP-55 checksummed hex form of an address.

    Parameters
    ----------
    value: bytes or str
        Address in any form :func:`to_address` accepts.

    Returns
    -------
    str
        ``0x``-prefixed, mixed-case hex.
    """
    return _c_checksum(to_address(value))


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


@functools.lru_cache(maxsize=8192)
def _address_from_str(value: str, name: str) -> bytes:
    digits = value[2:] if value[:2] in ("0x", "0X") else value
    if len(digits) != 40 or not _HEX_DIGITS.issuperset(digits):
        raise ValueError(f"{name}: expected 40 hex digits (20 bytes), got {value!r}")
    lower = digits.lower()
    if digits != lower and digits != digits.upper() and eip55(lower) != digits:
        raise ValueError(
            f"{name}: {value!r} fails its EIP-55 checksum (expected 0x{eip55(lower)}; "
            "pass all lower-case hex to skip the check)"
        )
    return bytes.fromhex(lower)


def to_address(value: Any, name: str = "address") -> bytes:
    """Normalise an address to 20 bytes.

    Parameters
    ----------
    value: bytes or str
        20 bytes (``bytes``, ``bytearray`` or ``memoryview``), or a hex string
        of 40 digits with or without ``0x``. A mixed-case string must pass its
        EIP-55 checksum; all lower-case or all upper-case strings are accepted.
    name: str, optional
        What the value is (an argument name), used in error messages.

    Returns
    -------
    bytes
        The 20-byte address.

    Raises
    ------
    TypeError
        If ``value`` is neither bytes nor a string.
    ValueError
        If ``value`` has the wrong length, is not hex or fails its checksum.

    Examples
    --------
    >>> to_address("0x6B175474E89094C44Da98b954EedeAC495271d0F").hex()
    '6b175474e89094c44da98b954eedeac495271d0f'
    """
    if type(value) is bytes:
        if len(value) == 20:
            return value
        raise ValueError(f"{name}: expected 20 bytes, got {len(value)} bytes")
    if isinstance(value, str):
        return _address_from_str(value, name)
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
        if len(value) != 20:
            raise ValueError(f"{name}: expected 20 bytes, got {len(value)} bytes")
        return value
    hint = (
        " (use verbs.utils.int_to_address for integers)"
        if isinstance(value, numbers.Integral)
        else ""
    )
    raise TypeError(
        f"{name}: expected an address as 20 bytes or a hex string, "
        f"got {type(value).__name__} {value!r:.80}{hint}"
    )


def hex_to_bytes(hex: str | bytes) -> bytes:
    """Convert a hex string to bytes.

    Parameters
    ----------
    hex: str
        Hex string (with or without ``0x`` prefix). Bytes are returned as
        they are.

    Returns
    -------
    bytes
        Byte encoding of the hex string.

    Raises
    ------
    TypeError
        If ``hex`` is not a string or bytes.
    ValueError
        If ``hex`` is not valid hex (odd length or a non-hex character).
    """
    if isinstance(hex, (bytes, bytearray, memoryview)):
        return bytes(hex)
    if not isinstance(hex, str):
        raise TypeError(f"expected a hex string, got {type(hex).__name__} {hex!r:.80}")
    digits = hex[2:] if hex[:2] in ("0x", "0X") else hex
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise ValueError(
            f"not a valid hex string (odd length or non-hex character): {hex!r:.80}"
        ) from None


_ADDRESS_LIMIT = 1 << 160


def int_to_address(i: int) -> bytes:
    """Convert an integer into address bytes.

    Parameters
    ----------
    i: int
        Integer in ``[0, 2**160)`` (Python or numpy integer).

    Returns
    -------
    bytes
        20-byte big-endian address.

    Raises
    ------
    TypeError
        If ``i`` is not an integer.
    ValueError
        If ``i`` is negative or does not fit in 20 bytes.
    """
    if type(i) is int and 0 <= i < _ADDRESS_LIMIT:  # the common case, without the ABC check
        return i.to_bytes(20, "big")
    if isinstance(i, bool) or not isinstance(i, numbers.Integral):
        raise TypeError(f"int_to_address: expected an int, got {type(i).__name__} {i!r:.80}")
    i = operator.index(i)
    if i < 0 or i >> 160:
        raise ValueError(f"int_to_address: {i} does not fit in an address (0 <= i < 2**160)")
    return i.to_bytes(20, "big")


#: The zero address.
ZERO_ADDRESS = int_to_address(0)
