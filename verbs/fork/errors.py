"""Exceptions raised by the fork fetcher.

Every failure to get a value from the node raises a subclass of :class:`RPCError` that names
the JSON-RPC method and its parameters; nothing is ever silently replaced by zero.

Hierarchy::

    ForkError
    +-- ForkConfigError (also ValueError)   no node URL, bad block number, bad option
    +-- RPCError                            a value could not be obtained from the node
        +-- RPCTransportError               timeouts / connection errors after all retries
        |   +-- RPCTimeoutError
        +-- RPCHTTPError                    an HTTP status that is not 200 (after retries)
        +-- RPCResponseError                a JSON-RPC ``error`` object (``code``, ``message``)
        +-- RPCMalformedResponse            not JSON, wrong shape, missing/invalid fields
        +-- ChainMismatchError              the node answers for another chain
        +-- BlockNotAvailableError          the node does not know the pinned/asked block

Node URLs often carry API keys, so messages never include the URL's path or query.
"""
from __future__ import annotations

from typing import Any, Optional


class ForkError(Exception):
    """Base class of every error raised by :mod:`verbs.fork`."""


class ForkConfigError(ForkError, ValueError):
    """The backend or client was configured wrongly (e.g. no node URL)."""


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class RPCError(ForkError):
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

    def __init__(self, message: str, method: Optional[str] = None, params: Any = None):
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
