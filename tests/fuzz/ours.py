"""The fuzzer's one adapter to verbs' EVM internals: every import of ``verbs._evm`` is here."""
from __future__ import annotations

from verbs._evm.evm import EVM
from verbs._evm.hardforks import OPCODE_BYTES, OPCODES
from verbs._evm.tx import Tx

from .outcome import Account, Outcome

__all__ = ["OPCODES", "OPCODE_BYTES", "run"]


def _key(r) -> tuple:
    return (r.success, r.halt, bytes(r.output), r.gas_used, r.gas_refund, list(r.logs),
            r.created_address)


def run(program, check_rollback: bool = True) -> Outcome:
    """Run ``program`` (a ``gen.Program``) on verbs' EVM and read back the touched state.
    With ``check_rollback``, the transaction first runs uncommitted (``EVM.call``), which
    must leave the state as it was and give the same result."""
    from .gen import BLOCK

    evm = EVM(program.fork)
    evm.set_block(**{**BLOCK, "base_fee": program.base_fee})
    for a, acc in program.accounts.items():
        evm.set_account(a, nonce=acc["nonce"], balance=acc["balance"], code=acc["code"],
                        storage=acc["storage"])
    txs = [{"to": program.to, "data": program.data, "value": program.value, "gas": program.gas}]
    results = [_transact(evm, t, program.gas_price, check_rollback)
               for t in txs + program.more]
    accounts = {}
    for a, (nonce, balance, code, storage) in evm.dump().items():
        accounts[a] = Account(nonce, balance, code, {k: v for k, v in storage.items() if v})
    last = results[-1]
    return Outcome(*_summary(last), accounts, reason=last.halt,
                   earlier=[_summary(r) for r in results[:-1]])


def _summary(r) -> tuple:
    """(status, output, gas used, logs) of a Result."""
    status = "success" if r.success else ("revert" if r.halt == "revert" else "halt")
    return (status, bytes(r.output) if status != "halt" else b"", r.gas_used,
            [(bytes(a), tuple(bytes(t) for t in ts), bytes(d)) for a, ts, d in r.logs]
            if r.success else [])


def _transact(evm, t: dict, gas_price: int, check_rollback: bool):
    from .gen import CALLER

    tx = Tx(CALLER, to=t["to"], data=t["data"], value=t["value"], gas_limit=t["gas"],
            gas_price=gas_price)
    if check_rollback:
        # the same transaction uncommitted first: it must leave no trace and agree
        before = evm.dump()
        dry = evm.call(tx)
        if evm.dump() != before:
            raise AssertionError("EVM.call changed the state")
    r = evm.transact(tx)
    if check_rollback and _key(dry) != _key(r):
        raise AssertionError(f"EVM.call and EVM.transact disagree: {dry!r} != {r!r}")
    return r
