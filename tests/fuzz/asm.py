"""A small EVM assembler for the fuzzer: ``asm("PUSH1", 2, "PUSH1", 3, "ADD")``."""
from __future__ import annotations

from Crypto.Hash import keccak as _keccak

from .ours import OPCODE_BYTES, OPCODES


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def asm(*items) -> bytes:
    """Opcode names, each PUSHn followed by its immediate (an int, written in n bytes), or raw
    bytes."""
    out = bytearray()
    it = iter(items)
    for item in it:
        if isinstance(item, (bytes, bytearray)):
            out += item
            continue
        op = OPCODE_BYTES[item]
        out.append(op)
        imm = OPCODES[op][1]
        if imm:
            out += int(next(it)).to_bytes(imm, "big")
    return bytes(out)


def push(value: int) -> bytes:
    """The shortest PUSH of ``value`` (PUSH0 for zero)."""
    if value == 0:
        return b"\x5f"
    n = (value.bit_length() + 7) // 8
    return bytes([0x5F + n]) + value.to_bytes(n, "big")
