"""Unit tests of tricky opcodes and gas rules of the interpreter (verbs._evm.interpreter)."""
import pytest
from Crypto.Hash import keccak as _keccak
from evm_asm import asm, push, ret_top

from verbs._evm._testing import jumpdest_bitmap, run_code
from verbs._evm.evm import EVM
from verbs._evm.interpreter import contract_address, contract_address2
from verbs._evm.state import State
from verbs._evm.tx import Tx

ME = b"\x10" * 20
OTHER = b"\x33" * 20
SENDER = b"\x01" * 20


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def top(r) -> int:
    return int.from_bytes(r["output"], "big")


# --- arithmetic and words ---------------------------------------------------------------------

def test_add_wraps_and_stack_is_in_place():
    r = run_code(push(2 ** 256 - 1) + push(2) + asm("ADD") + ret_top())
    assert r["halt"] == "return" and top(r) == 1


def test_sub_operand_order():
    r = run_code(push(3) + push(10) + asm("SUB") + ret_top())   # 10 - 3
    assert top(r) == 7


def test_exp_gas_per_exponent_byte():
    r = run_code(push(0x0101) + push(2) + asm("EXP", "STOP"), gas=100_000)
    assert r["stack"] == [pow(2, 0x0101, 2 ** 256)]
    assert 100_000 - r["gas_left"] == 3 + 3 + 10 + 50 * 2


@pytest.mark.parametrize("x,expected", [(0, 256), (1, 255), (2 ** 255, 0), (0xFF << 100, 148)])
def test_clz_osaka(x, expected):
    r = run_code(push(x) + asm("CLZ") + ret_top(), fork="Osaka")
    assert top(r) == expected


def test_clz_is_invalid_before_osaka():
    assert run_code(push(1) + asm("CLZ"), fork="Prague")["halt"] == "invalid_opcode"


# --- memory ---------------------------------------------------------------------------------

def test_memory_expansion_gas_is_exact():
    # MLOAD at 1024 touches 1056 bytes = 33 words: 3*33 + 33*33//512 = 101
    r = run_code(push(1024) + asm("MLOAD", "STOP"), gas=10_000)
    assert 10_000 - r["gas_left"] == 3 + 3 + 101
    assert r["stack"] == [0]
    # MSIZE after it
    r = run_code(push(1024) + asm("MLOAD", "POP", "MSIZE", "STOP"))
    assert r["stack"] == [1056]


def test_quadratic_memory_cost():
    # 32 KiB = 1024 words: 3*1024 + 1024**2 // 512 = 5120
    r = run_code(push(32 * 1023) + asm("MLOAD", "STOP"), gas=100_000)
    assert 100_000 - r["gas_left"] == 6 + 5120


@pytest.mark.parametrize("offset", [2 ** 30, 2 ** 32, 2 ** 40, 2 ** 64, 2 ** 255, 2 ** 256 - 1])
def test_huge_memory_offset_is_out_of_gas(offset):
    for op in ("MLOAD", "MSTORE8", "KECCAK256"):
        code = push(32) + push(offset) + asm(op) if op == "KECCAK256" else \
            push(1) + push(offset) + asm(op) if op == "MSTORE8" else push(offset) + asm(op)
        r = run_code(code, gas=2 ** 62)
        assert r["halt"] == "out_of_gas", op
        assert r["gas_left"] == 0


def test_zero_size_access_at_huge_offset_is_free():
    # CALLDATACOPY(destOffset=2**255, offset=0, size=0) expands nothing
    r = run_code(push(0) + push(0) + push(2 ** 255) + asm("CALLDATACOPY", "MSIZE", "STOP"))
    assert r["halt"] == "stop" and r["stack"] == [0]


def test_mcopy_overlapping():
    code = push(0x0102030405) + push(0) + asm("MSTORE")          # bytes 27..31 = 01..05
    code += push(5) + push(27) + push(28) + asm("MCOPY")          # copy to 28, overlapping
    code += push(0) + asm("MLOAD") + ret_top()
    r = run_code(code, fork="Cancun")
    assert r["output"][-5:] == bytes([1, 1, 2, 3, 4])


