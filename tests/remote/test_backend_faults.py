"""RPCBackend under faults: retries where they help, clear errors otherwise, sound caches."""
from __future__ import annotations

import json

import pytest

from verbs.remote import (
    BlockNotAvailableError,
    ChainMismatchError,
    RemoteConfigError,
    RetryPolicy,
    RPCBackend,
    RPCHTTPError,
    RPCMalformedResponse,
    RPCResponseError,
    RPCTimeoutError,
)
from verbs.remote.disk import CacheData

FAST = RetryPolicy(timeout=2.0, max_attempts=3, total_timeout=10.0, backoff_initial=0.01,
                   backoff_max=0.05)


def make(proxy, chain, tmp_path, block=None, **kw):
    block = chain.blocks[1] if block is None else block
    return RPCBackend(proxy.url, block_number=block, cache_dir=tmp_path, policy=FAST, **kw)


def test_no_url_and_no_env_var_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("ETH_RPC_URL", raising=False)
    with pytest.raises(RemoteConfigError, match="ETH_RPC_URL"):
        RPCBackend()


def test_node_url_defaults_to_eth_rpc_url(erc20_chain, monkeypatch, tmp_path):
    monkeypatch.setenv("ETH_RPC_URL", erc20_chain.url)
    b = RPCBackend(block_number=erc20_chain.blocks[0], cache_dir=tmp_path)
    assert b.chain_id == erc20_chain.chain_id


@pytest.mark.parametrize("block", [-1, 1.5, "12"])
def test_bad_block_numbers_are_config_errors(erc20_chain, block):
    with pytest.raises(RemoteConfigError):
        RPCBackend(erc20_chain.url, block_number=block, cache_dir=False)


def test_a_block_the_node_does_not_have_is_a_clear_error(erc20_chain, tmp_path):
    with pytest.raises(BlockNotAvailableError, match="no block"):
        RPCBackend(erc20_chain.url, block_number=10**9, cache_dir=tmp_path)


def test_wrong_expected_chain_id_is_refused_at_creation(erc20_chain, tmp_path):
    with pytest.raises(ChainMismatchError, match="expected 1"):
        RPCBackend(erc20_chain.url, block_number=erc20_chain.blocks[0], chain_id=1,
                   cache_dir=tmp_path)


