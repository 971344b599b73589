"""Logs and event records kept by the environments."""
from __future__ import annotations

import typing


class Log(tuple):
    """One EVM log.

    Behaves exactly as the original verbs' 2-tuple ``(address, data)`` (indexing, unpacking,
    equality with a plain tuple), and also carries the topics, which the original dropped.

    Attributes
    ----------
    address : bytes
        The 20-byte address of the contract that emitted the log.
    topics : tuple of bytes
        The 32-byte topics (``topics[0]`` is the event signature hash for non-anonymous events).
    data : bytes
        The non-indexed event data.
    """

    def __new__(cls, address: bytes, topics: typing.Sequence[bytes], data: bytes) -> Log:
        self = super().__new__(cls, (address, data))
        self.topics = tuple(topics)
        return self

    @property
    def address(self) -> bytes:
        return self[0]

    @property
    def data(self) -> bytes:
        return self[1]

    def __reduce__(self):
        return (Log, (self[0], self.topics, self[1]))

    def __repr__(self) -> str:
        return (f"Log(address=0x{self[0].hex()}, topics={len(self.topics)}, "
                f"data={len(self[1])} bytes)")


class Event(typing.NamedTuple):
    """The record of one transaction processed in a block.

    The same 5-tuple as the original verbs, with field names.  Unlike the original, a reverted
    unchecked transaction is recorded with ``success=False``.
    """

    success: bool
    selector: bytes
    logs: list[Log]
    step: int
    sequence: int
