"""Workloads and engine adapters for ``bench_evm.py``: our EVM, pyrevm (revm) and py-evm.

The three hand-assembled programs (PUSH0 needs Shanghai or later):

``loop_code(n)``: ``acc = acc * 3 + i`` for ``i = n .. 1``; returns ``acc`` (mod 2**256)::

        PUSH0                 acc = 0                         [acc]
        PUSH4 n               i = n                           [acc, i]
    loop: JUMPDEST
        SWAP1                                                 [i, acc]
        PUSH1 3  MUL          acc * 3                         [i, acc*3]
        DUP2  ADD             + i                             [i, acc']
        SWAP1                                                 [acc', i]
        PUSH1 1  SWAP1  SUB   i - 1                           [acc', i-1]
        DUP1  PUSH0  LT       0 < i                           [acc', i, 0<i]
        PUSH2 loop  JUMPI
        POP  PUSH0  MSTORE  PUSH1 32  PUSH0  RETURN

  (14 instructions per iteration: ADD, MUL, SUB, LT, JUMPI, ...)

``keccak_code(n)``: ``m[0:32] = keccak256(m[0:32])`` n times (memory starts zeroed); returns
the last hash::

        PUSH4 n                                               [i]
    loop: JUMPDEST
        PUSH1 32  PUSH0  KECCAK256  PUSH0  MSTORE             m[0:32] = keccak(m[0:32])
        PUSH1 1  SWAP1  SUB                                   [i-1]
        DUP1  PUSH2 loop  JUMPI                               while i != 0
        POP  PUSH1 32  PUSH0  RETURN

``sstore_code(n)``: for ``i = n .. 1``: ``sstore(i, i); acc += sload(i)``; returns ``acc``
(= n(n+1)/2).  Every slot is fresh (0 -> non-zero: 22,100 gas each, cold)::

        PUSH0  PUSH4 n                                        [acc, i]
    loop: JUMPDEST
        DUP1  DUP1  SSTORE                                    sstore(i, i)
        DUP1  SLOAD                                           [acc, i, v]
        DUP3  ADD  SWAP2  POP                                 [acc+v, i]
        PUSH1 1  SWAP1  SUB                                   [acc', i-1]
        DUP1  PUSH2 loop  JUMPI
        POP  PUSH0  MSTORE  PUSH1 32  PUSH0  RETURN

The ERC20 is ``../shared/data/erc20-verbs-example.json`` (constructor ``(uint256 supply)``
minting to the deployer); calldata is encoded here by hand (no ABI library in the loop).
"""
from __future__ import annotations

import json
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
ERC20_JSON = SHARED / "data" / "erc20-verbs-example.json"

OP = {"STOP": 0x00, "ADD": 0x01, "MUL": 0x02, "SUB": 0x03, "LT": 0x10, "KECCAK256": 0x20,
      "POP": 0x50, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55, "JUMPI": 0x57,
      "JUMPDEST": 0x5B, "PUSH0": 0x5F, "RETURN": 0xF3,
      "DUP1": 0x80, "DUP2": 0x81, "DUP3": 0x82, "SWAP1": 0x90, "SWAP2": 0x91}


def assemble(*items) -> bytes:
    """Items: mnemonics (str), ``("PUSH", value, width)``, ``("LABEL", name)`` or
    ``("PUSHL", name)`` (PUSH2 of a label's offset)."""
    # two passes: offsets of labels, then bytes
    labels, pc = {}, 0
    for it in items:
        if isinstance(it, str):
            pc += 1
        elif it[0] == "LABEL":
            labels[it[1]] = pc
        elif it[0] == "PUSH":
            pc += 1 + it[2]
        elif it[0] == "PUSHL":
            pc += 3
    out = bytearray()
    for it in items:
        if isinstance(it, str):
            out.append(OP[it])
        elif it[0] == "PUSH":
            out.append(0x5F + it[2])
            out += it[1].to_bytes(it[2], "big")
        elif it[0] == "PUSHL":
            out.append(0x61)
            out += labels[it[1]].to_bytes(2, "big")
    return bytes(out)


def loop_code(n: int) -> bytes:
    return assemble(
        "PUSH0", ("PUSH", n, 4),
        ("LABEL", "loop"), "JUMPDEST",
        "SWAP1", ("PUSH", 3, 1), "MUL", "DUP2", "ADD", "SWAP1",
        ("PUSH", 1, 1), "SWAP1", "SUB",
        "DUP1", "PUSH0", "LT", ("PUSHL", "loop"), "JUMPI",
        "POP", "PUSH0", "MSTORE", ("PUSH", 32, 1), "PUSH0", "RETURN")


def loop_expected(n: int) -> bytes:
    acc = 0
    for i in range(n, 0, -1):
        acc = (acc * 3 + i) % 2**256
    return acc.to_bytes(32, "big")


