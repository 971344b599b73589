"""The call tracer: builds the :class:`CallFrame` tree of a transaction as the EVM runs it.

The interpreter calls a tracer only at frame boundaries (``enter``/``exit``), for logs and
for self-destructs, behind one flag test each (``EVM.set_tracer``); with no tracer set its
loop is the plain one.
"""
from __future__ import annotations

from verbs._evm.interpreter import TRACE_HALT_NAMES
from verbs.abi import decode_error
from verbs.trace.frame import CallFrame, TraceLog

#: Frame kinds by the opcode that made them (a transaction's root: CALL or CREATE).
KINDS = {0xF1: "CALL", 0xFA: "STATICCALL", 0xF4: "DELEGATECALL", 0xF2: "CALLCODE",
         0xF0: "CREATE", 0xF5: "CREATE2"}

#: The error text of a failed frame, by the code the interpreter reports (an index of
#: ``TRACE_HALT_NAMES``), as anvil's callTracer writes it: geth's text (go-ethereum
#: core/vm/errors.go) where revm-inspectors maps revm's cause to it, otherwise the name of
#: revm's ``InstructionResult`` (``"StackUnderflow"`` where geth says ``"stack underflow
#: (0 <=> 2)"``).  Each was observed on anvil 1.7 (tests/trace/test_call_tracer.py) except
#: ``CallTooDeep`` and ``NonceOverflow``, which no test reaches (the 63/64 rule keeps a call
#: chain far from depth 1024, and a nonce from 2**64 - 1).
ERRORS = {
    4: "execution reverted",
    5: "out of gas",
    6: "invalid opcode",
    7: "invalid jump destination",
    8: "StackUnderflow",
    9: "Out of stack",
    10: "StateChangeDuringStaticCall",
    11: "CreateCollision",
    12: "OutOfOffset",
    13: "CreateContractStartingWithEF",
    14: "precompiled failed",
    16: "insufficient balance for transfer",
    17: "CallTooDeep",
    18: "NonceOverflow",
    19: "out of gas: out of memory",
    20: "out of gas: not enough gas for reentrancy sentry",
    21: "invalid opcode: INVALID",
    22: "CallNotAllowedInsideStatic",
}

#: How revm-inspectors words a ``Panic(uint256)`` for ``revertReason`` (Solidity's codes).
PANICS = {
    0x00: "generic/unspecified error",
    0x01: "assertion failed",
    0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero",
    0x21: "failed to convert value into enum type",
    0x22: "storage byte array that is incorrectly encoded",
    0x31: "called `.pop()` on an empty array",
    0x32: "array out-of-bounds access",
    0x41: "out of memory",
    0x51: "called a zero-initialized variable of internal function type",
}

_REVERT = TRACE_HALT_NAMES.index("revert")
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


def revert_reason(data: bytes) -> str | None:
    """The ``revertReason`` of revert data, as anvil gives it: the message of an
    ``Error(string)``, the description of a ``Panic(uint256)``; None for anything else (a
    custom error, no data, data that does not decode)."""
    if data[:4] == _PANIC and len(data) == 36:
        code = int.from_bytes(data[4:], "big")
        return PANICS.get(code, f"unknown panic code: {code:#x}")
    if data[:4] != _ERROR_STRING:
        return None
    try:
        decoded = decode_error(data)
    except ValueError:
        return None
    return None if decoded is None else decoded[1]["message"]


class Recorder:
    """A tracer for ``EVM.set_tracer`` that records call frames.

    One recorder traces one transaction at a time: :meth:`take` returns the finished root
    frame and makes the recorder ready for the next.
    """

    __slots__ = ("_stack", "_root", "_logs")

    def __init__(self) -> None:
        self._stack: list[CallFrame] = []
        self._root: CallFrame | None = None
        self._logs = 0  # logs emitted in the transaction so far

    # ------------------------------------------------------------------ the EVM's calls
    def enter(self, kind: int, sender: bytes, to: bytes, value: int, data: bytes,
              gas: int) -> None:
        stack = self._stack
        frame = CallFrame(KINDS[kind], sender, to, value, data, gas, depth=len(stack))
        if stack:
            stack[-1].calls.append(frame)
        else:
            self._root = frame
        stack.append(frame)

    def exit(self, halt: int, output: bytes, gas_left: int) -> None:
        frame = self._stack.pop()
        frame.halt = TRACE_HALT_NAMES[halt]
        frame.output = output
        frame.gas_used = frame.gas - gas_left
        error = ERRORS.get(halt)
        if error is not None:
            frame.error = error
            if halt == _REVERT:
                frame.revert_reason = revert_reason(output)

    def log(self, address: bytes, topics: tuple[bytes, ...], data: bytes) -> None:
        frame = self._stack[-1]
        frame.logs.append(TraceLog(address, topics, data, len(frame.calls), self._logs))
        self._logs += 1

    def selfdestruct(self, address: bytes, beneficiary: bytes, value: int) -> None:
        frame = self._stack[-1]
        frame.calls.append(CallFrame("SELFDESTRUCT", address, beneficiary, value, b"", 0,
                                     halt="selfdestruct", depth=frame.depth + 1))

    # ------------------------------------------------------------------ results
    def reset(self) -> None:
        """Forget a transaction left unfinished (one that raised)."""
        self._stack = []
        self._root = None
        self._logs = 0

    def take(self, gas_used: int) -> CallFrame:
        """The root frame of the transaction just run, finished: its ``gas_used`` set to the
        transaction's (``gas_used``, after refunds, as the receipt's) and the logs of failed
        frames dropped.

        Raises
        ------
        RuntimeError
            If no transaction was traced, or one is still running.
        """
        root = self._root
        if root is None or self._stack:
            self.reset()
            raise RuntimeError("the tracer holds no finished transaction")
        self._root = None
        self._logs = 0
        root.gas_used = gas_used
        _drop_failed_logs(root)
        return root


def _drop_failed_logs(root: CallFrame) -> None:
    """Drop the logs of failed frames and of their descendants: the chain drops them."""
    stack = [root]
    while stack:
        frame = stack.pop()
        if frame.success:
            stack.extend(frame.calls)
        else:
            for f in frame.walk():
                f.logs = []
