"""A fault-injecting JSON-RPC HTTP proxy for tests (loopback only).

``FaultProxy(upstream_url)`` listens on ``127.0.0.1`` (a free port) and forwards each POST to
the upstream node. Faults are queued with :meth:`FaultProxy.inject` and hit the next requests
(``times`` requests; ``times=None``: every request until :meth:`FaultProxy.clear`):

=================  ==========================================================================
kind               effect on the request
=================  ==========================================================================
``delay``          wait ``seconds`` before forwarding (a client timeout shorter than that
                   sees a timeout)
``reset``          close the connection with a TCP RST, no answer
``status``         answer HTTP ``code`` (429, 500, 503, ...), optional ``retry_after`` header
``rpc_error``      answer every call (or only those of method ``target``) with a JSON-RPC
                   error ``code``/``message``
``malformed``      answer 200 with ``body`` (default: not JSON)
``missing_field``  forward, then delete ``field`` (default ``"result"``) from every answer
``null_result``    forward, then set ``result`` to ``null`` in every answer (``method`` only)
``drop_member``    forward a batch, then drop its last answer
``chain_id``       forward, then answer ``eth_chainId`` with ``value``
``truncate``       send a ``Content-Length`` longer than the body, then close
=================  ==========================================================================

``latency`` (seconds) is added to every request (the benchmark uses 0.02). ``requests`` and
``calls`` count what reached the proxy (HTTP requests, JSON-RPC calls in them).
"""
from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class _Fault:
    def __init__(self, kind: str, times: int | None, method: str | None, **options):
        self.kind = kind
        self.times = times
        self.method = method
        self.options = options


class FaultProxy:
    """Threaded HTTP proxy in front of a JSON-RPC node, injecting faults on demand.

    Parameters
    ----------
    upstream : str
        ``http://host:port`` of the real node.
    latency : float
        Seconds added to every request.
    upstream_timeout : float
        Socket timeout towards the node.
    """

    def __init__(self, upstream: str, latency: float = 0.0, upstream_timeout: float = 10.0):
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port
        self.latency = latency
        self.upstream_timeout = upstream_timeout
        self.requests = 0
        self.calls = 0
        self.log: list[Any] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ control
    def inject(self, kind: str, times: int | None = 1, method: str | None = None,
               **options) -> None:
        """Queue a fault for the next ``times`` requests (``None``: until :meth:`clear`).

        ``method`` restricts it to requests that contain a call of that method.
        """
        with self._lock:
            self._faults.append(_Fault(kind, times, method, **options))

    def clear(self) -> None:
        """Remove every queued fault."""
        with self._lock:
            self._faults.clear()

    def retarget(self, upstream: str) -> None:
        """Forward to another node from now on (a node URL that starts answering for another
        chain or a restarted node)."""
        parts = urlsplit(upstream)
        with self._lock:
            self.upstream_host, self.upstream_port = parts.hostname, parts.port

    def reset_counts(self) -> None:
        """Zero ``requests``, ``calls`` and ``log``."""
        with self._lock:
            self.requests = 0
            self.calls = 0
            self.log.clear()

    @property
    def url(self) -> str:
        """The proxy's URL."""
        assert self._server is not None, "proxy not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        """Listen on a free loopback port, serving in a daemon thread."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                # no Nagle: a reply in two writes would wait for the client's delayed ACK
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                proxy._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (bounded: the serve loop polls every 50 ms)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ serving
    def _take_fault(self, methods: list[str]) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method is not None and fault.method not in methods:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _forward(self, body: bytes) -> bytes:
        with self._lock:
            host, port = self.upstream_host, self.upstream_port
        conn = http.client.HTTPConnection(host, port,
                                          timeout=self.upstream_timeout)
        try:
            conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
            return conn.getresponse().read()
        finally:
            conn.close()

    @staticmethod
    def _reply(handler, status: int, body: bytes, headers: dict[str, str] | None = None,
               content_length: int | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {http.client.responses.get(status, 'Status')}",
                 "Content-Type: application/json",
                 f"Content-Length: {len(body) if content_length is None else content_length}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        handler.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)  # one write
        handler.wfile.flush()

    def _handle(self, handler) -> None:
        try:
            length = int(handler.headers.get("Content-Length", "0"))
            body = handler.rfile.read(length)
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            members = doc if isinstance(doc, list) else [doc]
            methods = [m.get("method") for m in members if isinstance(m, dict)]
            with self._lock:
                self.requests += 1
                self.calls += len(methods)
                self.log.append(methods)
            if self.latency:
                time.sleep(self.latency)
            fault = self._take_fault(methods)
            kind = fault.kind if fault else None
            opts = fault.options if fault else {}
            if kind == "delay":
                time.sleep(opts.get("seconds", 1.0))
            elif kind == "reset":
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                              struct.pack("ii", 1, 0))
                handler.connection.close()
                handler.close_connection = True
                return
            elif kind == "status":
                headers = {}
                if opts.get("retry_after") is not None:
                    headers["Retry-After"] = str(opts["retry_after"])
                self._reply(handler, opts.get("code", 500), b"upstream trouble", headers)
                return
            elif kind == "rpc_error" and opts.get("target") is None:
                err = {"code": opts.get("code", -32000), "message": opts.get("message", "boom")}
                out = [{"jsonrpc": "2.0", "id": m.get("id"), "error": err} for m in members]
                self._reply(handler, 200, json.dumps(out if isinstance(doc, list)
                                                     else out[0]).encode())
                return
            elif kind == "malformed":
                self._reply(handler, 200, opts.get("body", b"<html>Bad Gateway</html>"))
                return
            elif kind == "truncate":
                self._reply(handler, 200, b'{"jsonrpc":"2.0"', content_length=1000)
                handler.close_connection = True
                return
            raw = self._forward(body)
            if kind in ("missing_field", "null_result", "drop_member", "chain_id", "rpc_error"):
                answer = json.loads(raw)
                items = answer if isinstance(answer, list) else [answer]
                by_id = {m.get("id"): m.get("method") for m in members if isinstance(m, dict)}
                for item in items:
                    method = by_id.get(item.get("id"))
                    if kind == "missing_field":
                        item.pop(opts.get("field", "result"), None)
                    elif kind == "null_result" and method == opts.get("target", method):
                        item["result"] = None
                    elif kind == "rpc_error" and method == opts["target"]:
                        item.pop("result", None)
                        item["error"] = {"code": opts.get("code", -32000),
                                         "message": opts.get("message", "boom")}
                    elif kind == "chain_id" and method == "eth_chainId":
                        item["result"] = hex(opts.get("value", 5))
                if kind == "drop_member" and isinstance(answer, list) and answer:
                    answer.pop()
                raw = json.dumps(answer).encode()
            self._reply(handler, 200, raw)
        except (BrokenPipeError, ConnectionResetError, OSError):
            handler.close_connection = True
