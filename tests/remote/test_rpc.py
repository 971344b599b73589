"""RPCClient through the fault proxy: batches, stats, retries and clear errors."""
from __future__ import annotations

import pytest

from verbs.remote import (
    RemoteConfigError,
    RetryPolicy,
    RPCClient,
    RPCHTTPError,
    RPCMalformedResponse,
    RPCResponseError,
    RPCTimeoutError,
    RPCTransportError,
)

FAST = dict(backoff_initial=0.01, backoff_max=0.05)


def client(url, **kw):
    options = dict(timeout=5.0, max_attempts=4, total_timeout=20.0, **FAST)
    options.update(kw)
    return RPCClient(url, RetryPolicy(**options), seed=1)


def test_single_call_and_batch_count_requests_and_round_trips(proxy):
    c = client(proxy.url)
    assert c.call("eth_chainId") == "0x7a69"
    results = c.batch([("eth_chainId", []), ("eth_blockNumber", []), ("net_version", [])])
    assert results[0] == "0x7a69" and len(results) == 3
    s = c.stats
    assert (s.requests, s.batches, s.round_trips, s.retries) == (4, 2, 2, 0)
    assert s.methods["eth_chainId"] == 2
    assert proxy.requests == 2 and proxy.calls == 4


def test_batch_results_follow_call_order(proxy, erc20_chain):
    c = client(proxy.url)
    calls = [("eth_getBlockByNumber", [hex(n), False]) for n in (3, 1, 2)]
    assert [int(r["number"], 16) for r in c.batch(calls)] == [3, 1, 2]


def test_timeout_is_retried_and_succeeds(proxy):
    c = client(proxy.url, timeout=1.5)  # generous: the retry must answer within it
    proxy.inject("delay", seconds=3.0)
    assert c.call("eth_chainId") == "0x7a69"
    assert (c.stats.round_trips, c.stats.retries) == (2, 1)


def test_timeouts_on_every_attempt_end_in_a_timeout_error(proxy):
    c = client(proxy.url, timeout=0.2, max_attempts=3)
    proxy.inject("delay", times=None, seconds=0.6)
    with pytest.raises(RPCTimeoutError, match="eth_chainId") as info:
        c.call("eth_chainId")
    assert "3 attempt" in str(info.value)
    assert c.stats.round_trips == 3 and c.stats.errors == 1


def test_total_timeout_bounds_the_attempts(proxy):
    c = client(proxy.url, timeout=0.2, max_attempts=100, total_timeout=0.5)
    proxy.inject("delay", times=None, seconds=0.6)
    with pytest.raises(RPCTimeoutError):
        c.call("eth_chainId")
    assert c.stats.round_trips < 100


def test_connection_reset_is_retried(proxy):
    c = client(proxy.url)
    proxy.inject("reset", times=2)
    assert c.call("eth_chainId") == "0x7a69"
    assert c.stats.retries == 2


def test_truncated_answer_is_retried(proxy):
    c = client(proxy.url)
    proxy.inject("truncate")
    assert c.call("eth_chainId") == "0x7a69"
    assert c.stats.retries == 1


def test_resets_on_every_attempt_end_in_a_transport_error(proxy):
    c = client(proxy.url, max_attempts=3)
    proxy.inject("reset", times=None)
    with pytest.raises(RPCTransportError, match="connection"):
        c.call("eth_blockNumber")
    assert c.stats.round_trips == 3


def test_connection_refused_ends_in_a_transport_error(anvil):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        c = client(f"http://127.0.0.1:{port}", max_attempts=2)
        with pytest.raises(RPCTransportError):
            c.call("eth_chainId")
    assert c.stats.round_trips == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_retried(proxy, status):
    c = client(proxy.url)
    proxy.inject("status", times=2, code=status, retry_after=0 if status == 429 else None)
    assert c.call("eth_chainId") == "0x7a69"
    assert c.stats.retries == 2


def test_persistent_server_error_raises_http_error_with_status(proxy):
    c = client(proxy.url, max_attempts=3)
    proxy.inject("status", times=None, code=503)
    with pytest.raises(RPCHTTPError) as info:
        c.call("eth_getBalance", ["0x" + "00" * 20, "latest"])
    assert info.value.status == 503
    assert info.value.method == "eth_getBalance"
    assert c.stats.round_trips == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(proxy, status):
    c = client(proxy.url)
    proxy.inject("status", code=status)
    with pytest.raises(RPCHTTPError) as info:
        c.call("eth_chainId")
    assert info.value.status == status and c.stats.round_trips == 1


def test_json_rpc_error_names_method_and_params_and_is_not_retried(proxy):
    c = client(proxy.url)
    with pytest.raises(RPCResponseError) as info:
        c.call("eth_getBalance", ["not-an-address", "latest"])
    assert info.value.method == "eth_getBalance"
    assert info.value.params == ["not-an-address", "latest"]
    assert "not-an-address" in str(info.value) and info.value.code is not None
    assert c.stats.round_trips == 1


def test_unknown_method_raises_response_error(proxy):
    c = client(proxy.url)
    with pytest.raises(RPCResponseError, match="eth_noSuchMethod"):
        c.call("eth_noSuchMethod")


def test_injected_json_rpc_error(proxy):
    c = client(proxy.url)
    proxy.inject("rpc_error", code=-32000, message="missing trie node")
    with pytest.raises(RPCResponseError, match="missing trie node") as info:
        c.call("eth_chainId")
    assert info.value.code == -32000 and c.stats.round_trips == 1


