"""Shrink a program that shows a mismatch, keeping the mismatch."""
from __future__ import annotations

import copy
from collections.abc import Callable

from .gen import Program


def minimise(program: Program, fails: Callable[[Program], bool]) -> Program:
    """Replace whole snippets by JUMPDESTs (which keeps every jump destination in place),
    then drop contracts' code, storage and balances, as long as ``fails`` stays true."""
    best = copy.deepcopy(program)
    for a, spans in best.spans.items():
        for start, end in reversed(spans):
            trial = copy.deepcopy(best)
            code = trial.accounts[a]["code"]
            trial.accounts[a]["code"] = code[:start] + b"\x5b" * (end - start) + code[end:]
            if fails(trial):
                best = trial
    for a in list(best.accounts):
        for change in ({"code": b""}, {"storage": {}}, {"balance": 0}):
            trial = copy.deepcopy(best)
            trial.accounts[a].update(change)
            if trial.accounts[a] != best.accounts[a] and fails(trial):
                best = trial
    for change in ({"data": b""}, {"value": 0}):
        trial = copy.deepcopy(best)
        for k, v in change.items():
            setattr(trial, k, v)
        if fails(trial):
            best = trial
    # strip the JUMPDEST padding that nothing jumps over
    for a, acc in best.accounts.items():
        acc["code"] = _strip(acc["code"], lambda c, a=a: _with(best, a, c), fails)
    return best


def _with(p: Program, a: bytes, code: bytes) -> Program:
    t = copy.deepcopy(p)
    t.accounts[a]["code"] = code
    return t


def _strip(code: bytes, make, fails) -> bytes:
    i = 0
    while i < len(code):
        if code[i] == 0x5B:
            j = i
            while j < len(code) and code[j] == 0x5B:
                j += 1
            if j - i > 1:
                trial = code[:i] + code[j:]
                if fails(make(trial)):
                    code = trial
                    continue
            i = j
        else:
            i += 1
    return code
