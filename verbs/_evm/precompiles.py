"""Precompiled contracts of the EVM, Shanghai to Osaka.

The interpreter calls :func:`run_precompile` (holding the GIL) when a message
targets an address in :func:`active_precompiles` of its fork. Every precompile
charges its gas before doing any expensive work, and every failure, whether bad
input, too little gas, or an unexpected exception inside a library, comes back
as ``(False, gas, b"")``: all the gas offered is consumed and nothing escapes.
Unexpected exceptions are logged (logger ``verbs._evm.precompiles``); set
:data:`STRICT` to re-raise them instead (the tests do).

Libraries
---------
- ecrecover: coincurve (libsecp256k1); keccak from pycryptodome.
- sha256: hashlib; ripemd160: pycryptodome.
- modexp: gmpy2's ``powmod`` when gmpy2 is installed, else Python's ``pow``
  (EIP-198, EIP-2565, EIP-7823, EIP-7883).
- bn254 add/mul/pairing (EIP-196/197/1108): C, in ``bn254.h`` (module
  ``verbs._evm.bn254``), or py_ecc's ``optimized_bn128`` where that module is
  missing. Gas is computed here either way.
- blake2f (EIP-152): C, in ``blake2.h`` (module ``verbs._evm.blake2``).
- KZG point evaluation (EIP-4844): a pairing check with py-arkworks-bls12381
  against ``[tau]G2`` of the mainnet trusted setup (the only setup point the
  verification needs), as the execution specs do it.
- BLS12-381 (EIP-2537): py-arkworks-bls12381.
- P256VERIFY (EIP-7951): pycryptodome's P-256 point arithmetic.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Callable

__all__ = [
    "SHANGHAI",
    "CANCUN",
    "PRAGUE",
    "OSAKA",
    "active_precompiles",
    "run_precompile",
    "BN254_BACKEND",
]

SHANGHAI, CANCUN, PRAGUE, OSAKA = 0, 1, 2, 3

_log = logging.getLogger(__name__)

#: When True, an unexpected exception inside a precompile (a library error or a
#: bug, as opposed to a rejected input) is re-raised instead of becoming a
#: failed call. Tests turn it on so that programming errors cannot hide.
STRICT = False


class PrecompileFailure(Exception):
    """Raised inside a precompile for input it rejects (the call fails)."""


class _OutOfGas(Exception):
    """The precompile costs more gas than the call offered."""


def _words(n: int) -> int:
    return (n + 31) // 32


def _charge(cost: int, gas: int) -> int:
    if cost > gas:
        raise _OutOfGas
    return cost


def _read(data: bytes, start: int, size: int) -> bytes:
    """``size`` bytes of ``data`` from ``start``, zero-padded past its end."""
    if start >= len(data):
        return bytes(size)
    chunk = data[start : start + size]
    return chunk + bytes(size - len(chunk)) if len(chunk) < size else chunk


# ---------------------------------------------------------------------------
# 0x01 - 0x04
# ---------------------------------------------------------------------------

SECP256K1N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def ecrecover(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """ECRECOVER (0x01): the address that signed a message hash.

    Invalid signatures succeed with empty output, as the specs require.
    """
    used = _charge(3000, gas)
    data = _read(data, 0, 128)
    v = int.from_bytes(data[32:64], "big")
    r = int.from_bytes(data[64:96], "big")
    s = int.from_bytes(data[96:128], "big")
    if v not in (27, 28) or not 0 < r < SECP256K1N or not 0 < s < SECP256K1N:
        return used, b""
    from coincurve import PublicKey
    from Crypto.Hash import keccak

    try:
        pub = PublicKey.from_signature_and_message(
            data[64:128] + bytes([v - 27]), data[:32], hasher=None
        )
    except ValueError:  # coincurve's answer for a signature with no public key
        return used, b""
    digest = keccak.new(digest_bits=256, data=pub.format(compressed=False)[1:]).digest()
    return used, bytes(12) + digest[12:]


def sha256(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """SHA256 (0x02)."""
    used = _charge(60 + 12 * _words(len(data)), gas)
    return used, hashlib.sha256(data).digest()


def ripemd160(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """RIPEMD160 (0x03), the 20-byte digest left-padded to 32 bytes."""
    used = _charge(600 + 120 * _words(len(data)), gas)
    from Crypto.Hash import RIPEMD160

    return used, bytes(12) + RIPEMD160.new(data).digest()


def identity(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """IDENTITY (0x04): returns its input."""
    used = _charge(15 + 3 * _words(len(data)), gas)
    return used, bytes(data)


# ---------------------------------------------------------------------------
# 0x05 modexp
# ---------------------------------------------------------------------------

MODEXP_MAX_INPUT_LENGTH = 1024  # EIP-7823 (Osaka)

try:  # GMP's powmod is an order of magnitude faster than pow() on 1024-byte numbers
    from gmpy2 import powmod as _gmp_powmod
except ImportError:  # pragma: no cover - depends on the environment
    _gmp_powmod = None

#: Use gmpy2 for MODEXP when it is installed (the result is the same as ``pow``).
MODEXP_USE_GMPY2 = _gmp_powmod is not None


def _powmod(base: int, exponent: int, modulus: int) -> int:
    if MODEXP_USE_GMPY2:
        return int(_gmp_powmod(base, exponent, modulus))
    return pow(base, exponent, modulus)


def modexp_gas(base_length: int, exp_length: int, mod_length: int, exp_head: int, fork: int) -> int:
    """Gas of MODEXP: EIP-2565 before Osaka, EIP-7883 from Osaka on.

    Parameters
    ----------
    base_length, exp_length, mod_length : int
        The three declared lengths in bytes.
    exp_head : int
        The first ``min(32, exp_length)`` bytes of the exponent as an integer.
    fork : int
        The fork id.

    Returns
    -------
    int
        The gas the call costs.
    """
    max_length = max(base_length, mod_length)
    words = (max_length + 7) // 8
    head_bits = max(exp_head.bit_length() - 1, 0)
    if exp_length <= 32:
        iterations = head_bits
    else:
        per_byte = 16 if fork >= OSAKA else 8
        iterations = per_byte * (exp_length - 32) + head_bits
    iterations = max(iterations, 1)
    if fork >= OSAKA:
        complexity = 16 if max_length <= 32 else 2 * words * words
        return max(500, complexity * iterations)
    return max(200, words * words * iterations // 3)


def modexp(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """MODEXP (0x05): ``base ** exp % mod`` on big-endian integers (EIP-198)."""
    base_length = int.from_bytes(_read(data, 0, 32), "big")
    exp_length = int.from_bytes(_read(data, 32, 32), "big")
    mod_length = int.from_bytes(_read(data, 64, 32), "big")
    if fork >= OSAKA and max(base_length, exp_length, mod_length) > MODEXP_MAX_INPUT_LENGTH:
        raise PrecompileFailure("modexp input longer than 1024 bytes")
    exp_start = 96 + base_length
    exp_head = int.from_bytes(_read(data, exp_start, min(32, exp_length)), "big")
    used = _charge(modexp_gas(base_length, exp_length, mod_length, exp_head, fork), gas)
    if base_length == 0 and mod_length == 0:
        return used, b""
    base = int.from_bytes(_read(data, 96, base_length), "big")
    exponent = int.from_bytes(_read(data, exp_start, exp_length), "big")
    modulus = int.from_bytes(_read(data, exp_start + exp_length, mod_length), "big")
    if modulus == 0:
        return used, bytes(mod_length)
    return used, _powmod(base, exponent, modulus).to_bytes(mod_length, "big")


# ---------------------------------------------------------------------------
# 0x06 - 0x08 bn254 (alt_bn128)
# ---------------------------------------------------------------------------

BN254_P = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47
BN254_N = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001

def _pick_bn254_backend() -> str:
    try:
        from verbs._evm import bn254  # noqa: F401
    except ImportError:
        return "py_ecc"
    return "c"


#: ``"c"`` (``verbs._evm.bn254``, built with the package) or ``"py_ecc"`` (the fallback
#: where the extension is missing): which code computes bn254 results.
BN254_BACKEND = _pick_bn254_backend()


def _bn254_c(name: str, data: bytes):
    """Call ``verbs._evm.bn254.<name>`` on ``data``; its ValueError is a rejected input."""
    from verbs._evm import bn254

    try:
        return getattr(bn254, name)(data)
    except ValueError as exc:
        raise PrecompileFailure(str(exc)) from exc


def _bn254_fq(b: bytes) -> int:
    x = int.from_bytes(b, "big")
    if x >= BN254_P:
        raise PrecompileFailure("bn254 coordinate >= field modulus")
    return x


def _bn254_g1(b: bytes):
    """Decode 64 bytes to a py_ecc G1 point (checked on the curve)."""
    from py_ecc.optimized_bn128 import FQ, b as B, is_on_curve

    x, y = _bn254_fq(b[:32]), _bn254_fq(b[32:64])
    if x == 0 and y == 0:
        return (FQ(1), FQ(1), FQ(0))
    point = (FQ(x), FQ(y), FQ(1))
    if not is_on_curve(point, B):
        raise PrecompileFailure("bn254 G1 point not on curve")
    return point


def _bn254_g2(b: bytes):
    """Decode 128 bytes (x_im, x_re, y_im, y_re) to a py_ecc G2 point in G2."""
    from py_ecc.optimized_bn128 import FQ2, b2, is_inf, is_on_curve, multiply

    x1, x0, y1, y0 = (_bn254_fq(b[i : i + 32]) for i in range(0, 128, 32))
    if x0 == x1 == y0 == y1 == 0:
        return (FQ2.one(), FQ2.one(), FQ2.zero())
    point = (FQ2((x0, x1)), FQ2((y0, y1)), FQ2.one())
    if not is_on_curve(point, b2):
        raise PrecompileFailure("bn254 G2 point not on curve")
    if not is_inf(multiply(point, BN254_N)):
        raise PrecompileFailure("bn254 G2 point not in the subgroup")
    return point


def _bn254_out(point) -> bytes:
    from py_ecc.optimized_bn128 import is_inf, normalize

    if is_inf(point):
        return bytes(64)
    x, y = normalize(point)
    return int(x).to_bytes(32, "big") + int(y).to_bytes(32, "big")


def bn254_add(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """ECADD (0x06) on alt_bn128 (EIP-196, gas EIP-1108)."""
    used = _charge(150, gas)
    data = _read(data, 0, 128)
    if BN254_BACKEND == "c":
        return used, _bn254_c("g1_add", data)
    from py_ecc.optimized_bn128 import add

    return used, _bn254_out(add(_bn254_g1(data[:64]), _bn254_g1(data[64:])))


def bn254_mul(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """ECMUL (0x07) on alt_bn128 (EIP-196, gas EIP-1108)."""
    used = _charge(6000, gas)
    data = _read(data, 0, 96)
    if BN254_BACKEND == "c":
        return used, _bn254_c("g1_mul", data)
    from py_ecc.optimized_bn128 import multiply

    point = _bn254_g1(data[:64])
    return used, _bn254_out(multiply(point, int.from_bytes(data[64:], "big")))


def bn254_pairing(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """ECPAIRING (0x08) on alt_bn128 (EIP-197, gas EIP-1108)."""
    used = _charge(45000 + 34000 * (len(data) // 192), gas)
    if len(data) % 192:
        raise PrecompileFailure("bn254 pairing input not a multiple of 192 bytes")
    if BN254_BACKEND == "c":
        return used, (1 if _bn254_c("pairing_check", data) else 0).to_bytes(32, "big")
    from py_ecc.optimized_bn128 import FQ12, is_inf
    from py_ecc.optimized_bn128.optimized_pairing import final_exponentiate, pairing

    acc = FQ12.one()
    for i in range(0, len(data), 192):
        p = _bn254_g1(data[i : i + 64])
        q = _bn254_g2(data[i + 64 : i + 192])
        if not (is_inf(p) or is_inf(q)):
            acc = acc * pairing(q, p, final_exponentiate=False)
    ok = final_exponentiate(acc) == FQ12.one()
    return used, (1 if ok else 0).to_bytes(32, "big")


# ---------------------------------------------------------------------------
# 0x09 blake2f
# ---------------------------------------------------------------------------


def blake2f(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLAKE2F (0x09): the BLAKE2b compression function (EIP-152), 1 gas per round."""
    if len(data) != 213:
        raise PrecompileFailure("blake2f input must be 213 bytes")
    used = _charge(int.from_bytes(data[:4], "big"), gas)
    if data[212] > 1:
        raise PrecompileFailure("blake2f final flag must be 0 or 1")
    from verbs._evm.blake2 import blake2f as _compress

    return used, _compress(bytes(data))


