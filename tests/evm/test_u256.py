"""The C 256-bit word operations (verbs/_evm/u256.h) against Python-int EVM semantics."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verbs._evm import u256

op = u256.op

M = 1 << 256
MASK = M - 1

# ---- reference semantics, written from the EVM definitions (yellow paper / execution specs) ---


def to_signed(x: int) -> int:
    return x - M if x >> 255 else x


def to_unsigned(x: int) -> int:
    return x & MASK


def ref_sdiv(a: int, b: int) -> int:
    sa, sb = to_signed(a), to_signed(b)
    if sb == 0:
        return 0
    q = abs(sa) // abs(sb)
    return to_unsigned(-q if (sa < 0) != (sb < 0) else q)


def ref_smod(a: int, b: int) -> int:
    sa, sb = to_signed(a), to_signed(b)
    if sb == 0:
        return 0
    r = abs(sa) % abs(sb)
    return to_unsigned(-r if sa < 0 else r)


def ref_signextend(b: int, x: int) -> int:
    if b >= 31:
        return x
    bits = 8 * (b + 1)
    low = x & ((1 << bits) - 1)
    if low >> (bits - 1):
        return to_unsigned(low - (1 << bits))
    return low


def ref_byte(i: int, x: int) -> int:
    return (x >> (8 * (31 - i))) & 0xFF if i < 32 else 0


def ref_sar(s: int, x: int) -> int:
    return to_unsigned(to_signed(x) >> min(s, 256))


BINARY = {
    "add": lambda a, b: (a + b) & MASK,
    "sub": lambda a, b: (a - b) & MASK,
    "mul": lambda a, b: (a * b) & MASK,
    "div": lambda a, b: a // b if b else 0,
    "sdiv": ref_sdiv,
    "mod": lambda a, b: a % b if b else 0,
    "smod": ref_smod,
    "exp": lambda a, b: pow(a, b, M),
    "signextend": ref_signextend,
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
    "byte": ref_byte,
    "shl": lambda s, x: (x << s) & MASK if s < 256 else 0,
    "shr": lambda s, x: x >> s if s < 256 else 0,
    "sar": ref_sar,
}
TERNARY = {
    "addmod": lambda a, b, m: (a + b) % m if m else 0,
    "mulmod": lambda a, b, m: (a * b) % m if m else 0,
}
UNARY = {
    "not": lambda a: a ^ MASK,
    "clz": lambda a: 256 - a.bit_length(),
    "neg": lambda a: (-a) & MASK,
    "sqr": lambda a: (a * a) & MASK,
}
PREDICATES = {
    "lt": lambda a, b: a < b,
    "gt": lambda a, b: a > b,
    "slt": lambda a, b: to_signed(a) < to_signed(b),
    "sgt": lambda a, b: to_signed(a) > to_signed(b),
    "eq": lambda a, b: a == b,
}

# ---- operands ----------------------------------------------------------------------------

EDGES = sorted({
    0, 1, 2, 3, 7, 31, 32, 63, 64, 255, 256, 257,
    2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 1, 2**127, 2**128 - 1, 2**128, 2**128 + 1,
    2**192 - 1, 2**192, 2**255 - 1, 2**255, 2**255 + 1, 2**256 - 2, 2**256 - 1,
    2**256 - 2**64, 2**256 - 2**128, 0xFF << 248, 0x80 << 240,
})

# numbers with a few random limbs (each limb 0, all ones, small or random) hit the
# division paths (1..4 significant limbs, normalisation shifts) better than uniform draws
limb = st.one_of(st.just(0), st.just(2**64 - 1), st.integers(0, 255),
                 st.integers(0, 2**64 - 1), st.integers(2**63, 2**64 - 1))
limbed = st.tuples(limb, limb, limb, limb).map(
    lambda t: t[0] | t[1] << 64 | t[2] << 128 | t[3] << 192
)
word = st.one_of(st.sampled_from(EDGES), st.integers(0, MASK), limbed,
                 st.integers(0, 2**64), st.integers(0, 300))
small = st.one_of(st.integers(0, 300), st.sampled_from(EDGES))


def check(name, *args):
    if name in BINARY:
        ref = BINARY[name](*args)
    elif name in TERNARY:
        ref = TERNARY[name](*args)
    elif name in UNARY:
        ref = UNARY[name](*args)
    else:
        ref = PREDICATES[name](*args)
    assert op(name, *args) == ref, (name, [hex(a) for a in args])
    if name not in PREDICATES:
        for i in range(len(args)):
            assert op(name, *args, alias=i) == ref, (name, "alias", i, [hex(a) for a in args])


# ---- tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BINARY) + sorted(PREDICATES))
def test_binary_ops_on_edge_values(name):
    for a in EDGES:
        for b in EDGES:
            check(name, a, b)


@pytest.mark.parametrize("name", sorted(TERNARY))
def test_ternary_ops_on_edge_values(name):
    for a in EDGES:
        for b in EDGES:
            for m in EDGES:
                check(name, a, b, m)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_on_edge_values(name):
    for a in EDGES:
        check(name, a)


@pytest.mark.parametrize("name", sorted(BINARY) + sorted(PREDICATES))
@settings(max_examples=800, deadline=None)
@given(a=word, b=word)
def test_binary_ops_random(name, a, b):
    check(name, a, b)


@pytest.mark.parametrize("name", ["shl", "shr", "sar", "byte", "signextend", "exp"])
@settings(max_examples=1000, deadline=None)
@given(a=small, b=word)
def test_ops_with_small_first_operand(name, a, b):
    check(name, a, b)


@pytest.mark.parametrize("name", sorted(TERNARY))
@settings(max_examples=2000, deadline=None)
@given(a=word, b=word, m=word)
def test_ternary_ops_random(name, a, b, m):
    check(name, a, b, m)


@pytest.mark.parametrize("name", ["div", "mod", "sdiv", "smod"])
@settings(max_examples=1500, deadline=None)
@given(q=limbed, b=limbed, r=limbed)
def test_division_with_constructed_quotient(name, q, b, r):
    # a = q*b + r with r < b: exercises quotient digits near the limb boundary
    if b == 0:
        return
    r %= b
    a = q * b + r
    if a > MASK:
        return
    check(name, a, b)


@settings(max_examples=1000, deadline=None)
@given(a=word, b=word, m=limbed)
def test_mulmod_near_modulus(a, b, m):
    # operands just below the modulus and products close to multiples of it
    if m == 0:
        return
    check("mulmod", m - 1 - (a % m), m - 1 - (b % m), m)
    check("addmod", m - 1 - (a % m), m - 1 - (b % m), m)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=500, deadline=None)
@given(a=word)
def test_unary_ops_random(name, a):
    check(name, a)


def test_sdiv_overflow_case():
    # -2**255 / -1 overflows and wraps to -2**255
    assert op("sdiv", 2**255, MASK) == 2**255
    assert op("smod", 2**255, MASK) == 0


def test_division_by_zero_is_zero():
    for name in ("div", "sdiv", "mod", "smod"):
        assert op(name, 12345, 0) == 0
    assert op("addmod", MASK, MASK, 0) == 0
    assert op("mulmod", MASK, MASK, 0) == 0


def test_clz_of_zero_is_256():
    assert op("clz", 0) == 256
    assert op("clz", 2**255) == 0


@settings(max_examples=500, deadline=None)
@given(data=st.binary(min_size=0, max_size=32))
def test_from_be_n(data):
    assert u256.from_be_n(data) == int.from_bytes(data, "big")


@settings(max_examples=300, deadline=None)
@given(x=word)
def test_to_be_and_small_helpers(x):
    assert u256.to_be(x) == x.to_bytes(32, "big")
    assert u256.bit_len(x) == x.bit_length()
    assert u256.exp_byte_len(x) == (x.bit_length() + 7) // 8
    assert u256.to_u64_saturated(x) == (x if x < 2**64 else 2**64 - 1)
    assert u256.is_zero(x) == (x == 0)
    assert u256.fits_u64(x) == (x < 2**64)


def test_saturation_edges():
    assert u256.to_u64_saturated(2**64 - 1) == 2**64 - 1
    assert u256.to_u64_saturated(2**64) == 2**64 - 1
    assert u256.to_u64_saturated(2**200 + 5) == 2**64 - 1


def test_division_rare_correction_paths():
    # Quotient digits of all ones (the window's top two limbs just below the divisor's) and
    # divisors whose second limb is all ones reach the rare corrections of the long division
    # and of its 3-by-2 reciprocal; checked over every divisor length and normalisation shift.
    import random

    rng = random.Random(7939)
    for _ in range(4000):
        nlimbs = rng.choice([2, 3, 4])
        top = rng.getrandbits(64) | (1 << 63)
        second = rng.choice([2**64 - 1, 2**64 - 1 - rng.getrandbits(8), rng.getrandbits(64)])
        low = rng.getrandbits(64 * (nlimbs - 2))
        b = ((top << 64 | second) << (64 * (nlimbs - 2)) | low) >> rng.choice([0, 1, 7, 63])
        qmax = MASK // b
        q = qmax - rng.getrandbits(rng.choice([1, 4, 64]))
        if q < 0:
            continue
        r = rng.randrange(b)
        a = q * b + r
        if a > MASK:
            continue
        for name in ("div", "mod"):
            check(name, a, b)
        m = b << (256 - b.bit_length()) | rng.getrandbits(8)   # a normalised 256-bit modulus
        m &= MASK
        x, y = MASK - rng.getrandbits(rng.choice([1, 8, 64])), m - 1 - rng.getrandbits(8)
        check("mulmod", x, y, m)
        check("mulmod", x, y, b)
        check("addmod", x, y, b)
