"""Precompiled contracts of the EVM, Shanghai to Osaka: one module per family.

The interpreter calls :func:`run_precompile` (holding the GIL) when a message
targets an address in :func:`active_precompiles` of its fork. Every precompile
charges its gas before doing any expensive work and validates its input itself:
input it rejects, or too little gas, comes back as ``(False, gas, b"")`` (a
failed call: all the gas offered is consumed). Any other exception is a bug in
the precompile or its library, never a call outcome: it is raised as
:class:`verbs.errors.EVMInternalError`, chained to the original, and the EVM
discards the transaction.

Modules and libraries
---------------------
- ``hashes``: ecrecover (coincurve, libsecp256k1; keccak from pycryptodome),
  sha256 (hashlib), ripemd160 (pycryptodome), identity.
- ``modexp``: gmpy2's ``powmod`` when gmpy2 is installed, else Python's ``pow``
  (EIP-198, EIP-2565, EIP-7823, EIP-7883).
- ``bn254``: add/mul/pairing (EIP-196/197/1108): C (``bn254.h``, module
  ``verbs._evm.bn254``), otherwise py_ecc's
  ``optimized_bn128``. Input validation and gas are computed here either way.
- ``blake2f`` (EIP-152): C, in ``blake2.h`` (module ``verbs._evm.blake2``).
- ``kzg``: point evaluation (EIP-4844): a pairing check with py-arkworks-bls12381
  against ``[tau]G2`` of the mainnet trusted setup (the only setup point the
  verification needs), as the execution specs do it.
- ``bls12_381`` (EIP-2537): py-arkworks-bls12381.
- ``p256``: P256VERIFY (EIP-7951): pycryptodome's P-256 point arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable

from verbs._evm.precompiles import blake2f, bls12_381, bn254, hashes, kzg, modexp, p256
from verbs._evm.precompiles._common import (
    CANCUN,
    OSAKA,
    PRAGUE,
    SHANGHAI,
    PrecompileFailure,
    _OutOfGas,
)
from verbs._evm.precompiles.bn254 import BN254_BACKEND
from verbs.errors import EVMInternalError

__all__ = [
    "SHANGHAI",
    "CANCUN",
    "PRAGUE",
    "OSAKA",
    "PrecompileFailure",
    "active_precompiles",
    "run_precompile",
    "BN254_BACKEND",
]

Precompile = Callable[[bytes, int, int], "tuple[int, bytes]"]

_BASE: dict[int, Precompile] = {
    0x01: hashes.ecrecover,
    0x02: hashes.sha256,
    0x03: hashes.ripemd160,
    0x04: hashes.identity,
    0x05: modexp.modexp,
    0x06: bn254.bn254_add,
    0x07: bn254.bn254_mul,
    0x08: bn254.bn254_pairing,
    0x09: blake2f.blake2f,
}
_CANCUN = {**_BASE, 0x0A: kzg.point_evaluation}
_PRAGUE = {
    **_CANCUN,
    0x0B: bls12_381.bls12_g1_add,
    0x0C: bls12_381.bls12_g1_msm,
    0x0D: bls12_381.bls12_g2_add,
    0x0E: bls12_381.bls12_g2_msm,
    0x0F: bls12_381.bls12_pairing_check,
    0x10: bls12_381.bls12_map_fp_to_g1,
    0x11: bls12_381.bls12_map_fp2_to_g2,
}
_OSAKA = {**_PRAGUE, 0x100: p256.p256verify}
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
        ``(success, gas_used, output)``. On failure ``(False, gas, b"")`` for rejected
        input, ``(False, gas, None)`` for too little gas (the interpreter halts with
        out-of-gas, the other with precompile failure; both consume the gas).

    Raises
    ------
    KeyError
        If no precompile lives at ``address`` in ``fork``.
    EVMInternalError
        If the precompile or its library raises anything but a rejection of the
        input (chained to that exception).
    """
    fn = _BY_FORK[fork][address]
    if type(data) is not bytes:  # a bytearray or memoryview from the interpreter's memory
        data = bytes(data)
    try:
        used, output = fn(data, gas, fork)
    except _OutOfGas:
        return False, gas, None
    except PrecompileFailure:
        return False, gas, b""
    except Exception as exc:
        raise EVMInternalError(
            f"precompile 0x{address:x} raised {type(exc).__name__}: {exc}") from exc
    return True, used, output
