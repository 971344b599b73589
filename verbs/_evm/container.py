"""The one binary container of verbs snapshots, for every level that saves one.

A container is a header and a payload::

    magic    8 bytes  b"VERBSNAP"
    version  u16      FORMAT_VERSION
    kind     u16      what the payload is: 1 = "state" (verbs._evm.state.Snapshot),
                      2 = "env" (verbs.envs.Snapshot, whose payload wraps a state container)
    flags    u16      bit 0: the payload is zlib-compressed
    reserved u16      0
    raw_len  u64      length of the payload (uncompressed)
    crc      u32      CRC-32 of the payload (uncompressed)
    body_len u64      length of the stored body that follows
    body

All integers are little-endian.  :func:`unpack` checks everything before it returns the payload
and names what it was given when the kind is not the one the caller reads, so a state loader
given an env file (or the reverse) says so instead of failing later.
"""

from __future__ import annotations

import struct
import sys
import zlib

__all__ = ["FORMAT_VERSION", "KINDS", "MAGIC", "kind_of", "pack", "unpack"]

MAGIC = b"VERBSNAP"
FORMAT_VERSION = 2
KINDS = {"state": 1, "env": 2}
_KIND_NAMES = {v: k for k, v in KINDS.items()}
_READERS = {"state": "verbs._evm.state.Snapshot.from_bytes",
            "env": "verbs.envs.Snapshot.from_bytes"}
_HEADER = struct.Struct("<8sHHHHQIQ")
_COMPRESSED = 1


def pack(kind: str, payload: bytes, *, compress: bool = False) -> bytes:
    """Wrap ``payload`` in a container of ``kind``.

    Parameters
    ----------
    kind : str
        ``"state"`` or ``"env"``.
    payload : bytes
        The bytes to store.
    compress : bool
        Store the payload zlib-compressed.

    Returns
    -------
    bytes
        The container.
    """
    code = KINDS.get(kind)
    if code is None:
        raise ValueError(f"unknown snapshot kind {kind!r} (one of {', '.join(KINDS)})")
    body = zlib.compress(payload, 6) if compress else payload
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, code, _COMPRESSED if compress else 0, 0,
                          len(payload), zlib.crc32(payload), len(body))
    return header + body


def _header(data: bytes) -> tuple[int, int, int, int, int, int]:
    if len(data) < 8 or data[:8] != MAGIC:
        raise ValueError("not a verbs snapshot: bad magic header")
    if len(data) >= 10:
        version = int.from_bytes(data[8:10], "little")
        if version != FORMAT_VERSION:
            raise ValueError(f"unsupported snapshot format version {version} (this verbs reads "
                             f"version {FORMAT_VERSION})")
    if len(data) < _HEADER.size:
        raise ValueError(f"snapshot data truncated: incomplete header ({len(data)} of "
                         f"{_HEADER.size} bytes)")
    _, _, kind, flags, reserved, raw_len, crc, body_len = _HEADER.unpack_from(data)
    if flags & ~_COMPRESSED or reserved:
        raise ValueError(f"unknown snapshot flags {flags:#x} (reserved {reserved:#x})")
    return kind, flags, reserved, raw_len, crc, body_len


def kind_of(data: bytes) -> str:
    """The kind (``"state"`` or ``"env"``) of a container; ValueError if it is not one."""
    kind = _header(bytes(data))[0]
    if kind not in _KIND_NAMES:
        raise ValueError(f"unknown snapshot kind {kind}")
    return _KIND_NAMES[kind]


def unpack(data: bytes, kind: str) -> bytes:
    """The payload of a container of ``kind``, checked.

    Parameters
    ----------
    data : bytes
        A container made by :func:`pack`.
    kind : str
        The kind the caller reads (``"state"`` or ``"env"``).

    Returns
    -------
    bytes
        The payload (decompressed).

    Raises
    ------
    ValueError
        If ``data`` is not a container, is of another version or kind, is truncated, has
        trailing bytes, or fails its checksum.
    TypeError
        If ``data`` is not bytes-like.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if type(data) is not bytes:
        raise TypeError(f"snapshot data must be bytes, not {type(data).__name__}")
    code, flags, _, raw_len, crc, body_len = _header(data)
    if code != KINDS[kind]:
        got = _KIND_NAMES.get(code)
        if got is None:
            raise ValueError(f"unknown snapshot kind {code} (expected a {kind} snapshot)")
        raise ValueError(f"this is a verbs {got} snapshot, not a {kind} snapshot: read it with "
                         f"{_READERS[got]}")
    body = data[_HEADER.size:]
    if len(body) < body_len:
        raise ValueError(f"snapshot data truncated: body has {len(body)} of {body_len} bytes")
    if len(body) > body_len:
        raise ValueError(f"snapshot data has {len(body) - body_len} trailing bytes")
    if flags & _COMPRESSED:
        inflate = zlib.decompressobj()
        try:
            # never inflate past what the header promises (a corrupt or hostile length)
            payload = inflate.decompress(body, min(raw_len, sys.maxsize - 1) + 1)
        except zlib.error as exc:
            raise ValueError(f"corrupt snapshot body: {exc}") from None
        if not inflate.eof and len(payload) <= raw_len:
            raise ValueError("corrupt snapshot body: incomplete compressed stream")
    else:
        payload = body
    if len(payload) != raw_len:
        raise ValueError(f"corrupt snapshot body: {len(payload)} bytes, header says {raw_len}")
    if zlib.crc32(payload) != crc:
        raise ValueError("corrupt snapshot body: checksum mismatch")
    return payload