def test_calldataload_pads_with_zeros():
    r = run_code(push(1) + asm("CALLDATALOAD") + ret_top(), calldata=b"\xaa\xbb\xcc")
    assert r["output"] == b"\xbb\xcc" + b"\x00" * 30
    r = run_code(push(2 ** 200) + asm("CALLDATALOAD") + ret_top(), calldata=b"\xaa")
    assert top(r) == 0


def test_keccak256():
    code = push(0xDEADBEEF) + push(0) + asm("MSTORE") + push(4) + push(28) + asm("KECCAK256")
    r = run_code(code + ret_top())
    assert r["output"] == keccak(bytes.fromhex("deadbeef"))


# --- control flow -----------------------------------------------------------------------------

def test_invalid_jump():
    r = run_code(push(4) + asm("JUMP", "STOP", "STOP", "JUMPDEST"))    # offset 4 is a STOP
    assert r["halt"] == "invalid_jump" and r["gas_left"] == 0


def test_jump_into_push_data_is_invalid():
    # PUSH1 0x5b sits at 0..1; offset 1 is push data, not a JUMPDEST
    code = asm("PUSH1", 0x5B, "PUSH1", 1, "JUMP")
    assert run_code(code)["halt"] == "invalid_jump"
    assert jumpdest_bitmap(code) == b"\x00"
    assert jumpdest_bitmap(asm("JUMPDEST", "PUSH1", 0x5B, "JUMPDEST")) == bytes([0b1001])


def test_jumpi_falls_through_on_zero():
    r = run_code(push(0) + push(100) + asm("JUMPI") + push(7) + ret_top())
    assert top(r) == 7


def test_truncated_push_at_code_end_reads_zeros():
    r = run_code(bytes([0x61, 0xAB]))           # PUSH2 with one byte left
    assert r["halt"] == "stop" and r["stack"] == [0xAB00]
    r = run_code(bytes([0x7F]))                  # PUSH32 with nothing left
    assert r["halt"] == "stop" and r["stack"] == [0]


def test_pc_and_gas():
    r = run_code(asm("JUMPDEST", "PC", "GAS", "STOP"), gas=1000)
    assert r["stack"] == [1, 1000 - 1 - 2 - 2]


def test_out_of_gas_consumes_everything():
    r = run_code(push(1) + push(1) + asm("ADD"), gas=8)
    assert r["halt"] == "out_of_gas" and r["gas_left"] == 0


def test_revert_keeps_gas_and_returns_data():
    r = run_code(push(0x2A) + push(0) + asm("MSTORE") + push(32) + push(0) + asm("REVERT"),
                 gas=1000)
    assert r["halt"] == "revert" and top(r) == 0x2A and r["gas_left"] > 0


# --- storage ----------------------------------------------------------------------------------

def sstore_gas(original, current, new, fork="Osaka", warm=False):
    """Gas and refund of one SSTORE(slot 0) with the given original/current values."""
    st = State()
    st.set_account(ME, storage={0: original} if original else None)
    code = b""
    if current != original:
        code += push(current) + push(0) + asm("SSTORE")
    if warm and current == original:
        code += push(0) + asm("SLOAD", "POP")
    code += asm("GAS") + push(new) + push(0) + asm("SSTORE", "GAS", "SWAP1", "SUB", "STOP")
    r = run_code(code, state=st, fork=fork, gas=100_000)
    assert r["halt"] == "stop", r
    # GAS; PUSH new; PUSH0; SSTORE; GAS: the difference includes the pushes and the GAS
    return r["stack"][0] - 2 - 2 - (3 if new else 2), r["refund"]


