"""RLP, the secure Merkle Patricia Trie root, state roots and logs hashes.

This is the oracle side of the conformance suite: a small, independent, pure-Python
implementation (keccak from pycryptodome) of what the filled state tests commit to:

- the post-state root: a secure MPT keyed by ``keccak(address)`` whose values are
  ``rlp([nonce, balance, storage_root, keccak(code)])``; every storage trie is keyed by
  ``keccak(slot as 32 bytes)`` with values ``rlp(value as minimal big-endian bytes)``, zero
  values left out;
- the logs hash: ``keccak(rlp([[address, [topic, ...], data], ...]))``.

It is proved on the fixtures themselves (``test_trie.py``): the root recomputed from each EEST
``post[].state`` equals ``post[].hash``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from Crypto.Hash import keccak as _keccak

RLPItem = bytes | int | Sequence["RLPItem"]

#: An account as the suite handles it: ``(nonce, balance, code, {slot: value})``.
Account = tuple[int, int, bytes, Mapping[int, int]]


def keccak256(data: bytes) -> bytes:
    """Return the Keccak-256 digest of ``data`` (original padding, not SHA3-256).

    Parameters
    ----------
    data : bytes
        The message.

    Returns
    -------
    bytes
        The 32-byte digest.
    """
    return _keccak.new(digest_bits=256, data=data).digest()


EMPTY_TRIE_ROOT = keccak256(b"\x80")
EMPTY_CODE_HASH = keccak256(b"")
EMPTY_LOGS_HASH = keccak256(b"\xc0")


# --------------------------------------------------------------------------------------- RLP
def int_to_min_bytes(value: int) -> bytes:
    """Big-endian bytes of ``value`` without leading zeros (``b""`` for 0).

    Parameters
    ----------
    value : int
        A non-negative integer.

    Returns
    -------
    bytes
        The minimal big-endian encoding.
    """
    if value < 0:
        raise ValueError("RLP integers are non-negative")
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _length_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    len_bytes = int_to_min_bytes(length)
    return bytes([offset + 55 + len(len_bytes)]) + len_bytes


def rlp_encode_bytes(data: bytes) -> bytes:
    """RLP-encode one byte string.

    Parameters
    ----------
    data : bytes
        The string.

    Returns
    -------
    bytes
        Its encoding.
    """
    if len(data) == 1 and data[0] < 0x80:
        return bytes(data)
    return _length_prefix(len(data), 0x80) + bytes(data)


def rlp_encode_list_of_encoded(encoded_items: Iterable[bytes]) -> bytes:
    """RLP-encode a list whose items are already RLP-encoded.

    Parameters
    ----------
    encoded_items : iterable of bytes
        The encodings of the items, in order.

    Returns
    -------
    bytes
        The encoding of the list.
    """
    payload = b"".join(encoded_items)
    return _length_prefix(len(payload), 0xC0) + payload


def rlp_encode(item: RLPItem) -> bytes:
    """RLP-encode bytes, non-negative ints (minimal big-endian) and nested lists/tuples.

    Parameters
    ----------
    item : bytes, int or sequence
        The value.

    Returns
    -------
    bytes
        Its encoding.
    """
    if isinstance(item, (bytes, bytearray, memoryview)):
        return rlp_encode_bytes(bytes(item))
    if isinstance(item, bool):
        raise TypeError("RLP has no booleans")
    if isinstance(item, int):
        return rlp_encode_bytes(int_to_min_bytes(item))
    if isinstance(item, (list, tuple)):
        return rlp_encode_list_of_encoded(rlp_encode(x) for x in item)
    raise TypeError(f"cannot RLP-encode {type(item).__name__}")


# --------------------------------------------------------------------------------------- MPT
def _hex_prefix(nibbles: Sequence[int], leaf: bool) -> bytes:
    flag = 2 if leaf else 0
    if len(nibbles) % 2:
        first = bytes([((flag + 1) << 4) | nibbles[0]])
        rest = nibbles[1:]
    else:
        first = bytes([flag << 4])
        rest = nibbles
    return first + bytes((rest[i] << 4) | rest[i + 1] for i in range(0, len(rest), 2))


def _to_nibbles(key: bytes) -> tuple[int, ...]:
    out = []
    for b in key:
        out.append(b >> 4)
        out.append(b & 0x0F)
    return tuple(out)


def _reference(encoded_node: bytes) -> bytes:
    """The encoding of a child reference: the node inline when shorter than 32 bytes."""
    if len(encoded_node) < 32:
        return encoded_node
    return rlp_encode_bytes(keccak256(encoded_node))


def _encode_node(items: Sequence[tuple[tuple[int, ...], bytes]], depth: int) -> bytes:
    """RLP encoding of the (sub)trie holding ``items`` (sorted, distinct keys) at ``depth``."""
    if not items:
        return rlp_encode_bytes(b"")
    if len(items) == 1:
        key, value = items[0]
        return rlp_encode_list_of_encoded(
            [rlp_encode_bytes(_hex_prefix(key[depth:], True)), rlp_encode_bytes(value)]
        )
    first_key = items[0][0]
    last_key = items[-1][0]  # sorted: the common prefix of all is that of first and last
    prefix = 0
    limit = min(len(first_key), len(last_key))
    while depth + prefix < limit and first_key[depth + prefix] == last_key[depth + prefix]:
        prefix += 1
    if prefix:
        child = _encode_node(items, depth + prefix)
        return rlp_encode_list_of_encoded(
            [
                rlp_encode_bytes(_hex_prefix(first_key[depth : depth + prefix], False)),
                _reference(child),
            ]
        )
    slots: list[bytes] = []
    value = b""
    i = 0
    n = len(items)
    if len(items[0][0]) == depth:  # a key ending here (not with fixed-length secure keys)
        value = items[0][1]
        i = 1
    for nibble in range(16):
        j = i
        while j < n and items[j][0][depth] == nibble:
            j += 1
        if j == i:
            slots.append(rlp_encode_bytes(b""))
        else:
            slots.append(_reference(_encode_node(items[i:j], depth + 1)))
        i = j
    slots.append(rlp_encode_bytes(value))
    return rlp_encode_list_of_encoded(slots)


def trie_root(pairs: Mapping[bytes, bytes]) -> bytes:
    """Root hash of the Merkle Patricia Trie holding ``pairs`` (keys used as given).

    Parameters
    ----------
    pairs : mapping of bytes to bytes
        Keys and non-empty values.

    Returns
    -------
    bytes
        The 32-byte root (``EMPTY_TRIE_ROOT`` when empty).
    """
    items = sorted((_to_nibbles(k), v) for k, v in pairs.items())
    return keccak256(_encode_node(items, 0))


def secure_trie_root(pairs: Mapping[bytes, bytes]) -> bytes:
    """Root of the secure trie: every key is replaced by its keccak256.

    Parameters
    ----------
    pairs : mapping of bytes to bytes
        Keys and non-empty values.

    Returns
    -------
    bytes
        The 32-byte root.
    """
    return trie_root({keccak256(k): v for k, v in pairs.items()})


def storage_root(storage: Mapping[int, int]) -> bytes:
    """Root of an account's storage trie (zero values left out).

    Parameters
    ----------
    storage : mapping of int to int
        Slot to value.

    Returns
    -------
    bytes
        The 32-byte root.
    """
    return secure_trie_root(
        {slot.to_bytes(32, "big"): rlp_encode(value) for slot, value in storage.items() if value}
    )


def account_rlp(nonce: int, balance: int, code: bytes, storage: Mapping[int, int]) -> bytes:
    """``rlp([nonce, balance, storage_root, keccak(code)])``.

    Parameters
    ----------
    nonce, balance : int
        The account's nonce and balance.
    code : bytes
        Its code.
    storage : mapping of int to int
        Its storage.

    Returns
    -------
    bytes
        The account leaf value.
    """
    return rlp_encode([nonce, balance, storage_root(storage), keccak256(code)])


def state_root(state: Mapping[bytes, Account]) -> bytes:
    """Post-state root of ``{address: (nonce, balance, code, {slot: value})}``.

    Parameters
    ----------
    state : mapping
        Every account present in the state (empty accounts included: their presence is
        part of the root).

    Returns
    -------
    bytes
        The 32-byte state root.
    """
    return secure_trie_root(
        {bytes(addr): account_rlp(n, b, bytes(c), s) for addr, (n, b, c, s) in state.items()}
    )


def logs_hash(logs: Iterable[tuple[bytes, Sequence[bytes], bytes]]) -> bytes:
    """``keccak256(rlp([[address, [topic, ...], data], ...]))``.

    Parameters
    ----------
    logs : iterable of (address, topics, data)
        Logs in emission order; topics as 32-byte strings.

    Returns
    -------
    bytes
        The 32-byte logs hash (``EMPTY_LOGS_HASH`` without logs).
    """
    return keccak256(
        rlp_encode(
            [[bytes(addr), [bytes(t) for t in topics], bytes(data)] for addr, topics, data in logs]
        )
    )


def rlp_decode(data: bytes) -> RLPItem:
    """Decode one RLP item (bytes or nested lists of bytes); the whole input must be used.

    Parameters
    ----------
    data : bytes
        The encoding.

    Returns
    -------
    bytes or list
        The decoded item.
    """
    item, end = _rlp_decode_at(bytes(data), 0)
    if end != len(data):
        raise ValueError(f"trailing bytes after RLP item ({len(data) - end})")
    return item


def _rlp_decode_at(data: bytes, pos: int) -> tuple[RLPItem, int]:
    if pos >= len(data):
        raise ValueError("RLP input too short")
    b = data[pos]
    if b < 0x80:
        return data[pos : pos + 1], pos + 1
    if b < 0xB8:
        n = b - 0x80
        return data[pos + 1 : pos + 1 + n], pos + 1 + n
    if b < 0xC0:
        ll = b - 0xB7
        n = int.from_bytes(data[pos + 1 : pos + 1 + ll], "big")
        start = pos + 1 + ll
        return data[start : start + n], start + n
    if b < 0xF8:
        n, start = b - 0xC0, pos + 1
    else:
        ll = b - 0xF7
        n = int.from_bytes(data[pos + 1 : pos + 1 + ll], "big")
        start = pos + 1 + ll
    end = start + n
    if end > len(data):
        raise ValueError("RLP list runs past the input")
    items = []
    p = start
    while p < end:
        item, p = _rlp_decode_at(data, p)
        items.append(item)
    if p != end:
        raise ValueError("RLP list length mismatch")
    return items, end
