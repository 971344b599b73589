"""EIP-7702 authorizations: the RLP of the signed message and the recovery of the authority."""

from __future__ import annotations

from verbs._evm.keccak import keccak256

SECP256K1N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAGIC = b"\x05"      # the EIP-7702 signing domain byte


def _rlp_bytes(b: bytes) -> bytes:
    if len(b) == 1 and b[0] < 0x80:
        return b
    if len(b) < 56:
        return bytes([0x80 + len(b)]) + b
    n = len(b).to_bytes((len(b).bit_length() + 7) // 8, "big")
    return bytes([0xB7 + len(n)]) + n + b


def _rlp_int(i: int) -> bytes:
    return _rlp_bytes(i.to_bytes((i.bit_length() + 7) // 8, "big") if i else b"")


def _rlp_list(items: list[bytes]) -> bytes:
    payload = b"".join(items)
    if len(payload) < 56:
        return bytes([0xC0 + len(payload)]) + payload
    n = len(payload).to_bytes((len(payload).bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(n)]) + n + payload


def recover_authority(chain_id: int, address: bytes, nonce: int, y_parity: int, r: int,
                      s: int) -> bytes | None:
    """EIP-7702: the signer of an authorization, or None if the signature is invalid.

    Raises
    ------
    TypeError
        A field that is not an int (``address``: not bytes).
    ValueError
        ``chain_id`` outside ``[0, 2**256)``, ``nonce`` outside ``[0, 2**64)`` or an
        ``address`` that is not 20 bytes: fields no authorization can carry.
    """
    for name, value in (("chain_id", chain_id), ("nonce", nonce), ("y_parity", y_parity),
                        ("r", r), ("s", s)):
        if not isinstance(value, int):
            raise TypeError(f"authorization {name} must be an int, got "
                            f"{type(value).__name__} {value!r:.80}")
    if not isinstance(address, (bytes, bytearray)):
        raise TypeError(f"authorization address must be bytes, got "
                        f"{type(address).__name__} {address!r:.80}")
    if len(address) != 20:
        raise ValueError(f"authorization address must be 20 bytes, got {len(address)}")
    if not 0 <= chain_id < 1 << 256:
        raise ValueError(f"authorization chain_id must be in [0, 2**256), got {chain_id}")
    if not 0 <= nonce < 1 << 64:
        raise ValueError(f"authorization nonce must be in [0, 2**64), got {nonce}")
    if y_parity not in (0, 1) or not 0 < r < SECP256K1N or not 0 < s <= SECP256K1N // 2:
        return None
    msg = keccak256(MAGIC + _rlp_list([_rlp_int(chain_id), _rlp_bytes(bytes(address)),
                                       _rlp_int(nonce)]))
    try:
        from coincurve import PublicKey
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([y_parity])
        pub = PublicKey.from_signature_and_message(sig, msg, hasher=None)
    except Exception:
        return None
    return keccak256(pub.format(compressed=False)[1:])[12:]
