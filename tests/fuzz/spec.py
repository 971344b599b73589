"""The execution-specs oracle (``ethereum-execution``): Prague and Osaka.

The transaction is processed as the spec's ``fork.process_transaction`` does (intrinsic gas,
nonce, EIP-7623 floor, refunds, deletion of self-destructed accounts) but without the block's
tries and receipts, and without recovering the sender from a signature: the sender is given.
The specs are slow (a pure Python interpreter), so the programs for this oracle are small.
"""
from __future__ import annotations

import functools
import importlib

from ethereum_types.bytes import Bytes, Bytes0, Bytes32
from ethereum_types.numeric import U64, U256, Uint

from .gen import BLOCK, CALLER
from .outcome import Account, Outcome

FORKS = ("Prague", "Osaka")


@functools.cache
def _fork(name: str):
    def m(sub: str):
        return importlib.import_module(f"ethereum.forks.{name.lower()}.{sub}")

    return {"fork_types": m("fork_types"), "state": m("state"), "tx": m("transactions"),
            "vm": m("vm"), "msg": m("utils.message"), "interp": m("vm.interpreter"),
            "exc": m("vm.exceptions")}


def run(program, keys: set[int] = frozenset()) -> Outcome:
    """Run ``program`` on the execution specs of ``program.fork`` (``keys`` is unused: the
    post-state lists every slot)."""
    f = _fork(program.fork)
    st, vm = f["state"], f["vm"]
    state = st.State()
    for a, acc in program.accounts.items():
        st.set_account(state, f["fork_types"].Address(a), f["fork_types"].Account(
            nonce=Uint(acc["nonce"]), balance=U256(acc["balance"]), code=Bytes(acc["code"])))
        for k, v in acc["storage"].items():
            st.set_storage(
                state, f["fork_types"].Address(a), Bytes32(k.to_bytes(32, "big")), U256(v)
            )
    block_env = vm.BlockEnvironment(
        chain_id=U64(1), state=state, block_gas_limit=Uint(BLOCK["gas_limit"]),
        block_hashes=[], coinbase=f["fork_types"].Address(BLOCK["coinbase"]),
        number=Uint(BLOCK["number"]),
        base_fee_per_gas=Uint(program.base_fee), time=U256(BLOCK["timestamp"]),
        prev_randao=Bytes32(BLOCK["prevrandao"].to_bytes(32, "big")),
        excess_blob_gas=U64(BLOCK["excess_blob_gas"]), parent_beacon_block_root=Bytes32(bytes(32)))
    earlier = [_transact(f, block_env, program, t)
               for t in [{"to": program.to, "data": program.data, "value": program.value,
                              "gas": program.gas}] + program.more]
    last = earlier.pop()
    accounts = {}
    for a, acc in state._main_trie._data.items():
        if acc is None:
            continue
        trie = state._storage_tries.get(a)
        storage = {int.from_bytes(k, "big"): int(v) for k, v in trie._data.items() if v} \
            if trie is not None else {}
        accounts[bytes(a)] = Account(int(acc.nonce), int(acc.balance), bytes(acc.code), storage)
    return Outcome(*last, accounts, earlier=earlier)


def _transact(f, block_env, program, t: dict) -> tuple:
    """One transaction as ``fork.process_transaction`` processes it: (status, output, gas
    used, logs)."""
    st, vm = f["state"], f["vm"]
    state = block_env.state
    sender = f["fork_types"].Address(CALLER)
    coinbase = f["fork_types"].Address(BLOCK["coinbase"])
    sender_nonce = st.get_account(state, sender).nonce
    price = Uint(program.gas_price)
    to = Bytes0(b"") if t["to"] is None else f["fork_types"].Address(t["to"])
    tx = f["tx"].LegacyTransaction(
        nonce=U256(sender_nonce), gas_price=price, gas=Uint(t["gas"]), to=to,
        value=U256(t["value"]), data=Bytes(t["data"]), v=U256(27), r=U256(1), s=U256(1))
    intrinsic, floor = f["tx"].validate_transaction(tx)
    st.increment_nonce(state, sender)
    balance = st.get_account(state, sender).balance
    st.set_account_balance(state, sender, U256(Uint(balance) - tx.gas * price))
    tx_env = vm.TransactionEnvironment(
        origin=sender, gas_price=price, gas=tx.gas - intrinsic,
        access_list_addresses={coinbase}, access_list_storage_keys=set(),
        transient_storage=st.TransientStorage(), blob_versioned_hashes=(), authorizations=(),
        index_in_block=Uint(0), tx_hash=None)
    out = f["interp"].process_message_call(f["msg"].prepare_message(block_env, tx_env, tx))
    used = tx.gas - out.gas_left
    used = max(used - min(used // Uint(5), Uint(out.refund_counter)), floor)
    balance = st.get_account(state, sender).balance
    st.set_account_balance(state, sender, balance + U256((tx.gas - used) * price))
    fee = used * (price - Uint(program.base_fee))
    st.set_account_balance(state, coinbase, st.get_account(state, coinbase).balance + U256(fee))
    for a in out.accounts_to_delete:
        st.destroy_account(state, a)
    if out.error is None:
        status = "success"
    elif isinstance(out.error, f["exc"].Revert):
        status = "revert"
    else:
        status = "halt"
    logs = [(bytes(log.address), tuple(bytes(t) for t in log.topics), bytes(log.data))
            for log in out.logs] if status == "success" else []
    return status, bytes(out.return_data) if status != "halt" else b"", int(used), logs


IGNORE: set = set()
