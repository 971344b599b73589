"""0x0a KZG point evaluation (EIP-4844)."""

from __future__ import annotations

import hashlib

from verbs._evm.precompiles._common import PrecompileFailure, _charge

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
    from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

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
