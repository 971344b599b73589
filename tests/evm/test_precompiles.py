"""The precompiled contracts (verbs/_evm/precompiles/).

Three kinds of checks:

- the EEST state tests of ``../shared/ethtests`` whose transaction enters a small contract
  that CALLs a precompile and stores what came back (success flag, return data, or gas
  measured with GAS). A tiny interpreter below runs those straight-line contracts with exact
  gas accounting, calling :func:`run_precompile` for each CALL, and compares the storage with
  the fixture's post state. It is only a harness for these contracts, not an EVM: a case that
  uses anything else is skipped and counted;
- known-answer and edge-case tests per precompile (EIP vectors, values built by hand);
- differential tests of the fast libraries against py_ecc, the library the execution specs
  use.
"""
from __future__ import annotations

import hashlib
import json
import random
import struct
from pathlib import Path

import py_arkworks_bls12381 as arkworks
import py_ecc.optimized_bls12_381 as bls
import py_ecc.optimized_bn128 as bn
import pytest
from Crypto.Hash import keccak as crypto_keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verbs._evm import precompiles as P
from verbs.errors import EVMInternalError

SHANGHAI, CANCUN, PRAGUE, OSAKA = P.SHANGHAI, P.CANCUN, P.PRAGUE, P.OSAKA
FORKS = (SHANGHAI, CANCUN, PRAGUE, OSAKA)


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def keccak(data: bytes) -> bytes:
    return crypto_keccak.new(digest_bits=256, data=data).digest()


# =============================================================================================
# The state tests: a straight-line interpreter with exact gas for the EEST caller contracts
# =============================================================================================

FORK_IDS = {"Shanghai": SHANGHAI, "Cancun": CANCUN, "Prague": PRAGUE, "Osaka": OSAKA}
MOD = 2**256


class Unsupported(Exception):
    """The case's contract does something the harness does not model."""


class OutOfGas(Exception):
    """The caller contract (not the precompile) ran out of gas: the tx reverts."""


def intrinsic_gas(data: bytes, access_list) -> int:
    zeros = data.count(0)
    gas = 21000 + 4 * zeros + 16 * (len(data) - zeros)
    for entry in access_list or ():
        gas += 2400 + 1900 * len(entry.get("storageKeys", ()))
    return gas


