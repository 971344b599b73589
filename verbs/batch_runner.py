"""Batch runs (``verbs.batch_runner`` is ``verbs.sim.batch_runner``, as in the original)."""
from __future__ import annotations

from verbs.sim.batch_runner import (
    BatchError,
    CheckpointCorruptError,
    CheckpointError,
    CheckpointMismatchError,
    SampleError,
    batch_run,
    to_dataframe,
)

__all__ = [
    "BatchError",
    "CheckpointCorruptError",
    "CheckpointError",
    "CheckpointMismatchError",
    "SampleError",
    "batch_run",
    "to_dataframe",
]
