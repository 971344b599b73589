"""Run one state-test case on ``verbs._evm.evm.EVM`` and judge it.

A case passes when

- it expects success: the state root of ``evm.dump()`` equals ``post.hash`` and the logs hash
  of ``result.logs`` equals ``post.logs``;
- it expects an exception: ``transact`` raises ``InvalidTransaction`` whose ``.kind`` is one of
  the ``A|B`` alternatives (retesteth names mapped to EEST kinds) and the state root is still
  the root of ``pre`` (which is also ``post.hash``).

Failure reasons start with one of: ``state root mismatch``, ``logs mismatch``, ``expected
exception X, got success``, ``wrong exception``, ``unexpected exception``, ``setup error``
(the runner could not build the EVM/transaction), ``timeout``, ``crash`` (the last two are
recorded by ``run.py``).
"""
from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .fixtures import Case
from .trie import keccak256, logs_hash, state_root

#: retesteth (legacy) exception names -> the EEST ``TransactionException`` kinds they mean.
LEGACY_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "TR_NoFunds": ("INSUFFICIENT_ACCOUNT_FUNDS",),
    "TR_NoFundsX": ("INSUFFICIENT_ACCOUNT_FUNDS", "GASLIMIT_PRICE_PRODUCT_OVERFLOW"),
    "TR_NoFundsValue": ("INSUFFICIENT_ACCOUNT_FUNDS",),
    "TR_NoFundsOrGas": (
        "INSUFFICIENT_ACCOUNT_FUNDS",
        "INTRINSIC_GAS_TOO_LOW",
        "GASLIMIT_PRICE_PRODUCT_OVERFLOW",
    ),
    "IntrinsicGas": ("INTRINSIC_GAS_TOO_LOW",),
    "TR_IntrinsicGas": ("INTRINSIC_GAS_TOO_LOW",),
    "SenderNotEOA": ("SENDER_NOT_EOA",),
    "TR_SenderNotEOA": ("SENDER_NOT_EOA",),
    "TR_FeeCapLessThanBlocks": ("INSUFFICIENT_MAX_FEE_PER_GAS",),
    "TR_TipGtFeeCap": ("PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",),
    "TR_GasLimitReached": ("GAS_ALLOWANCE_EXCEEDED",),
    "TR_NonceHasMaxValue": ("NONCE_IS_MAX",),
    "TR_InitCodeLimitExceeded": ("INITCODE_SIZE_EXCEEDED",),
    "TR_TypeNotSupported": (
        "TYPE_1_TX_PRE_FORK", "TYPE_2_TX_PRE_FORK", "TYPE_3_TX_PRE_FORK", "TYPE_4_TX_PRE_FORK"
    ),
    "TR_NonceTooHigh": ("NONCE_MISMATCH_TOO_HIGH",),
    "TR_NonceTooLow": ("NONCE_MISMATCH_TOO_LOW",),
    # A field that does not fit its RLP type (value >= 2**256): the transaction cannot even be
    # encoded.  Accepted: any rejection (see ``_unencodable``).
    "TR_RLP_WRONGVALUE": ("RLP_INVALID_VALUE",),
}

#: Module providing ``EVM``, ``Tx`` and ``InvalidTransaction`` (a fake one in the suite's own
#: tests).
CORE_ENV_VAR = "VERBS_CONFORMANCE_CORE"


def core_module() -> Any:
    """The EVM core module: ``conformance._verbs_core`` (verbs' EVM) unless
    ``$VERBS_CONFORMANCE_CORE`` names another."""
    name = os.environ.get(CORE_ENV_VAR)
    if name:
        return importlib.import_module(name)
    return importlib.import_module("._verbs_core", __package__ or "conformance")


U256_MAX = 2**256 - 1
U64_MAX = 2**64 - 1


def expected_kinds(expect: str) -> tuple[str, ...]:
    """The accepted ``InvalidTransaction.kind`` values of an ``expectException`` string.

    Parameters
    ----------
    expect : str
        ``"TransactionException.A|TransactionException.B"`` (EEST) or a retesteth name.

    Returns
    -------
    tuple of str
        EEST kinds without the ``TransactionException.`` prefix.
    """
    kinds: list[str] = []
    for alt in expect.split("|"):
        alt = alt.strip()
        if alt.startswith("TransactionException."):
            kinds.append(alt[len("TransactionException.") :])
        elif alt in LEGACY_EXCEPTIONS:
            kinds.extend(LEGACY_EXCEPTIONS[alt])
        else:
            kinds.append(alt)
    return tuple(dict.fromkeys(kinds))


def sender_of(tx: Mapping[str, Any]) -> bytes:
    """The sender: the fixture's ``sender`` or the address of ``secretKey`` (coincurve).

    Parameters
    ----------
    tx : mapping
        Parsed transaction fields.

    Returns
    -------
    bytes
        The 20-byte address.
    """
    if tx.get("sender"):
        return tx["sender"]
    return address_of_key(tx["secret_key"])


