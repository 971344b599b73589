"""Readable call traces: a revert path on one line."""
from __future__ import annotations

from verbs.trace.frame import CallFrame


def frame_parts(frame: CallFrame, labels: dict | None = None) -> tuple[str, str]:
    """(contract, function) naming a frame: the callee's label (else its 0x address) and
    the called function (else its 0x selector; ``"constructor"`` for a creation,
    ``"fallback"`` for a call without a selector, ``"selfdestruct"``)."""
    labels = labels or {}
    who = labels.get(frame.to) or "0x" + frame.to.hex()
    if frame.type in ("CREATE", "CREATE2"):
        return who, "constructor"
    if frame.type == "SELFDESTRUCT":
        return who, "selfdestruct"
    sel = frame.selector
    return who, "0x" + sel.hex() if sel else "fallback"


def frame_name(frame: CallFrame, labels: dict | None = None) -> str:
    """``Label.selector`` of a frame (or its address when it has no label)."""
    labels = labels or {}
    who = labels.get(frame.to) or "0x" + frame.to.hex()
    if frame.type in ("CREATE", "CREATE2"):
        return f"new {who}"
    if frame.type == "SELFDESTRUCT":
        return f"selfdestruct -> {who}"
    sel = frame.selector
    return f"{who}.0x{sel.hex()}" if sel else who


def describe_path(path: list[CallFrame], labels: dict | None = None) -> str:
    """``A.f > B.g > C.h: reverted: reason`` for a failing path (root first)."""
    names = " > ".join(frame_name(f, labels) for f in path)
    last = path[-1]
    if last.halt == "revert":
        what = "reverted" + (f": {last.revert_reason}" if last.revert_reason else "")
    else:
        what = last.error or last.halt
    return f"{names}: {what}"
