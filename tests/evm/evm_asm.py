"""A tiny EVM assembler for the tests: ``asm("PUSH1", 2, "PUSH1", 3, "ADD")``."""
from verbs._evm.hardforks import OPCODE_BYTES, OPCODES


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
        return asm("PUSH0")
    n = (value.bit_length() + 7) // 8
    return asm(f"PUSH{n}", value)


def ret_top() -> bytes:
    """Return the top of the stack as 32 bytes."""
    return asm("PUSH1", 0, "MSTORE", "PUSH1", 32, "PUSH1", 0, "RETURN")
