# Type stubs of the compiled module verbs._evm.evm (evm.pyx).
from __future__ import annotations

from typing import Any

from verbs._evm.hardforks import Rules
from verbs._evm.state import AccountDump, Backend, Snapshot, State
from verbs._evm.tx import Address, Result, Tx

class EVM:
    state: State
    fork_id: int
    rules: Rules | None
    number: int
    timestamp: int
    coinbase: bytes
    gas_limit: int
    base_fee: int
    prevrandao: bytes
    difficulty: int
    excess_blob_gas: int
    blob_base_fee: int
    chain_id: int

    def __init__(
        self,
        fork: str | int = "Osaka",
        chain_id: int = 1,
        rules: Rules | str | None = None,
        backend: Backend | None = None,
        blob_schedule: dict[str, Any] | tuple[int, int, int] | None = None,
        state: State | None = None,
        snapshot: Snapshot | None = None,
    ) -> None: ...
    @property
    def fork(self) -> str: ...
    @property
    def block_number(self) -> int: ...
    def set_block(
        self,
        *,
        number: int | None = None,
        timestamp: int | None = None,
        coinbase: Address | None = None,
        gas_limit: int | None = None,
        base_fee: int | None = None,
        prevrandao: bytes | int | None = None,
        difficulty: int | None = None,
        excess_blob_gas: int | None = None,
        blob_schedule: dict[str, Any] | tuple[int, int, int] | None = None,
    ) -> None: ...
    def block_env(self) -> dict[str, Any]: ...
    def export_snapshot(self) -> Snapshot: ...
    def set_account(self, address: Address, *, nonce: int = 0, balance: int = 0,
                    code: bytes = b"", storage: dict[int, int] | None = None) -> None: ...
    def get_balance(self, address: Address) -> int: ...
    def get_nonce(self, address: Address) -> int: ...
    def get_code(self, address: Address) -> bytes: ...
    def get_storage(self, address: Address, slot: int) -> int: ...
    def account_exists(self, address: Address) -> bool: ...
    def dump(self) -> dict[bytes, AccountDump]: ...
    def transact(self, tx: Tx, commit: bool = True) -> Result: ...
    def call(self, tx: Tx) -> Result: ...
    failure_tracer: Any
    def set_tracer(self, tracer: Any) -> None: ...
    def transact_fields(
        self,
        sender: bytes,
        to: bytes | None,
        data: bytes,
        value: int = 0,
        gas_limit: int = 16_000_000,
        commit: bool = True,
        nonce: int | None = None,
        gas_price: int | None = None,
        max_fee_per_gas: int | None = None,
        max_priority_fee_per_gas: int | None = None,
    ) -> Result: ...
    def transact_packed(
        self,
        records: bytearray,
        sender: bytes,
        to: bytes | None,
        data: bytes,
        value: int = 0,
        gas_limit: int = 16_000_000,
        nonce: int | None = None,
        gas_price: int | None = None,
        max_fee_per_gas: int | None = None,
        max_priority_fee_per_gas: int | None = None,
    ) -> Result: ...

def unpack_block(
    records: bytes | bytearray,
    start: int,
    stop: int,
    step: int,
    log_type: type,
    event_type: type,
    out: list[Any],
) -> None: ...
