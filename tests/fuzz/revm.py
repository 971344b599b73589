"""The revm oracle (pyrevm 0.3), Cancun rules.

Known deviations of pyrevm's ``message_call`` from a transaction, each skipped narrowly:

- it does not increment the sender's nonce, so the sender's nonce is not compared;
- ``insert_account_storage`` does not give an account storage as it was before a
  transaction: the account is left warm, and every slot after its first is written as a
  dirty slot whose original value is zero (so SSTORE costs and refunds are wrong).  The
  generator therefore starts every account with empty storage on Cancun (gen.program); the
  refund schedules of non-zero original values are checked against the execution specs;
- it never finalises the transaction's journal: the post-state is read from the journal,
  where an account created and self-destructed in the transaction (EIP-6780) is still
  present, only marked ``SelfDestructed``; such an account is taken as deleted;
- ``get_code`` returns the analysed bytecode, padded with zero bytes: the code is cut back
  to the length whose hash is the account's code hash;
- it runs each call on a fresh ``EVM``: warm accounts and slots would otherwise leak
  between calls (a second ``message_call`` on the same ``EVM`` sees the first one's slots warm).
"""
from __future__ import annotations

import re

import pyrevm

from .asm import keccak
from .gen import BLOCK, CALLER
from .outcome import Account, Outcome

FORKS = {"Cancun": "CANCUN"}
_HALT = re.compile(r"gas_used: (\d+)")
_ACCOUNT = re.compile(r"(0x[0-9a-fA-F]{40}): Account \{")
_STATUS = re.compile(r"status: AccountStatus\(([^)]*)\)")
_REVERT = re.compile(r"Revert \{ gas_used: (\d+), output: 0x([0-9a-f]*) \}")


def _self_destructed(journal: str) -> set[str]:
    """The accounts the journal marks SelfDestructed (revm's AccountStatus bit 0b10)."""
    out = set()
    marks = list(_ACCOUNT.finditer(journal))
    for m, nxt in zip(marks, marks[1:] + [None]):
        st = _STATUS.search(journal, m.end(), nxt.start() if nxt else len(journal))
        if st is None:
            raise AssertionError("pyrevm's journal has no account status")
        flags = st.group(1)
        bits = int(flags, 16) if flags.startswith("0x") else None
        if (bits is not None and bits & 0b10) or "SelfDestructed" in flags:
            out.add(m.group(1).lower())
    return out


def _code(evm, a: str, code_hash: bytes) -> bytes:
    code = bytes(evm.get_code(a) or b"")
    while code and keccak(code) != code_hash:
        if code[-1] != 0:
            raise AssertionError(f"pyrevm's code of {a} does not match its code hash")
        code = code[:-1]
    return code


def _hex(a: bytes) -> str:
    return "0x" + a.hex()


def run(program, keys: set[int] = frozenset()) -> Outcome:
    """Run ``program`` on revm and read back the state of every account it loaded: the
    storage at the program's keys and at ``keys`` (pyrevm cannot list an account's slots;
    the runner passes the slots verbs wrote)."""
    if program.to is None or program.gas_price or program.base_fee or program.more:
        raise ValueError("the revm oracle runs one call without fees (message_call)")
    evm = pyrevm.EVM(spec_id=FORKS[program.fork], gas_limit=BLOCK["gas_limit"])
    evm.set_block_env(pyrevm.BlockEnv(
        number=BLOCK["number"], coinbase=_hex(BLOCK["coinbase"]), timestamp=BLOCK["timestamp"],
        prevrandao=BLOCK["prevrandao"].to_bytes(32, "big"), basefee=BLOCK["base_fee"],
        gas_limit=BLOCK["gas_limit"], excess_blob_gas=BLOCK["excess_blob_gas"]))
    for a, acc in program.accounts.items():
        evm.insert_account_info(_hex(a), pyrevm.AccountInfo(
            nonce=acc["nonce"], balance=acc["balance"], code=acc["code"] or None))
        for k, v in acc["storage"].items():
            evm.insert_account_storage(_hex(a), k, v)
    try:
        out = bytes(evm.message_call(_hex(CALLER), _hex(program.to), calldata=program.data,
                                     value=program.value, gas=program.gas, gas_price=0))
        r = evm.result
        status, gas = "success", r.gas_used
        logs = [(bytes.fromhex(log.address[2:]), tuple(bytes.fromhex(t[2:]) for t in log.topics),
                 bytes(log.data[1])) for log in r.logs]
    except RuntimeError as exc:
        msg = str(exc)
        m = _REVERT.search(msg)
        if m:
            status, gas, out = "revert", int(m.group(1)), bytes.fromhex(m.group(2))
        else:
            m = _HALT.search(msg)
            if not m:
                raise
            status, gas, out = "halt", int(m.group(1)), b""
        logs = []
    keys = set(program.keys) | set(keys)
    for acc in program.accounts.values():
        keys |= set(acc["storage"])
    destroyed = _self_destructed(evm.journal_str)
    accounts = {}
    for a in set(evm.db_accounts) | set(evm.journal_state):
        if a.lower() in destroyed:
            continue
        info = evm.basic(a)
        storage = {k: evm.storage(a, k) for k in keys}
        accounts[bytes.fromhex(a[2:])] = Account(
            info.nonce, info.balance, _code(evm, a, bytes(info.code_hash)),
            {k: v for k, v in storage.items() if v})
    return Outcome(status, out, gas, logs, accounts)


IGNORE = {(CALLER, "nonce")}