def keccak_code(n: int) -> bytes:
    return assemble(
        ("PUSH", n, 4),
        ("LABEL", "loop"), "JUMPDEST",
        ("PUSH", 32, 1), "PUSH0", "KECCAK256", "PUSH0", "MSTORE",
        ("PUSH", 1, 1), "SWAP1", "SUB",
        "DUP1", ("PUSHL", "loop"), "JUMPI",
        "POP", ("PUSH", 32, 1), "PUSH0", "RETURN")


def sstore_code(n: int) -> bytes:
    return assemble(
        "PUSH0", ("PUSH", n, 4),
        ("LABEL", "loop"), "JUMPDEST",
        "DUP1", "DUP1", "SSTORE",
        "DUP1", "SLOAD", "DUP3", "ADD", "SWAP2", "POP",
        ("PUSH", 1, 1), "SWAP1", "SUB",
        "DUP1", ("PUSHL", "loop"), "JUMPI",
        "POP", "PUSH0", "MSTORE", ("PUSH", 32, 1), "PUSH0", "RETURN")


# --- the ERC20 ------------------------------------------------------------------------------
SEL_TRANSFER = bytes.fromhex("a9059cbb")
SEL_BALANCE_OF = bytes.fromhex("70a08231")
SUPPLY = 10**24


def erc20_initcode(supply: int = SUPPLY) -> bytes:
    artifact = json.loads(ERC20_JSON.read_text())
    code = artifact["bytecode"]
    code = bytes.fromhex(code.removeprefix("0x"))
    return code + supply.to_bytes(32, "big")


def transfer_data(to: bytes, amount: int) -> bytes:
    return SEL_TRANSFER + to.rjust(32, b"\0") + amount.to_bytes(32, "big")


def balance_of_data(who: bytes) -> bytes:
    return SEL_BALANCE_OF + who.rjust(32, b"\0")


def address(i: int) -> bytes:
    return i.to_bytes(20, "big")


SENDER = address(0x1000)           # runs the single-transaction programs and deploys the token
CONTRACT = address(0xC0DE)
BIG_GAS = 4_000_000_000             # enough for 10**5 fresh SSTOREs (22,100 each)


# --- engines --------------------------------------------------------------------------------
# Every adapter: ``code_tx(code, gas)`` runs one transaction to a fresh contract holding
# ``code`` on a fresh engine, returning (success, output, gas_used) and a thunk that runs it
# (for timing); ``deploy()`` makes a fresh engine with the token; ``tx(data)`` one committed
# transaction SENDER -> token; ``call(data)`` one uncommitted call.

class Ours:
    name = "verbs"

    def __init__(self, fork: str):
        from verbs._evm.evm import EVM
        from verbs._evm.tx import Tx
        self.EVM, self.Tx, self.fork = EVM, Tx, fork

    def fresh(self):
        evm = self.EVM(fork=self.fork, rules="simulation")
        evm.set_block(number=1, timestamp=1, gas_limit=BIG_GAS)
        return evm

    def code_tx(self, code: bytes, gas: int = BIG_GAS):
        evm = self.fresh()
        evm.set_account(CONTRACT, code=code)
        tx = self.Tx(SENDER, to=CONTRACT, gas_limit=gas, gas_price=0)
        return lambda: self.result(evm.transact(tx))

    @staticmethod
    def result(r):
        return r.success, bytes(r.output), r.gas_used

    def deploy(self):
        self.evm = evm = self.fresh()
        r = evm.transact(self.Tx(SENDER, to=None, data=erc20_initcode(), gas_limit=10_000_000))
        assert r.success, r
        self.token = r.created_address

    def tx(self, data: bytes):
        tx = self.Tx(SENDER, self.token, data, gas_limit=1_000_000)
        return self.result(self.evm.transact(tx))

    def call(self, data: bytes):
        return self.result(
            self.evm.transact(self.Tx(SENDER, self.token, data, gas_limit=1_000_000), commit=False)
        )

    def run_txs(self, datas):
        """The timed loop of committed transactions (Tx built in the loop: part of the API)."""
        evm, Tx, sender, token = self.evm, self.Tx, SENDER, self.token
        for d in datas:
            evm.transact(Tx(sender, token, d, gas_limit=1_000_000))

    def run_calls(self, datas):
        evm, Tx, sender, token = self.evm, self.Tx, SENDER, self.token
        for d in datas:
            evm.transact(Tx(sender, token, d, gas_limit=1_000_000), commit=False)