# ---------------------------------------------------------------------------
# 0x0a KZG point evaluation
# ---------------------------------------------------------------------------

BLS12_P = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f624"
    "1eabfffeb153ffffb9feffffffffaaab",
    16,
)
BLS_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
FIELD_ELEMENTS_PER_BLOB = 4096
#: [tau]G2 of the EIP-4844 mainnet trusted setup (g2_monomial[1]), compressed.
KZG_SETUP_G2_MONOMIAL_1 = bytes.fromhex(
    "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d"
    "2914e5870cb452d2afaaab24f3499f72185cbfee53492714734429b7b38608e2"
    "3926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2"
)
_POINT_EVALUATION_OUTPUT = FIELD_ELEMENTS_PER_BLOB.to_bytes(32, "big") + BLS_MODULUS.to_bytes(
    32, "big"
)
_tau_g2 = None


_G1_COMPRESSED_INFINITY = b"\xc0" + bytes(47)


def _kzg_g1(b: bytes):
    """A compressed G1 point (commitment or proof), checked to be in G1.

    The flags are checked here, strictly as in the ZCash encoding that the KZG
    spec uses: the compression bit must be set, and the point at infinity has
    exactly one encoding (0xc0 then zeros); arkworks alone is more lenient.
    """
    from py_arkworks_bls12381 import G1Point

    if len(b) != 48 or not b[0] & 0x80:
        raise PrecompileFailure("KZG G1 point not in compressed form")
    if b[0] & 0x40:
        if b != _G1_COMPRESSED_INFINITY:
            raise PrecompileFailure("non-canonical encoding of the point at infinity")
        return G1Point.identity()
    if int.from_bytes(b, "big") & ((1 << 381) - 1) >= BLS12_P:
        raise PrecompileFailure("KZG G1 x coordinate >= field modulus")
    try:
        return G1Point.from_compressed_bytes(b)
    except Exception as exc:  # arkworks raises a plain exception for bad points
        raise PrecompileFailure("invalid KZG G1 point") from exc


