"""Logs and event records kept by the environments, and their compact store."""
from __future__ import annotations

import bisect
import gc
import typing
from array import array

from verbs._evm.evm import unpack_block


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


class EventStore:
    """The events of processed transactions, stored compactly and built as :class:`Event`
    objects only when read.

    One arena holds the packed record of every transaction that the block loop ran, as
    ``EVM.transact_packed`` appends it and ``verbs._evm.evm.unpack_block`` reads it (outcome,
    selector, logs; no Python object per event or log).  Per block with transactions the store
    keeps where its records start and its step; a record's sequence is its position in its
    block, the block loop recording one per transaction in block order.  An ERC20 ``Transfer``
    takes 162 bytes, against some 700 as Python objects.

    Attributes
    ----------
    records : bytearray
        The arena, for ``EVM.transact_packed`` to append to.
    """

    __slots__ = ("records", "_block_start", "_block_step", "_last_start")

    def __init__(self) -> None:
        self.records = bytearray()
        self._block_start = array("Q")  # per block with transactions: its first record
        self._block_step = array("q")   # and its step
        self._last_start = 0            # where the last processed block's records start

    def mark(self) -> tuple[int, int]:
        """Where the store ends now, for :meth:`end_block` and :meth:`rollback`."""
        return len(self.records), len(self._block_start)

    def begin_block(self, step: int) -> None:
        """Start a block of transactions: the records appended next are its events."""
        self._block_start.append(len(self.records))
        self._block_step.append(step)

    def end_block(self, mark: tuple[int, int]) -> None:
        """Close the block that began after ``mark`` (with :meth:`begin_block`, or none for a
        block without transactions): it becomes the last block and the one before joins the
        history."""
        size, n_blocks = mark
        if len(self.records) == size:   # no record: no block entry
            del self._block_start[n_blocks:]
            del self._block_step[n_blocks:]
        self._last_start = size

    def rollback(self, mark: tuple[int, int]) -> None:
        """Forget everything recorded after ``mark`` (a block that did not complete)."""
        size, n_blocks = mark
        del self.records[size:]
        del self._block_start[n_blocks:]
        del self._block_step[n_blocks:]

    def last(self) -> list[Event]:
        """The events of the last processed block."""
        return self._build(self._last_start, len(self.records))

    def history(self) -> list[Event]:
        """The events of every block before the last one."""
        return self._build(0, self._last_start)

    def clear_history(self) -> None:
        """Forget the events of every block before the last one (their memory is freed)."""
        start = self._last_start
        if not start:
            return
        k = len(self._block_start)
        while k and self._block_start[k - 1] >= start:
            k -= 1
        self.records = self.records[start:]  # a new buffer: the old one is freed
        self._block_start = array("Q", [b - start for b in self._block_start[k:]])
        self._block_step = self._block_step[k:]
        self._last_start = 0

    def _build(self, start: int, stop: int) -> list[Event]:
        """The Event objects of the records in ``records[start:stop]`` (whole blocks)."""
        out: list[Event] = []
        if start >= stop:
            return out
        starts, steps = self._block_start, self._block_step
        k = bisect.bisect_right(starts, start) - 1
        n_blocks = len(starts)
        # The objects built here are all new and acyclic: collections while they pile up
        # would only walk them again and again (they doubled the time of a long history).
        collecting = gc.isenabled()
        gc.disable()
        try:
            while k < n_blocks and starts[k] < stop:
                end = starts[k + 1] if k + 1 < n_blocks else len(self.records)
                unpack_block(self.records, starts[k], min(end, stop), steps[k], Log, Event, out)
                k += 1
        finally:
            if collecting:
                gc.enable()
        return out
