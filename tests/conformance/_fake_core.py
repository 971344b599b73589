"""A stand-in for ``_verbs_core`` (verbs' EVM) used by ``test_machinery.py`` to exercise ``run.py``.

It executes nothing: a transaction leaves the state as it was, except that some ``data``
values trigger the behaviours the runner must survive: ``0xface01`` sleeps (timeout),
``0xface02`` kills the process (crash), ``0xface03`` raises
``InvalidTransaction("INSUFFICIENT_ACCOUNT_FUNDS")``,
``0xface04`` raises a ``RuntimeError``.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any


class InvalidTransaction(Exception):
    """Invalid transaction with an EEST ``kind``."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind


@dataclass
class Tx:
    """Transaction fields (the real ``Tx`` signature)."""

    sender: bytes
    to: Any = None
    data: bytes = b""
    value: int = 0
    gas_limit: int = 0
    nonce: Any = None
    gas_price: Any = None
    max_fee_per_gas: Any = None
    max_priority_fee_per_gas: Any = None
    access_list: Any = ()
    max_fee_per_blob_gas: Any = None
    blob_hashes: Any = None
    authorization_list: Any = None
    tx_type: Any = None


@dataclass
class Result:
    """A successful no-op result."""

    success: bool = True
    halt: str = "stop"
    output: bytes = b""
    gas_used: int = 21000
    gas_refund: int = 0
    logs: list = field(default_factory=list)
    created_address: Any = None


class EVM:
    """A state holder that runs nothing."""

    def __init__(
        self, fork: str = "Osaka", chain_id: int = 1, rules: Any = None, backend: Any = None
    ) -> None:
        self.state: dict = {}
        self.block: dict = {}

    def set_account(
        self, address: bytes, *, nonce: int = 0, balance: int = 0, code: bytes = b"",
        storage: Any = None,
    ) -> None:
        self.state[bytes(address)] = (nonce, balance, bytes(code), dict(storage or {}))

    def set_block(self, **kw: Any) -> None:
        self.block.update(kw)

    def dump(self) -> dict:
        return dict(self.state)

    def transact(self, tx: Tx, commit: bool = True) -> Result:
        if tx.data == b"\xfa\xce\x01":
            time.sleep(3600)
        if tx.data == b"\xfa\xce\x02":
            os._exit(3)
        if tx.data == b"\xfa\xce\x03":
            raise InvalidTransaction("INSUFFICIENT_ACCOUNT_FUNDS", "no funds")
        if tx.data == b"\xfa\xce\x04":
            raise RuntimeError("boom")
        return Result()
