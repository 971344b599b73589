"""0x01 - 0x04: ECRECOVER, SHA2-256, RIPEMD-160 and IDENTITY."""

from __future__ import annotations

import hashlib

from verbs._evm.precompiles._common import _charge, _read, _words

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
