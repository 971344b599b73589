"""RPCBackend against a real anvil: historical state, block env, counts, cache export."""
from __future__ import annotations

import pytest

from verbs.primitives import EMPTY_CODE_HASH, keccak256
from verbs.remote import RPCBackend
from verbs.remote.cache import read_account_entry, read_storage_entry


def backend(chain, block, tmp_path, **kw):
    return RPCBackend(chain.url, block_number=block, cache_dir=tmp_path, **kw)


def test_token_balances_at_every_earlier_block_are_as_they_were_then(erc20_chain, tmp_path):
    chain = erc20_chain
    for block in [chain.deploy_block, *chain.blocks]:
        b = backend(chain, block, tmp_path / str(block))
        for holder in chain.accounts:
            assert b.storage(chain.token, chain.balance_key(holder)) == \
                chain.balances[block][holder], (block, holder.hex())


def test_balances_differ_between_blocks_so_the_pin_matters(erc20_chain, tmp_path):
    chain = erc20_chain
    a = chain.accounts[0]
    first, last = chain.blocks[0], chain.blocks[-1]
    assert chain.balances[first][a] != chain.balances[last][a]
    assert backend(chain, first, tmp_path / "1").storage(chain.token, chain.balance_key(a)) \
        == chain.balances[first][a]
    assert backend(chain, last, tmp_path / "2").storage(chain.token, chain.balance_key(a)) \
        == chain.balances[last][a]


