"""0x100 P256VERIFY (EIP-7951)."""

from __future__ import annotations

from verbs._evm.precompiles._common import _charge

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
