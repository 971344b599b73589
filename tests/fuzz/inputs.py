"""Precompile inputs for the fuzzer: valid ones (built once, deterministically, with the
reference libraries) and mutations of them that are usually invalid."""
from __future__ import annotations

import functools
import hashlib
import random

SECP_KEY = bytes(range(1, 33))
P256_KEY = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF


def _w(x: int, n: int = 32) -> bytes:
    return x.to_bytes(n, "big")


@functools.cache
def _ecrecover() -> list[bytes]:
    from coincurve import PrivateKey

    out = []
    for i in range(3):
        msg = hashlib.sha256(bytes([i])).digest()
        sig = PrivateKey(SECP_KEY).sign_recoverable(msg, hasher=None)
        r, s, v = sig[:32], sig[32:64], sig[64]
        out.append(msg + _w(27 + v) + r + s)
    return out


@functools.cache
def _bn254() -> dict[str, list[bytes]]:
    from py_ecc import bn128 as b

    def g1(p) -> bytes:
        return _w(int(p[0])) + _w(int(p[1]))

    def g2(p) -> bytes:
        x, y = p
        return (_w(int(x.coeffs[1])) + _w(int(x.coeffs[0])) + _w(int(y.coeffs[1]))
                + _w(int(y.coeffs[0])))

    p2 = b.multiply(b.G1, 2)
    neg = b.neg(b.G1)
    return {
        "add": [g1(b.G1) + g1(p2), g1(b.G1) + g1(neg), g1(p2) + bytes(64)],
        "mul": [g1(b.G1) + _w(3), g1(p2) + _w(b.curve_order - 1), g1(b.G1) + _w(2 ** 256 - 1)],
        "pairing": [b"", g1(b.G1) + g2(b.G2) + g1(neg) + g2(b.G2), g1(b.G1) + g2(b.G2)],
    }


@functools.cache
def _bls() -> dict[str, list[bytes]]:
    from py_ecc.optimized_bls12_381 import (
        G1,
        G2,
        add,
        curve_order,
        multiply,
        neg,
        normalize,
    )

    def fp(x) -> bytes:
        return _w(int(x), 64)

    def g1(p) -> bytes:
        x, y = normalize(p)
        return fp(x) + fp(y)

    def g2(p) -> bytes:
        x, y = normalize(p)
        return fp(x.coeffs[0]) + fp(x.coeffs[1]) + fp(y.coeffs[0]) + fp(y.coeffs[1])

    a1, b1 = multiply(G1, 5), add(G1, G1)
    a2, b2 = multiply(G2, 7), add(G2, G2)
    inf1, inf2 = bytes(128), bytes(256)
    return {
        "g1add": [g1(a1) + g1(b1), g1(G1) + inf1],
        "g1msm": [g1(a1) + _w(9), g1(G1) + _w(curve_order - 1) + g1(b1) + _w(2 ** 256 - 1)],
        "g2add": [g2(a2) + g2(b2), inf2 + g2(G2)],
        "g2msm": [g2(a2) + _w(3), g2(G2) + _w(1) + inf2 + _w(5)],
        "pairing": [g1(G1) + g2(G2) + g1(neg(G1)) + g2(G2), g1(a1) + g2(G2)],
        "map_fp": [fp(1), fp(12345)],
        "map_fp2": [fp(1) + fp(2), fp(7) + fp(0)],
    }


@functools.cache
def _p256() -> list[bytes]:
    """ECDSA P-256 signatures with fixed nonces (the library's own are randomised), so the
    programs stay a pure function of their seed."""
    from cryptography.hazmat.primitives.asymmetric import ec

    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    pub = ec.derive_private_key(P256_KEY, ec.SECP256R1()).public_key().public_numbers()
    out = []
    for i in range(2):
        h = hashlib.sha256(b"p256" + bytes([i])).digest()
        k = 0xC0FFEE + i
        r = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers().x % n
        s = pow(k, -1, n) * (int.from_bytes(h, "big") + r * P256_KEY) % n
        out.append(h + _w(r) + _w(s) + _w(pub.x) + _w(pub.y))
    return out


def _blake2f(rng: random.Random) -> bytes:
    rounds = rng.choice([0, 1, 12, rng.randrange(0, 64)])
    return (_w(rounds, 4) + rng.randbytes(64) + rng.randbytes(128) + rng.randbytes(16)
            + bytes([rng.choice([0, 1, 1, 1])]))


