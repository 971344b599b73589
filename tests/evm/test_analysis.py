"""The analysed instruction stream (verbs._evm.analysis) and the loop that runs it: the
analysis itself, and the analysed loop against the plain one on the same code and gas."""
import random

import pytest
from evm_asm import asm, push

from verbs._evm._testing import analysed_code, run_code

OSAKA_ONLY = asm("CLZ")


def same(code: bytes, gas: int, **kw) -> dict:
    """Run ``code`` in both loops and check that everything observable is equal."""
    fast = run_code(code, gas=gas, analysed=True, **kw)
    plain = run_code(code, gas=gas, analysed=False, **kw)
    for key in ("halt", "gas_left", "stack", "output", "refund", "logs"):
        assert fast[key] == plain[key], (key, code.hex(), gas)
    return fast


# --- the analysis ---------------------------------------------------------------------------

def test_blocks_charge_static_gas_and_bound_the_stack():
    code = asm("PUSH1", 1, "PUSH1", 2, "ADD", "JUMPDEST", "POP", "STOP")
    instrs = analysed_code(code)["instrs"]
    assert instrs[0] == ("BEGINBLOCK", 0, (9, 0, 1022))
    # JUMPDEST opens a block and pays into it; POP needs one item on entry
    assert instrs[4] == ("BEGINBLOCK", 5, (3, 1, 1024))
    assert [k for k, _, _ in instrs] == ["BEGINBLOCK", "PUSH_SMALL", "PUSH_SMALL", "ADD",
                                         "BEGINBLOCK", "POP", "STOP",
                                         "BEGINBLOCK", "STOP"]    # the implicit STOP


def test_push_values_are_decoded_small_inline_big_in_the_table():
    big = 2 ** 200 + 5
    code = asm("PUSH32", 7, "PUSH32", big, "PUSH2", 0xABCD)
    a = analysed_code(code)
    kinds = [(k, arg) for k, _, arg in a["instrs"][1:4]]
    assert kinds == [("PUSH_SMALL", 7), ("PUSH_BIG", 0), ("PUSH_SMALL", 0xABCD)]
    assert a["push_values"] == [big]


def test_truncated_push_reads_zeros_past_the_end():
    code = bytes([0x61, 0x12])            # PUSH2 with one byte of immediate
    a = analysed_code(code)
    assert a["instrs"][1] == ("PUSH_SMALL", 0, 0x1200)
    assert same(code, 100)["stack"] == [0x1200]


def test_jumpdests_resolve_to_their_block_and_push_data_is_no_jumpdest():
    code = asm("PUSH1", 0x5B, "JUMPDEST", "PUSH2", 0x5B5B, "JUMPDEST", "STOP")
    a = analysed_code(code)
    assert sorted(a["jumpdests"]) == [2, 6]
    for pc, index in a["jumpdests"].items():
        assert a["instrs"][index][:2] == ("BEGINBLOCK", pc)


def test_gas_reading_instructions_carry_the_rest_of_their_block():
    code = asm("GAS", "PUSH1", 1, "MSTORE", "PUSH1", 0, "POP", "STOP")
    instrs = analysed_code(code)["instrs"]
    assert instrs[1] == ("GENERIC", 0, 3 + 3 + 3 + 2)       # GAS: PUSH1, MSTORE, PUSH1, POP
    assert instrs[3] == ("MSTORE", 3, 3 + 2)


def test_opcodes_of_later_forks_are_invalid_in_earlier_ones():
    assert analysed_code(OSAKA_ONLY, "Osaka")["instrs"][1][0] == "CLZ"
    assert analysed_code(OSAKA_ONLY, "Prague")["instrs"][1][0] == "INVALID"
    assert same(OSAKA_ONLY, 100, fork="Prague")["halt"] == "invalid_opcode"


def test_undefined_opcode_ends_its_block():
    code = asm("PUSH1", 1) + b"\x0c" + asm("PUSH1", 2)
    kinds = [k for k, _, _ in analysed_code(code)["instrs"]]
    assert kinds == ["BEGINBLOCK", "PUSH_SMALL", "INVALID", "BEGINBLOCK", "PUSH_SMALL", "STOP"]


# --- exact gas and halts inside a block -----------------------------------------------------

def test_gas_opcode_sees_the_exact_gas_mid_block():
    code = asm("PUSH1", 1, "GAS", "PUSH1", 1, "POP", "STOP")
    r = same(code, 1000)
    assert r["stack"] == [1, 1000 - 3 - 2]


@pytest.mark.parametrize("gas", range(0, 30))
def test_out_of_gas_and_underflow_are_ordered_as_the_plain_loop(gas):
    # enough gas: the third ADD underflows; too little: out of gas before it
    code = asm("PUSH1", 1, "PUSH1", 2, "ADD", "ADD", "PUSH1", 1, "MSTORE", "STOP")
    same(code, gas)


