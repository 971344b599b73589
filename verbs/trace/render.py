"""Readable call traces: the frame tree as ``cast run`` prints it, a revert path on one line.

Every function here takes ``labels``: a :class:`verbs.trace.labels.Labels` (``env.labels``),
a mapping of addresses to names, or None for the labels of the process
(:meth:`Labels.process`, which every env's names and ABIs go into).  Calls, return values,
events and custom errors are decoded with the ABIs the labels know, else with every ABI type
made in the process; what nothing decodes is shown as hex, cut short when long.
"""
from __future__ import annotations

import typing
from collections.abc import Mapping

from verbs.abi import decode_revert
from verbs.codec import AbiType
from verbs.trace.labels import PRECOMPILES, Labels, as_labels

if typing.TYPE_CHECKING:  # frame.py imports this module for CallFrame.render
    from verbs.trace.frame import CallFrame, TraceLog

LabelsLike = Labels | Mapping | None

#: Bytes shown in full; longer values show their first 16 and their length.
MAX_BYTES = 32
#: Characters of a string shown in full.
MAX_STRING = 64
#: Items of an array shown; the rest are counted.
MAX_ITEMS = 10

_UINT256_MAX = (1 << 256) - 1
_REVERT_SELECTORS = (bytes.fromhex("08c379a0"), bytes.fromhex("4e487b71"))  # Error, Panic
_SUFFIX = {"STATICCALL": " [staticcall]", "DELEGATECALL": " [delegatecall]",
           "CALLCODE": " [callcode]", "CREATE2": " [create2]"}


# ---------------------------------------------------------------------- values
def _hex(data: bytes) -> str:
    if len(data) <= MAX_BYTES:
        return "0x" + data.hex()
    return f"0x{data[:16].hex()}…[{len(data)} bytes]"


def _address(address: bytes, labels: Labels) -> str:
    return labels.name(address) or "0x" + address.hex()


