"""A JSON-RPC 2.0 client over HTTP(S) with batching, timeouts and bounded retries.

Only the standard library is used (``http.client``, ``json``). One keep-alive connection is
held per thread and per process (a ``fork()``-ed worker opens its own; it never reuses the
parent's socket).

Retries
-------
Timeouts, connection errors (refused, reset, closed early, truncated answers), HTTP 429 and
HTTP 5xx are retried with exponential backoff (with jitter, honouring ``Retry-After`` within
the budget), as are JSON-RPC errors whose code is in ``RetryPolicy.retry_rpc_codes`` (the
rate-limit codes of public providers). Every call is bounded twice: at most
``RetryPolicy.max_attempts`` HTTP requests, and at most ``RetryPolicy.total_timeout`` seconds
in all (each attempt's socket timeout is cut to the time left; a slowly trickling answer is cut
off too). Retrying assumes the methods are idempotent, which every read method is.

Not retried (they would fail again): JSON-RPC errors such as an unknown method or bad
parameters, other HTTP statuses (400, 401, 403, 404, 413, ...), answers that are not JSON or
lack fields. Each raises an :class:`~verbs.errors.RPCError` subclass naming the method
and parameters.
"""
from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from verbs.errors import (
    RemoteConfigError,
    RPCError,
    RPCHTTPError,
    RPCMalformedResponse,
    RPCResponseError,
    RPCTimeoutError,
    RPCTransportError,
)

Call = tuple[str, Sequence[Any]]


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for the node and how often to try again.

    Parameters
    ----------
    timeout : float
        Socket timeout of one attempt, in seconds.
    max_attempts : int
        HTTP requests per call or batch, the first included (>= 1).
    total_timeout : float
        Upper bound, in seconds, on the time one call or batch may take, retries included.
    backoff_initial : float
        Pause before the first retry, in seconds; multiplied by ``backoff_factor`` each time.
    backoff_factor : float
        Growth of the pause between retries.
    backoff_max : float
        Longest pause between two attempts (also caps ``Retry-After``).
    jitter : float
        Random extra fraction of each pause (0.1: up to 10% longer).
    retry_statuses : frozenset of int
        HTTP statuses that are retried (every 5xx is retried as well).
    retry_rpc_codes : frozenset of int
        JSON-RPC error codes that are retried (rate limits: -32005 Infura, 429 Alchemy).
    """

    timeout: float = 30.0
    max_attempts: int = 5
    total_timeout: float = 120.0
    backoff_initial: float = 0.25
    backoff_factor: float = 2.0
    backoff_max: float = 8.0
    jitter: float = 0.1
    retry_statuses: frozenset = frozenset({408, 425, 429})
    retry_rpc_codes: frozenset = frozenset({-32005, 429})

    def __post_init__(self):
        if self.max_attempts < 1:
            raise RemoteConfigError("max_attempts must be at least 1")
        if self.timeout <= 0 or self.total_timeout <= 0:
            raise RemoteConfigError("timeouts must be positive")
        if self.backoff_initial < 0 or self.backoff_max < 0 or self.jitter < 0:
            raise RemoteConfigError("backoff values must not be negative")

    def pause(self, retry_number: int, rng: random.Random) -> float:
        """The pause before retry number ``retry_number`` (1 for the first retry)."""
        base = self.backoff_initial * self.backoff_factor ** (retry_number - 1)
        base = min(self.backoff_max, base)
        return base * (1.0 + self.jitter * rng.random())


@dataclass
class RPCStats:
    """Counters of the traffic a client sent.

    Attributes
    ----------
    requests : int
        JSON-RPC calls issued (a batch of n counts n; a retry does not count again).
    batches : int
        Logical sends: one single call or one batch, however many attempts it took.
    round_trips : int
        HTTP requests sent, retries included (a batch is one).
    retries : int
        HTTP requests that were re-sends after a retryable failure (with a backoff pause).
    reconnects : int
        Immediate re-sends because the node had closed an idle keep-alive connection
        (counted in ``round_trips``, not in ``retries``).
    errors : int
        Logical sends that ended in an exception.
    bytes_sent, bytes_received : int
        HTTP body bytes.
    methods : dict of str to int
        JSON-RPC calls issued, per method.
    """

    requests: int = 0
    batches: int = 0
    round_trips: int = 0
    retries: int = 0
    reconnects: int = 0
    errors: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    methods: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A plain copy of the counters."""
        d = asdict(self)
        d["methods"] = dict(self.methods)
        return d

    def reset(self) -> None:
        """Set every counter back to zero."""
        for name in ("requests", "batches", "round_trips", "retries", "reconnects", "errors",
                     "bytes_sent", "bytes_received"):
            setattr(self, name, 0)
        self.methods.clear()


