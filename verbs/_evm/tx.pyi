# Type stubs of the compiled module verbs._evm.tx (tx.pyx).
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Address = bytes | bytearray | str | int
Authorization = tuple[int, Address, int, int, int, int]
Log = tuple[bytes, tuple[bytes, ...], bytes]


class InvalidTransaction(Exception):
    kind: str
    message: str

    def __init__(self, kind: str, message: str = "") -> None: ...


class Tx:
    sender: bytes
    to: bytes | None
    data: bytes
    value: int
    gas_limit: int
    nonce: int | None
    gas_price: int | None
    max_fee_per_gas: int | None
    max_priority_fee_per_gas: int | None
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...]
    max_fee_per_blob_gas: int | None
    blob_hashes: tuple[bytes, ...] | None
    authorization_list: tuple[tuple[int, bytes, int, int, int, int], ...] | None
    tx_type: int

    def __init__(
        self,
        sender: Address,
        to: Address | None = None,
        data: bytes | bytearray | str = b"",
        value: int = 0,
        gas_limit: int = 16_000_000,
        nonce: int | None = None,
        gas_price: int | None = None,
        max_fee_per_gas: int | None = None,
        max_priority_fee_per_gas: int | None = None,
        access_list: Iterable[tuple[Address, Iterable[int]]] = (),
        max_fee_per_blob_gas: int | None = None,
        blob_hashes: Iterable[bytes] | None = None,
        authorization_list: Iterable[Authorization] | None = None,
        tx_type: int | None = None,
    ) -> None: ...
    def __reduce__(self) -> tuple[Any, ...]: ...


class Result:
    success: bool
    halt: str
    output: bytes
    gas_used: int
    gas_refund: int
    logs: list[Log]
    created_address: bytes | None
    trace: Any

    def __init__(
        self,
        success: bool,
        halt: str,
        output: bytes = b"",
        gas_used: int = 0,
        gas_refund: int = 0,
        logs: list[Log] | None = None,
        created_address: bytes | None = None,
        trace: Any = None,
    ) -> None: ...
    def __reduce__(self) -> tuple[Any, ...]: ...


def to_address(a: Address) -> bytes: ...