def _modexp(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.1:     # lengths that cost too much or exceed the EIP-7823 bound
        bl, el, ml = (rng.choice([0, 1, 32, 1024, 1025, 2 ** 32, 2 ** 255]) for _ in range(3))
        return _w(bl) + _w(el) + _w(ml) + rng.randbytes(rng.randrange(0, 96))
    bl, el, ml = rng.randrange(0, 40), rng.randrange(0, 40), rng.randrange(0, 40)
    body = rng.randbytes(bl + el + ml)
    if rng.random() < 0.2:
        body = body[:rng.randrange(0, len(body) + 1)]
    return _w(bl) + _w(el) + _w(ml) + body


BLS_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def point_evaluation_valid(rng: random.Random) -> bytes:
    """A valid EIP-4844 point evaluation input: the zero polynomial, whose commitment and
    proof are the point at infinity, evaluates to 0 at any z."""
    infinity = b"\xc0" + bytes(47)
    versioned = b"\x01" + hashlib.sha256(infinity).digest()[1:]
    z = rng.choice([0, 1, BLS_MODULUS - 1, rng.randrange(BLS_MODULUS)])
    return versioned + _w(z) + _w(0) + infinity + infinity


def mutate(rng: random.Random, data: bytes) -> bytes:
    """A usually invalid variant of ``data``: a flipped byte, truncated, extended or
    overwritten with a huge field element."""
    r = rng.random()
    if not data or r < 0.3:
        return data + rng.randbytes(rng.randrange(1, 40))
    if r < 0.6:
        i = rng.randrange(len(data))
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
    if r < 0.8:
        return data[:rng.randrange(len(data))]
    i = rng.randrange(0, max(1, len(data) - 31), 32) if len(data) >= 32 else 0
    return data[:i] + b"\xff" * 32 + data[i + 32:]


# precompile address -> (name, first fork)
PRECOMPILES = {
    1: ("ecrecover", "Cancun"), 2: ("sha256", "Cancun"), 3: ("ripemd160", "Cancun"),
    4: ("identity", "Cancun"), 5: ("modexp", "Cancun"), 6: ("bn254_add", "Cancun"),
    7: ("bn254_mul", "Cancun"), 8: ("bn254_pairing", "Cancun"), 9: ("blake2f", "Cancun"),
    10: ("point_evaluation", "Cancun"), 11: ("bls_g1add", "Prague"),
    12: ("bls_g1msm", "Prague"), 13: ("bls_g2add", "Prague"), 14: ("bls_g2msm", "Prague"),
    15: ("bls_pairing", "Prague"), 16: ("bls_map_fp", "Prague"),
    17: ("bls_map_fp2", "Prague"), 0x100: ("p256verify", "Osaka"),
}
FORK_ORDER = ["Cancun", "Prague", "Osaka"]


def precompiles(fork: str) -> list[int]:
    """The precompile addresses active in ``fork``."""
    n = FORK_ORDER.index(fork)
    return [a for a, (_, f) in PRECOMPILES.items() if FORK_ORDER.index(f) <= n]


# pure-Python curve arithmetic makes these cost up to seconds in the execution specs
EXPENSIVE = {8, 12, 14, 15, 16, 17}


def precompile_input(rng: random.Random, address: int, valid: float = 0.5) -> bytes:
    """An input for the precompile at ``address``: valid with probability ``valid`` (less
    where a random mutation happens to keep it valid)."""
    name = PRECOMPILES[address][0]
    if name in ("sha256", "ripemd160", "identity"):
        return rng.randbytes(rng.choice([0, 1, 31, 32, 33, 64, rng.randrange(0, 200)]))
    if name == "modexp":
        return _modexp(rng)
    if name == "blake2f":
        data = _blake2f(rng)
    elif name == "point_evaluation":
        data = rng.randbytes(192)
    elif name == "ecrecover":
        data = rng.choice(_ecrecover())
    elif name == "p256verify":
        data = rng.choice(_p256())
    elif name.startswith("bn254_"):
        data = rng.choice(_bn254()[name[6:]])
    else:
        data = rng.choice(_bls()[name[4:]])
    return data if rng.random() < valid else mutate(rng, data)