@pytest.mark.parametrize("original,current,new,gas,refund", [
    (0, 0, 0, 2100 + 100, 0),            # no-op, cold
    (0, 0, 1, 2100 + 20000, 0),          # set
    (1, 1, 0, 2100 + 2900, 4800),        # clear
    (1, 1, 2, 2100 + 2900, 0),           # reset
    (1, 2, 1, 100, 2800),                # dirty back to original (EIP-3529 numbers)
    (0, 1, 0, 100, 19900),               # dirty back to zero original
    (1, 0, 1, 100, -4800 + 2800),        # re-set after clear: the clear refund taken back
])
def test_sstore_schedule(original, current, new, gas, refund):
    g, rf = sstore_gas(original, current, new)
    assert g == gas
    first = sstore_gas(original, original, current)[1] if current != original else 0
    assert rf - first == refund          # the refund of the SSTORE under test alone


def test_sstore_needs_more_than_the_stipend():
    st = State()
    # 2300 gas left at SSTORE: out of gas (EIP-2200 sentry)
    code = push(1) + push(0) + asm("SSTORE")
    r = run_code(code, state=st, gas=2300 + 6)
    assert r["halt"] == "out_of_gas"


def test_sload_warm_and_cold():
    r = run_code(push(0) + asm("SLOAD") + push(0) + asm("SLOAD", "STOP"), gas=10_000)
    assert 10_000 - r["gas_left"] == 2 + 2100 + 2 + 100


def test_transient_storage_round_trip():
    code = push(7) + push(1) + asm("TSTORE") + push(1) + asm("TLOAD") + ret_top()
    assert top(run_code(code, fork="Cancun")) == 7
    assert run_code(code, fork="Shanghai")["halt"] == "invalid_opcode"


# --- calls ------------------------------------------------------------------------------------

def call(to: bytes, gas: int = 0, value: int = 0, op="CALL", out_size=32) -> bytes:
    code = push(out_size) + push(0) + push(0) + push(0)
    if op in ("CALL", "CALLCODE"):
        code += push(value)
    return code + push(int.from_bytes(to, "big")) + push(gas) + asm(op)


def test_call_stipend_with_value():
    st = State()
    st.set_account(ME, balance=10)
    st.set_account(OTHER, code=asm("GAS") + ret_top())
    r = run_code(call(OTHER, gas=0, value=1) + asm("POP") + push(0) + asm("MLOAD") + ret_top(),
                 state=st)
    assert top(r) == 2300 - 2                 # the callee starts with the 2300 stipend


def test_call_63_64_rule():
    st = State()
    st.set_account(OTHER, code=asm("GAS") + ret_top())
    gas = 100_000
    r = run_code(call(OTHER, gas=10 ** 9) + asm("POP") + push(0) + asm("MLOAD") + ret_top(),
                 state=st, gas=gas)
    # pushes (PUSH1, 4 x PUSH0, PUSH20, PUSH4), cold access, memory for 32 bytes
    before_call = gas - (3 + 4 * 2 + 3 + 3) - 2600 - 3
    assert top(r) == before_call - before_call // 64 - 2


def test_call_insufficient_balance_fails_without_running():
    st = State()
    st.set_account(OTHER, code=push(1) + push(0) + asm("SSTORE"))
    r = run_code(call(OTHER, gas=50_000, value=1) + ret_top(), state=st)
    assert top(r) == 0
    assert st.get_storage(OTHER, 0) == 0


@pytest.mark.parametrize("callee", [b"", asm("STOP"), push(0) + push(0) + asm("REVERT")])
def test_call_returning_nothing_leaves_the_output_area(callee):
    # Nothing returned: the output area keeps its bytes (and no copy from a NULL buffer, which
    # UBSan reports under tools/sanitize.sh).
    st = State()
    st.set_account(OTHER, code=callee)
    code = push(0x2A) + push(0) + asm("MSTORE") + call(OTHER, gas=50_000) + asm("POP")
    r = run_code(code + push(0) + asm("MLOAD") + ret_top(), state=st)
    assert top(r) == 0x2A