def verify_kzg_proof(commitment: bytes, z: int, y: int, proof: bytes) -> bool:
    """Check ``e(C - [y]G1, -G2) * e(proof, [tau]G2 - [z]G2) == 1``.

    ``z`` and ``y`` must be below ``BLS_MODULUS``; invalid points raise
    :class:`PrecompileFailure`.
    """
    global _tau_g2
    from py_arkworks_bls12381 import G1Point, G2Point, GT, Scalar

    if _tau_g2 is None:
        _tau_g2 = G2Point.from_compressed_bytes(KZG_SETUP_G2_MONOMIAL_1)
    c = _kzg_g1(commitment)
    pi = _kzg_g1(proof)
    g1, g2 = G1Point(), G2Point()
    lhs = c - g1 * Scalar.from_be_bytes(y.to_bytes(32, "big"))
    rhs = _tau_g2 - g2 * Scalar.from_be_bytes(z.to_bytes(32, "big"))
    return GT.pairing_check([lhs, pi], [-g2, rhs])


def point_evaluation(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """POINT_EVALUATION (0x0a): verify a KZG proof of a blob evaluation (EIP-4844)."""
    if len(data) != 192:
        raise PrecompileFailure("point evaluation input must be 192 bytes")
    used = _charge(50000, gas)
    commitment = bytes(data[96:144])
    versioned = b"\x01" + hashlib.sha256(commitment).digest()[1:]
    if versioned != data[:32]:
        raise PrecompileFailure("versioned hash does not match the commitment")
    z = int.from_bytes(data[32:64], "big")
    y = int.from_bytes(data[64:96], "big")
    if z >= BLS_MODULUS or y >= BLS_MODULUS:
        raise PrecompileFailure("z or y not a canonical field element")
    if not verify_kzg_proof(commitment, z, y, bytes(data[144:192])):
        raise PrecompileFailure("KZG proof does not verify")
    return used, _POINT_EVALUATION_OUTPUT


# ---------------------------------------------------------------------------
# 0x0b - 0x11 BLS12-381 (EIP-2537)
# ---------------------------------------------------------------------------


# EIP-2537 MSM discounts (per mille) for k = 1..128 pairs; the last entry also
# holds for every larger k.
G1_MSM_DISCOUNT = (
    1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669,
    665, 661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619,
    617, 615, 613, 611, 609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589,
    588, 586, 585, 584, 582, 581, 580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567,
    566, 565, 564, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 551, 550, 549,
    548, 547, 547, 546, 545, 544, 543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534,
    533, 532, 532, 531, 530, 529, 528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520,
    520, 519,
)  # fmt: skip
G2_MSM_DISCOUNT = (
    1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704,
    699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634,
    632, 629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597,
    595, 593, 592, 590, 589, 587, 586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571,
    570, 569, 568, 567, 566, 565, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552,
    552, 551, 550, 549, 548, 547, 546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537,
    537, 536, 535, 535, 534, 533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525,
    524, 524,
)  # fmt: skip
G1_MSM_BASE, G2_MSM_BASE = 12000, 22500


def _bls_fp(b: bytes) -> bytes:
    """Check a 64-byte EIP-2537 field element; return its 48 significant bytes."""
    if int.from_bytes(b, "big") >= BLS12_P:  # also catches non-zero top 16 bytes
        raise PrecompileFailure("BLS12-381 field element not canonical")
    return bytes(b[16:])


def _bls_g1(b: bytes, subgroup: bool):
    from py_arkworks_bls12381 import G1Point

    xy = _bls_fp(b[:64]) + _bls_fp(b[64:128])
    try:
        if subgroup:
            return G1Point.from_xy_bytes_be(xy)
        return G1Point.from_xy_bytes_unchecked_be(xy)
    except Exception as exc:
        raise PrecompileFailure("invalid BLS12-381 G1 point") from exc


def _bls_g2(b: bytes, subgroup: bool):
    from py_arkworks_bls12381 import G2Point

    xy = b"".join(_bls_fp(b[i : i + 64]) for i in range(0, 256, 64))
    try:
        if subgroup:
            return G2Point.from_xy_bytes_be(xy)
        return G2Point.from_xy_bytes_unchecked_be(xy)
    except Exception as exc:
        raise PrecompileFailure("invalid BLS12-381 G2 point") from exc


def _bls_out(xy: bytes) -> bytes:
    """Widen 48-byte coordinates to EIP-2537's 64-byte words."""
    return b"".join(bytes(16) + xy[i : i + 48] for i in range(0, len(xy), 48))


def bls12_g1_add(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLS12_G1ADD (0x0b): no subgroup check, as EIP-2537 says."""
    if len(data) != 256:
        raise PrecompileFailure("G1ADD input must be 256 bytes")
    used = _charge(375, gas)
    p, q = _bls_g1(data[:128], False), _bls_g1(data[128:], False)
    return used, _bls_out((p + q).to_xy_bytes_be())


def _msm_gas(k: int, base: int, table: tuple[int, ...]) -> int:
    discount = table[k - 1] if k <= len(table) else table[-1]
    return k * base * discount // 1000


def _bls_msm(data: bytes, gas: int, what: str, point_len: int, parse, base: int,
             discount, point_type: str) -> tuple[int, bytes]:
    """The MSM precompiles: ``k`` (point, scalar) pairs, points checked to be in the subgroup."""
    pair_len = point_len + 32
    if not data or len(data) % pair_len:
        raise PrecompileFailure(f"{what} input must be a non-zero multiple of {pair_len} bytes")
    used = _charge(_msm_gas(len(data) // pair_len, base, discount), gas)
    import py_arkworks_bls12381 as arkworks

    points, scalars = [], []
    for i in range(0, len(data), pair_len):
        points.append(parse(data[i : i + point_len], True))
        scalars.append(arkworks.Scalar.from_be_bytes_mod_order(
            bytes(data[i + point_len : i + pair_len])))
    total = getattr(arkworks, point_type).multiexp_unchecked(points, scalars)
    return used, _bls_out(total.to_xy_bytes_be())


def bls12_g1_msm(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLS12_G1MSM (0x0c): sum of scalar multiples, points checked to be in G1."""
    return _bls_msm(data, gas, "G1MSM", 128, _bls_g1, G1_MSM_BASE, G1_MSM_DISCOUNT, "G1Point")


def bls12_g2_add(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLS12_G2ADD (0x0d): no subgroup check."""
    if len(data) != 512:
        raise PrecompileFailure("G2ADD input must be 512 bytes")
    used = _charge(600, gas)
    p, q = _bls_g2(data[:256], False), _bls_g2(data[256:], False)
    return used, _bls_out((p + q).to_xy_bytes_be())


def bls12_g2_msm(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLS12_G2MSM (0x0e): sum of scalar multiples, points checked to be in G2."""
    return _bls_msm(data, gas, "G2MSM", 256, _bls_g2, G2_MSM_BASE, G2_MSM_DISCOUNT, "G2Point")


def bls12_pairing_check(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLS12_PAIRING_CHECK (0x0f): 1 if the product of the pairings is one."""
    if not data or len(data) % 384:
        raise PrecompileFailure("pairing input must be a non-zero multiple of 384 bytes")
    k = len(data) // 384
    used = _charge(32600 * k + 37700, gas)
    from py_arkworks_bls12381 import GT

    g1s, g2s = [], []
    for i in range(0, len(data), 384):
        g1s.append(_bls_g1(data[i : i + 128], True))
        g2s.append(_bls_g2(data[i + 128 : i + 384], True))
    return used, (1 if GT.pairing_check(g1s, g2s) else 0).to_bytes(32, "big")


def bls12_map_fp_to_g1(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLS12_MAP_FP_TO_G1 (0x10): SSWU map with cofactor clearing."""
    if len(data) != 64:
        raise PrecompileFailure("MAP_FP_TO_G1 input must be 64 bytes")
    used = _charge(5500, gas)
    from py_arkworks_bls12381 import G1Point

    return used, _bls_out(G1Point.map_from_fp_be(_bls_fp(data)).to_xy_bytes_be())


def bls12_map_fp2_to_g2(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLS12_MAP_FP2_TO_G2 (0x11): SSWU map with cofactor clearing."""
    if len(data) != 128:
        raise PrecompileFailure("MAP_FP2_TO_G2 input must be 128 bytes")
    used = _charge(23800, gas)
    from py_arkworks_bls12381 import G2Point

    fp2 = _bls_fp(data[:64]) + _bls_fp(data[64:])
    return used, _bls_out(G2Point.map_from_fp2_be(fp2).to_xy_bytes_be())


# ---------------------------------------------------------------------------
# 0x100 P256VERIFY
# ---------------------------------------------------------------------------

SECP256R1_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
SECP256R1_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SECP256R1_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
SECP256R1_GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
SECP256R1_GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5


def p256verify(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """P256VERIFY (0x100, EIP-7951): ECDSA verification on secp256r1.

    Returns 1 as a 32-byte word for a valid signature; any invalid input
    succeeds with empty output.
    """
    used = _charge(6900, gas)
    if len(data) != 160:
        return used, b""
    h, r, s, qx, qy = (int.from_bytes(data[i : i + 32], "big") for i in range(0, 160, 32))
    if not (0 < r < SECP256R1_N and 0 < s < SECP256R1_N):
        return used, b""
    if qx >= SECP256R1_P or qy >= SECP256R1_P or (qx == 0 and qy == 0):
        return used, b""
    p = SECP256R1_P
    if (qy * qy - (qx * qx * qx - 3 * qx + SECP256R1_B)) % p:
        return used, b""
    from Crypto.PublicKey import ECC

    q = ECC.EccPoint(qx, qy, "P-256")
    g = ECC.EccPoint(SECP256R1_GX, SECP256R1_GY, "P-256")
    w = pow(s, -1, SECP256R1_N)
    u1, u2 = h * w % SECP256R1_N, r * w % SECP256R1_N
    point = g * u1 + q * u2
    if point.is_point_at_infinity() or int(point.x) % SECP256R1_N != r:
        return used, b""
    return used, (1).to_bytes(32, "big")


# ---------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------

Precompile = Callable[[bytes, int, int], "tuple[int, bytes]"]

_BASE: dict[int, Precompile] = {
    0x01: ecrecover,
    0x02: sha256,
    0x03: ripemd160,
    0x04: identity,
    0x05: modexp,
    0x06: bn254_add,
    0x07: bn254_mul,
    0x08: bn254_pairing,
    0x09: blake2f,
}
_CANCUN = {**_BASE, 0x0A: point_evaluation}
_PRAGUE = {
    **_CANCUN,
    0x0B: bls12_g1_add,
    0x0C: bls12_g1_msm,
    0x0D: bls12_g2_add,
    0x0E: bls12_g2_msm,
    0x0F: bls12_pairing_check,
    0x10: bls12_map_fp_to_g1,
    0x11: bls12_map_fp2_to_g2,
}
_OSAKA = {**_PRAGUE, 0x100: p256verify}
_BY_FORK: dict[int, dict[int, Precompile]] = {
    SHANGHAI: _BASE,
    CANCUN: _CANCUN,
    PRAGUE: _PRAGUE,
    OSAKA: _OSAKA,
}
_ACTIVE = {fork: frozenset(table) for fork, table in _BY_FORK.items()}


def active_precompiles(fork: int) -> frozenset[int]:
    """The precompile addresses (as ints) of a fork.

    Parameters
    ----------
    fork : int
        ``SHANGHAI`` (0), ``CANCUN`` (1), ``PRAGUE`` (2) or ``OSAKA`` (3).

    Returns
    -------
    frozenset of int
    """
    return _ACTIVE[fork]


def run_precompile(address: int, data: bytes, gas: int, fork: int) -> tuple[bool, int, bytes]:
    """Run the precompile at ``address``.

    Parameters
    ----------
    address : int
        A member of ``active_precompiles(fork)``.
    data : bytes
        The call data.
    gas : int
        The gas available to the call.
    fork : int
        The fork id.

    Returns
    -------
    tuple of (bool, int, bytes)
        ``(success, gas_used, output)``. On failure (rejected input or too
        little gas) ``(False, gas, b"")``.

    Raises
    ------
    KeyError
        If no precompile lives at ``address`` in ``fork``.
    """
    fn = _BY_FORK[fork][address]
    if type(data) is not bytes:  # a bytearray or memoryview from the interpreter's memory
        data = bytes(data)
    try:
        used, output = fn(data, gas, fork)
    except (_OutOfGas, PrecompileFailure):
        return False, gas, b""
    except Exception:
        if STRICT:
            raise
        _log.exception("precompile 0x%x raised; treating the call as failed", address)
        return False, gas, b""
    return True, used, output