def format_value(value: typing.Any, abi_type: AbiType | None, labels: Labels) -> str:
    """One decoded ABI value as a trace shows it: addresses by name, long bytes, strings and
    arrays cut short, ``type(uint256).max`` for 2**256 - 1."""
    kind = abi_type.kind if abi_type is not None else None
    if kind == "address" and isinstance(value, str):
        return _address(bytes.fromhex(value[2:]), labels)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "type(uint256).max" if value == _UINT256_MAX else str(value)
    if isinstance(value, (bytes, bytearray)):
        return _hex(bytes(value))
    if isinstance(value, str):
        shown = value if len(value) <= MAX_STRING else value[:MAX_STRING] + "…"
        return '"' + shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple)):
        if kind == "tuple":
            return "(" + _fields(value, abi_type.components, abi_type.names, labels) + ")"
        item = abi_type.components[0] if kind == "array" else None
        shown = [format_value(v, item, labels) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            shown.append(f"…{len(value) - MAX_ITEMS} more")
        return "[" + ", ".join(shown) + "]"
    return repr(value)


def _fields(values: typing.Sequence, types: typing.Sequence[AbiType],
            names: typing.Sequence[str], labels: Labels) -> str:
    """``name=value, ...`` (a value alone where its name is empty)."""
    out = []
    for i, v in enumerate(values):
        name = names[i] if i < len(names) else ""
        t = types[i] if i < len(types) else None
        text = format_value(v, t, labels)
        out.append(f"{name}={text}" if name else text)
    return ", ".join(out)


# ---------------------------------------------------------------------- frames
def frame_parts(frame: CallFrame, labels: LabelsLike = None) -> tuple[str, str]:
    """(contract, function) naming a frame.

    The contract is the callee's label (else its 0x address); the function is the called
    function's name where an ABI knows its selector (else the 0x selector),
    ``"constructor"`` for a creation, ``"fallback"`` (``"receive"`` with value and no data)
    for a call without a selector, ``"call"`` for a precompile, ``"selfdestruct"``.
    """
    labels = as_labels(labels)
    who = _address(frame.to, labels)
    if frame.type in ("CREATE", "CREATE2"):
        return who, "constructor"
    if frame.type == "SELFDESTRUCT":
        return who, "selfdestruct"
    if frame.to in PRECOMPILES:
        return who, "call"
    sel = frame.selector
    if not sel:
        plain = not frame.input and frame.value and frame.type != "DELEGATECALL"
        return who, "receive" if plain else "fallback"
    function = labels.function(frame.to, sel)
    return who, function.name if function is not None else "0x" + sel.hex()


def frame_name(frame: CallFrame, labels: LabelsLike = None) -> str:
    """``Label.function`` of a frame (``new Label`` for a creation)."""
    labels = as_labels(labels)
    who, function = frame_parts(frame, labels)
    if frame.type in ("CREATE", "CREATE2"):
        return f"new {who}"
    if frame.type == "SELFDESTRUCT":
        return f"selfdestruct -> {who}"
    return f"{who}.{function}"


def revert_text(frame: CallFrame, labels: LabelsLike = None) -> str | None:
    """A failed frame's reason: the message of an ``Error(string)``, a panic's meaning, a
    custom error decoded with the ABIs the labels know (``Name(arg=value, ...)``), else the
    raw data; None for a revert without data or a frame that did not revert."""
    if frame.halt != "revert" or not frame.output:
        return None
    labels = as_labels(labels)
    data = frame.output
    if data[:4] not in _REVERT_SELECTORS:
        error = labels.error(frame.to, data[:4])
        if error is not None:
            try:
                values = error.decode(data)
            except ValueError:
                pass
            else:
                return f"{error.name}({_fields(values, error._types, error.names, labels)})"
    return decode_revert(data)


def _call_line(frame: CallFrame, labels: Labels) -> str:
    head = f"[{frame.gas_used}] "
    suffix = _SUFFIX.get(frame.type, "")
    if frame.type in ("CREATE", "CREATE2"):
        name = labels.name(frame.to)
        where = "0x" + frame.to.hex()
        value = f"{{value: {frame.value}}}" if frame.value else ""
        return (f"{head}→ new {name + '@' + where if name else where}{value}"
                f"({len(frame.input)} bytes of creation code){suffix}")
    if frame.type == "SELFDESTRUCT":
        return (f"{head}{_address(frame.sender, labels)}.selfdestruct(beneficiary="
                f"{_address(frame.to, labels)}, value={frame.value})")
    who, fn_name = frame_parts(frame, labels)
    value = (f"{{value: {frame.value}}}"
             if frame.value and frame.type != "DELEGATECALL" else "")
    sel = frame.selector
    function = None if frame.to in PRECOMPILES or not sel else labels.function(frame.to, sel)
    if function is not None:
        try:
            args = _fields(function.decode_input(frame.input), function._input_types,
                           function.input_names, labels)
        except ValueError:
            args = _hex(frame.input[4:])
    elif frame.to in PRECOMPILES:
        return f"{head}{who}{value}({_hex(frame.input)}){suffix}"
    else:  # what follows the selector, raw
        rest = frame.input[len(sel):]
        args = _hex(rest) if rest else ""
    return f"{head}{who}.{fn_name}{value}({args}){suffix}"


def _return_line(frame: CallFrame, labels: Labels) -> str | None:
    halt = frame.halt
    if halt == "selfdestruct" and frame.type == "SELFDESTRUCT":
        return None
    if halt == "revert":
        reason = revert_text(frame, labels)
        return "← [Revert] " + (reason if reason is not None else "(no data)")
    if not frame.success:
        return "← [" + "".join(w.capitalize() for w in halt.split("_")) + "]"
    if halt == "stop" and not frame.output:
        return "← [Stop]"
    if frame.type in ("CREATE", "CREATE2"):
        return f"← [Return] {len(frame.output)} bytes of code"
    out = frame.output
    if not out:
        return "← [Return]"
    sel = frame.selector
    function = None if frame.to in PRECOMPILES or not sel else labels.function(frame.to, sel)
    if function is not None and function.outputs:
        try:
            values = function.decode(out)
        except ValueError:
            pass
        else:
            return "← [Return] " + _fields(values, function._output_types,
                                           function.output_names, labels)
    return "← [Return] " + _hex(out)


def _event_line(log: TraceLog, labels: Labels, frame: CallFrame) -> str:
    event = labels.event(log.address, log.topics)
    if event is None and log.address != frame.to:
        event = labels.event(frame.to, log.topics)  # a DELEGATECALL's code emits
    if event is not None:
        try:
            values = event.decode_log(log)
        except ValueError:
            pass
        else:
            types = [t if not (ix and (t.is_dynamic or t.kind in ("tuple", "array")))
                     else None  # an indexed composite is the hash of its encoding
                     for t, ix in zip(event._types, event.indexed)]
            return (f"emit {event.name}("
                    f"{_fields(list(values.values()), types, event.names, labels)})")
    topics = ", ".join(f"topic{i}=0x{t.hex()}" for i, t in enumerate(log.topics))
    data = f"data={_hex(log.data)}"
    return f"emit log({topics + ', ' if topics else ''}{data})"


def _items(frame: CallFrame, labels: Labels) -> typing.Iterator[tuple[bool, object]]:
    """A frame's lines below its own, in execution order: (is the last, child frame or
    text)."""
    entries: list = []
    logs = frame.logs
    li = 0
    for ci, child in enumerate(frame.calls):
        while li < len(logs) and logs[li].position <= ci:
            entries.append(logs[li])
            li += 1
        entries.append(child)
    entries.extend(logs[li:])
    ret = _return_line(frame, labels)
    if ret is not None:
        entries.append(ret)
    last = len(entries) - 1
    for i, entry in enumerate(entries):
        if isinstance(entry, str) or hasattr(entry, "calls"):
            yield i == last, entry
        else:
            yield i == last, _event_line(entry, labels, frame)


def render(frame: CallFrame, labels: LabelsLike = None) -> str:
    """The frame and its descendants as a tree, one line per frame, event and return.

    Each call reads ``[gas used] Contract.function{value: wei}(arg=value, ...)``, followed
    by a kind for other than plain calls (``[staticcall]``, ``[delegatecall]``); below it,
    in execution order, its events (``emit Name(...)``) and child calls, and last what it
    answered (``← [Return] ...``, ``← [Stop]``, ``← [Revert] reason``, ``← [OutOfGas]``).
    Long bytes, strings and arrays are cut short, so a line stays readable.
    """
    labels = as_labels(labels)
    lines = [_call_line(frame, labels)]
    stack = [(_items(frame, labels), "")]
    while stack:  # iterative: a trace may be 1024 frames deep
        items, prefix = stack[-1]
        nxt = next(items, None)
        if nxt is None:
            stack.pop()
            continue
        last, entry = nxt
        branch, cont = ("└─ ", "    ") if last else ("├─ ", "│   ")
        if isinstance(entry, str):
            lines.append(prefix + branch + entry)
        else:
            lines.append(prefix + branch + _call_line(entry, labels))
            stack.append((_items(entry, labels), prefix + cont))
    return "\n".join(lines)


def describe_path(path: list[CallFrame], labels: LabelsLike = None) -> str:
    """``A.f > B.g > C.h: reverted: reason`` for a failing path (root first)."""
    labels = as_labels(labels)
    names = " > ".join(frame_name(f, labels) for f in path)
    last = path[-1]
    if last.halt == "revert":
        reason = revert_text(last, labels)
        what = "reverted" + (f": {reason}" if reason is not None else "")
    else:
        what = last.error or last.halt
    return f"{names}: {what}"


__all__ = ["MAX_BYTES", "MAX_ITEMS", "MAX_STRING", "describe_path", "format_value",
           "frame_name", "frame_parts", "render", "revert_text"]