@pytest.mark.parametrize("body", [
    push(1) + push(0) + asm("SSTORE"),
    push(1) + push(0) + asm("TSTORE"),
    push(0) + push(0) + asm("LOG0"),
    push(0) + push(0) + push(0) + asm("CREATE"),
    push(0) + asm("SELFDESTRUCT"),
])
def test_static_violations(body):
    st = State()
    st.set_account(OTHER, code=body)
    r = run_code(call(OTHER, gas=100_000, op="STATICCALL") + ret_top(), state=st, fork="Cancun")
    assert top(r) == 0


def test_static_call_with_value_is_a_violation():
    st = State()
    st.set_account(ME, balance=10)
    st.set_account(OTHER, code=call(ME, value=1))
    r = run_code(call(OTHER, gas=100_000, op="STATICCALL") + ret_top(), state=st)
    assert top(r) == 0


def test_delegatecall_keeps_storage_and_caller():
    st = State()
    st.set_account(OTHER, code=asm("CALLER") + push(0) + asm("SSTORE"))
    r = run_code(call(OTHER, gas=100_000, op="DELEGATECALL") + ret_top(), state=st)
    assert top(r) == 1
    assert st.get_storage(ME, 0) == int.from_bytes(b"\x20" * 20, "big")
    assert st.get_storage(OTHER, 0) == 0


def test_call_depth_limit_1024():
    # each frame: slot0 += 1, then call itself with all gas; the 1025th call fails
    me = int.from_bytes(ME, "big")
    code = push(0) + asm("SLOAD") + push(1) + asm("ADD") + push(0) + asm("SSTORE")
    code += push(0) * 5 + push(me) + asm("GAS", "CALL", "STOP")
    st = State()
    r = run_code(code, state=st, gas=10 ** 12)
    assert r["halt"] == "stop"
    assert st.get_storage(ME, 0) == 1025


def test_returndata_out_of_bounds():
    st = State()
    st.set_account(OTHER, code=push(32) + push(0) + asm("RETURN"))
    code = call(OTHER, gas=10_000, out_size=0) + asm("POP")
    ok = run_code(code + asm("RETURNDATASIZE") + ret_top(), state=st)
    assert top(ok) == 32
    bad = run_code(code + push(1) + push(32) + push(0) + asm("RETURNDATACOPY"), state=st)
    assert bad["halt"] == "returndata_out_of_bounds"


# --- create -----------------------------------------------------------------------------------

def test_create_and_create2_addresses():
    initcode = push(0x00) + push(0) + asm("RETURN")      # deploys empty code
    st = State()
    st.set_account(ME, nonce=5)
    code = push(int.from_bytes(initcode, "big")) + push(0) + asm("MSTORE")
    code += push(len(initcode)) + push(32 - len(initcode)) + push(0) + asm("CREATE")
    r = run_code(code + ret_top(), state=st)
    assert r["output"][12:] == contract_address(ME, 5)
    assert st.get_nonce(ME) == 6
    salt = 42
    code = push(int.from_bytes(initcode, "big")) + push(0) + asm("MSTORE")
    code += push(salt) + push(len(initcode)) + push(32 - len(initcode)) + push(0) + asm("CREATE2")
    r = run_code(code + ret_top(), state=st)
    assert r["output"][12:] == contract_address2(ME, salt.to_bytes(32, "big"), initcode)
    assert r["output"][12:] == keccak(b"\xff" + ME + salt.to_bytes(32, "big")
                                      + keccak(initcode))[12:]


def test_create_rejects_0xef_code():
    initcode = push(0xEF) + push(0) + asm("MSTORE8") + push(1) + push(0) + asm("RETURN")
    code = push(int.from_bytes(initcode, "big")) + push(0) + asm("MSTORE")
    code += push(len(initcode)) + push(32 - len(initcode)) + push(0) + asm("CREATE")
    assert top(run_code(code + ret_top())) == 0


