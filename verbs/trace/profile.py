"""Gas profiles: where the gas of many transactions went, by (contract, function).

A :class:`GasProfile` folds call traces into a few integers per (contract, function) as they
arrive, and keeps nothing else: profiling a simulation of 100,000 transactions costs one small
table, not 100,000 traces.  Profiles are plain values (picklable, comparable) that merge, so a
batch's workers each return one and the parent adds them up.

How gas is counted
------------------
Each frame of a trace is one *call* of its (contract, function), named by
:func:`verbs.trace.render.frame_parts`.

* **Exclusive** gas of a frame is :attr:`CallFrame.gas_used_exclusive`: its
  ``gas_used`` less its children's.  Every unit of gas a transaction paid is exclusive to
  exactly one frame, so the exclusive totals of a profile add up to the gas its transactions
  used (the sum of the roots' ``gas_used``; see :attr:`GasProfile.total_gas`).  A root frame's
  ``gas_used`` is the transaction's, after refunds and with the intrinsic gas, so the root's
  function carries the intrinsic gas and is credited the whole refund (which can make its
  exclusive gas negative when a deep frame cleared many slots).  A frame's exclusive gas also
  holds what its CALL/CREATE opcodes cost it (cold access, value transfer, memory).
* **Inclusive** gas of a frame is its ``gas_used``, children included.  The *total* inclusive
  gas of a function counts only its outermost calls within each transaction: a call nested
  inside another call of the same (contract, function) (direct or indirect recursion, or a
  token transferring to itself through a hook) is already inside its ancestor's gas, and
  counting it again would count that gas twice.  So a function's total inclusive gas is the
  gas spent in it or under it, never more than :attr:`GasProfile.total_gas`, and its share
  is a true fraction.  The *mean* and *max* inclusive gas are per call, over every call,
  nested ones included (what one call costs as its caller sees it); with recursion, ``mean x
  calls`` exceeds the total.
"""
from __future__ import annotations

import typing
from collections.abc import Iterable

from verbs.trace.frame import CallFrame
from verbs.trace.render import frame_parts

#: The accumulators of a row, in this order: calls, failed calls, inclusive gas of outermost
#: calls, inclusive gas of every call, max inclusive, exclusive total, max exclusive.
_CALLS, _FAILED, _INCL, _INCL_ALL, _INCL_MAX, _EXCL, _EXCL_MAX = range(7)

#: The columns of :meth:`GasProfile.to_frame`.
COLUMNS = ("calls", "failed", "gas_inclusive", "gas_inclusive_mean", "gas_inclusive_max",
           "gas_exclusive", "gas_exclusive_mean", "gas_exclusive_max", "share_inclusive",
           "share_exclusive")


