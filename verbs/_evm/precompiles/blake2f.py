"""0x09 BLAKE2F (EIP-152), in C (``verbs._evm.blake2``)."""

from __future__ import annotations

from verbs._evm.precompiles._common import PrecompileFailure, _charge


def blake2f(data: bytes, gas: int, fork: int) -> tuple[int, bytes]:
    """BLAKE2F (0x09): the BLAKE2b compression function (EIP-152), 1 gas per round."""
    if len(data) != 213:
        raise PrecompileFailure("blake2f input must be 213 bytes")
    used = _charge(int.from_bytes(data[:4], "big"), gas)
    if data[212] > 1:
        raise PrecompileFailure("blake2f final flag must be 0 or 1")
    from verbs._evm.blake2 import blake2f as _compress

    return used, _compress(bytes(data))