_BINARY = {
    0x01: (3, lambda a, b: (a + b) % MOD),
    0x02: (5, lambda a, b: a * b % MOD),
    0x03: (3, lambda a, b: (a - b) % MOD),
    0x04: (5, lambda a, b: a // b if b else 0),
    0x06: (5, lambda a, b: a % b if b else 0),
    0x10: (3, lambda a, b: int(a < b)),
    0x11: (3, lambda a, b: int(a > b)),
    0x14: (3, lambda a, b: int(a == b)),
    0x16: (3, lambda a, b: a & b),
    0x17: (3, lambda a, b: a | b),
    0x18: (3, lambda a, b: a ^ b),
}


def run_caller(code: bytes, data: bytes, value: int, gas: int, fork: int, storage: dict,
               balance: int) -> dict:
    """Run a caller contract; return its storage. Raises OutOfGas or Unsupported."""
    stack: list[int] = []
    mem = bytearray()
    storage, original, warm = dict(storage), dict(storage), set()
    ret = b""
    calls = 0

    def use(n: int) -> None:
        nonlocal gas
        gas -= n
        if gas < 0:
            raise OutOfGas

    def expand(offset: int, size: int) -> None:
        if size and offset + size > len(mem):
            old, new = len(mem) // 32, (offset + size + 31) // 32
            use(3 * (new - old) + new * new // 512 - old * old // 512)
            mem.extend(bytes(new * 32 - len(mem)))

    pc = 0
    while pc < len(code):
        op = code[pc]
        pc += 1
        if 0x60 <= op <= 0x7F:
            n = op - 0x5F
            use(3)
            stack.append(int.from_bytes(code[pc : pc + n].ljust(n, b"\0"), "big"))
            pc += n
        elif op in (0x00, 0xF3):
            break
        elif op in (0x36, 0x34, 0x3D, 0x59, 0x5A, 0x5F):
            use(2)
            stack.append({0x36: len(data), 0x34: value, 0x3D: len(ret), 0x59: len(mem),
                          0x5A: gas, 0x5F: 0}[op])
        elif op == 0x35:
            use(3)
            o = stack.pop()
            stack.append(int.from_bytes(data[o : o + 32].ljust(32, b"\0"), "big"))
        elif op in (0x37, 0x3E):
            dst, src, n = stack.pop(), stack.pop(), stack.pop()
            use(3 + 3 * ((n + 31) // 32))
            expand(dst, n)
            if op == 0x37:
                mem[dst : dst + n] = data[src : src + n].ljust(n, b"\0")
            else:
                if src + n > len(ret):
                    raise Unsupported("RETURNDATACOPY out of bounds")
                mem[dst : dst + n] = ret[src : src + n]
        elif op in (0xF1, 0xF2, 0xF4, 0xFA):  # CALL, CALLCODE, DELEGATECALL, STATICCALL
            requested, address = stack.pop(), stack.pop()
            call_value = stack.pop() if op in (0xF1, 0xF2) else 0
            in_off, in_size, out_off, out_size = (stack.pop() for _ in range(4))
            if address not in P.active_precompiles(fork):
                raise Unsupported("call to a non-precompile")
            calls += 1
            use(100)  # precompiles are always warm
            expand(in_off, in_size)
            expand(out_off, out_size)
            if call_value:
                use(9000)
            given = min(requested, gas - gas // 64)
            if call_value > balance:
                stack.append(0)
                ret = b""
                continue
            use(given)
            stipend = 2300 if call_value else 0
            ok, used, out = P.run_precompile(address, bytes(mem[in_off : in_off + in_size]),
                                             given + stipend, fork)
            assert 0 <= used <= given + stipend
            gas += given + stipend - used
            ret = out if ok else b""
            n = min(out_size, len(ret))
            mem[out_off : out_off + n] = ret[:n]
            stack.append(int(ok))
        elif op == 0x20:
            o, n = stack.pop(), stack.pop()
            use(30 + 6 * ((n + 31) // 32))
            expand(o, n)
            stack.append(int.from_bytes(keccak(bytes(mem[o : o + n])), "big"))
        elif op == 0x51:
            o = stack.pop()
            use(3)
            expand(o, 32)
            stack.append(int.from_bytes(mem[o : o + 32], "big"))
        elif op in (0x52, 0x53):
            o, v = stack.pop(), stack.pop()
            use(3)
            if op == 0x52:
                expand(o, 32)
                mem[o : o + 32] = v.to_bytes(32, "big")
            else:
                expand(o, 1)
                mem[o] = v & 0xFF
        elif op == 0x54:
            k = stack.pop()
            use(100 if k in warm else 2100)
            warm.add(k)
            stack.append(storage.get(k, 0))
        elif op == 0x55:
            k, v = stack.pop(), stack.pop()
            if gas <= 2300:
                raise OutOfGas
            cost = 0 if k in warm else 2100
            warm.add(k)
            current, orig = storage.get(k, 0), original.get(k, 0)
            if v != current and current == orig:
                cost += 20000 if orig == 0 else 2900
            else:
                cost += 100
            use(cost)
            storage[k] = v
        elif op == 0x50:
            use(2)
            stack.pop()
        elif 0x80 <= op <= 0x8F:
            use(3)
            stack.append(stack[-(op - 0x7F)])
        elif 0x90 <= op <= 0x9F:
            use(3)
            i = op - 0x8E
            stack[-1], stack[-i] = stack[-i], stack[-1]
        elif op in _BINARY:
            cost, fn = _BINARY[op]
            a, b = stack.pop(), stack.pop()
            use(cost)
            stack.append(fn(a, b))
        elif op == 0x0A:
            a, b = stack.pop(), stack.pop()
            use(10 + 50 * ((b.bit_length() + 7) // 8))
            stack.append(pow(a, b, MOD))
        elif op == 0x15:
            use(3)
            stack.append(int(stack.pop() == 0))
        elif op == 0x19:
            use(3)
            stack.append(MOD - 1 - stack.pop())
        elif op == 0x5B:
            use(1)
        elif op in (0x56, 0x57):
            dest = stack.pop()
            cond = stack.pop() if op == 0x57 else 1
            use(8 if op == 0x56 else 10)
            if cond:
                if dest >= len(code) or code[dest] != 0x5B:
                    raise Unsupported("jump target")
                pc = dest
        else:
            raise Unsupported(f"opcode {op:#04x}")
    if not calls:
        raise Unsupported("no precompile call")
    return storage


def state_test_cases(path: Path):
    """Yield (name, fork, code, data, gas, value, balance, pre_storage, expected_storage)."""
    for name, test in json.loads(path.read_text()).items():
        tx = test["transaction"]
        to = tx.get("to")
        if not to or to not in test["pre"]:
            continue
        account = test["pre"][to]
        code = bytes.fromhex(account["code"][2:])
        pre = {int(k, 16): int(v, 16) for k, v in account.get("storage", {}).items()}
        for fork_name, posts in test["post"].items():
            if fork_name not in FORK_IDS:
                continue
            for post in posts:
                if post.get("expectException") or "state" not in post:
                    continue
                ix = post["indexes"]
                data = bytes.fromhex(tx["data"][ix["data"]][2:])
                access_list = tx["accessLists"][ix["data"]] if tx.get("accessLists") else None
                gas = int(tx["gasLimit"][ix["gas"]], 16) - intrinsic_gas(data, access_list)
                value = int(tx["value"][ix["value"]], 16)
                balance = int(account.get("balance", "0x0"), 16) + value
                storage = post["state"].get(to, {}).get("storage", {})
                expected = {int(k, 16): int(v, 16) for k, v in storage.items() if int(v, 16)}
                yield name, FORK_IDS[fork_name], code, data, gas, value, balance, pre, expected


STATE_TEST_DIRS = {
    # folder under ethtests/eest/state_tests: fewest cases the harness must check there
    "byzantium/eip196_ec_add_mul": 10,
    "byzantium/eip197_ec_pairing": 4,
    "frontier/identity_precompile": 80,
    "homestead/identity_precompile": 30,
    "istanbul/eip152_blake2": 450,
    "cancun/eip4844_blobs": 500,
    "prague/eip2537_bls_12_381_precompiles": 900,
    "osaka/eip7823_modexp_upper_bounds": 15,
    "osaka/eip7883_modexp_gas_increase": 550,
    "osaka/eip7951_p256verify_precompiles": 380,
    "static/state_tests/stPreCompiledContracts": 550,
    "static/state_tests/stPreCompiledContracts2": 250,
}


@pytest.mark.parametrize("folder", sorted(STATE_TEST_DIRS))
def test_state_tests_calling_precompiles_store_the_expected_results(shared_dir, folder):
    root = shared_dir / "ethtests" / "eest" / "state_tests" / folder
    if not root.is_dir():
        pytest.fail(f"{root} is missing")
    checked, failures = 0, []
    for path in sorted(root.glob("*.json")):
        for name, fork, code, data, gas, value, balance, pre, expected in state_test_cases(path):
            try:
                got = run_caller(code, data, value, gas, fork, pre, balance)
            except Unsupported:
                continue
            except OutOfGas:
                got = pre
            checked += 1
            got = {k: v for k, v in got.items() if v}
            if got != expected:
                failures.append(f"{path.name}: {name} [{fork}]: got {got}, expected {expected}")
    assert not failures, f"{len(failures)} of {checked} cases differ:\n" + "\n".join(failures[:20])
    assert checked >= STATE_TEST_DIRS[folder], f"only {checked} cases could be checked"


# =============================================================================================
# Dispatch and common rules
# =============================================================================================


def test_active_precompiles_per_fork():
    base = frozenset(range(1, 10))
    assert P.active_precompiles(SHANGHAI) == base
    assert P.active_precompiles(CANCUN) == base | {0x0A}
    assert P.active_precompiles(PRAGUE) == base | {0x0A} | frozenset(range(0x0B, 0x12))
    assert P.active_precompiles(OSAKA) == P.active_precompiles(PRAGUE) | {0x100}


def test_inactive_address_is_a_caller_error():
    with pytest.raises(KeyError):
        P.run_precompile(0x0A, b"", 10**6, SHANGHAI)
    with pytest.raises(KeyError):
        P.run_precompile(0x100, b"", 10**6, PRAGUE)


@pytest.mark.parametrize("fork", FORKS)
@pytest.mark.parametrize(
    "address, data, cost",
    [
        (0x01, b"", 3000),
        (0x02, b"", 60),
        (0x02, b"a" * 33, 60 + 24),
        (0x03, b"a" * 32, 720),
        (0x04, b"a" * 65, 15 + 9),
        (0x06, b"", 150),
        (0x07, b"", 6000),
        (0x08, b"", 45000),
        (0x09, b"\0\0\0\x05" + bytes(209), 5),
    ],
)
def test_gas_is_exact_and_one_less_fails(fork, address, data, cost):
    assert P.run_precompile(address, data, cost, fork)[:2] == (True, cost)
    assert P.run_precompile(address, data, cost - 1, fork) == (False, cost - 1, None)


def test_unexpected_library_exception_is_an_internal_error(monkeypatch):
    def broken(data, gas, fork):
        raise RuntimeError("library bug")

    monkeypatch.setitem(P._BY_FORK[OSAKA], 0x02, broken)
    with pytest.raises(EVMInternalError, match="library bug") as info:
        P.run_precompile(0x02, b"", 100, OSAKA)
    assert isinstance(info.value.__cause__, RuntimeError)


# =============================================================================================
# 0x01 - 0x04
# =============================================================================================


def test_ecrecover_recovers_the_signer():
    from coincurve import PrivateKey

    key = PrivateKey(bytes(range(1, 33)))
    msg = keccak(b"verbs")
    sig = key.sign_recoverable(msg, hasher=None)
    r, s, rec = sig[:32], sig[32:64], sig[64]
    address = keccak(key.public_key.format(compressed=False)[1:])[12:]
    data = msg + word(27 + rec) + r + s
    assert P.run_precompile(0x01, data, 3000, CANCUN) == (True, 3000, bytes(12) + address)
    # the other parity recovers some other key (or none), never this one
    other = P.run_precompile(0x01, msg + word(28 - rec) + r + s, 3000, CANCUN)
    assert other[0] and other[2] != bytes(12) + address
    # a trailing byte beyond 128 is ignored; a short input is zero-padded
    assert P.run_precompile(0x01, data + b"\x01", 3000, CANCUN)[2] == bytes(12) + address


@pytest.mark.parametrize(
    "v, r, s",
    [
        (26, 1, 1),
        (29, 1, 1),
        (27 + 2**255, 1, 1),
        (27, 0, 1),
        (27, 1, 0),
        (27, P.hashes.SECP256K1N, 1),
        (27, 1, P.hashes.SECP256K1N),
        (27, 2**256 - 1, 1),
    ],
)
def test_ecrecover_invalid_signature_succeeds_with_empty_output(v, r, s):
    assert P.run_precompile(0x01, bytes(32) + word(v) + word(r) + word(s), 5000, PRAGUE) == (
        True, 3000, b"")


def test_ecrecover_r_not_an_x_coordinate_gives_empty_output():
    # x = 5 is not on secp256k1 (5^3 + 7 = 132 is a non-residue mod p)
    p = 2**256 - 2**32 - 977
    assert pow(132, (p - 1) // 2, p) == p - 1
    assert P.run_precompile(0x01, bytes(32) + word(27) + word(5) + word(1), 3000, OSAKA) == (
        True, 3000, b"")


@given(st.binary(max_size=300))
@settings(max_examples=50, deadline=None)
def test_hashes_and_identity_match_references(data):
    from Crypto.Hash import RIPEMD160

    words = (len(data) + 31) // 32
    assert P.run_precompile(0x02, data, 10**6, OSAKA) == (
        True, 60 + 12 * words, hashlib.sha256(data).digest())
    assert P.run_precompile(0x03, data, 10**6, OSAKA) == (
        True, 600 + 120 * words, bytes(12) + RIPEMD160.new(data).digest())
    assert P.run_precompile(0x04, data, 10**6, OSAKA) == (True, 15 + 3 * words, data)


# =============================================================================================
# 0x05 modexp
# =============================================================================================


def modexp_input(base: bytes, exp: bytes, mod: bytes) -> bytes:
    return word(len(base)) + word(len(exp)) + word(len(mod)) + base + exp + mod


def test_modexp_eip198_fermat_example():
    # EIP-198 example 1: 3 ** (p - 1) mod p == 1 for p = 2**256 - 2**32 - 977
    p = 2**256 - 2**32 - 977
    data = modexp_input(b"\x03", word(p - 1), word(p))
    ok, used, out = P.run_precompile(0x05, data, 10**6, CANCUN)
    assert ok and out == word(1)
    # EIP-2565: words = 4, complexity 16, iterations 255 -> 16 * 255 // 3
    assert used == 1360
    # EIP-7883: max length 32 -> complexity 16, iterations 255 -> 4080
    assert P.run_precompile(0x05, data, 10**6, OSAKA)[:2] == (True, 4080)


def test_modexp_gas_formulas_by_fork():
    # base/mod 64 bytes (8 words), exponent 40 bytes with head 0x01..: EIP-2565 iterations
    # 8 * 8 + 248 = 312; EIP-7883 iterations 16 * 8 + 248 = 376
    head = b"\x01" + bytes(31)
    data = modexp_input(b"\x02" * 64, head + b"\xff" * 8, b"\x07" * 64)
    assert P.modexp.modexp_gas(64, 40, 64, int.from_bytes(head, "big"), PRAGUE) == 64 * 312 // 3
    assert P.modexp.modexp_gas(64, 40, 64, int.from_bytes(head, "big"), OSAKA) == 2 * 64 * 376
    expected = pow(int.from_bytes(b"\x02" * 64, "big"), int.from_bytes(head + b"\xff" * 8, "big"),
                   int.from_bytes(b"\x07" * 64, "big")).to_bytes(64, "big")
    assert P.run_precompile(0x05, data, 10**6, PRAGUE) == (True, 64 * 312 // 3, expected)
    assert P.run_precompile(0x05, data, 10**6, OSAKA) == (True, 2 * 64 * 376, expected)
    # minimums: 200 before Osaka, 500 from Osaka on
    small = modexp_input(b"\x02", b"\x03", b"\x05")
    assert P.run_precompile(0x05, small, 10**6, SHANGHAI) == (True, 200, b"\x03")
    assert P.run_precompile(0x05, small, 10**6, OSAKA) == (True, 500, b"\x03")
    assert P.run_precompile(0x05, small, 499, OSAKA) == (False, 499, None)


def test_modexp_edge_cases():
    # zero modulus: zeros of the modulus length
    assert P.run_precompile(
        0x05, modexp_input(b"\x05", b"\x02", bytes(3)), 10**6, CANCUN
    )[2] == bytes(3)
    # empty base and modulus: empty output, even with a huge declared exponent length
    data = word(0) + word(2**255) + word(0)
    assert P.run_precompile(0x05, data, 10**6, CANCUN) == (True, 200, b"")
    # truncated input is zero-padded: base 2, exponent 0 (missing), modulus 1 byte missing -> 0
    assert P.run_precompile(
        0x05, word(1) + word(1) + word(1) + b"\x02", 10**6, CANCUN
    )[2] == b"\x00"
    # 0 ** 0 mod m is 1
    assert P.run_precompile(0x05, modexp_input(b"", b"", b"\x07"), 10**6, CANCUN)[2] == b"\x01"
    # an absurd length costs more than any gas
    assert P.run_precompile(0x05, word(2**200) + word(1) + word(1), 10**9, CANCUN)[0] is False


@pytest.mark.parametrize("which", range(3))
def test_modexp_eip7823_length_limit_only_from_osaka(which):
    lengths = [1, 1, 1]
    lengths[which] = 1025
    parts = [b"\x01" * n for n in lengths]
    data = modexp_input(*parts)
    assert P.run_precompile(0x05, data, 10**8, OSAKA) == (False, 10**8, b"")
    assert P.run_precompile(0x05, data, 10**8, PRAGUE)[0] is True
    lengths[which] = 1024
    assert P.run_precompile(0x05, modexp_input(*[b"\x01" * n for n in lengths]), 10**8, OSAKA)[0]


@pytest.fixture(params=["gmpy2", "pow"])
def modexp_backend(request, monkeypatch):
    if request.param == "gmpy2":
        pytest.importorskip("gmpy2")
    monkeypatch.setattr(P.modexp, "MODEXP_USE_GMPY2", request.param == "gmpy2")
    return request.param


@given(st.integers(0, 2**300), st.integers(0, 2**70), st.integers(0, 2**300))
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fixture is constant
def test_modexp_matches_pow(modexp_backend, b, e, m):
    bl, el, ml = (max(1, (x.bit_length() + 7) // 8) for x in (b, e, m))
    data = modexp_input(b.to_bytes(bl, "big"), e.to_bytes(el, "big"), m.to_bytes(ml, "big"))
    ok, used, out = P.run_precompile(0x05, data, 10**9, PRAGUE)
    assert ok
    assert out == (pow(b, e, m).to_bytes(ml, "big") if m else bytes(ml))
    assert used == P.modexp.modexp_gas(bl, el, ml, e >> (8 * (el - 32)) if el > 32 else e, PRAGUE)


# =============================================================================================
# 0x06 - 0x08 bn254
# =============================================================================================



def bn_g1(p) -> bytes:
    if bn.is_inf(p):
        return bytes(64)
    x, y = bn.normalize(p)
    return word(int(x)) + word(int(y))


def bn_g2(q) -> bytes:
    if bn.is_inf(q):
        return bytes(128)
    x, y = bn.normalize(q)
    return b"".join(word(int(c)) for c in (x.coeffs[1], x.coeffs[0], y.coeffs[1], y.coeffs[0]))


def bn_twist_point_outside_g2() -> bytes:
    """A point on the bn254 twist that is not in the order-n subgroup."""
    p = bn.field_modulus
    FQ2 = bn.FQ2

    def sqrt_fq2(a):  # p = 3 mod 4
        a1 = a ** ((p - 3) // 4)
        alpha = a1 * a1 * a
        x0 = a1 * a
        if alpha == FQ2([-1, 0]):
            return FQ2([0, 1]) * x0
        return (alpha + FQ2.one()) ** ((p - 1) // 2) * x0

    for i in range(1, 100):
        x = FQ2([i, 1])
        y = sqrt_fq2(x**3 + bn.b2)
        if y * y == x**3 + bn.b2:
            q = (x, y, FQ2.one())
            assert bn.is_on_curve(q, bn.b2)
            if not bn.is_inf(bn.multiply(q, bn.curve_order)):
                return bn_g2(q)
    raise AssertionError("no point found")


@pytest.fixture(params=["c", "py_ecc"])
def bn254_backend(request, monkeypatch):
    if request.param == "c":
        pytest.importorskip("verbs._evm.bn254", reason="the bn254 extension is not built")
    monkeypatch.setattr(P.bn254, "BN254_BACKEND", request.param)
    return request.param


def test_bn254_add_and_mul_match_py_ecc(bn254_backend):
    rng = random.Random(7)
    for _ in range(5):
        a, b = rng.randrange(1, bn.curve_order), rng.randrange(2**256)
        pa, pb = bn.multiply(bn.G1, a), bn.multiply(bn.G1, b)
        assert P.run_precompile(0x06, bn_g1(pa) + bn_g1(pb), 150, CANCUN) == (
            True, 150, bn_g1(bn.add(pa, pb)))
        assert P.run_precompile(0x07, bn_g1(pa) + word(b), 6000, CANCUN) == (
            True, 6000, bn_g1(bn.multiply(pa, b % bn.curve_order)))
    g = bn_g1(bn.G1)
    assert P.run_precompile(0x06, g + bn_g1(bn.neg(bn.G1)), 150, OSAKA)[2] == bytes(64)
    assert P.run_precompile(0x06, b"", 150, OSAKA)[2] == bytes(64)
    assert P.run_precompile(0x07, g + word(bn.curve_order), 6000, OSAKA)[2] == bytes(64)
    assert P.run_precompile(0x07, g, 6000, OSAKA)[2] == bytes(64)  # scalar padded to 0


@pytest.mark.parametrize(
    "bad",
    [
        word(1) + word(3),  # not on the curve
        word(bn.field_modulus) + word(2),  # x >= p
        word(1) + word(2 + bn.field_modulus),  # y >= p
    ],
)
def test_bn254_invalid_g1_point_fails(bn254_backend, bad):
    g = bn_g1(bn.G1)
    assert P.run_precompile(0x06, g + bad, 1000, CANCUN) == (False, 1000, b"")
    assert P.run_precompile(0x07, bad + word(2), 7000, CANCUN) == (False, 7000, b"")
    assert P.run_precompile(0x08, bad + bn_g2(bn.G2), 10**6, CANCUN) == (False, 10**6, b"")


def test_bn254_pairing(bn254_backend):
    a, b = 12345, 67890
    lhs = bn_g1(bn.multiply(bn.G1, a)) + bn_g2(bn.multiply(bn.G2, b))
    rhs = bn_g1(bn.neg(bn.multiply(bn.G1, a * b))) + bn_g2(bn.G2)
    gas = 45000 + 2 * 34000
    assert P.run_precompile(0x08, lhs + rhs, gas, CANCUN) == (True, gas, word(1))
    wrong = bn_g1(bn.neg(bn.multiply(bn.G1, a * b + 1))) + bn_g2(bn.G2)
    assert P.run_precompile(0x08, lhs + wrong, gas, CANCUN) == (True, gas, word(0))
    # points at infinity contribute nothing
    inf = bytes(64) + bn_g2(bn.G2) + bn_g1(bn.G1) + bytes(128)
    assert P.run_precompile(0x08, inf, gas, CANCUN) == (True, gas, word(1))
    assert P.run_precompile(0x08, lhs + rhs, gas - 1, CANCUN) == (False, gas - 1, None)
    assert P.run_precompile(0x08, lhs[:-1], 10**6, CANCUN) == (False, 10**6, b"")
    outside = bn_g1(bn.G1) + bn_twist_point_outside_g2()
    assert P.run_precompile(0x08, outside, 10**6, CANCUN) == (False, 10**6, b"")
    not_on_twist = bn_g1(bn.G1) + word(1) + word(2) + word(3) + word(4)
    assert P.run_precompile(0x08, not_on_twist, 10**6, CANCUN) == (False, 10**6, b"")


# =============================================================================================
# 0x09 blake2f
# =============================================================================================

BLAKE2B_IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)  # fmt: skip


def blake2f_input(rounds, h, m: bytes, t: int, final: int) -> bytes:
    return (struct.pack(">I", rounds) + struct.pack("<8Q", *h) + m.ljust(128, b"\0")
            + struct.pack("<QQ", t & (2**64 - 1), t >> 64) + bytes([final]))


def blake2b_via_precompile(msg: bytes) -> bytes:
    """Unkeyed 64-byte BLAKE2b built on the precompile (12 rounds per block)."""
    h = list(BLAKE2B_IV)
    h[0] ^= 0x01010040
    blocks = [msg[i : i + 128] for i in range(0, len(msg), 128)] or [b""]
    for i, block in enumerate(blocks):
        last = i == len(blocks) - 1
        t = len(msg) if last else 128 * (i + 1)
        ok, used, out = P.run_precompile(0x09, blake2f_input(12, h, block, t, int(last)), 12, OSAKA)
        assert ok and used == 12
        h = list(struct.unpack("<8Q", out))
    return struct.pack("<8Q", *h)


@given(st.binary(max_size=600))
@settings(max_examples=60, deadline=None)
def test_blake2f_builds_blake2b(msg):
    assert blake2b_via_precompile(msg) == hashlib.blake2b(msg).digest()


def test_blake2f_eip152_vectors():
    # EIP-152 test vectors 4-7: the RFC 7693 "abc" block with 0, 12 and 1 rounds, final flag 1/0
    h = list(BLAKE2B_IV)
    h[0] ^= 0x01010040
    expected = {
        (0, 1): "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e51"
                "1f6c3e2b8c68059b9442be0454267ce079217e1319cde05b",
        (12, 1): "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792d"
                 "c252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
        (12, 0): "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2"
                 "d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735",
        (1, 1): "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5"
                "f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421",
    }  # fmt: skip
    for (rounds, final), out in expected.items():
        data = blake2f_input(rounds, h, b"abc", 3, final)
        assert P.run_precompile(0x09, data, rounds, SHANGHAI) == (True, rounds, bytes.fromhex(out))




def test_blake2f_invalid_inputs_fail():
    good = blake2f_input(12, BLAKE2B_IV, b"", 0, 1)
    assert P.run_precompile(0x09, good[:-1], 100, OSAKA) == (False, 100, b"")
    assert P.run_precompile(0x09, good + b"\0", 100, OSAKA) == (False, 100, b"")
    assert P.run_precompile(0x09, good[:-1] + b"\x02", 100, OSAKA) == (False, 100, b"")
    assert P.run_precompile(0x09, b"", 100, OSAKA) == (False, 100, b"")


def test_blake2f_gas_is_checked_before_the_rounds_run():
    # 2**32 - 1 rounds would take minutes; with too little gas the call must fail at once
    data = blake2f_input(2**32 - 1, BLAKE2B_IV, b"", 0, 1)
    assert P.run_precompile(0x09, data, 10**6, OSAKA) == (False, 10**6, None)


def test_blake2_compress_helper_matches_precompile():
    from verbs._evm.blake2 import compress

    m = bytes(range(128))
    out = compress(3, BLAKE2B_IV, struct.unpack("<16Q", m), 128, 0, False)
    ok, _, raw = P.run_precompile(0x09, blake2f_input(3, BLAKE2B_IV, m, 128, 0), 3, OSAKA)
    assert ok and struct.pack("<8Q", *out) == raw


# =============================================================================================
# 0x0a KZG point evaluation
# =============================================================================================

G1_INFINITY = b"\xc0" + bytes(47)


def versioned_hash(commitment: bytes) -> bytes:
    return b"\x01" + hashlib.sha256(commitment).digest()[1:]


def point_evaluation_input(commitment: bytes, z: int, y: int, proof: bytes) -> bytes:
    return versioned_hash(commitment) + word(z) + word(y) + commitment + proof


def test_point_evaluation_constant_polynomial():
    # f(x) = c: the commitment is c * G1 and the quotient is zero, so the proof is infinity
    c = 0x1234567
    commitment = (arkworks.G1Point() * arkworks.Scalar(c)).to_compressed_bytes()
    out = word(4096) + word(P.kzg.BLS_MODULUS)
    data = point_evaluation_input(commitment, 99, c, G1_INFINITY)
    assert P.run_precompile(0x0A, data, 50000, CANCUN) == (True, 50000, out)
    assert P.run_precompile(0x0A, data, 49999, CANCUN) == (False, 49999, None)
    # a wrong claimed value
    bad = point_evaluation_input(commitment, 99, c + 1, G1_INFINITY)
    assert P.run_precompile(0x0A, bad, 50000, CANCUN) == (False, 50000, b"")
    # the zero polynomial: commitment and proof both infinity
    zero = point_evaluation_input(G1_INFINITY, 5, 0, G1_INFINITY)
    assert P.run_precompile(0x0A, zero, 50000, OSAKA) == (True, 50000, out)


def test_point_evaluation_rejects_malformed_input():
    c = 7
    commitment = (arkworks.G1Point() * arkworks.Scalar(c)).to_compressed_bytes()
    good = point_evaluation_input(commitment, 1, c, G1_INFINITY)
    cases = [
        good[:-1],
        good + b"\0",
        b"\x02" + good[1:],  # wrong version byte
        versioned_hash(commitment) + word(P.kzg.BLS_MODULUS) + word(c) + commitment + G1_INFINITY,
        versioned_hash(commitment) + word(1) + word(c + P.kzg.BLS_MODULUS) + commitment
        + G1_INFINITY,
        point_evaluation_input(commitment, 1, c, b"\x80" + bytes(47)),  # compressed flag, x = 0
        point_evaluation_input(commitment, 1, c, bytes(48)),  # uncompressed flag
        # infinity flag with other bits set: arkworks alone would read these as infinity
        point_evaluation_input(commitment, 1, c, b"\xc0" + bytes(46) + b"\x01"),
        point_evaluation_input(commitment, 1, c, b"\xe0" + bytes(47)),  # sign bit on infinity
        point_evaluation_input(commitment, 1, c, b"\x40" + bytes(47)),  # no compression bit
        # x >= p with the compression flag
        point_evaluation_input(commitment, 1, c, (P.kzg.BLS12_P | (1 << 383)).to_bytes(48, "big")),
    ]
    for data in cases:
        assert P.run_precompile(0x0A, data, 60000, CANCUN) == (False, 60000, b"")


# =============================================================================================
# 0x0b - 0x11 BLS12-381
# =============================================================================================



def bls_fp(x: int) -> bytes:
    return x.to_bytes(64, "big")


def bls_g1(p) -> bytes:
    if bls.is_inf(p):
        return bytes(128)
    x, y = bls.normalize(p)
    return bls_fp(int(x)) + bls_fp(int(y))


def bls_g2(q) -> bytes:
    if bls.is_inf(q):
        return bytes(256)
    x, y = bls.normalize(q)
    return b"".join(bls_fp(int(c)) for c in (*x.coeffs, *y.coeffs))


def bls_g1_outside_subgroup() -> bytes:
    p = bls.field_modulus
    for x in range(1, 100):
        rhs = (x**3 + 4) % p
        y = pow(rhs, (p + 1) // 4, p)
        if y * y % p == rhs:
            point = (bls.FQ(x), bls.FQ(y), bls.FQ(1))
            assert not bls.is_inf(bls.multiply(point, bls.curve_order))
            return bls_fp(x) + bls_fp(y)
    raise AssertionError("no point found")


def test_bls_g1_add_and_msm_match_py_ecc():
    rng = random.Random(1)
    a, b = rng.randrange(bls.curve_order), rng.randrange(2**256)
    pa, pb = bls.multiply(bls.G1, a), bls.multiply(bls.G1, 5)
    assert P.run_precompile(0x0B, bls_g1(pa) + bls_g1(pb), 375, PRAGUE) == (
        True, 375, bls_g1(bls.add(pa, pb)))
    assert P.run_precompile(0x0B, bytes(256), 375, PRAGUE) == (True, 375, bytes(128))
    one = bls_g1(pa) + word(b)
    assert P.run_precompile(0x0C, one, 12000, PRAGUE) == (
        True, 12000, bls_g1(bls.multiply(pa, b % bls.curve_order)))
    two = one + bls_g1(pb) + word(3)
    gas = 2 * 12000 * 949 // 1000
    expected = bls.add(bls.multiply(pa, b % bls.curve_order), bls.multiply(pb, 3))
    assert P.run_precompile(0x0C, two, gas, PRAGUE) == (True, gas, bls_g1(expected))
    assert P.run_precompile(0x0C, two, gas - 1, PRAGUE) == (False, gas - 1, None)


def test_bls_g2_add_and_msm_match_py_ecc():
    qa, qb = bls.multiply(bls.G2, 11), bls.multiply(bls.G2, 2**200 + 1)
    assert P.run_precompile(0x0D, bls_g2(qa) + bls_g2(qb), 600, PRAGUE) == (
        True, 600, bls_g2(bls.add(qa, qb)))
    data = bls_g2(qa) + word(7) + bls_g2(qb) + word(2**256 - 1)
    gas = 2 * 22500 * 1000 // 1000  # the G2 discount for k = 2 is still 1000
    expected = bls.add(bls.multiply(qa, 7), bls.multiply(qb, (2**256 - 1) % bls.curve_order))
    assert P.run_precompile(0x0E, data, gas, OSAKA) == (True, gas, bls_g2(expected))


def test_bls_msm_discount_table_and_cap():
    assert P.bls12_381._msm_gas(1, 12000, P.bls12_381.G1_MSM_DISCOUNT) == 12000
    assert (
        P.bls12_381._msm_gas(128, 12000, P.bls12_381.G1_MSM_DISCOUNT) == 128 * 12000 * 519 // 1000
    )
    assert (
        P.bls12_381._msm_gas(300, 12000, P.bls12_381.G1_MSM_DISCOUNT) == 300 * 12000 * 519 // 1000
    )
    assert (
        P.bls12_381._msm_gas(300, 22500, P.bls12_381.G2_MSM_DISCOUNT) == 300 * 22500 * 524 // 1000
    )
    assert len(P.bls12_381.G1_MSM_DISCOUNT) == len(P.bls12_381.G2_MSM_DISCOUNT) == 128


def test_bls_pairing_check():
    a, b = 1234, 5678
    pairs = (bls_g1(bls.multiply(bls.G1, a)) + bls_g2(bls.multiply(bls.G2, b))
             + bls_g1(bls.neg(bls.multiply(bls.G1, a * b))) + bls_g2(bls.G2))
    gas = 32600 * 2 + 37700
    assert P.run_precompile(0x0F, pairs, gas, PRAGUE) == (True, gas, word(1))
    wrong = pairs[:384] + bls_g1(bls.G1) + bls_g2(bls.G2)
    assert P.run_precompile(0x0F, wrong, gas, PRAGUE) == (True, gas, word(0))
    assert P.run_precompile(0x0F, bytes(384), 70300, PRAGUE) == (True, 70300, word(1))
    assert P.run_precompile(0x0F, b"", 10**6, PRAGUE) == (False, 10**6, b"")
    assert P.run_precompile(0x0F, pairs[:-1], 10**6, PRAGUE) == (False, 10**6, b"")


def test_bls_subgroup_checks_where_the_eip_requires_them():
    outside = bls_g1_outside_subgroup()
    g = bls_g1(bls.G1)
    # G1ADD does not check the subgroup
    assert P.run_precompile(0x0B, outside + g, 375, PRAGUE)[0] is True
    # MSM and pairing do
    assert P.run_precompile(0x0C, outside + word(1), 12000, PRAGUE) == (False, 12000, b"")
    assert P.run_precompile(0x0F, outside + bls_g2(bls.G2), 70300, PRAGUE) == (False, 70300, b"")


@pytest.mark.parametrize(
    "bad",
    [
        b"\x01" + bytes(15) + bytes(48) + bytes(64),  # non-zero top 16 bytes
        bls_fp(bls.field_modulus) + bls_fp(1),  # x >= p
        bls_fp(1) + bls_fp(1),  # not on the curve
    ],
)
def test_bls_invalid_g1_encodings_fail(bad):
    g = bls_g1(bls.G1)
    assert P.run_precompile(0x0B, bad + g, 1000, PRAGUE) == (False, 1000, b"")
    assert P.run_precompile(0x0C, bad + word(1), 20000, PRAGUE) == (False, 20000, b"")


def test_bls_input_lengths():
    assert P.run_precompile(0x0B, bytes(255), 1000, PRAGUE) == (False, 1000, b"")
    assert P.run_precompile(0x0C, b"", 10**5, PRAGUE) == (False, 10**5, b"")
    assert P.run_precompile(0x0D, bytes(511), 1000, PRAGUE) == (False, 1000, b"")
    assert P.run_precompile(0x0E, bytes(289), 10**5, PRAGUE) == (False, 10**5, b"")
    assert P.run_precompile(0x10, bytes(63), 10**4, PRAGUE) == (False, 10**4, b"")
    assert P.run_precompile(0x11, bytes(129), 10**5, PRAGUE) == (False, 10**5, b"")


def test_bls_map_to_curve_matches_py_ecc():
    from py_ecc.bls.hash_to_curve import (
        clear_cofactor_G1,
        clear_cofactor_G2,
        map_to_curve_G1,
        map_to_curve_G2,
    )

    for u in (0, 1, 2**380 + 12345, bls.field_modulus - 1):
        expected = bls_g1(clear_cofactor_G1(map_to_curve_G1(bls.FQ(u))))
        assert P.run_precompile(0x10, bls_fp(u), 5500, PRAGUE) == (True, 5500, expected)
    for u0, u1 in ((0, 0), (1, 2), (bls.field_modulus - 1, 3)):
        expected = bls_g2(clear_cofactor_G2(map_to_curve_G2(bls.FQ2((u0, u1)))))
        assert P.run_precompile(0x11, bls_fp(u0) + bls_fp(u1), 23800, PRAGUE) == (
            True, 23800, expected)
    assert P.run_precompile(0x10, bls_fp(bls.field_modulus), 5500, PRAGUE) == (False, 5500, b"")
    assert P.run_precompile(0x11, bls_fp(1) + bls_fp(bls.field_modulus), 23800, PRAGUE) == (
        False, 23800, b"")


class _Rejected(Exception):
    pass


def _spec_fp(d: bytes) -> int:
    v = int.from_bytes(d, "big")
    if v >= bls.field_modulus:
        raise _Rejected
    return v


def _spec_g1(d: bytes, subgroup: bool):
    x, y = _spec_fp(d[:64]), _spec_fp(d[64:128])
    if x == 0 and y == 0:
        return bls.Z1
    point = (bls.FQ(x), bls.FQ(y), bls.FQ.one())
    if not bls.is_on_curve(point, bls.b):
        raise _Rejected
    if subgroup and not bls.is_inf(bls.multiply(point, bls.curve_order)):
        raise _Rejected
    return point


def _spec_g2(d: bytes, subgroup: bool):
    x0, x1, y0, y1 = (_spec_fp(d[i : i + 64]) for i in range(0, 256, 64))
    if x0 == x1 == y0 == y1 == 0:
        return bls.Z2
    point = (bls.FQ2((x0, x1)), bls.FQ2((y0, y1)), bls.FQ2.one())
    if not bls.is_on_curve(point, bls.b2):
        raise _Rejected
    if subgroup and not bls.is_inf(bls.multiply(point, bls.curve_order)):
        raise _Rejected
    return point


def bls_reference(address: int, d: bytes) -> bytes | None:
    """EIP-2537 G1ADD, G2ADD and single-pair MSMs with py_ecc, as the execution specs do."""
    try:
        if address == 0x0B and len(d) == 256:
            return bls_g1(bls.add(_spec_g1(d[:128], False), _spec_g1(d[128:], False)))
        if address == 0x0D and len(d) == 512:
            return bls_g2(bls.add(_spec_g2(d[:256], False), _spec_g2(d[256:], False)))
        if address == 0x0C and len(d) == 160:
            k = int.from_bytes(d[128:], "big") % bls.curve_order
            return bls_g1(bls.multiply(_spec_g1(d[:128], True), k))
        if address == 0x0E and len(d) == 288:
            k = int.from_bytes(d[256:], "big") % bls.curve_order
            return bls_g2(bls.multiply(_spec_g2(d[:256], True), k))
    except _Rejected:
        pass
    return None


@pytest.mark.parametrize("address", [0x0B, 0x0C, 0x0D, 0x0E])
def test_bls_mutated_inputs_agree_with_py_ecc(address):
    rng = random.Random(address)
    a, q = bls_g1(bls.multiply(bls.G1, 3)), bls_g2(bls.multiply(bls.G2, 5))
    seed = {0x0B: a + bls_g1_outside_subgroup(), 0x0C: a + word(9),
            0x0D: q + bytes(256), 0x0E: q + word(9)}[address]
    edges = [0, 1, bls.field_modulus - 1, bls.field_modulus, 2**384, 2**512 - 1]
    outcomes = set()
    for _ in range(25):
        d = bytearray(seed)
        kind = rng.randrange(5)
        if kind == 4:  # the first point becomes the point at infinity
            size = 128 if address in (0x0B, 0x0C) else 256
            d[:size] = bytes(size)
        elif kind == 0:
            d[rng.randrange(len(d))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            i = rng.randrange(0, len(d) - 32, 64)
            d[i : i + 64] = rng.choice(edges).to_bytes(64, "big")
        elif kind == 2:
            d = d[: rng.randrange(len(d))]
        else:
            d[rng.randrange(len(d))] = rng.randrange(256)
        expected = bls_reference(address, bytes(d))
        ok, _, out = P.run_precompile(address, bytes(d), 10**6, PRAGUE)
        assert (ok, out if ok else None) == (expected is not None, expected), bytes(d).hex()
        outcomes.add(ok)
    assert outcomes == {True, False}  # the mutations reached both outcomes


# =============================================================================================
# 0x100 P256VERIFY
# =============================================================================================


def p256_signed():
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import ECC
    from Crypto.Signature import DSS

    key = ECC.construct(curve="P-256", d=0xC0FFEE)
    digest = SHA256.new(b"verbs")
    sig = DSS.new(key, "fips-186-3", randfunc=lambda n: b"\x42" * n).sign(digest)
    return digest.digest(), sig[:32], sig[32:], word(int(key.pointQ.x)), word(int(key.pointQ.y))


def test_p256verify_valid_signature():
    h, r, s, x, y = p256_signed()
    assert P.run_precompile(0x100, h + r + s + x + y, 6900, OSAKA) == (True, 6900, word(1))
    assert P.run_precompile(0x100, h + r + s + x + y, 6899, OSAKA) == (False, 6899, None)


def test_p256verify_invalid_inputs_succeed_with_empty_output():
    h, r, s, x, y = p256_signed()
    n, p = P.p256.SECP256R1_N, P.p256.SECP256R1_P
    cases = [
        h + r + s + x + y + b"\0",
        (h + r + s + x + y)[:-1],
        bytes([h[0] ^ 1]) + h[1:] + r + s + x + y,
        h + word(0) + s + x + y,
        h + word(n) + s + x + y,
        h + r + word(0) + x + y,
        h + r + word(n) + x + y,
        h + r + s + word(0) + word(0),
        h + r + s + word(p) + y,  # x >= p
        h + r + s + x + word(int.from_bytes(y, "big") ^ 1),
        h + r + s + x + word(p - int.from_bytes(y, "big")),  # the negated key
    ]
    for data in cases:
        assert P.run_precompile(0x100, data, 6900, OSAKA) == (True, 6900, b"")


def test_p256verify_accepts_high_s():
    # ECDSA verification accepts s and n - s alike (EIP-7951 has no low-s rule)
    h, r, s, x, y = p256_signed()
    s2 = word(P.p256.SECP256R1_N - int.from_bytes(s, "big"))
    assert P.run_precompile(0x100, h + r + s2 + x + y, 6900, OSAKA) == (True, 6900, word(1))

