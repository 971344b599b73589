"""Plots of gas: the top functions of a :class:`~verbs.trace.profile.GasProfile` as bars, and
one transaction's trace as an icicle (a flame graph drawn top down).

This module needs matplotlib (``pip install 'verbs[plot]'``); nothing else in verbs imports
it, so matplotlib stays optional.
"""
from __future__ import annotations

import typing
import zlib

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from verbs.trace.frame import CallFrame
from verbs.trace.profile import GasProfile
from verbs.trace.render import frame_parts


def _short(name: str) -> str:
    """An unlabelled contract's address shortened for a plot: ``0x5fbd…0aa3``."""
    return f"{name[:6]}\u2026{name[-4:]}" if name.startswith("0x") and len(name) == 42 else name


def plot_profile(profile: GasProfile, top: int = 15, by: str = "gas_exclusive",
                 ax: Axes | None = None, title: str | None = None) -> Axes:
    """A horizontal bar chart of the ``top`` functions of a profile, exclusive and inclusive
    gas side by side.

    Parameters
    ----------
    profile : GasProfile
        The profile to draw.
    top : int
        How many (contract, function) rows, the largest by ``by``.
    by : str
        ``"gas_exclusive"`` or ``"gas_inclusive"``: which total ranks the rows.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure otherwise).
    title : str, optional
        The axes' title (default: the transactions and gas of the profile).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(profile, GasProfile):
        raise TypeError(f"plot_profile draws a GasProfile, got {type(profile).__name__}")
    if by not in ("gas_exclusive", "gas_inclusive"):
        raise ValueError(f"by must be 'gas_exclusive' or 'gas_inclusive', got {by!r}")
    if not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive int, got {top!r}")
    rows = profile.to_frame(sort_by=by).head(top)
    new_figure = ax is None
    if new_figure:
        _, ax = plt.subplots(figsize=(8, 0.35 * max(len(rows), 3) + 1.2))
    names = [f"{_short(c)}.{f}" for c, f in rows.index]
    y = list(range(len(rows)))
    height = 0.4
    ax.barh([i - height / 2 for i in y], rows["gas_exclusive"], height, label="exclusive")
    ax.barh([i + height / 2 for i in y], rows["gas_inclusive"], height, label="inclusive")
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()  # the largest on top
    ax.set_xlabel("gas")
    ax.legend(loc="lower right")
    ax.set_title(title if title is not None else
                 f"Gas by function, top {len(rows)} by {by.split('_')[1]} "
                 f"({profile.transactions:,} transactions, {profile.total_gas:,} gas)",
                 fontsize=9)
    if new_figure:
        ax.figure.tight_layout()
    return ax


def plot_trace(frame: CallFrame, labels: typing.Any = None, ax: Axes | None = None,
               min_label_share: float = 0.04) -> Axes:
    """One transaction's trace as an icicle: a bar per frame, as wide as its ``gas_used``,
    under its caller, depth growing downwards.

    A frame's children sit from its left edge in call order; what is left of its width is its
    exclusive gas.  Children that used more than their parent's width (a root whose refund
    exceeds its own code's gas) are scaled down to fit.

    Parameters
    ----------
    frame : CallFrame
        The root frame to draw.
    labels : optional
        What :func:`verbs.trace.render.frame_parts` names frames with (the env's labels; a
        dict of addresses to names).
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure otherwise).
    min_label_share : float
        Frames narrower than this share of the root's width are drawn without a name.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(frame, CallFrame):
        raise TypeError(f"plot_trace draws a CallFrame, got {type(frame).__name__}")
    new_figure = ax is None
    if new_figure:
        _, ax = plt.subplots(figsize=(10, 4))
    total = max(frame.gas_used, 1)
    # about how many characters of a 7-point label fit across the whole axes
    axes_chars = ax.get_window_extent().width / 5.0
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    max_depth = 0
    stack = [(frame, 0.0, float(frame.gas_used), 0)]
    while stack:
        f, x, width, depth = stack.pop()
        max_depth = max(max_depth, depth)
        contract, function = frame_parts(f, labels)
        # a contract keeps its colour from run to run (str hashes are salted per process)
        color = ("tab:red" if f.error is not None
                 else colors[zlib.crc32(contract.encode()) % len(colors)])
        ax.barh(-depth, width, left=x, height=0.9, color=color, edgecolor="white",
                linewidth=0.5, align="center")
        fits = int(axes_chars * width / total)
        if width >= min_label_share * total and fits >= 6:
            name = f"{_short(contract)}.{function}"
            if len(name) > fits:
                name = name[:fits - 1] + "\u2026"
            ax.text(x + width / 2, -depth, f"{name}\n{f.gas_used:,}",
                    ha="center", va="center", fontsize=7, clip_on=True)
        used = sum(c.gas_used for c in f.calls)
        scale = width / f.gas_used if f.gas_used > 0 else 0.0
        if used * scale > width:
            scale = width / used
        cx = x
        for child in f.calls:
            w = child.gas_used * scale
            stack.append((child, cx, w, depth + 1))
            cx += w
    ax.set_xlim(0, total)
    ax.set_ylim(-max_depth - 0.6, 0.6)
    ax.set_yticks([-d for d in range(max_depth + 1)], [str(d) for d in range(max_depth + 1)])
    ax.set_ylabel("depth")
    ax.set_xlabel("gas")
    ax.set_title(f"Call trace, {frame.gas_used:,} gas (red: failed)", fontsize=9)
    if new_figure:
        ax.figure.tight_layout()
    return ax


__all__ = ["plot_profile", "plot_trace"]