def test_create_collision_with_storage_eip7610():
    st = State()
    st.set_account(ME, nonce=1)
    st.set_account(contract_address(ME, 1), storage={1: 1})
    code = push(0) + push(0) + push(0) + asm("CREATE") + ret_top()
    r = run_code(code, state=st)
    assert top(r) == 0
    assert st.get_nonce(ME) == 2                 # the nonce is still used up


def test_initcode_size_limit_eip3860():
    code = push(49153) + push(0) + push(0) + asm("CREATE")
    assert run_code(code, gas=10 ** 7)["halt"] == "out_of_gas"
    code = push(49152) + push(0) + push(0) + asm("CREATE") + ret_top()
    assert run_code(code, gas=10 ** 7)["halt"] == "return"


# --- selfdestruct per fork --------------------------------------------------------------------

@pytest.mark.parametrize("fork,deleted", [("Shanghai", True), ("Cancun", False), ("Osaka", False)])
def test_selfdestruct_eip6780(fork, deleted):
    evm = EVM(fork)
    evm.set_account(SENDER, balance=10 ** 18)
    evm.set_account(OTHER, balance=5, code=push(0xBEEF) + asm("SELFDESTRUCT"))
    r = evm.transact(Tx(SENDER, to=OTHER, gas_limit=100_000))
    assert r.success and r.halt == "selfdestruct"
    assert evm.get_balance((0xBEEF).to_bytes(20, "big")) == 5
    assert evm.account_exists(OTHER) is (not deleted)


# --- logs, blocks ----------------------------------------------------------------------------

def test_log_topics_and_data():
    code = push(0xAB) + push(0) + asm("MSTORE8") + push(2) + push(1) + push(1) + push(0)
    code += asm("LOG2", "STOP")
    r = run_code(code)
    assert r["logs"] == [(ME, ((1).to_bytes(32, "big"), (2).to_bytes(32, "big")), b"\xab")]


def test_logs_of_reverted_frames_are_dropped():
    st = State()
    st.set_account(OTHER, code=push(0) + push(0) + asm("LOG0") + push(0) + push(0) + asm("REVERT"))
    r = run_code(call(OTHER, gas=50_000) + asm("STOP"), state=st)
    assert r["logs"] == []


def test_blockhash_window():
    evm = EVM("Cancun")
    evm.set_block(number=300)
    evm.set_account(SENDER, balance=10 ** 18)
    code = (push(299) + asm("BLOCKHASH") + push(0) + asm("SSTORE")
            + push(44) + asm("BLOCKHASH") + push(1) + asm("SSTORE")
            + push(43) + asm("BLOCKHASH") + push(2) + asm("SSTORE")
            + push(300) + asm("BLOCKHASH") + push(3) + asm("SSTORE"))
    evm.set_account(OTHER, code=code)
    assert evm.transact(Tx(SENDER, to=OTHER, gas_limit=200_000)).success
    assert evm.get_storage(OTHER, 0) == int.from_bytes(keccak(b"299"), "big")
    assert evm.get_storage(OTHER, 1) == int.from_bytes(keccak(b"44"), "big")
    assert evm.get_storage(OTHER, 2) == 0
    assert evm.get_storage(OTHER, 3) == 0


# --- Python exceptions inside the loop -------------------------------------------------------

def test_precompile_call_through_the_loop():
    evm = EVM("Osaka")
    evm.set_account(SENDER, balance=10 ** 18)
    # identity (0x04): copy 3 bytes through it and return them
    code = push(0xABCDEF) + push(0) + asm("MSTORE")
    code += push(3) + push(0) + push(3) + push(29) + push(4) + push(1000) + asm("STATICCALL")
    code += push(3) + push(0) + asm("RETURN")
    evm.set_account(ME, code=code)
    r = evm.transact(Tx(SENDER, to=ME, gas_limit=100_000))
    assert r.success and r.output == bytes.fromhex("abcdef")
