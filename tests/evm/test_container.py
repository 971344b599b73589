"""The snapshot container (verbs/_evm/container.py): one header for every snapshot level."""
import struct
import zlib

import pytest

from verbs._evm import container


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("kind", ["state", "env"])
def test_roundtrip(kind, compress):
    payload = bytes(range(256)) * 40
    data = container.pack(kind, payload, compress=compress)
    assert data[:8] == container.MAGIC
    assert container.kind_of(data) == kind
    assert container.unpack(data, kind) == payload
    assert container.unpack(bytearray(data), kind) == payload
    assert (len(data) < len(payload)) == compress


def test_wrong_kind_names_what_it_got():
    data = container.pack("env", b"x")
    with pytest.raises(ValueError, match="this is a verbs env snapshot, not a state snapshot"):
        container.unpack(data, "state")
    with pytest.raises(ValueError, match="unknown snapshot kind"):
        container.pack("block", b"")


def test_header_checks():
    data = container.pack("state", b"payload", compress=True)
    with pytest.raises(ValueError, match="magic"):
        container.unpack(b"NOTASNAP" + data[8:], "state")
    with pytest.raises(ValueError, match="version 1 "):
        container.unpack(data[:8] + (1).to_bytes(2, "little") + data[10:], "state")
    with pytest.raises(ValueError, match="incomplete header"):
        container.unpack(data[:20], "state")
    with pytest.raises(ValueError, match="flags"):
        container.unpack(data[:12] + (6).to_bytes(2, "little") + data[14:], "state")
    with pytest.raises(ValueError, match="truncated"):
        container.unpack(data[:-1], "state")
    with pytest.raises(ValueError, match="trailing"):
        container.unpack(data + b"\0", "state")
    with pytest.raises(TypeError):
        container.unpack("text", "state")


def test_checksum_and_lengths():
    data = bytearray(container.pack("state", b"some payload"))
    data[-1] ^= 1
    with pytest.raises(ValueError, match="checksum"):
        container.unpack(bytes(data), "state")
    # a compressed body that inflates past the length the header promises
    bomb = zlib.compress(b"\0" * 1_000_000)
    header = struct.pack("<8sHHHHQIQ", container.MAGIC, container.FORMAT_VERSION, 1, 1, 0,
                         10, zlib.crc32(b"\0" * 10), len(bomb))
    with pytest.raises(ValueError, match="header says 10"):
        container.unpack(header + bomb, "state")
    # a huge raw length is only a bound, never an allocation
    header = struct.pack("<8sHHHHQIQ", container.MAGIC, container.FORMAT_VERSION, 1, 1, 0,
                         2 ** 64 - 1, 0, len(bomb))
    with pytest.raises(ValueError, match="header says"):
        container.unpack(header + bomb, "state")
    with pytest.raises(ValueError, match="corrupt snapshot body"):
        container.unpack(header[:-8] + (4).to_bytes(8, "little") + b"\x78\x9c\x00\x00", "state")
