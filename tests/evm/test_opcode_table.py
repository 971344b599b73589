"""The opcode table (hardforks.pyx) against each handler's real behaviour.

Like evmone's instructions_test: every opcode runs with exactly its declared number of inputs
on the stack and the stack height after it must be inputs - outputs different; one input fewer
must underflow; a full stack must overflow when the opcode grows it; opcodes with only static
gas must use exactly the table's gas.
"""
import pytest

from verbs._evm import hardforks
from verbs._evm._testing import run_code

FORKS = hardforks.FORK_NAMES
PUSH1 = 0x60
STOP = 0x00
JUMP, JUMPI, JUMPDEST = 0x56, 0x57, 0x5B

# Opcodes whose gas is only the table's static gas when run on zero operands (memory and
# access costs excluded).
STATIC_ONLY = {
    op for op, (name, *_rest) in hardforks.OPCODES.items()
    if name not in {"EXP", "KECCAK256", "BALANCE", "CALLDATACOPY", "CODECOPY", "EXTCODESIZE",
                    "EXTCODECOPY", "RETURNDATACOPY", "EXTCODEHASH", "MLOAD", "MSTORE",
                    "MSTORE8", "SLOAD", "SSTORE", "MCOPY", "CREATE", "CALL", "CALLCODE",
                    "RETURN", "DELEGATECALL", "CREATE2", "STATICCALL", "REVERT",
                    "SELFDESTRUCT", "BLOCKHASH"} and not name.startswith("LOG")
}


def program(op: int, n_inputs: int) -> bytes:
    """Push n_inputs zeros, run op (with zero immediates), stop."""
    name, imm, *_ = hardforks.OPCODES[op]
    if op == JUMP:
        # PUSH1 dest; JUMP; JUMPDEST; STOP
        return bytes([PUSH1, 3, JUMP, JUMPDEST, STOP])
    code = bytes([PUSH1, 0]) * n_inputs + bytes([op]) + bytes(imm) + bytes([STOP])
    return code


def test_table_is_the_schedule_source():
    for fork in FORKS:
        ops = hardforks.schedule_ops(fork)
        for op, (name, imm, n_in, n_out, gas, introduced) in hardforks.OPCODES.items():
            if introduced <= hardforks.fork_id(fork):
                assert ops[op] == (imm, n_in, n_out, 1024 + n_in - n_out, gas), name
            else:
                assert op not in ops, name


def test_fork_introduced_column():
    assert not hardforks.opcode_enabled(0x5C, "Shanghai")      # TLOAD
    assert hardforks.opcode_enabled(0x5C, "Cancun")
    assert hardforks.opcode_enabled(0x5F, "Shanghai")           # PUSH0
    assert not hardforks.opcode_enabled(0x1E, "Prague")         # CLZ
    assert hardforks.opcode_enabled(0x1E, "Osaka")
    assert not hardforks.opcode_enabled(0xFE, "Osaka")          # INVALID


@pytest.mark.parametrize("fork", FORKS)
@pytest.mark.parametrize("op", sorted(hardforks.OPCODES))
def test_stack_height_change(op, fork):
    name, imm, n_in, n_out, gas, introduced = hardforks.OPCODES[op]
    r = run_code(program(op, n_in), fork=fork, gas=10_000_000)
    if introduced > hardforks.fork_id(fork):
        assert r["halt"] == "invalid_opcode", name
        return
    assert r["halt"] not in ("stack_underflow", "stack_overflow", "invalid_opcode"), (name, r)
    if op == JUMP:
        assert r["halt"] == "stop" and r["stack"] == []
        return
    assert len(r["stack"]) == n_out, (name, r["halt"], r["stack"])


@pytest.mark.parametrize("op", sorted(op for op, row in hardforks.OPCODES.items() if row[2] > 0))
def test_underflow_with_one_input_fewer(op):
    name, imm, n_in, *_ = hardforks.OPCODES[op]
    code = bytes([PUSH1, 0]) * (n_in - 1) + bytes([op]) + bytes(imm)
    r = run_code(code, fork="Osaka")
    assert r["halt"] == "stack_underflow", name
    assert r["gas_left"] == 0


@pytest.mark.parametrize("op", sorted(op for op, row in hardforks.OPCODES.items()
                                      if row[3] > row[2]))
def test_overflow_on_full_stack(op):
    name, imm, *_ = hardforks.OPCODES[op]
    code = bytes([0x5F]) * 1024 + bytes([op]) + bytes(imm)
    r = run_code(code, fork="Osaka", gas=10_000_000)
    assert r["halt"] == "stack_overflow", name


@pytest.mark.parametrize("op", sorted(op for op in STATIC_ONLY if op != STOP))
def test_static_gas_from_table(op):
    name, imm, n_in, n_out, gas, introduced = hardforks.OPCODES[op]
    if op == JUMP:
        code, expected = program(op, n_in), 3 + gas + 1
    else:
        code, expected = program(op, n_in), 3 * n_in + gas
    r = run_code(code, fork="Osaka", gas=1_000_000)
    assert r["halt"] == "stop", name
    assert 1_000_000 - r["gas_left"] == expected, name


def test_undefined_bytes_are_invalid():
    for op in range(256):
        if op in hardforks.OPCODES:
            continue
        r = run_code(bytes([op]), fork="Osaka")
        assert r["halt"] == "invalid_opcode", hex(op)
        assert r["gas_left"] == 0
