"""The fuzzer's one adapter to verbs' EVM internals: every import of ``verbs._evm`` is here."""
from __future__ import annotations

from verbs._evm.core import EVM, Tx
from verbs._evm.forks import OPCODE_BYTES, OPCODES

from .outcome import Account, Outcome

__all__ = ["OPCODE_BYTES", "OPCODES", "run"]


def _key(r) -> tuple:
    return (r.success, r.halt, bytes(r.output), r.gas_used, r.gas_refund, list(r.logs),
            r.created_address)


def run(program, check_rollback: bool = True) -> Outcome:
    """Run ``program`` (a ``gen.Program``) on verbs' EVM and read back the touched state.
    With ``check_rollback``, the transaction first runs uncommitted (``EVM.call``), which
    must leave the state as it was and give the same result."""
    from .gen import BLOCK, CALLER

    evm = EVM(program.fork)
    evm.set_block(**{**BLOCK, "base_fee": program.base_fee})
    for a, acc in program.accounts.items():
        evm.set_account(a, nonce=acc["nonce"], balance=acc["balance"], code=acc["code"],
                        storage=acc["storage"])
    tx = Tx(CALLER, to=program.to, data=program.data, value=program.value,
            gas_limit=program.gas, gas_price=program.gas_price)
    if check_rollback:
        # the same transaction uncommitted first: it must leave no trace and agree
        before = evm.dump()
        dry = evm.call(tx)
        if evm.dump() != before:
            raise AssertionError("EVM.call changed the state")
    r = evm.transact(tx)
    if check_rollback and _key(dry) != _key(r):
        raise AssertionError(f"EVM.call and EVM.transact disagree: {dry!r} != {r!r}")
    accounts = {}
    for a, (nonce, balance, code, storage) in evm.dump().items():
        accounts[a] = Account(nonce, balance, code, {k: v for k, v in storage.items() if v})
    status = "success" if r.success else ("revert" if r.halt == "revert" else "halt")
    out = Outcome(status, bytes(r.output) if status != "halt" else b"", r.gas_used,
                   [(bytes(a), tuple(bytes(t) for t in ts), bytes(d)) for a, ts, d in r.logs]
                   if r.success else [], accounts)
    out.reason = r.halt
    return out
