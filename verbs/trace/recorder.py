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

#: geth's error text for each way a frame can fail (go-ethereum core/vm/errors.go), as
#: anvil's tracer reports them too.
ERRORS = {
    "revert": "execution reverted",
    "out_of_gas": "out of gas",
    "invalid_opcode": "invalid opcode",
    "invalid_jump": "invalid jump destination",
    "stack_underflow": "stack underflow",
    "stack_overflow": "stack limit reached",
    "static_violation": "write protection",
    "create_collision": "contract address collision",
    "returndata_out_of_bounds": "return data out of bounds",
    "invalid_contract_prefix": "invalid code: must not begin with 0xef",
    "precompile_failure": "precompiled failed",
    "insufficient_balance": "insufficient balance for transfer",
    "call_depth": "max call depth exceeded",
    "nonce_overflow": "nonce uint64 overflow",
}

_ERROR_STRING = bytes.fromhex("08c379a0")


def revert_reason(data: bytes) -> str | None:
    """The ``revertReason`` geth gives revert data: the message of an ``Error(string)``;
    None for anything else (a panic, a custom error, no data)."""
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

    __slots__ = ("_stack", "_root")

    def __init__(self) -> None:
        self._stack: list[CallFrame] = []
        self._root: CallFrame | None = None

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
        name = TRACE_HALT_NAMES[halt]
        frame.halt = name
        frame.output = output
        frame.gas_used = frame.gas - gas_left
        error = ERRORS.get(name)
        if error is not None:
            frame.error = error
            if name == "revert":
                frame.revert_reason = revert_reason(output)

    def log(self, address: bytes, topics: tuple[bytes, ...], data: bytes) -> None:
        frame = self._stack[-1]
        frame.logs.append(TraceLog(address, topics, data, len(frame.calls)))

    def selfdestruct(self, address: bytes, beneficiary: bytes, value: int) -> None:
        frame = self._stack[-1]
        frame.calls.append(CallFrame("SELFDESTRUCT", address, beneficiary, value, b"", 0,
                                     halt="selfdestruct", depth=frame.depth + 1))

    # ------------------------------------------------------------------ results
    def reset(self) -> None:
        """Forget a transaction left unfinished (one that raised)."""
        self._stack = []
        self._root = None

    def take(self, gas_used: int) -> CallFrame:
        """The root frame of the transaction just run, finished: its ``gas_used`` set to the
        transaction's (``gas_used``, after refunds, as the receipt's), the logs of failed
        frames dropped and the kept logs numbered.

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
        root.gas_used = gas_used
        _number_logs(root)
        return root


def _in_order(frame: CallFrame):
    """A frame's logs and child frames, interleaved in the order they happened."""
    logs = frame.logs
    li = 0
    for ci, child in enumerate(frame.calls):
        while li < len(logs) and logs[li].position <= ci:
            yield logs[li]
            li += 1
        yield child
    yield from logs[li:]


def _number_logs(root: CallFrame) -> None:
    """Drop the logs of failed frames and of their descendants (the chain drops them) and
    number the others in execution order, as a receipt does."""
    index = 0
    if not root.success:
        for frame in root.walk():
            frame.logs = []
        return
    stack = [_in_order(root)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, TraceLog):
            item.index = index
            index += 1
        elif item.success:
            stack.append(_in_order(item))
        else:
            for frame in item.walk():
                frame.logs = []