class GasProfile:
    """Gas used by (contract, function), accumulated over call traces.

    Build one with :func:`profile`, or empty and fold traces in with :meth:`add`.  See the
    module's docstring for how inclusive and exclusive gas are counted.

    Attributes
    ----------
    transactions : int
        Root frames folded in (transactions).
    total_gas : int
        Sum of the roots' ``gas_used``: the gas the transactions used, intrinsic gas included,
        after refunds.  Equal to the sum of the exclusive gas over every row.
    """

    __slots__ = ("_rows", "transactions", "total_gas")

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], list[int]] = {}
        self.transactions = 0
        self.total_gas = 0

    # ------------------------------------------------------------------ building
    def add(self, traces: CallFrame | Iterable[CallFrame | None],
            labels: typing.Any = None) -> GasProfile:
        """Fold the traces of transactions into this profile (in place) and return it.

        Parameters
        ----------
        traces : CallFrame or iterable of CallFrame or None
            Root frames (one per transaction), such as :meth:`env.get_last_traces()
            <verbs.envs.tracing.TracingMixin.get_last_traces>`; None entries (invalid
            transactions, which ran no code) are skipped.
        labels : optional
            What :func:`verbs.trace.render.frame_parts` names contracts and functions with
            (the env's labels; a dict of addresses to names).  Rows are keyed by the names
            frames had when folded: a batch worker's profile carries its names with it.

        Returns
        -------
        GasProfile
            ``self``.
        """
        if isinstance(traces, CallFrame):
            traces = (traces,)
        names: dict[tuple, tuple[str, str]] = {}  # frame_parts once per (kind, callee, selector)
        for root in traces:
            if root is None:
                continue
            if not isinstance(root, CallFrame):
                raise TypeError(f"a gas profile folds CallFrames, got {type(root).__name__}")
            if root.depth != 0:
                raise ValueError("a gas profile folds root frames (depth 0): a nested frame's "
                                 "gas is not a transaction's")
            self._fold(root, labels, names)
        return self

    def _fold(self, root: CallFrame, labels, names: dict) -> None:
        rows = self._rows
        open_calls: dict[tuple[str, str], int] = {}  # key -> calls of it on the current path
        stack: list = [root]
        while stack:
            frame = stack.pop()
            if type(frame) is tuple:  # the marker left below a frame's children: it returns
                open_calls[frame] -= 1
                continue
            # what frame_parts names a frame by (a call without data is named by whether
            # it sends value: receive or fallback)
            memo = (frame.type, frame.to, frame.input[:4], frame.value > 0)
            key = names.get(memo)
            if key is None:
                key = names[memo] = frame_parts(frame, labels)
            row = rows.get(key)
            if row is None:
                row = rows[key] = [0] * 7
            used = frame.gas_used
            calls = frame.calls
            exclusive = used - sum(c.gas_used for c in calls) if calls else used
            row[_CALLS] += 1
            if frame.error is not None:
                row[_FAILED] += 1
            row[_INCL_ALL] += used
            if used > row[_INCL_MAX]:
                row[_INCL_MAX] = used
            row[_EXCL] += exclusive
            if exclusive > row[_EXCL_MAX] or row[_CALLS] == 1:
                row[_EXCL_MAX] = exclusive
            depth = open_calls.get(key, 0)
            if depth == 0:  # outermost call of this function: its gas is not counted yet
                row[_INCL] += used
            if calls:
                open_calls[key] = depth + 1
                stack.append(key)
                stack.extend(reversed(calls))
        self.transactions += 1
        self.total_gas += root.gas_used

    # ------------------------------------------------------------------ combining
    def merge(self, other: GasProfile) -> GasProfile:
        """A new profile of this profile's transactions and ``other``'s (both unchanged).

        Equal to the profile of the two sets of traces folded together.
        """
        if not isinstance(other, GasProfile):
            raise TypeError(f"can only merge a GasProfile, got {type(other).__name__}")
        out = self.copy()
        out.update(other)
        return out

    def update(self, other: GasProfile) -> GasProfile:
        """Add ``other``'s transactions to this profile (in place) and return it."""
        if not isinstance(other, GasProfile):
            raise TypeError(f"can only merge a GasProfile, got {type(other).__name__}")
        rows = self._rows
        for key, theirs in other._rows.items():
            ours = rows.get(key)
            if ours is None:
                rows[key] = list(theirs)
                continue
            ours[_CALLS] += theirs[_CALLS]
            ours[_FAILED] += theirs[_FAILED]
            ours[_INCL] += theirs[_INCL]
            ours[_INCL_ALL] += theirs[_INCL_ALL]
            ours[_INCL_MAX] = max(ours[_INCL_MAX], theirs[_INCL_MAX])
            ours[_EXCL] += theirs[_EXCL]
            ours[_EXCL_MAX] = max(ours[_EXCL_MAX], theirs[_EXCL_MAX])
        self.transactions += other.transactions
        self.total_gas += other.total_gas
        return self

    @classmethod
    def combine(cls, profiles: Iterable[GasProfile]) -> GasProfile:
        """The merge of any number of profiles (an empty profile for none)."""
        out = cls()
        for p in profiles:
            out.update(p)
        return out

    def __add__(self, other: GasProfile) -> GasProfile:
        if not isinstance(other, GasProfile):
            return NotImplemented
        return self.merge(other)

    def copy(self) -> GasProfile:
        """An independent copy."""
        out = GasProfile()
        out._rows = {k: list(v) for k, v in self._rows.items()}
        out.transactions = self.transactions
        out.total_gas = self.total_gas
        return out

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        """The number of (contract, function) rows."""
        return len(self._rows)

    def __eq__(self, other) -> bool:
        if not isinstance(other, GasProfile):
            return NotImplemented
        return (self.transactions, self.total_gas, self._rows) == (
            other.transactions, other.total_gas, other._rows)

    __hash__ = None  # mutable

    def __getstate__(self):
        return {"rows": self._rows, "transactions": self.transactions,
                "total_gas": self.total_gas}

    def __setstate__(self, state) -> None:
        self._rows = state["rows"]
        self.transactions = state["transactions"]
        self.total_gas = state["total_gas"]

    def __repr__(self) -> str:
        return (f"GasProfile({len(self._rows)} functions, {self.transactions} transactions, "
                f"{self.total_gas:,} gas)")

    def row(self, contract: str, function: str) -> dict[str, int | float]:
        """One (contract, function)'s figures, as :meth:`to_frame` has them.

        Raises
        ------
        KeyError
            If the profile never met that function.
        """
        r = self._rows.get((contract, function))
        if r is None:
            raise KeyError(f"no calls of {contract}.{function} in this profile")
        return self._figures(r)

    def _figures(self, r: list[int]) -> dict[str, int | float]:
        total = self.total_gas
        return {
            "calls": r[_CALLS],
            "failed": r[_FAILED],
            "gas_inclusive": r[_INCL],
            "gas_inclusive_mean": r[_INCL_ALL] / r[_CALLS],
            "gas_inclusive_max": r[_INCL_MAX],
            "gas_exclusive": r[_EXCL],
            "gas_exclusive_mean": r[_EXCL] / r[_CALLS],
            "gas_exclusive_max": r[_EXCL_MAX],
            "share_inclusive": r[_INCL] / total if total else 0.0,
            "share_exclusive": r[_EXCL] / total if total else 0.0,
        }

    def to_frame(self, sort_by: str = "gas_exclusive"):
        """The profile as a pandas DataFrame, one row per (contract, function).

        Parameters
        ----------
        sort_by : str
            The column to sort by, largest first.

        Returns
        -------
        pandas.DataFrame
            Indexed by (``contract``, ``function``), with the columns of :data:`COLUMNS`:
            ``calls``, ``failed`` (calls that ended in an error), ``gas_inclusive`` (total,
            outermost calls only), ``gas_inclusive_mean`` and ``_max`` (per call),
            ``gas_exclusive`` (total), ``gas_exclusive_mean`` and ``_max``,
            ``share_inclusive`` and ``share_exclusive`` (of :attr:`total_gas`).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("GasProfile.to_frame needs pandas: pip install 'verbs[pandas]'"
                              ) from exc
        if sort_by not in COLUMNS:
            raise ValueError(f"sort_by must be one of {COLUMNS}, got {sort_by!r}")
        keys = list(self._rows)
        index = pd.MultiIndex.from_tuples(keys, names=["contract", "function"])
        frame = pd.DataFrame([self._figures(self._rows[k]) for k in keys], index=index,
                             columns=list(COLUMNS))
        if not keys:
            return frame
        return frame.sort_values(sort_by, ascending=False, kind="stable")


def profile(traces: CallFrame | Iterable[CallFrame | None],
            labels: typing.Any = None) -> GasProfile:
    """The gas profile of one transaction's trace or of many.

    Parameters
    ----------
    traces : CallFrame or iterable of CallFrame or None
        Root frames (None entries, invalid transactions, are skipped).
    labels : optional
        What :func:`verbs.trace.render.frame_parts` names frames with (see
        :meth:`GasProfile.add`).

    Returns
    -------
    GasProfile
    """
    return GasProfile().add(traces, labels)


__all__ = ["COLUMNS", "GasProfile", "profile"]
