"""0x0b - 0x11: BLS12-381 operations (EIP-2537)."""

from __future__ import annotations

from verbs._evm.precompiles._common import PrecompileFailure, _charge
from verbs._evm.precompiles.kzg import BLS12_P

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
