"""Call frames: the tree of messages one transaction made, as a tracer recorded it.

A :class:`CallFrame` is a plain value (picklable, comparable): batch workers return them and
simulations keep one per transaction.  :meth:`CallFrame.to_call_tracer` writes geth's
``callTracer`` JSON (``withLog``), as anvil's ``debug_traceTransaction`` returns it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from verbs.trace import render as _render

#: The frame kinds, named as geth's callTracer names them.
FRAME_TYPES = ("CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2",
               "SELFDESTRUCT")


@dataclass(slots=True)
class TraceLog:
    """A log emitted by a frame.

    Attributes
    ----------
    address : bytes
        The emitting contract (20 bytes).
    topics : tuple[bytes, ...]
        Up to four 32-byte topics.
    data : bytes
        The log's data.
    position : int
        How many child calls of the emitting frame came before the log: where the log sits
        among the frame's ``calls`` (geth's ``position``).
    index : int
        The log's place among every log the transaction emitted, counted from 0, those that
        a revert dropped included (as anvil numbers them; a receipt's log index counts only
        the logs kept).
    """

    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    position: int
    index: int = 0


@dataclass(slots=True)
class CallFrame:
    """One message of a transaction (a call, a creation or a self-destruct) and its children.

    Attributes
    ----------
    type : str
        One of :data:`FRAME_TYPES`.
    sender : bytes
        geth's ``from``: the account that made the message (for a DELEGATECALL, the contract
        whose code delegates).
    to : bytes
        The account called or created (for a DELEGATECALL or CALLCODE, the account whose code
        runs; for a SELFDESTRUCT, the beneficiary).
    value : int
        Wei sent (for a DELEGATECALL the value of the frame that delegates).
    input : bytes
        Calldata, or the creation code of a CREATE/CREATE2.
    output : bytes
        Return data, revert data, or the code a creation deployed.
    gas : int
        Gas given to the frame (with a call's stipend).  For the transaction's root frame, its
        gas limit less the intrinsic gas.
    gas_used : int
        Gas the frame used, its children's included.  For the root frame, the transaction's
        gas used (after refunds), as in its receipt.
    halt : str
        How the frame ended: ``"stop"``, ``"return"``, ``"selfdestruct"``, ``"revert"``, an
        exceptional halt (``"out_of_gas"``, ``"invalid_opcode"``, ...), or for a call that ran
        no code ``"insufficient_balance"``, ``"call_depth"``, ``"nonce_overflow"``.
    error : str or None
        geth's error text (``"execution reverted"``, ``"out of gas"``, ...); None on success.
    revert_reason : str or None
        The decoded ``Error(string)`` of a revert, or a ``Panic(uint256)``'s description.
    logs : list[TraceLog]
        The frame's own logs (its children's are in the children); those of a frame that
        failed, or whose ancestor failed, are dropped as the chain drops them.
    calls : list[CallFrame]
        The child frames, in order.
    depth : int
        0 for the transaction's root frame.
    """

    type: str
    sender: bytes
    to: bytes
    value: int
    input: bytes
    gas: int
    output: bytes = b""
    gas_used: int = 0
    halt: str = "stop"
    error: str | None = None
    revert_reason: str | None = None
    logs: list[TraceLog] = field(default_factory=list)
    calls: list[CallFrame] = field(default_factory=list)
    depth: int = 0

    # ------------------------------------------------------------------ queries
    @property
    def success(self) -> bool:
        """Whether the frame ended without error (its changes kept unless an ancestor's fail)."""
        return self.error is None

    @property
    def selector(self) -> bytes:
        """The first four bytes of a call's input (``b""`` for creations and short inputs)."""
        if self.type in ("CREATE", "CREATE2", "SELFDESTRUCT") or len(self.input) < 4:
            return b""
        return self.input[:4]

    @property
    def gas_used_exclusive(self) -> int:
        """Gas used by this frame's own code: :attr:`gas_used` less its children's."""
        return self.gas_used - sum(c.gas_used for c in self.calls)

    def walk(self) -> Iterator[CallFrame]:
        """This frame and every descendant, depth first, in execution order."""
        stack = [self]
        while stack:
            frame = stack.pop()
            yield frame
            stack.extend(reversed(frame.calls))

    def failing_path(self) -> list[CallFrame]:
        """The frames from this one down to where its failure started; empty on success.

        From a failed frame the path goes on to its last child call when that call failed
        too: the frame made no other call after it, so the child's failure is what it
        answered by failing (a revert that bubbled up, or a ``require`` on the call's
        result).  It stops at a frame that failed on its own.
        """
        if self.success:
            return []
        path = [self]
        frame = self
        while frame.calls and not frame.calls[-1].success:
            frame = frame.calls[-1]
            path.append(frame)
        return path

    # ------------------------------------------------------------------ reading
    def render(self, labels=None) -> str:
        """The call tree as ``cast run`` prints it: one line per frame, event and return,
        decoded with ``labels`` (``env.labels``; None: the labels of the process, which
        every env's go into).  See :func:`verbs.trace.render.render`."""
        return _render.render(self, labels)

    def __str__(self) -> str:
        return self.render()

    # ------------------------------------------------------------------ geth callTracer
    def to_call_tracer(self) -> dict:
        """geth's ``callTracer`` result (with ``withLog``) for this frame and its children.

        Field by field what anvil's ``debug_traceTransaction`` returns: hex strings for
        numbers and bytes, ``output`` and ``logs`` left out when empty, ``value`` left out for
        a STATICCALL, ``error`` and ``revertReason`` only on failure.  See the README's
        "Debugging a simulation" for where anvil departs from geth.
        """
        out: dict = {
            "from": "0x" + self.sender.hex(),
            "gas": hex(self.gas),
            "gasUsed": hex(self.gas_used),
            "to": "0x" + self.to.hex(),
            "input": "0x" + self.input.hex(),
        }
        if self.error is not None and self.type in ("CREATE", "CREATE2"):
            del out["to"]  # a failed creation created nothing
        if self.output:
            out["output"] = "0x" + self.output.hex()
        if self.error is not None:
            out["error"] = self.error
        if self.revert_reason is not None:
            out["revertReason"] = self.revert_reason
        if self.calls:
            out["calls"] = [c.to_call_tracer() for c in self.calls]
        if self.logs:
            out["logs"] = [{
                "address": "0x" + log.address.hex(),
                "topics": ["0x" + t.hex() for t in log.topics],
                "data": "0x" + log.data.hex(),
                "position": hex(log.position),
                "index": hex(log.index),
            } for log in self.logs]
        if self.type != "STATICCALL":
            out["value"] = hex(self.value)
        out["type"] = self.type
        return out