def test_basic_gives_balance_nonce_and_code_as_of_the_pinned_block(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[1]
    b = backend(chain, block, tmp_path)
    sender = chain.accounts[0]
    balance, nonce, code = b.basic(sender)
    assert (balance, nonce, code) == (chain.eth[block][sender], chain.nonces[block][sender], b"")
    token = b.basic(chain.token)
    assert token == (0, 1, chain.runtime_code)


def test_account_created_later_is_absent_at_an_earlier_block(erc20_chain, tmp_path):
    chain = erc20_chain
    b = backend(chain, chain.deploy_block - 1, tmp_path)
    assert b.basic(chain.token) is None
    assert b.storage(chain.token, chain.balance_key(chain.accounts[0])) == 0


def test_ether_transfer_changes_balance_and_nonce_only_from_its_block(erc20_chain, tmp_path):
    chain = erc20_chain
    a, d = chain.accounts[0], chain.accounts[3]
    before = backend(chain, chain.blocks[-1], tmp_path / "before")
    after = backend(chain, chain.head, tmp_path / "after")
    assert after.basic(d)[0] == before.basic(d)[0] + 10**18
    assert after.basic(a)[1] == before.basic(a)[1] + 1


def test_block_env_matches_the_header_of_the_pinned_block(erc20_chain, anvil, tmp_path):
    chain = erc20_chain
    block = chain.blocks[2]
    env = backend(chain, block, tmp_path).block_env
    header = anvil.call("eth_getBlockByNumber", hex(block), False)
    assert env.number == block
    assert env.chain_id == chain.chain_id
    assert env.hash == chain.hashes[block]
    assert env.timestamp == int(header["timestamp"], 16)
    assert env.prevrandao == bytes.fromhex(header["mixHash"][2:])
    assert env.coinbase == bytes.fromhex(header["miner"][2:])
    assert env.gas_limit == int(header["gasLimit"], 16)
    assert env.base_fee == int(header["baseFeePerGas"], 16)
    assert env.excess_blob_gas == int(header["excessBlobGas"], 16)
    kwargs = env.set_block_kwargs()
    assert kwargs["number"] == block and kwargs["prevrandao"] == env.prevrandao


def test_latest_is_pinned_at_creation_and_later_blocks_do_not_move_it(erc20_chain, anvil,
                                                                        tmp_path):
    chain = erc20_chain
    b = RPCBackend(chain.url, cache_dir=tmp_path)
    pinned = b.block_number
    a = chain.accounts[0]
    balance = b.basic(a)[0]
    anvil.call("evm_mine")
    assert int(anvil.call("eth_blockNumber"), 16) == pinned + 1
    assert b.block_number == pinned
    assert RPCBackend(chain.url, block_number=pinned, cache_dir=False).basic(a)[0] == balance


def test_block_hashes_come_from_the_node_up_to_the_pinned_block(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[-1]
    b = backend(chain, block, tmp_path)
    for n in [chain.deploy_block, *chain.blocks]:
        assert b.block_hash(n) == chain.hashes[n]
    from verbs.remote import BlockNotAvailableError
    with pytest.raises(BlockNotAvailableError, match="after the fork block"):
        b.block_hash(block + 1)


def test_basic_is_one_round_trip_and_repeats_are_free(erc20_chain, tmp_path):
    chain = erc20_chain
    b = backend(chain, chain.blocks[0], tmp_path)
    assert b.rpc.stats.round_trips == 1 and b.rpc.stats.requests == 2  # chainId + header
    b.basic(chain.token)
    assert b.rpc.stats.round_trips == 2
    assert b.rpc.stats.requests == 2 + 4  # chainId + balance + nonce + code
    b.basic(chain.token)
    b.storage(chain.token, chain.balance_key(chain.accounts[0]))
    b.storage(chain.token, chain.balance_key(chain.accounts[0]))
    assert b.rpc.stats.round_trips == 3
    assert b.stats["memory_hits"] == 2


def test_storage_of_an_unseen_account_fetches_the_account_in_the_same_round_trip(erc20_chain,
                                                                               tmp_path):
    chain = erc20_chain
    b = backend(chain, chain.blocks[0], tmp_path)
    before = b.rpc.stats.as_dict()
    b.storage(chain.token, 2)
    after = b.rpc.stats.as_dict()
    assert after["round_trips"] - before["round_trips"] == 1
    assert after["requests"] - before["requests"] == 5
    cache = b.export_cache()
    assert [e[0] for e in cache[2]] == [chain.token]


def test_erc20_balance_of_and_transfer_access_pattern_counts(erc20_chain, tmp_path):
    """The Backend calls an EVM makes for a first balanceOf and then a transfer."""
    chain = erc20_chain
    a, b_addr = chain.accounts[0], chain.accounts[1]
    b = backend(chain, chain.blocks[-1], tmp_path)
    start = b.rpc.stats.as_dict()
    # balanceOf(a): the caller, the token, one slot
    b.basic(a)
    b.basic(chain.token)
    b.storage(chain.token, chain.balance_key(a))
    mid = b.rpc.stats.as_dict()
    # transfer(a -> b): the sender's slot (cached), the recipient's slot (new)
    b.basic(a)
    b.basic(chain.token)
    b.storage(chain.token, chain.balance_key(a))
    b.storage(chain.token, chain.balance_key(b_addr))
    end = b.rpc.stats.as_dict()
    assert (mid["round_trips"] - start["round_trips"], mid["requests"] - start["requests"]) \
        == (3, 10)
    assert (end["round_trips"] - mid["round_trips"], end["requests"] - mid["requests"]) == (1, 2)


def test_prefetch_fetches_everything_missing_in_one_round_trip(erc20_chain, tmp_path):
    chain = erc20_chain
    b = backend(chain, chain.blocks[-1], tmp_path)
    before = b.rpc.stats.round_trips
    keys = [(chain.token, chain.balance_key(h)) for h in chain.accounts]
    assert b.prefetch(chain.accounts, keys) == 5 + 4
    assert b.rpc.stats.round_trips == before + 1
    assert b.prefetch(chain.accounts, keys) == 0
    assert b.rpc.stats.round_trips == before + 1
    for h in chain.accounts:
        assert b.storage(chain.token, chain.balance_key(h)) == chain.balances[chain.blocks[-1]][h]
    assert b.rpc.stats.round_trips == before + 1


def test_prefetch_splits_batches_past_max_batch_size(erc20_chain, tmp_path):
    chain = erc20_chain
    b = backend(chain, chain.blocks[-1], tmp_path, max_batch_size=4)
    before = b.rpc.stats.round_trips
    b.prefetch([], [(chain.token, s) for s in range(6)])  # 3 + 6 calls + chain id = 10
    assert b.rpc.stats.round_trips == before + 3


def test_prefetch_for_tx_uses_the_access_list_so_the_call_needs_no_more_requests(erc20_chain,
                                                                                tmp_path):
    from eth_abi import encode
    chain = erc20_chain
    a, c = chain.accounts[0], chain.accounts[2]
    b = backend(chain, chain.blocks[-1], tmp_path)
    data = bytes.fromhex("a9059cbb") + encode(["address", "uint256"], ["0x" + c.hex(), 1])
    access = b.prefetch_for_tx(a, chain.token, data)
    assert b.last_access_list_error is None
    slots = {s for addr, keys in access if addr == chain.token for s in keys}
    assert {chain.balance_key(a), chain.balance_key(c)} <= slots
    trips = b.rpc.stats.round_trips
    b.basic(a), b.basic(chain.token)
    b.storage(chain.token, chain.balance_key(a)), b.storage(chain.token, chain.balance_key(c))
    assert b.rpc.stats.round_trips == trips


def test_access_lists_gives_one_list_per_transaction_in_one_round_trip(erc20_chain,
                                                                       tmp_path):
    from eth_abi import encode
    chain = erc20_chain
    a, c = chain.accounts[0], chain.accounts[2]
    b = backend(chain, chain.blocks[-1], tmp_path)
    transfer = bytes.fromhex("a9059cbb") + encode(["address", "uint256"], ["0x" + c.hex(), 1])
    too_much = bytes.fromhex("a9059cbb") + encode(["address", "uint256"],
                                                  ["0x" + c.hex(), 1 << 255])
    trips = b.rpc.stats.round_trips
    ok, reverted = b.access_lists([(a, chain.token, transfer, 0),
                                   (a, chain.token, too_much, 0)])
    assert b.rpc.stats.round_trips == trips + 1
    slots = {s for addr, keys in ok if addr == chain.token for s in keys}
    assert {chain.balance_key(a), chain.balance_key(c)} <= slots
    assert reverted == []  # the node fails it (a revert there): no hint, no error


def test_is_cached_is_false_before_a_fetch_and_true_after(erc20_chain, tmp_path):
    chain = erc20_chain
    b = backend(chain, chain.blocks[-1], tmp_path)
    assert not b.is_cached(chain.token)
    trips = b.rpc.stats.round_trips
    assert not b.is_cached("0x" + chain.token.hex())
    assert b.rpc.stats.round_trips == trips  # asking never fetches
    b.basic(chain.token)
    assert b.is_cached(chain.token)


def test_export_cache_has_the_original_verbs_shape_and_byte_orders(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[0]
    b = backend(chain, block, tmp_path)
    a = chain.accounts[0]
    b.basic(a)
    b.basic(chain.token)
    b.storage(chain.token, chain.balance_key(a))
    timestamp, number, accounts, storage = b.export_cache()
    assert (timestamp, number) == (b.block_env.timestamp, block)
    assert [e[0] for e in accounts] == [a, chain.token]
    (addr, (bal, nonce, code_hash, code)) = accounts[1]
    assert len(bal) == 32 and bal == (0).to_bytes(32, "little")
    assert nonce == 1 and code_hash == keccak256(chain.runtime_code)
    assert code == chain.runtime_code + b"\0" * 33
    eoa = accounts[0][1]
    assert eoa[0] == chain.eth[block][a].to_bytes(32, "little")
    assert eoa[2] == EMPTY_CODE_HASH and eoa[3] == b"\0" * 33
    assert read_account_entry(accounts[1]) == (chain.token, 0, 1, chain.runtime_code)
    assert read_storage_entry(storage[0]) == (chain.token, chain.balance_key(a),
                                              chain.balances[block][a])
    assert storage[0][1] == chain.balance_key(a).to_bytes(32, "little")


def test_block_env_reads_as_a_mapping_too(erc20_chain, tmp_path):
    env = backend(erc20_chain, erc20_chain.blocks[0], tmp_path).block_env
    assert env["chain_id"] == env.chain_id and env.get("excess_blob_gas") == env.excess_blob_gas
    assert env.get("no_such_field", 7) == 7
    assert dict(env)["number"] == erc20_chain.blocks[0]
    with pytest.raises(KeyError):
        env["no_such_field"]


def test_threads_sharing_a_backend_get_correct_values(erc20_chain, tmp_path):
    import threading
    chain = erc20_chain
    block = chain.blocks[-1]
    b = backend(chain, block, tmp_path)
    errors, results = [], {}

    def work(i):
        try:
            for h in chain.accounts:
                results[(i, h)] = b.storage(chain.token, chain.balance_key(h))
            b.storage(chain.token, 1000 + i)
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert all(v == chain.balances[block][h] for (_, h), v in results.items())
    assert len(results) == 6 * len(chain.accounts)