def address_of_key(secret_key: bytes) -> bytes:
    """The Ethereum address of a secp256k1 secret key.

    Parameters
    ----------
    secret_key : bytes
        32 bytes.

    Returns
    -------
    bytes
        ``keccak(uncompressed public key)[12:]``.
    """
    from coincurve import PrivateKey

    pub = PrivateKey(secret_key).public_key.format(compressed=False)[1:]
    return keccak256(pub)[12:]


@dataclass
class CaseResult:
    """The verdict on one case.

    Attributes
    ----------
    test_id, fork : str
        The case.
    passed : bool
        Whether it passed.
    reason : str
        Empty when passed, else one line starting with the failure category.
    """

    test_id: str
    fork: str
    passed: bool
    reason: str = ""


# --------------------------------------------------------------------------------- diffs
def _h(v: int) -> str:
    return hex(v)


def _short(b: bytes, n: int = 24) -> str:
    s = b.hex()
    return "0x" + (s if len(s) <= 2 * n else s[: 2 * n] + f"..({len(b)}B)")


def state_diff(got: Mapping[bytes, tuple], expected: Mapping[bytes, tuple], limit: int = 12) -> str:
    """A short description of how ``got`` differs from ``expected`` (EEST ``post.state``).

    Parameters
    ----------
    got, expected : mapping
        ``{address: (nonce, balance, code, {slot: value})}``.
    limit : int
        At most this many differences are listed.

    Returns
    -------
    str
        ``"; "``-joined differences, each ``0xaddr: what got=.. want=..``.
    """
    out: list[str] = []
    for addr in sorted(set(got) | set(expected)):
        a = "0x" + addr.hex()
        if addr not in expected:
            n, b, c, s = got[addr]
            out.append(
                f"{a}: unexpected account (nonce={n} balance={_h(b)} code={len(c)}B slots={len(s)})"
            )
            continue
        if addr not in got:
            n, b, c, s = expected[addr]
            out.append(
                f"{a}: missing account (want nonce={n} balance={_h(b)} code={len(c)}B "
                f"slots={len(s)})"
            )
            continue
        gn, gb, gc, gs = got[addr]
        en, eb, ec, es = expected[addr]
        if gn != en:
            out.append(f"{a}: nonce got={gn} want={en}")
        if gb != eb:
            out.append(f"{a}: balance got={_h(gb)} want={_h(eb)} (diff {gb - eb:+d})")
        if gc != ec:
            out.append(f"{a}: code got={_short(gc)} want={_short(ec)}")
        gs = {k: v for k, v in gs.items() if v}
        es = {k: v for k, v in es.items() if v}
        for slot in sorted(set(gs) | set(es)):
            if gs.get(slot, 0) != es.get(slot, 0):
                out.append(
                    f"{a}: slot {_h(slot)} got={_h(gs.get(slot, 0))} want={_h(es.get(slot, 0))}"
                )
    more = f"; ... {len(out) - limit} more" if len(out) > limit else ""
    return "; ".join(out[:limit]) + more


def _normalise_dump(dump: Mapping) -> dict[bytes, tuple[int, int, bytes, dict[int, int]]]:
    out = {}
    for addr, (nonce, balance, code, storage) in dump.items():
        out[bytes(addr)] = (
            int(nonce), int(balance), bytes(code), {int(k): int(v) for k, v in storage.items()}
        )
    return out


# --------------------------------------------------------------------------------- running
_SET_BLOCK_PARAMS: set[str] | None = None


def _set_block_accepts(evm: Any) -> set[str]:
    """The keyword names ``evm.set_block`` accepts (from its signature, when available)."""
    global _SET_BLOCK_PARAMS
    if _SET_BLOCK_PARAMS is None:
        try:
            sig = inspect.signature(evm.set_block)
            if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
                _SET_BLOCK_PARAMS = {"*"}
            else:
                _SET_BLOCK_PARAMS = set(sig.parameters)
        except (TypeError, ValueError):
            _SET_BLOCK_PARAMS = set()
    return _SET_BLOCK_PARAMS


def _unencodable(case: Case) -> str | None:
    """Why the fixture's transaction cannot be RLP-encoded as its type says, if it cannot."""
    tx = case.tx
    for name in (
        "value", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "max_fee_per_blob_gas"
    ):
        v = tx.get(name)
        if v is not None and v > U256_MAX:
            return f"{name} exceeds 256 bits"
    if tx["gas_limit"] > U256_MAX or tx["nonce"] > U256_MAX:
        return "gas limit or nonce exceeds 256 bits"
    return None