def test_retryable_faults_are_invisible_to_the_backend_user(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[1]
    b = make(proxy, chain, tmp_path)
    a = chain.accounts[0]
    proxy.inject("reset")
    assert b.basic(a)[0] == chain.eth[block][a]
    proxy.inject("status", code=429, retry_after=0)
    assert b.storage(chain.token, chain.balance_key(a)) == chain.balances[block][a]
    proxy.inject("status", code=502)
    assert b.block_hash(chain.deploy_block) == chain.hashes[chain.deploy_block]
    proxy.inject("rpc_error", code=-32005, message="rate limited")
    assert b.basic(chain.accounts[1])[0] == chain.eth[block][chain.accounts[1]]
    # the reset hit a kept-alive connection: an immediate reconnect, not a backoff retry
    assert (b.rpc.stats.reconnects, b.rpc.stats.retries) == (1, 3)
    assert b.rpc.stats.round_trips == b.rpc.stats.batches + 4


def test_timeout_during_a_fetch_is_retried(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = RPCBackend(proxy.url, block_number=chain.blocks[1], cache_dir=tmp_path,
                   policy=RetryPolicy(timeout=1.5, max_attempts=3, total_timeout=20,
                                      backoff_initial=0.01))
    proxy.inject("delay", seconds=3.0)  # generous: the retry must answer within the timeout
    assert b.basic(chain.token) is not None
    assert b.rpc.stats.retries == 1


def test_persistent_timeouts_raise_and_leave_nothing_recorded(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = RPCBackend(proxy.url, block_number=chain.blocks[1], cache_dir=tmp_path,
                   policy=RetryPolicy(timeout=0.2, max_attempts=2, total_timeout=5,
                                      backoff_initial=0.01))
    proxy.inject("delay", times=None, seconds=0.5)
    with pytest.raises(RPCTimeoutError, match="eth_getBalance"):
        b.basic(chain.token)
    proxy.clear()
    assert b.export_cache()[2] == [] and b.flush() is None


def test_null_balance_is_an_error_not_zero(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    proxy.inject("null_result", target="eth_getBalance")
    with pytest.raises(RPCMalformedResponse, match="balance"):
        b.basic(chain.accounts[0])
    assert b.basic(chain.accounts[0])[0] == chain.eth[chain.blocks[1]][chain.accounts[0]]


def test_null_storage_value_is_an_error_not_zero(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    b.basic(chain.token)
    proxy.inject("null_result", target="eth_getStorageAt")
    with pytest.raises(RPCMalformedResponse, match="storage value") as info:
        b.storage(chain.token, 3)
    assert info.value.method == "eth_getStorageAt"


def test_missing_result_field_is_an_error(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    proxy.inject("missing_field", field="result")
    with pytest.raises(RPCMalformedResponse, match="neither 'result' nor 'error'"):
        b.basic(chain.token)


def test_malformed_header_at_creation_is_an_error(proxy, erc20_chain, tmp_path):
    proxy.inject("malformed", body=json.dumps(
        [{"jsonrpc": "2.0", "id": 1, "result": "0x7a69"},
         {"jsonrpc": "2.0", "id": 2, "result": {"number": "0x2"}}]).encode())
    with pytest.raises(RPCMalformedResponse, match="block lacks field"):
        make(proxy, erc20_chain, tmp_path)


def test_json_rpc_error_names_the_call(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    proxy.inject("rpc_error", code=-32000, message="missing trie node",
                 target="eth_getStorageAt")
    with pytest.raises(RPCResponseError, match="missing trie node") as info:
        b.storage(chain.token, 5)
    assert info.value.method == "eth_getStorageAt"
    assert info.value.params[0] == "0x" + chain.token.hex()
    assert "eth_getStorageAt" in str(info.value) and chain.token.hex() in str(info.value)


def test_persistent_server_errors_raise_http_error(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    proxy.inject("status", times=None, code=500)
    with pytest.raises(RPCHTTPError) as info:
        b.basic(chain.token)
    assert info.value.status == 500 and b.rpc.stats.round_trips == 1 + 3


def test_node_answering_for_another_chain_id_is_a_clear_error(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    proxy.inject("chain_id", times=None, value=5)
    with pytest.raises(ChainMismatchError, match="now answers for chain 5"):
        b.basic(chain.token)


def test_url_switched_to_another_chain_is_a_clear_error(proxy, erc20_chain, anvil_factory,
                                                        tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    b.basic(chain.accounts[0])
    other = anvil_factory(["--chain-id", "999"])
    proxy.retarget(other.url)
    with pytest.raises(ChainMismatchError, match="chain 999"):
        b.basic(chain.token)


def test_restarted_node_with_the_same_chain_id_is_detected_by_block_hash(proxy, erc20_chain,
                                                                        anvil_factory, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path, block=0)
    other = anvil_factory()
    proxy.retarget(other.url)  # a fresh anvil: same chain id, block 0 has another hash
    with pytest.raises(BlockNotAvailableError, match="does not have block 0"):
        b.basic(chain.token)


def test_pin_by_number_works_where_block_hash_params_are_not_offered(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[0]
    b = RPCBackend(chain.url, block_number=block, cache_dir=tmp_path, pin_by_hash=False,
                   verify_chain=False)
    a = chain.accounts[0]
    assert b.storage(chain.token, chain.balance_key(a)) == chain.balances[block][a]
    assert b.rpc.stats.methods.get("eth_chainId") == 1  # only at creation


def test_access_list_fallback_prefetches_sender_and_target(proxy, erc20_chain, tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    proxy.inject("rpc_error", method="eth_createAccessList", code=-32601,
                 message="the method eth_createAccessList does not exist")
    assert b.prefetch_for_tx(chain.accounts[0], chain.token, b"") == []
    assert isinstance(b.last_access_list_error, RPCResponseError)
    trips = b.rpc.stats.round_trips
    b.basic(chain.accounts[0]), b.basic(chain.token)
    assert b.rpc.stats.round_trips == trips


def test_failed_fetches_leave_the_cache_file_complete_and_without_them(proxy, erc20_chain,
                                                                      tmp_path):
    chain = erc20_chain
    b = make(proxy, chain, tmp_path)
    b.basic(chain.token)
    b.storage(chain.token, 1)
    proxy.inject("malformed", body=b"garbage")
    with pytest.raises(RPCMalformedResponse):
        b.prefetch([], [(chain.token, s) for s in range(10, 20)])
    proxy.inject("null_result", target="eth_getStorageAt")
    with pytest.raises(RPCMalformedResponse):
        b.prefetch([], [(chain.token, s) for s in range(20, 30)])
    path = b.flush()
    data = CacheData.from_json(json.loads(path.read_text()))
    assert set(data.storage) == {(chain.token, 1)}
    assert list(path.parent.glob("*.tmp")) == []