class _Retryable(Exception):
    """Internal: an attempt failed in a way that is worth another try."""

    def __init__(self, error: RPCError, retry_after: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def redact_url(url: str) -> str:
    """``scheme://host:port`` of ``url``: no credentials, path or query (API keys live there)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _describe(calls: Sequence[Call]) -> tuple[str, Any]:
    if len(calls) == 1:
        return calls[0][0], list(calls[0][1])
    return ("batch[" + ", ".join(m for m, _ in calls) + "]",
            [[m, list(p)] for m, p in calls])


class RPCClient:
    """JSON-RPC 2.0 over HTTP(S): single calls and batches, with bounded retries.

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` endpoint. ``user:password@`` in it becomes Basic auth.
    policy : RetryPolicy, optional
        Timeouts and retries (defaults: 30 s per attempt, 5 attempts, 120 s in all).
    headers : dict, optional
        Extra HTTP headers (e.g. an API key header).
    max_batch_size : int
        Largest number of calls in one HTTP request; :meth:`batch` splits longer lists into
        several round trips (nodes cap batches; geth's default is 1000).
    seed : int, optional
        Seed of the backoff jitter.

    Attributes
    ----------
    stats : RPCStats
        What was sent so far.

    Examples
    --------
    >>> client = RPCClient("http://127.0.0.1:8545")          # doctest: +SKIP
    >>> client.call("eth_chainId", [])                          # doctest: +SKIP
    '0x7a69'
    >>> client.batch([("eth_blockNumber", []), ("eth_chainId", [])])   # doctest: +SKIP
    ['0x5', '0x7a69']
    """

    def __init__(self, url: str, policy: RetryPolicy | None = None,
                 headers: dict[str, str] | None = None, max_batch_size: int = 500,
                 seed: int | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RemoteConfigError(
                f"node URL must be http:// or https:// with a host, got {redact_url(url)!r}")
        if max_batch_size < 1:
            raise RemoteConfigError("max_batch_size must be at least 1")
        self.url = url
        self.policy = policy or RetryPolicy()
        self.max_batch_size = max_batch_size
        self.stats = RPCStats()
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._headers = {"Content-Type": "application/json", "Accept": "application/json",
                         "User-Agent": "verbs.remote"}
        if parts.username is not None:
            import base64
            token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self._headers["Authorization"] = "Basic " + base64.b64encode(
                token.encode()).decode()
        self._headers.update(headers or {})
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._rng = random.Random(seed)

    # ----------------------------------------------------------------- public API
    @property
    def endpoint(self) -> str:
        """The node URL without credentials, path or query (safe to print)."""
        return redact_url(self.url)

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """Send one JSON-RPC call and return its ``result``.

        Parameters
        ----------
        method : str
            E.g. ``"eth_getBalance"``.
        params : sequence
            Positional parameters (JSON-serialisable).

        Returns
        -------
        Any
            The ``result`` member, decoded from JSON (may be ``None`` where the method says so).

        Raises
        ------
        RPCError
            A subclass describing the failure (see :mod:`verbs.errors`).
        """
        return self._send([(method, list(params))], single=True)[0]

    def batch(self, calls: Sequence[Call], allow_errors: bool = False) -> list[Any]:
        """Send several calls as JSON-RPC batches (one HTTP request per ``max_batch_size``).

        Parameters
        ----------
        calls : sequence of (method, params)
            The calls, in order.
        allow_errors : bool
            If true, a call answered with a JSON-RPC error yields its
            :class:`RPCResponseError` in the result list instead of raising.

        Returns
        -------
        list
            The results, in the order of ``calls``.
        """
        calls = [(m, list(p)) for m, p in calls]
        out: list[Any] = []
        for start in range(0, len(calls), self.max_batch_size):
            out.extend(self._send(calls[start:start + self.max_batch_size], single=False,
                                  allow_errors=allow_errors))
        return out

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        self._drop_connection()

    # ----------------------------------------------------------------- internals
    def _send(self, calls: list[Call], single: bool, allow_errors: bool = False) -> list[Any]:
        if not calls:
            return []
        with self._lock:
            ids = [next(self._ids) for _ in calls]
            self.stats.batches += 1
            self.stats.requests += len(calls)
            for m, _ in calls:
                self.stats.methods[m] = self.stats.methods.get(m, 0) + 1
        payload: Any = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                        for i, (m, p) in zip(ids, calls)]
        if single:
            payload = payload[0]
        body = json.dumps(payload, separators=(",", ":")).encode()
        method, params = _describe(calls)
        try:
            return self._with_retries(body, calls, ids, single, allow_errors, method, params)
        except RPCError:
            with self._lock:
                self.stats.errors += 1
            raise

    def _with_retries(self, body, calls, ids, single, allow_errors, method, params):
        policy = self.policy
        deadline = time.monotonic() + policy.total_timeout
        last_error: RPCError | None = None
        retry_after: float | None = None
        attempts = 0
        while attempts < policy.max_attempts:
            if attempts:
                pause = policy.pause(attempts, self._rng)
                if retry_after is not None:
                    pause = max(pause, min(retry_after, policy.backoff_max))
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
                with self._lock:
                    self.stats.retries += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            attempts += 1
            try:
                status, headers, raw = self._post(body, min(policy.timeout, remaining),
                                                  deadline, method, params)
                return self._decode(status, headers, raw, calls, ids, single, allow_errors,
                                    method, params)
            except _Retryable as exc:
                last_error, retry_after = exc.error, exc.retry_after
                self._drop_connection()
        if last_error is None:
            last_error = RPCTimeoutError(
                f"no answer from {self.endpoint} within {policy.total_timeout} s", method, params)
        last_error.args = (f"{last_error.args[0]} (gave up after {attempts} attempt(s); "
                           f"limits: {policy.max_attempts} attempts, {policy.total_timeout} s)",)
        raise last_error

    def _connection(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection and whether it was opened just now."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) != os.getpid():
            # inherited through fork(): the socket is shared with the parent, never use it
            self._local.conn = conn = None
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=timeout)
            conn.connect()
            # requests are small: send at once rather than wait for a delayed ACK (Nagle)
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.conn = conn
            self._local.pid = os.getpid()
            return conn, True
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn, False

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            try:
                conn.close()
            except OSError:
                pass

    def _exchange(self, conn, body: bytes, deadline: float):
        conn.request("POST", self._path, body=body, headers=self._headers)
        resp = conn.getresponse()
        chunks = []
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError("answer not complete within the total timeout")
            chunk = resp.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
        raw = b"".join(chunks)
        expected = resp.getheader("Content-Length")
        if expected is not None and expected.isdigit() and len(raw) < int(expected):
            raise http.client.IncompleteRead(raw, int(expected) - len(raw))
        if resp.will_close:
            self._drop_connection()
        return resp, raw

    def _post(self, body: bytes, timeout: float, deadline: float, method, params):
        with self._lock:
            self.stats.round_trips += 1
            self.stats.bytes_sent += len(body)
        try:
            conn, fresh = self._connection(timeout)
            try:
                resp, raw = self._exchange(conn, body, deadline)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    ConnectionAbortedError):
                if fresh:
                    raise
                # the node closed an idle keep-alive connection: reconnect once, at once
                self._drop_connection()
                with self._lock:
                    self.stats.reconnects += 1
                    self.stats.round_trips += 1
                    self.stats.bytes_sent += len(body)
                resp, raw = self._exchange(self._connection(timeout)[0], body, deadline)
        except TimeoutError as exc:
            raise _Retryable(RPCTimeoutError(
                f"timed out after {timeout:.3g} s waiting for {self.endpoint}: {exc}",
                method, params)) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(RPCTransportError(
                f"connection to {self.endpoint} failed: {type(exc).__name__}: {exc}",
                method, params)) from exc
        with self._lock:
            self.stats.bytes_received += len(raw)
        return resp.status, resp.headers, raw

    def _decode(self, status, headers, raw, calls, ids, single, allow_errors, method, params):
        if status != 200:
            text = raw[:200].decode("utf-8", "replace")
            error = RPCHTTPError(f"HTTP {status} from {self.endpoint}: {text!r}", status,
                                 method, params)
            if status in self.policy.retry_statuses or 500 <= status < 600:
                retry_after = None
                value = headers.get("Retry-After") if headers is not None else None
                if value is not None:
                    try:
                        retry_after = max(0.0, float(value))
                    except ValueError:
                        retry_after = None
                raise _Retryable(error, retry_after)
            # a JSON-RPC error sent with a 4xx status is more informative than the status
            try:
                doc = json.loads(raw)
            except ValueError:
                raise error from None
            if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
                raise self._error(doc["error"], method, params)
            raise error
        try:
            doc = json.loads(raw)
        except ValueError:
            text = raw[:120].decode("utf-8", "replace")
            raise RPCMalformedResponse(
                f"answer from {self.endpoint} is not JSON: {text!r}", method, params) from None
        if single:
            if isinstance(doc, list) and len(doc) == 1:
                doc = doc[0]
            results = [self._member(doc, ids[0], calls[0][0], calls[0][1], allow_errors)]
        else:
            if isinstance(doc, dict):
                if isinstance(doc.get("error"), dict):
                    error = self._error(doc["error"], method, params)
                    if error.code in self.policy.retry_rpc_codes:
                        raise _Retryable(error)
                    raise error
                raise RPCMalformedResponse("a batch was answered with a single object",
                                           method, params)
            if not isinstance(doc, list):
                raise RPCMalformedResponse(
                    f"a batch was answered with {type(doc).__name__}", method, params)
            by_id: dict[Any, Any] = {}
            for item in doc:
                if not isinstance(item, dict) or "id" not in item:
                    raise RPCMalformedResponse(f"batch member without an id: {item!r:.120}",
                                               method, params)
                if item["id"] is not None and not isinstance(item["id"], (int, float, str)):
                    raise RPCMalformedResponse(
                        f"batch member id is not a number or string: {item['id']!r:.80}",
                        method, params)
                if item["id"] in by_id:
                    raise RPCMalformedResponse(f"id {item['id']!r} answered twice",
                                               method, params)
                by_id[item["id"]] = item
            missing = [i for i in ids if i not in by_id]
            if missing or len(by_id) != len(ids):
                lost = [calls[ids.index(i)][0] for i in missing]
                raise RPCMalformedResponse(
                    f"batch answer has {len(by_id)} members for {len(ids)} calls "
                    f"(missing: {lost})", method, params)
            results = [self._member(by_id[i], i, m, p, allow_errors)
                       for i, (m, p) in zip(ids, calls)]
        return results

    def _member(self, item, expected_id, m, p, allow_errors):
        if not isinstance(item, dict):
            raise RPCMalformedResponse(f"answer is {type(item).__name__}, not an object", m, p)
        if item.get("id") != expected_id and not (item.get("id") is None and "error" in item):
            raise RPCMalformedResponse(
                f"answer id {item.get('id')!r} does not match request id {expected_id}", m, p)
        if item.get("error") is not None:
            if not isinstance(item["error"], dict):
                raise RPCMalformedResponse(f"error member is not an object: {item['error']!r:.80}",
                                           m, p)
            error = self._error(item["error"], m, p)
            if error.code in self.policy.retry_rpc_codes:
                raise _Retryable(error)
            if allow_errors:
                return error
            raise error
        if "result" not in item:
            raise RPCMalformedResponse("answer has neither 'result' nor 'error'", m, p)
        return item["result"]

    @staticmethod
    def _error(err: dict, m, p) -> RPCResponseError:
        code = err.get("code")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            raise RPCMalformedResponse(f"error code is not an integer: {code!r:.80}", m, p)
        return RPCResponseError(err.get("code"), str(err.get("message", "")), err.get("data"),
                                m, p)