def test_rate_limit_json_rpc_error_is_retried(proxy):
    c = client(proxy.url)
    proxy.inject("rpc_error", code=-32005, message="limit exceeded")
    assert c.call("eth_chainId") == "0x7a69"
    assert c.stats.retries == 1


def test_batch_errors_can_be_returned_in_place(proxy):
    c = client(proxy.url)
    out = c.batch([("eth_chainId", []), ("eth_noSuchMethod", [])], allow_errors=True)
    assert out[0] == "0x7a69" and isinstance(out[1], RPCResponseError)
    with pytest.raises(RPCResponseError, match="eth_noSuchMethod"):
        c.batch([("eth_chainId", []), ("eth_noSuchMethod", [])])


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"", b'{"jsonrpc": "2.0",'])
def test_non_json_answer_raises_malformed_and_is_not_retried(proxy, body):
    c = client(proxy.url)
    proxy.inject("malformed", body=body)
    with pytest.raises(RPCMalformedResponse, match="not JSON"):
        c.call("eth_chainId")
    assert c.stats.round_trips == 1


def test_answer_without_result_raises_malformed(proxy):
    c = client(proxy.url)
    proxy.inject("missing_field", field="result")
    with pytest.raises(RPCMalformedResponse, match="neither 'result' nor 'error'"):
        c.call("eth_blockNumber")


def test_answer_without_id_raises_malformed(proxy):
    c = client(proxy.url)
    proxy.inject("missing_field", field="id")
    with pytest.raises(RPCMalformedResponse, match="id"):
        c.batch([("eth_chainId", []), ("eth_blockNumber", [])])


def test_batch_answer_missing_a_member_raises_malformed(proxy):
    c = client(proxy.url)
    proxy.inject("drop_member")
    with pytest.raises(RPCMalformedResponse, match="missing: \\['eth_blockNumber'\\]"):
        c.batch([("eth_chainId", []), ("eth_blockNumber", [])])


def test_wrong_shape_answers_raise_malformed(proxy):
    c = client(proxy.url)
    proxy.inject("malformed", body=b'"just a string"')
    with pytest.raises(RPCMalformedResponse):
        c.batch([("eth_chainId", []), ("eth_blockNumber", [])])
    proxy.inject("malformed", body=b'{"jsonrpc":"2.0","id":999,"result":"0x1"}')
    with pytest.raises(RPCMalformedResponse, match="does not match"):
        c.call("eth_chainId")


def test_latency_is_added_per_request_and_does_not_change_answers(proxy):
    proxy.latency = 0.02
    c = client(proxy.url)
    for _ in range(3):
        assert c.call("eth_chainId") == "0x7a69"
    assert proxy.requests == 3 and c.stats.retries == 0


def test_stats_reset(proxy):
    c = client(proxy.url)
    c.call("eth_chainId")
    c.stats.reset()
    assert c.stats.as_dict()["requests"] == 0 and c.stats.methods == {}


@pytest.mark.parametrize("url", ["ftp://x", "localhost:8545", "", "http://"])
def test_bad_urls_are_config_errors(url):
    with pytest.raises(RemoteConfigError):
        RPCClient(url)


def test_error_messages_do_not_leak_the_url_path(proxy):
    c = client(proxy.url + "/v2/SECRETKEY", max_attempts=1)
    proxy.inject("status", code=500)
    with pytest.raises(RPCHTTPError) as info:
        c.call("eth_chainId")
    assert "SECRETKEY" not in str(info.value)


def test_a_closed_keep_alive_connection_is_reopened_at_once(proxy):
    c = client(proxy.url)
    c.call("eth_chainId")
    proxy.inject("reset")  # hits the kept-alive connection, as an idle-timeout close would
    assert c.call("eth_chainId") == "0x7a69"
    assert (c.stats.reconnects, c.stats.retries, c.stats.round_trips) == (1, 0, 3)


# found by tests/fuzz/decoders.py: unhashable ids and error codes raised TypeError
@pytest.mark.parametrize("raw, single, message", [
    (b'[{"jsonrpc": "2.0", "id": [1], "result": "0x1"}, {"id": 2, "result": "0x2"}]', False,
     "batch member id is not a number or string"),
    (b'[{"jsonrpc": "2.0", "id": {"a": 1}, "result": "0x1"}]', False,
     "batch member id is not a number or string"),
    (b'{"jsonrpc": "2.0", "id": 1, "error": {"code": [1], "message": "x"}}', True,
     "error code is not an integer"),
    (b'{"jsonrpc": "2.0", "id": 1, "error": {"code": {"c": 1}, "message": "x"}}', True,
     "error code is not an integer"),
    (b'[{"id": 1, "result": "0x1"}, {"id": 2, "error": {"code": "-32000"}}]', False,
     "error code is not an integer"),
])
def test_malformed_reply_members_are_malformed_responses(raw, single, message):
    c = RPCClient("http://127.0.0.1:9")
    calls = [("eth_blockNumber", [])] if single else [("eth_blockNumber", []),
                                                      ("eth_chainId", [])]
    ids = [1] if single else [1, 2]
    with pytest.raises(RPCMalformedResponse, match=message):
        c._decode(200, {}, raw, calls, ids, single, False, calls[0][0], calls[0][1])


def test_well_formed_error_reply_is_a_response_error():
    c = RPCClient("http://127.0.0.1:9")
    raw = b'{"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad"}}'
    with pytest.raises(RPCResponseError) as info:
        c._decode(200, {}, raw, [("eth_call", [])], [1], True, False, "eth_call", [])
    assert info.value.code == -32602
