"""0x05 MODEXP (EIP-198, EIP-2565, EIP-7823, EIP-7883)."""

from __future__ import annotations

from verbs._evm.precompiles._common import OSAKA, PrecompileFailure, _charge, _read

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
