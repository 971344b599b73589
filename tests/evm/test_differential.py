"""Differential test: random straight-line programs on verbs' EVM and on revm (pyrevm).

Each program is generated from a seed with the stack height tracked (so it never underflows),
memory and storage touched at small offsets/keys, and ends by returning what is left on the
stack.  Both EVMs run it as a transaction from the same account to the same contract under
the same fork; output, gas used and the storage slots written must agree.
"""
import random

import pytest

pyrevm = pytest.importorskip("pyrevm")

from verbs._evm.evm import EVM
from verbs._evm.tx import Tx
from verbs._evm.hardforks import OPCODES, OPCODE_BYTES, fork_id

from evm_asm import asm, push

CALLER = b"\x11" * 20
CONTRACT = b"\x22" * 20
GAS = 1_000_000
SLOTS = range(4)
PYREVM_SPEC = {"Shanghai": "SHANGHAI", "Cancun": "CANCUN", "Prague": "PRAGUE"}

PURE = ["ADD", "MUL", "SUB", "DIV", "SDIV", "MOD", "SMOD", "ADDMOD", "MULMOD", "EXP",
        "SIGNEXTEND", "LT", "GT", "SLT", "SGT", "EQ", "ISZERO", "AND", "OR", "XOR", "NOT",
        "BYTE", "SHL", "SHR", "SAR", "POP", "ADDRESS", "CALLER", "CALLVALUE", "CALLDATASIZE",
        "CODESIZE", "PC", "MSIZE", "GAS", "PUSH0"]
PURE += [f"DUP{i}" for i in range(1, 17)] + [f"SWAP{i}" for i in range(1, 17)]
INTERESTING = [0, 1, 2, 31, 32, 255, 256, 2 ** 64 - 1, 2 ** 128, 2 ** 255, 2 ** 255 - 1,
               2 ** 256 - 1, 2 ** 256 - 2]


