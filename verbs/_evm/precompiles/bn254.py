"""0x06 - 0x08: bn254 (alt_bn128) ECADD, ECMUL and ECPAIRING (EIP-196, EIP-197, EIP-1108)."""

from __future__ import annotations

from verbs._evm.precompiles._common import PrecompileFailure, _charge, _read

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
    from py_ecc.optimized_bn128 import FQ, is_on_curve
    from py_ecc.optimized_bn128 import b as B

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
