"""Exception types of verbs, in one place.

Every public exception (and warning) that verbs raises is defined here, so that a user
catches them without knowing which layer raised them; the modules users import them from
(``verbs.envs``, ``verbs.remote``, ``verbs.codec``, ``verbs.batch_runner``) re-export them.
This module imports nothing from verbs, so every layer (the EVM core included) may import it.

Hierarchy of the node client's errors::

    RemoteError
    +-- RemoteConfigError (also ValueError)   no node URL, bad block number, bad option
    +-- RPCError                              a value could not be obtained from the node
        +-- RPCTransportError                 timeouts / connection errors after all retries
        |   +-- RPCTimeoutError
        +-- RPCHTTPError                      an HTTP status that is not 200 (after retries)
        +-- RPCResponseError                  a JSON-RPC ``error`` object (``code``, ``message``)
        +-- RPCMalformedResponse              not JSON, wrong shape, missing/invalid fields
        +-- ChainMismatchError                the node answers for another chain
        +-- BlockNotAvailableError            the node does not know the pinned/asked block

Node URLs often carry API keys, so messages never include the URL's path or query.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "BatchError",
    "BlockNotAvailableError",
    "CacheMissError",
    "CacheWarning",
    "ChainMismatchError",
    "DecodeError",
    "EVMInternalError",
    "RPCError",
    "RPCHTTPError",
    "RPCMalformedResponse",
    "RPCResponseError",
    "RPCTimeoutError",
    "RPCTransportError",
    "RemoteConfigError",
    "RemoteError",
    "RevertError",
]


# ---------------------------------------------------------------------------
# The EVM
# ---------------------------------------------------------------------------


class EVMInternalError(RuntimeError):
    """A bug inside the EVM or a library it calls, never a transaction outcome.

    Raised (chained to the original exception) when code that should not fail does, for
    example a precompile's curve library raising on an input the precompile had already
    validated. The transaction that met it is discarded, as for any exception raised
    through the EVM.
    """


# ---------------------------------------------------------------------------
# Environments
# ---------------------------------------------------------------------------


class RevertError(Exception):
    """A transaction or call that reverted, halted, or was rejected.

    As in the original verbs, ``args[0]`` is the reason text (the decoded revert message when
    there is one).  Unlike the original (where halts and failed deployments panic and destroy
    the environment), every failure raises this exception and leaves the environment usable.

    Attributes
    ----------
    data : bytes
        Raw revert data returned by the EVM (empty for halts).
    reason : str or None
        The decoded reason: ``Error(string)``, ``Panic(uint256)`` or, through the ABI that made
        the call, a custom error; ``None`` when the data cannot be decoded.
    halt : str
        Why execution stopped: ``"revert"``, ``"out_of_gas"``, ``"invalid_opcode"``,
        ``"invalid_transaction"``, ... (see ``verbs._evm.tx.Result.halt``).
    failures : tuple[RevertError, ...]
        Of a block: every checked transaction that failed (the first is this one).
    trace : list[verbs.trace.CallFrame] or None
        The call frames from the transaction's root down to the one where the failure
        started (``trace[0]`` is the root, with the whole call tree); None when the
        transaction was not traced (an invalid one).
    """

    def __init__(
        self,
        message: str,
        *,
        data: bytes = b"",
        reason: str | None = None,
        halt: str = "revert",
        failures: Sequence[RevertError] = (),
        trace: list | None = None,
    ):
        super().__init__(message)
        self.data = data
        self.reason = reason
        self.halt = halt
        self.failures = tuple(failures)
        self.trace = trace

    def __reduce__(self):
        return (
            _rebuild_revert_error,
            (self.args[0], self.data, self.reason, self.halt, self.failures, self.trace),
        )


def _rebuild_revert_error(message, data, reason, halt, failures, trace=None):
    return RevertError(message, data=data, reason=reason, halt=halt, failures=failures,
                       trace=trace)


class CacheMissError(LookupError):
    """A read that the cache of a ``cache=`` environment cannot answer (strict mode)."""


# ---------------------------------------------------------------------------
# ABI decoding
# ---------------------------------------------------------------------------


class DecodeError(ValueError):
    """Raised when bytes cannot be decoded as the expected ABI types."""


# ---------------------------------------------------------------------------
# Batch runs
# ---------------------------------------------------------------------------


class BatchError(RuntimeError):
    """Raised by ``batch_run(..., raise_errors=True)`` for the first failed sample.

    ``error`` is the :class:`verbs.sim.batch_runner.SampleError` of that sample.
    """

    def __init__(self, error: Any):
        super().__init__(
            f"sample with params={error.params!r}, seed={error.seed} failed: "
            f"{error.exc_type}: {error.message}\n{error.traceback}"
        )
        self.error = error


# ---------------------------------------------------------------------------
# The node client (verbs.remote)
# ---------------------------------------------------------------------------


class CacheWarning(UserWarning):
    """A cache file of the node client was unreadable or stale and is ignored."""


class RemoteError(Exception):
    """Base class of every error raised by :mod:`verbs.remote` (the node client)."""


class RemoteConfigError(RemoteError, ValueError):
    """The backend or client was configured wrongly (e.g. no node URL)."""


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class RPCError(RemoteError):
    """A value could not be obtained from the JSON-RPC node.

    Parameters
    ----------
    message : str
        What went wrong.
    method : str, optional
        The JSON-RPC method (for a batch: ``"batch[m1, m2, ...]"``).
    params : Any, optional
        The parameters of that call (for a batch: the list of ``(method, params)``).

    Attributes
    ----------
    method, params
        As given.
    """

    def __init__(self, message: str, method: str | None = None, params: Any = None):
        self.method = method
        self.params = params
        self.reason = message
        where = ""
        if method is not None:
            where = f" [{method} {_short(params)}]"
        super().__init__(message + where)


class RPCTransportError(RPCError):
    """The node could not be reached (connection refused/reset, ...) within the retries."""


class RPCTimeoutError(RPCTransportError):
    """The node did not answer within the per-request timeout, for every attempt."""


class RPCHTTPError(RPCError):
    """The node answered with an HTTP status other than 200 (after retries for 429/5xx).

    Attributes
    ----------
    status : int
        The HTTP status code.
    """

    def __init__(self, message: str, status: int, method=None, params=None):
        self.status = status
        super().__init__(message, method, params)


class RPCResponseError(RPCError):
    """The node answered with a JSON-RPC ``error`` object.

    Attributes
    ----------
    code : int or None
        The JSON-RPC error code.
    rpc_message : str
        The node's error message.
    data : Any
        The error's ``data`` member, if any.
    """

    def __init__(self, code, rpc_message, data=None, method=None, params=None):
        self.code = code
        self.rpc_message = rpc_message
        self.data = data
        text = f"JSON-RPC error {code}: {rpc_message}"
        if data is not None:
            text += f" (data: {_short(data, 200)})"
        super().__init__(text, method, params)


class RPCMalformedResponse(RPCError):
    """The answer is not JSON, or lacks a field, or a field has the wrong type or form."""


class ChainMismatchError(RPCError):
    """The node answers for a chain other than the one the backend is pinned to."""


class BlockNotAvailableError(RPCError):
    """The node does not have the requested block (unknown, pruned, reorged away)."""