def random_value(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.5:
        return rng.choice(INTERESTING)
    if r < 0.8:
        return rng.randrange(0, 300)
    return rng.getrandbits(rng.choice([8, 64, 160, 256]))


def random_program(seed: int, fork: str) -> bytes:
    rng = random.Random(seed)
    code = bytearray()
    depth = 0
    cancun = fork_id(fork) >= fork_id("Cancun")
    for _ in range(rng.randrange(5, 60)):
        kind = rng.random()
        if kind < 0.3 or depth < 3:
            code += push(random_value(rng))
            depth += 1
            continue
        if kind < 0.45 and depth >= 1:
            # memory: MSTORE/MSTORE8/MLOAD at small offsets
            op = rng.choice(["MSTORE", "MSTORE8", "MLOAD"])
            code += push(rng.randrange(0, 128)) + asm(op)
            depth += 0 if op == "MLOAD" else -1
            continue
        if kind < 0.55 and depth >= 1:
            op = rng.choice(["SSTORE", "SLOAD"] + (["TSTORE", "TLOAD"] if cancun else []))
            code += push(rng.choice(SLOTS)) + asm(op)
            depth += 0 if op in ("SLOAD", "TLOAD") else -1
            continue
        if kind < 0.6:
            code += push(rng.randrange(0, 70)) + push(rng.randrange(0, 100)) + asm("KECCAK256")
            depth += 1
            continue
        if kind < 0.63 and cancun:
            code += (push(rng.randrange(0, 64)) + push(rng.randrange(0, 100))
                     + push(rng.randrange(0, 100)) + asm("MCOPY"))
            continue
        name = rng.choice(PURE)
        _, _, n_in, n_out, _, _ = OPCODES[OPCODE_BYTES[name]]
        if n_in > depth or depth - n_in + n_out > 1000:
            continue
        code += asm(name)
        depth += n_out - n_in
    # return what is left (at most 16 words) from memory offset 0x200
    n = min(depth, 16)
    for i in range(n):
        code += push(0x200 + 32 * i) + asm("MSTORE")
    code += push(32 * n) + push(0x200) + asm("RETURN")
    return bytes(code)


def run_verbs(code: bytes, fork: str, value: int):
    evm = EVM(fork)
    evm.set_block(number=1, timestamp=1, gas_limit=30_000_000, base_fee=0)
    evm.set_account(CALLER, balance=10 ** 20)
    evm.set_account(CONTRACT, code=code)
    r = evm.transact(Tx(CALLER, to=CONTRACT, gas_limit=GAS, gas_price=0, value=value,
                        data=b"\x01\x02\x03"))
    return r.success, r.output, r.gas_used, [evm.get_storage(CONTRACT, s) for s in SLOTS]


def run_revm(code: bytes, fork: str, value: int):
    evm = pyrevm.EVM(spec_id=PYREVM_SPEC[fork])
    caller, contract = "0x" + CALLER.hex(), "0x" + CONTRACT.hex()
    evm.set_balance(caller, 10 ** 20)
    evm.insert_account_info(contract, pyrevm.AccountInfo(code=code))
    try:
        out = evm.message_call(caller, contract, calldata=b"\x01\x02\x03", value=value, gas=GAS)
    except RuntimeError:
        return False, None, None, None
    r = evm.result
    return r.is_success, bytes(out), r.gas_used, [evm.storage(contract, s) for s in SLOTS]


@pytest.mark.parametrize("fork", sorted(PYREVM_SPEC))
@pytest.mark.parametrize("seed", range(60))
def test_random_program_matches_revm(seed, fork):
    code = random_program(seed * 7919 + fork_id(fork), fork)
    value = seed % 3
    ours = run_verbs(code, fork, value)
    theirs = run_revm(code, fork, value)
    if not theirs[0]:
        assert not ours[0], code.hex()
        return
    assert ours[0], code.hex()
    assert ours[1] == theirs[1], code.hex()                    # output
    assert ours[2] == theirs[2], code.hex()                    # gas used (after refunds)
    assert ours[3] == theirs[3], code.hex()                    # storage


def test_generator_makes_nontrivial_programs():
    lengths = [len(random_program(s, "Cancun")) for s in range(20)]
    assert max(lengths) > 100


# --- random bytes: mostly failing programs, compared on success, output and gas used ---------

def random_bytes_program(seed: int) -> bytes:
    rng = random.Random(seed)
    pushes = list(range(0x5F, 0x80))
    return bytes(rng.choice(pushes) if rng.random() < 0.25 else rng.randrange(256)
                 for _ in range(rng.randrange(1, 60)))


def run_revm_any(code: bytes, fork: str, gas: int):
    """(success, output, gas used) on revm, also for halting programs."""
    import re

    evm = pyrevm.EVM(spec_id=PYREVM_SPEC[fork])
    caller, contract = "0x" + CALLER.hex(), "0x" + CONTRACT.hex()
    evm.set_balance(caller, 10 ** 20)
    evm.insert_account_info(contract, pyrevm.AccountInfo(code=code, balance=1000))
    try:
        out = evm.message_call(caller, contract, gas=gas)
    except RuntimeError as exc:
        m = re.search(r"gas_used: (\d+)", str(exc))
        return False, b"", int(m.group(1)) if m else None
    return evm.result.is_success, bytes(out), evm.result.gas_used


# Shanghai is left out: pyrevm's SHANGHAI accepts the Cancun opcodes (BLOBHASH, TLOAD, ...).
@pytest.mark.parametrize("fork", ["Cancun", "Prague"])
@pytest.mark.parametrize("seed", range(150))
def test_random_bytes_match_revm(seed, fork):
    code = random_bytes_program(seed)
    evm = EVM(fork)
    evm.set_block(number=1, timestamp=1, gas_limit=30_000_000, base_fee=0)
    evm.set_account(CALLER, balance=10 ** 20)
    evm.set_account(CONTRACT, code=code, balance=1000)
    r = evm.transact(Tx(CALLER, to=CONTRACT, gas_limit=200_000, gas_price=0))
    ours = (r.success, r.output if r.success else b"", r.gas_used)
    assert ours == run_revm_any(code, fork, 200_000), code.hex()