@pytest.mark.parametrize("gas", range(0, 40))
def test_memory_expansion_leaving_too_little_for_the_block(gas):
    # MSTORE's expansion gas can leave less than the rest of the block's static gas; the
    # RETURNDATACOPY after it then fails on its own (out of bounds) or the block runs dry
    code = asm("PUSH1", 0, "PUSH1", 64, "MSTORE", "PUSH1", 1, "PUSH1", 0, "PUSH1", 0,
               "RETURNDATACOPY", "STOP")
    same(code, gas)


@pytest.mark.parametrize("gas", [2300, 2301, 2302, 5000, 22_100, 22_105, 30_000])
def test_sstore_stipend_check_sees_the_exact_gas(gas):
    code = asm("PUSH1", 1, "PUSH1", 0, "SSTORE", "PUSH1", 1, "PUSH1", 1, "ADD", "POP", "STOP")
    same(code, gas)


def test_stack_overflow_in_a_block():
    code = asm("PUSH0") * 1025 + asm("STOP")
    assert same(code, 10_000)["halt"] == "stack_overflow"
    assert same(asm("PUSH0") * 1024 + asm("STOP"), 10_000)["halt"] == "stop"


def test_invalid_jumps():
    for code in (asm("PUSH1", 3, "JUMP", "STOP"),                    # not a JUMPDEST
                 asm("PUSH1", 4, "JUMP", "PUSH1", 0x5B, "STOP"),     # into PUSH data
                 push(2 ** 64) + asm("JUMP"),                         # beyond 64 bits
                 asm("PUSH1", 99, "PUSH1", 1, "JUMPI")):              # past the end
        assert same(code, 1000)["halt"] == "invalid_jump"


def test_loop_with_conditional_jump():
    # sum 1..10 by a JUMPI loop
    code = asm("PUSH0", "PUSH1", 10,
               "JUMPDEST", "DUP1", "SWAP2", "ADD", "SWAP1", "PUSH1", 1, "SWAP1", "SUB",
               "DUP1", "PUSH1", 3, "JUMPI", "POP", "STOP")
    for gas in range(0, 400, 7):
        same(code, gas)
    assert same(code, 10_000)["stack"] == [55]


# --- random programs: the analysed loop agrees with the plain one at every gas --------------

_OPS = ["ADD", "MUL", "SUB", "DIV", "SDIV", "MOD", "SMOD", "ADDMOD", "MULMOD", "EXP",
        "SIGNEXTEND", "LT", "GT", "SLT", "SGT", "EQ", "ISZERO", "AND", "OR", "XOR", "NOT", "BYTE",
        "SHL", "SHR", "SAR", "CLZ", "KECCAK256", "ADDRESS", "BALANCE", "CALLER", "CALLVALUE",
        "CALLDATALOAD", "CALLDATASIZE", "CALLDATACOPY", "CODESIZE", "CODECOPY", "RETURNDATASIZE",
        "RETURNDATACOPY", "POP", "MLOAD", "MSTORE", "MSTORE8", "SLOAD", "SSTORE", "PC", "MSIZE",
        "GAS", "TLOAD", "TSTORE", "MCOPY", "PUSH0", "DUP1", "DUP2", "DUP4", "SWAP1", "SWAP3",
        "LOG0", "LOG1", "SELFBALANCE", "JUMPDEST"]


def random_program(rng: random.Random) -> bytes:
    """Short straight-line and looping code: small pushes keep memory and jumps in range."""
    parts = []
    for _ in range(rng.randrange(1, 40)):
        r = rng.random()
        if r < 0.35:
            parts.append(push(rng.choice([0, 1, 2, 31, 32, 64, rng.randrange(256),
                                          rng.randrange(2 ** 64), 2 ** 255])))
        elif r < 0.42:
            parts.append(asm("PUSH1", rng.randrange(64), rng.choice(["JUMP", "JUMPI"])))
        elif r < 0.44:
            parts.append(bytes([rng.choice([0x0C, 0xFE, 0x5B, 0x7F])]))
        else:
            parts.append(asm(rng.choice(_OPS)))
    parts.append(asm(rng.choice(["STOP", "RETURN", "REVERT"])))
    return b"".join(parts)


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_agree_with_the_plain_loop(seed):
    rng = random.Random(seed)
    for _ in range(25):
        code = random_program(rng)
        full = run_code(code, gas=100_000, analysed=False)
        used = 100_000 - full["gas_left"]
        for gas in {0, 1, used - 1, used, used + 1, 100_000, *rng.sample(range(used + 2), 5)}:
            if gas >= 0:
                same(code, gas, calldata=bytes(range(40)))


@pytest.mark.parametrize("fork", ["Shanghai", "Cancun", "Prague", "Osaka"])
def test_every_opcode_runs_as_in_the_plain_loop(fork):
    # an opcode the plain loop runs itself (not through ``step``) needs its own kind in the
    # analysed loop: GENERIC would answer invalid_opcode for it
    for op in range(256):
        code = asm("PUSH1", 1) * 17 + bytes([op]) + bytes(32) + asm("STOP")
        same(code, 1_000_000, fork=fork)