def build(case: Case) -> tuple[Any, Any]:
    """Make the EVM (pre state and block env set) and the ``Tx`` of a case.

    Parameters
    ----------
    case : Case
        The case.

    Returns
    -------
    (EVM, Tx)
    """
    core = core_module()
    EVM, Tx = core.EVM, core.Tx

    evm = EVM(fork=case.fork, chain_id=case.chain_id)
    for addr, (nonce, balance, code, storage) in case.pre.items():
        evm.set_account(addr, nonce=nonce, balance=balance, code=code, storage=dict(storage))
    env = case.env
    block = {
        "number": env["number"],
        "timestamp": env["timestamp"],
        "coinbase": env["coinbase"],
        "gas_limit": env["gas_limit"],
        "base_fee": env["base_fee"],
        "prevrandao": env["prevrandao"],
        "difficulty": env["difficulty"],
    }
    if env.get("excess_blob_gas") is not None:
        block["excess_blob_gas"] = env["excess_blob_gas"]
    accepts = _set_block_accepts(evm)
    if case.blob_schedule and case.fork in case.blob_schedule:
        sched = case.blob_schedule[case.fork]
        if "*" in accepts or "blob_schedule" in accepts:
            block["blob_schedule"] = (
                sched["target"], sched["max"], sched["base_fee_update_fraction"]
            )
    evm.set_block(**block)
    t = case.tx
    tx = Tx(
        sender_of(t),
        to=t["to"],
        data=t["data"],
        value=t["value"],
        gas_limit=t["gas_limit"],
        nonce=t["nonce"],
        gas_price=t["gas_price"],
        max_fee_per_gas=t["max_fee_per_gas"],
        max_priority_fee_per_gas=t["max_priority_fee_per_gas"],
        access_list=t["access_list"] or (),
        max_fee_per_blob_gas=t["max_fee_per_blob_gas"],
        blob_hashes=t["blob_hashes"],
        authorization_list=t["authorization_list"],
        tx_type=t["tx_type"],
    )
    return evm, tx


def run_case(case: Case) -> CaseResult:
    """Run one case and judge it.

    Parameters
    ----------
    case : Case
        A fully parsed case.

    Returns
    -------
    CaseResult
        The verdict with its reason.
    """
    def fail(reason: str) -> CaseResult:
        return CaseResult(case.test_id, case.fork, False, reason.replace("\n", " ")[:2000])

    expect = case.expect_exception
    kinds = expected_kinds(expect) if expect else ()
    bad_encoding = _unencodable(case)
    try:
        InvalidTransaction = core_module().InvalidTransaction
        evm, tx = build(case)
    except Exception as exc:  # noqa: BLE001 - reported as the case's failure
        if expect and bad_encoding:
            return CaseResult(case.test_id, case.fork, True)  # rejected before the EVM
        return fail(f"setup error {type(exc).__name__}: {exc}")
    try:
        result = evm.transact(tx)
    except InvalidTransaction as exc:
        kind = getattr(exc, "kind", None)
        if not expect:
            return fail(f"unexpected exception InvalidTransaction({kind}): {exc}")
        if kind not in kinds and not bad_encoding:
            return fail(
                f"wrong exception: expected {expect}, got InvalidTransaction({kind}): {exc}"
            )
        try:
            root = state_root(_normalise_dump(evm.dump()))
        except Exception as e2:  # noqa: BLE001
            return fail(f"unexpected exception in dump() {type(e2).__name__}: {e2}")
        if root != case.expected_hash:
            return fail(f"state root mismatch after InvalidTransaction({kind}): state changed")
        return CaseResult(case.test_id, case.fork, True)
    except Exception as exc:  # noqa: BLE001
        if expect and bad_encoding:
            return CaseResult(case.test_id, case.fork, True)
        return fail(f"unexpected exception {type(exc).__name__}: {exc}")
    if expect:
        return fail(
            f"expected exception {expect}, got success "
            f"(halt={getattr(result, 'halt', '?')} gas_used={getattr(result, 'gas_used', '?')})"
        )
    try:
        dump = _normalise_dump(evm.dump())
        root = state_root(dump)
        lh = logs_hash(result.logs)
    except Exception as exc:  # noqa: BLE001
        return fail(f"unexpected exception in dump()/logs {type(exc).__name__}: {exc}")
    info = f"halt={result.halt} gas_used={result.gas_used}"
    if root != case.expected_hash:
        diff = ""
        post = case.post_state()
        if post is not None:
            diff = state_diff(dump, post) or "no account/slot differs from post.state (encoding?)"
        return fail(f"state root mismatch ({info})" + (f": {diff}" if diff else ""))
    if lh != case.expected_logs:
        return fail(f"logs mismatch ({info}, {len(result.logs)} logs)")
    return CaseResult(case.test_id, case.fork, True)
