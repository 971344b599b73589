"""Looking inside transactions: call traces (:class:`CallFrame`), the recorder that builds
them from the EVM, and what is made from them (rendering, revert paths, gas profiles)."""
from verbs.trace.frame import FRAME_TYPES, CallFrame, TraceLog
from verbs.trace.labels import Labels
from verbs.trace.recorder import Recorder

__all__ = ["FRAME_TYPES", "CallFrame", "Labels", "Recorder", "TraceLog"]
