"""Differential tests of the C bn254 code (verbs/_evm/bn254.pyx, bn254.h).

ECADD, ECMUL and ECPAIRING run through :func:`run_precompile` with the C backend and
with py_ecc (the library the execution specs use), and, where pyrevm is installed,
through revm's precompiles; all must agree on success, gas and output. Inputs are
valid points from random scalars, the point at infinity, points off the curve,
coordinates >= p, points on the twist outside G2, truncated and padded inputs, and
pairing checks built to hold or to fail.
"""
from __future__ import annotations

import py_ecc.optimized_bn128 as bn
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verbs._evm import precompiles as P

C = pytest.importorskip("verbs._evm.bn254", reason="the bn254 extension is not built")

FIELD_P = bn.field_modulus
ORDER = bn.curve_order
CANCUN = P.CANCUN


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def enc_g1(p) -> bytes:
    if bn.is_inf(p):
        return bytes(64)
    x, y = bn.normalize(p)
    return word(int(x)) + word(int(y))


def enc_g2(q) -> bytes:
    if bn.is_inf(q):
        return bytes(128)
    x, y = bn.normalize(q)
    return b"".join(word(int(c)) for c in (x.coeffs[1], x.coeffs[0], y.coeffs[1], y.coeffs[0]))


def _sqrt_fq2(a):
    """A square root in Fp2 (p = 3 mod 4), or None."""
    a1 = a ** ((FIELD_P - 3) // 4)
    alpha = a1 * a1 * a
    x0 = a1 * a
    if alpha == bn.FQ2([-1, 0]):
        root = bn.FQ2([0, 1]) * x0
    else:
        root = (alpha + bn.FQ2.one()) ** ((FIELD_P - 1) // 2) * x0
    return root if root * root == a else None


def _twist_points_outside_g2(count: int) -> list[bytes]:
    found = []
    for i in range(1, 200):
        x = bn.FQ2([i, 7])
        y = _sqrt_fq2(x**3 + bn.b2)
        if y is None:
            continue
        q = (x, y, bn.FQ2.one())
        if not bn.is_inf(bn.multiply(q, ORDER)):
            found.append(enc_g2(q))
            if len(found) == count:
                return found
    raise AssertionError("too few twist points found")


OUTSIDE_G2 = _twist_points_outside_g2(3)


def run_both(address: int, data: bytes, gas: int, monkeypatch) -> tuple:
    """Run the precompile on the C backend and on py_ecc; they must agree."""
    monkeypatch.setattr(P.bn254, "BN254_BACKEND", "c")
    ours = P.run_precompile(address, data, gas, CANCUN)
    monkeypatch.setattr(P.bn254, "BN254_BACKEND", "py_ecc")
    reference = P.run_precompile(address, data, gas, CANCUN)
    assert ours == reference
    revm = revm_outcome(address, data)
    if revm is not None:
        assert (ours[0], ours[2]) == revm
    return ours


def revm_outcome(address: int, data: bytes) -> tuple[bool, bytes] | None:
    """(success, output) of revm's precompile through pyrevm, or None without pyrevm."""
    try:
        import pyrevm
    except ImportError:
        return None
    evm = pyrevm.EVM(spec_id="CANCUN")
    try:
        out = evm.message_call("0x" + "00" * 19 + "ff", f"0x{address:040x}", data, gas=2**60)
    except RuntimeError as exc:  # pyrevm reports a halted call as RuntimeError
        assert "PrecompileError" in str(exc)
        return (False, b"")
    return (True, bytes(out))


scalars = st.one_of(
    st.integers(0, ORDER - 1),
    st.sampled_from([0, 1, 2, ORDER - 1, ORDER, ORDER + 1, 2**256 - 1]),
)


@st.composite
def g1_encodings(draw) -> bytes:
    """64 bytes: mostly valid points, sometimes infinity or an invalid encoding."""
    kind = draw(st.sampled_from(["point", "point", "point", "inf", "random", "big", "offcurve"]))
    if kind == "point":
        return enc_g1(bn.multiply(bn.G1, draw(st.integers(1, ORDER - 1))))
    if kind == "inf":
        return bytes(64)
    if kind == "random":
        return draw(st.binary(min_size=64, max_size=64))
    if kind == "big":  # a valid point with a coordinate pushed to >= p
        x, y = bn.normalize(bn.multiply(bn.G1, draw(st.integers(1, ORDER - 1))))
        if draw(st.booleans()):
            return word(int(x) + FIELD_P) + word(int(y))
        return word(int(x)) + word(int(y) + FIELD_P)
    x = draw(st.integers(0, FIELD_P - 1))  # off the curve unless by chance
    return word(x) + word(draw(st.integers(0, FIELD_P - 1)))


@given(a=g1_encodings(), b=g1_encodings(), cut=st.integers(0, 140))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_ecadd_agrees_with_py_ecc(a, b, cut, monkeypatch):
    data = (a + b)[:cut] if cut < 128 else a + b + bytes(cut - 128)
    run_both(0x06, data, 150, monkeypatch)


@given(a=g1_encodings(), k=scalars, cut=st.integers(0, 100))
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_ecmul_agrees_with_py_ecc(a, k, cut, monkeypatch):
    data = a + word(k)
    data = data[:cut] if cut < 96 else data + bytes(cut - 96)
    run_both(0x07, data, 6000, monkeypatch)


def test_ecadd_doubling_and_inverse_agree(monkeypatch):
    g = bn.multiply(bn.G1, 5)
    assert run_both(0x06, enc_g1(g) + enc_g1(g), 150, monkeypatch)[2] == enc_g1(bn.double(g))
    assert run_both(0x06, enc_g1(g) + enc_g1(bn.neg(g)), 150, monkeypatch)[2] == bytes(64)
    assert run_both(0x06, bytes(64) + enc_g1(g), 150, monkeypatch)[2] == enc_g1(g)


@st.composite
def pairing_inputs(draw) -> bytes:
    """Pairs whose product of pairings is 1 (built from scalars), or arbitrary pairs,
    with sometimes an invalid point slipped in."""
    kind = draw(st.sampled_from(["holds", "holds", "random", "invalid"]))
    pairs = []
    if kind == "holds":  # e(aP, bQ) e(-abP, Q) ... = 1, as sum_i a_i b_i = 0
        n = draw(st.integers(1, 3))
        ab = [(draw(st.integers(1, 2**32)), draw(st.integers(1, 2**32))) for _ in range(n)]
        c = -sum(a * b for a, b in ab) % ORDER
        ab.append((c, 1))
        for a, b in ab:
            pairs.append(enc_g1(bn.multiply(bn.G1, a)) + enc_g2(bn.multiply(bn.G2, b)))
        if draw(st.booleans()):  # break it by one
            pairs[0] = enc_g1(bn.multiply(bn.G1, ab[0][0] + 1)) + pairs[0][64:]
    else:
        for _ in range(draw(st.integers(0, 2))):
            p = bn.multiply(bn.G1, draw(st.integers(0, 2**32)))
            q = bn.multiply(bn.G2, draw(st.integers(0, 2**32)))
            pairs.append(enc_g1(p) + enc_g2(q))
    if kind == "invalid":
        bad = draw(st.sampled_from(["g1", "g2big", "g2curve", "g2group"]))
        g2 = enc_g2(bn.G2)
        if bad == "g1":
            pair = word(1) + word(3) + g2
        elif bad == "g2big":
            pair = enc_g1(bn.G1) + word(FIELD_P) + g2[32:]
        elif bad == "g2curve":
            pair = enc_g1(bn.G1) + g2[:96] + word(draw(st.integers(0, FIELD_P - 1)))
        else:
            pair = enc_g1(bn.G1) + draw(st.sampled_from(OUTSIDE_G2))
        pairs.insert(draw(st.integers(0, len(pairs))), pair)
    return b"".join(pairs)


@given(data=pairing_inputs())
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_ecpairing_agrees_with_py_ecc(data, monkeypatch):
    gas = 45000 + 34000 * (len(data) // 192)
    run_both(0x08, data, gas, monkeypatch)


def test_pairing_is_bilinear_and_not_degenerate():
    a, b = 0x1234567890ABCDEF, 0xFEDCBA0987654321
    g1a, g2b = enc_g1(bn.multiply(bn.G1, a)), enc_g2(bn.multiply(bn.G2, b))
    g1ab_neg = enc_g1(bn.neg(bn.multiply(bn.G1, a * b % ORDER)))
    g2 = enc_g2(bn.G2)
    assert C.pairing_check(g1a + g2b + g1ab_neg + g2)
    assert not C.pairing_check(g1a + g2b)
    assert not C.pairing_check(enc_g1(bn.G1) + g2)
    assert C.pairing_check(b"")
    assert C.pairing_check(bytes(64) + g2 + enc_g1(bn.G1) + bytes(128))


@pytest.mark.parametrize(
    "call, data, message",
    [
        ("g1_add", bytes(127), "128 bytes"),
        ("g1_mul", bytes(97), "96 bytes"),
        ("pairing_check", bytes(191), "multiple of 192"),
        ("g1_add", word(FIELD_P) + bytes(96), ">= field modulus"),
        ("g1_mul", word(1) + word(3) + word(5), "G1 point not on curve"),
        ("pairing_check", enc_g1(bn.G1) + bytes(96) + word(1), "G2 point not on curve"),
        ("pairing_check", enc_g1(bn.G1) + OUTSIDE_G2[0], "not in the subgroup"),
    ],
)
def test_rejected_inputs_raise_value_error_naming_the_problem(call, data, message):
    with pytest.raises(ValueError, match=message):
        getattr(C, call)(data)