class Revm:
    """pyrevm 0.3.7 (revm 8.0.0).  Its ``message_call`` runs every call in one journal that is
    never finalised (accounts and slots stay warm, original values stay those of the first
    touch, the caller's nonce is not bumped): that is less work per transaction than a real
    one, so the timings favour it.  Per-transaction gas is checked on fresh instances
    (``tx_fresh``) loaded with our state."""

    name = "pyrevm"

    def __init__(self, spec: str):
        import pyrevm

        self.pyrevm, self.spec = pyrevm, spec

    def fresh(self):
        return self.pyrevm.EVM(spec_id=self.spec)

    def code_tx(self, code: bytes, gas: int = BIG_GAS):
        evm = self.fresh()
        c, s = "0x" + CONTRACT.hex(), "0x" + SENDER.hex()
        evm.insert_account_info(c, self.pyrevm.AccountInfo(code=code))

        def go():
            out = evm.message_call(s, c, gas=gas)
            r = evm.result
            return r.is_success, bytes(out), r.gas_used

        return go

    def deploy(self):
        self.evm = self.fresh()
        self.token = self.evm.deploy("0x" + SENDER.hex(), erc20_initcode())

    def tx(self, data: bytes):
        out = self.evm.message_call("0x" + SENDER.hex(), self.token, calldata=data)
        r = self.evm.result
        return r.is_success, bytes(out), r.gas_used

    call = tx

    def run_txs(self, datas):
        mc, sender, token = self.evm.message_call, "0x" + SENDER.hex(), self.token
        for d in datas:
            mc(sender, token, calldata=d)

    run_calls = run_txs

    def tx_fresh(self, to: bytes, code: bytes, slots: dict, data: bytes):
        """One transaction SENDER -> ``to`` (holding ``code`` and ``slots``) on a fresh
        instance.  pyrevm 0.3.7 leaves a slot warm when another is inserted after it (its
        ``insert_account_storage`` loads the account into the open journal), so this is
        exact for at most one slot."""
        assert len(slots) <= 1
        evm = self.fresh()
        h = "0x" + to.hex()
        evm.insert_account_info(h, self.pyrevm.AccountInfo(code=code))
        for k, v in slots.items():
            evm.insert_account_storage(h, k, v)
        out = evm.message_call("0x" + SENDER.hex(), h, calldata=data)
        r = evm.result
        return r.is_success, bytes(out), r.gas_used


class PyEvm:
    """py-evm: transactions applied to ``vm.state`` (``SpoofTransaction``: no signature to
    recover); calls run between ``state.snapshot()`` and ``state.revert()``."""

    name = "py-evm"

    def __init__(self, vm_name: str):
        import eth.vm.forks
        from eth.chains.base import MiningChain
        from eth.db.atomic import AtomicDB
        from eth.vm.spoof import SpoofTransaction

        self.VM = getattr(eth.vm.forks, vm_name)
        self.MiningChain, self.AtomicDB, self.Spoof = MiningChain, AtomicDB, SpoofTransaction

    def fresh(self, extra=None):
        Chain = self.MiningChain.configure(
            __name__="Bench", vm_configuration=((0, self.VM),), chain_id=1
        )
        genesis = {
            "difficulty": 0,
            "gas_limit": BIG_GAS * 2,
            "timestamp": 1,
            "coinbase": b"\0" * 20,
            "nonce": b"\0" * 8,
            "mix_hash": b"\0" * 32,
            "extra_data": b"",
            "base_fee_per_gas": 0,
        }
        state = {SENDER: {"balance": 0, "nonce": 0, "code": b"", "storage": {}}}
        state.update(extra or {})
        chain = Chain.from_genesis(self.AtomicDB(), genesis, state)
        self.vm = chain.get_vm()
        self.state = self.vm.state
        self.nonce = 0

    def _apply(self, to: bytes, data: bytes, gas: int, commit: bool = True):
        tx = self.vm.create_unsigned_transaction(
            nonce=self.nonce, gas_price=0, gas=gas, to=to, value=0, data=data
        )
        c = self.state.apply_transaction(self.Spoof(tx, from_=SENDER))
        self.nonce += 1
        used = gas - c.get_gas_remaining()
        used -= min(c.get_gas_refund(), used // 5)
        if commit:  # end the transaction as VM.apply_transaction does (access sets, originals)
            self.state.lock_changes()
        return c, (c.is_success, bytes(c.output), used)

    def code_tx(self, code: bytes, gas: int = BIG_GAS):
        self.fresh({CONTRACT: {"balance": 0, "nonce": 0, "code": code, "storage": {}}})
        return lambda: self._apply(CONTRACT, b"", gas)[1]

    def deploy(self):
        self.fresh()
        c, r = self._apply(b"", erc20_initcode(), 10_000_000)
        assert r[0], c.error
        self.token = c.msg.storage_address

    def tx(self, data: bytes):
        return self._apply(self.token, data, 1_000_000)[1]

    def call(self, data: bytes):
        snap = self.state.snapshot()
        nonce = self.nonce
        try:
            return self._apply(self.token, data, 1_000_000, commit=False)[1]
        finally:
            self.state.revert(snap)
            self.nonce = nonce

    def run_txs(self, datas):
        for d in datas:
            self._apply(self.token, d, 1_000_000)

    def run_calls(self, datas):
        for d in datas:
            self.call(d)
