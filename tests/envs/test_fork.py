"""ForkEnv on a real node (anvil): state at a past block, the same transactions as the node,
a simulation replayed offline from the exported cache, snapshots, ``ETH_RPC_URL``, workers.

anvil is found as in ``tests/remote/conftest.py`` (whose helper functions are loaded here by
path): without it these tests skip with the reason, and fail under ``CI=true``.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from verbs import abi, envs, utils
from verbs._evm.tx import Tx
from verbs.envs import RevertError
from verbs.envs.cache import CacheBackend
from verbs.remote import RemoteConfigError, RPCBackend, RPCResponseError
from verbs.remote.cache import keccak256, read_account_entry, read_storage_entry
from verbs.sim import BaseAgent, Sim


def _load_fork_helpers():
    # by path, under its own name: the tests folders are not packages
    name = "verbs_tests_remote_conftest_helpers"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "remote" / "conftest.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_fork = _load_fork_helpers()
#: anvil's hardfork -> the env's EVM rules
RULES = {"osaka": "Osaka", "prague": "Prague"}
SUPPLY = 1_000_000 * 10**18
BALANCES_SLOT = 3  # SimpleERC20's storage layout: `balanceOf` mapping


# --------------------------------------------------------------------------- anvil helpers
@dataclass
class TokenChain:
    """SimpleERC20 on an anvil node, with the token balances after each block of its history."""

    node: object
    rules: str
    erc20: object
    token: bytes
    accounts: list[bytes]
    deploy_block: int
    blocks: list[int] = field(default_factory=list)
    balances: dict[int, dict[bytes, int]] = field(default_factory=dict)

    def send(self, sender: bytes, to, data: bytes, gas: int = 300_000, value: int = 0) -> dict:
        """eth_sendTransaction (automined) from an unlocked account; the receipt."""
        tx = {"from": "0x" + sender.hex(), "data": "0x" + data.hex(), "gas": hex(gas),
              "value": hex(value)}
        if to is not None:
            tx["to"] = "0x" + to.hex()
        tx_hash = self.node.call("eth_sendTransaction", tx)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            receipt = self.node.call("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return receipt
            time.sleep(0.02)
        raise AssertionError(f"transaction {tx_hash} not mined within 20 s")

    def token_balance(self, holder: bytes, block) -> int:
        data = self.erc20.balanceOf.encode([holder])
        out = self.node.call("eth_call", {"to": "0x" + self.token.hex(), "data": "0x" + data.hex()},
                             block if isinstance(block, str) else hex(block))
        return self.erc20.balanceOf.decode(bytes.fromhex(out[2:]))[0]

    def head(self) -> int:
        return int(self.node.call("eth_blockNumber"), 16)

    def record(self, block: int) -> None:
        self.balances[block] = {a: self.token_balance(a, block) for a in self.accounts}


def _artifact() -> dict:
    path = _fork.ARTIFACT
    if not path.exists():
        _fork.skip_or_fail(f"contract artifact missing: {path} (set VERBS_SHARED)")
    return json.loads(path.read_text())


def _start_node():
    binary = _fork.find_anvil()
    if binary is None:
        _fork.skip_or_fail("anvil not found on PATH or in node_modules "
                           "(run `npm install @foundry-rs/anvil` in the repository root)")
    return _fork.start_anvil(binary)


def _deploy_token_chain(node) -> TokenChain:
    """Deploy SimpleERC20 from anvil's first account, then four transfers in four blocks."""
    artifact = _artifact()
    erc20 = abi.get_abi("SimpleERC20", artifact["abi"])
    accounts = [bytes.fromhex(a[2:]) for a in node.call("eth_accounts")[:4]]
    chain = TokenChain(node=node, rules=RULES[node.hardfork], erc20=erc20, token=b"",
                       accounts=accounts, deploy_block=0)
    init = utils.hex_to_bytes(artifact["bytecode"]) + erc20.constructor.encode(
        ["Verbs Token", "VRB", SUPPLY])
    receipt = chain.send(accounts[0], None, init, gas=3_000_000)
    assert receipt["status"] == "0x1", receipt
    chain.token = bytes.fromhex(receipt["contractAddress"][2:])
    chain.deploy_block = int(receipt["blockNumber"], 16)
    chain.record(chain.deploy_block)
    a, b, c, _ = accounts
    for frm, to, value in ((a, b, 100 * 10**18), (a, c, 250 * 10**18), (b, c, 40 * 10**18),
                           (a, b, 7 * 10**18)):
        receipt = chain.send(frm, chain.token, erc20.transfer.encode([to, value]))
        assert receipt["status"] == "0x1", receipt
        block = int(receipt["blockNumber"], 16)
        chain.blocks.append(block)
        chain.record(block)
    return chain


@pytest.fixture(scope="module")
def chain():
    """A module-wide anvil with the token and its history (stopped at the end)."""
    node = _start_node()
    try:
        yield _deploy_token_chain(node)
    finally:
        node.stop()


def _storage_at(chain: TokenChain, slot: int, block="latest") -> int:
    return int(chain.node.call("eth_getStorageAt", "0x" + chain.token.hex(), hex(slot),
                               block if isinstance(block, str) else hex(block)), 16)


# --------------------------------------------------------------------------- state at a block
def test_fork_at_an_earlier_block_reads_balances_as_they_were_then(chain, tmp_path):
    for block in [chain.deploy_block] + chain.blocks[:-1]:
        env = envs.ForkEnvRandom(chain.node.url, 7, block, cache_dir=tmp_path, fork=chain.rules)
        assert env.block_number == block == env.fork_block_number
        for holder in chain.accounts:
            got = chain.erc20.balanceOf.call(env, holder, chain.token, [holder])[0][0]
            assert got == chain.balances[block][holder], (block, holder)
            a = "0x" + holder.hex()
            assert env.get_balance(holder) == int(
                chain.node.call("eth_getBalance", a, hex(block)), 16)
            assert env.evm.get_nonce(holder) == int(
                chain.node.call("eth_getTransactionCount", a, hex(block)), 16)
    # the history did move: the first and the last fork block disagree
    assert chain.balances[chain.deploy_block] != chain.balances[chain.blocks[-2]]


def test_block_env_is_the_pinned_blocks(chain):
    block = chain.blocks[1]
    header = chain.node.call("eth_getBlockByNumber", hex(block), False)
    env = envs.ForkEnvGasPriority(chain.node.url, 1, block, cache_dir=False, fork=chain.rules)
    assert env.timestamp == int(header["timestamp"], 16)
    assert env.evm.coinbase == bytes.fromhex(header["miner"][2:])
    assert env.evm.prevrandao == bytes.fromhex(header["mixHash"][2:])
    assert env.evm.chain_id == env.chain_id == int(chain.node.call("eth_chainId"), 16)
    assert env.evm.base_fee == 0  # as the empty envs, unless real_fees
    paid = envs.ForkEnvRandom(chain.node.url, 1, block, cache_dir=False, fork=chain.rules,
                              real_fees=True)
    assert paid.evm.base_fee == int(header["baseFeePerGas"], 16)
    assert paid.evm.gas_limit == int(header["gasLimit"], 16)


def test_blockhash_of_past_blocks_is_the_nodes_and_of_simulated_blocks_the_convention(chain):
    # runtime code: BLOCKHASH(calldata word) -> return it
    code = bytes.fromhex("600035406000526020 6000f3".replace(" ", ""))
    probe = utils.int_to_address(0xB10C)
    env = envs.ForkEnvRandom(chain.node.url, 3, chain.blocks[-1], cache_dir=False,
                             fork=chain.rules)
    env.evm.set_account(probe, code=code)
    env.process_block()
    env.process_block()
    past = chain.blocks[-2]
    out = env.call(probe, probe, past.to_bytes(32, "big"))[0]
    header = chain.node.call("eth_getBlockByNumber", hex(past), False)
    assert out == bytes.fromhex(header["hash"][2:])
    simulated = chain.blocks[-1] + 1
    out = env.call(probe, probe, simulated.to_bytes(32, "big"))[0]
    assert out == keccak256(str(simulated).encode())  # the empty backend's convention


# --------------------------------------------------------------------------- same as the node
def _compare_with_node(chain: TokenChain, make_env) -> None:
    """Send transactions to anvil and run them on a fork of the block before: output (the
    node's eth_call at the pre-state), gas used (the receipt's), logs and touched storage."""
    a, b, c, d = chain.accounts
    erc20 = chain.erc20
    start = chain.head()
    env = make_env(start)
    txs = [
        (b, erc20.transfer.encode([d, 3 * 10**18])),            # to a holder with nothing
        (c, erc20.approve.encode([d, 50 * 10**18])),             # a fresh allowance
        (d, erc20.transferFrom.encode([c, a, 20 * 10**18])),     # spends part of it
        (d, erc20.transfer.encode([a, 10**30])),                 # reverts: custom error
        (a, erc20.transfer.encode([b, 0])),                      # a zero transfer
    ]
    for sender, data in txs:
        pre = chain.head()
        request = {"from": "0x" + sender.hex(), "to": "0x" + chain.token.hex(),
                   "data": "0x" + data.hex()}
        try:
            node_out, node_reverted = bytes.fromhex(
                chain.node.call("eth_call", request, hex(pre))[2:]), False
        except RPCResponseError as exc:  # a revert: the node gives the revert data
            node_out, node_reverted = bytes.fromhex(exc.data[2:]), True
        try:
            touched = chain.node.call("eth_createAccessList", request, hex(pre))["accessList"]
        except RPCResponseError:  # anvil gives no access list for a revert
            touched = []
        receipt = chain.send(sender, chain.token, data)
        assert (receipt["status"] == "0x0") == node_reverted

        if node_reverted:
            with pytest.raises(RevertError) as raised:
                env.call(sender, chain.token, data)
            assert raised.value.data == node_out
            # the gas of a failed transaction: straight from the EVM, as anvil ran it
            result = env.evm.transact(Tx(sender, to=chain.token, data=data,
                                              gas_limit=300_000, gas_price=0))
            assert not result.success and bytes(result.output) == node_out
            gas, ours = result.gas_used, []
        else:
            out, logs, gas = env.execute(sender, chain.token, data)
            assert out == node_out
            ours = [(log.address, list(log.topics), log.data) for log in logs]
        assert gas == int(receipt["gasUsed"], 16), data[:4].hex()
        theirs = [(bytes.fromhex(log["address"][2:]),
                   [bytes.fromhex(t[2:]) for t in log["topics"]],
                   bytes.fromhex(log["data"][2:])) for log in receipt["logs"]]
        assert ours == theirs
        slots = {int(k, 16) for item in touched
                 if bytes.fromhex(item["address"][2:]) == chain.token
                 for k in item["storageKeys"]}
        slots |= {_fork.mapping_slot(x, BALANCES_SLOT) for x in chain.accounts}
        for slot in slots:
            assert env.evm.get_storage(chain.token, slot) == _storage_at(chain, slot), hex(slot)
    # the high-level API agrees with the last (successful) transaction too
    env2 = make_env(chain.head())
    (ok,), logs, gas = erc20.transfer.execute(env2, a, chain.token, [b, 1])
    receipt = chain.send(a, chain.token, erc20.transfer.encode([b, 1]))
    assert ok is True and gas == int(receipt["gasUsed"], 16)
    assert [(log.address, tuple(log.topics), log.data) for log in logs] == [
        (bytes.fromhex(x["address"][2:]), tuple(bytes.fromhex(t[2:]) for t in x["topics"]),
         bytes.fromhex(x["data"][2:])) for x in receipt["logs"]]


def test_transactions_match_the_node_in_output_gas_logs_and_storage(chain, tmp_path):
    # gas compared with the env's default fees (gas price 0): gas used does not depend on it
    _compare_with_node(chain, lambda block: envs.ForkEnvRandom(
        chain.node.url, 11, block, cache_dir=tmp_path, fork=chain.rules))


def test_transactions_match_the_node_without_prefetching(chain, tmp_path):
    _compare_with_node(chain, lambda block: envs.ForkEnvRandom(
        chain.node.url, 11, block, cache_dir=False, fork=chain.rules, prefetch=False))


# --------------------------------------------------------------------------- export / replay
class TransferAgent(BaseAgent):
    """Each step: read its token balance (a call) and send a random part of it to a random
    other agent (a queued transaction)."""

    def __init__(self, address: bytes, token: bytes, erc20, peers: list[bytes]):
        self.address = address
        self.token = token
        self.erc20 = erc20
        self.peers = peers
        self.balance = 0

    def update(self, rng, env):
        self.balance = self.erc20.balanceOf.call(env, self.address, self.token,
                                                 [self.address])[0][0]
        if self.balance == 0:
            return []
        to = self.peers[int(rng.integers(len(self.peers)))]
        amount = min(self.balance, int(rng.integers(1, 10**6)) * 10**14)
        return [self.erc20.transfer.transaction(self.address, self.token, [to, amount])]

    def record(self, env):
        return self.balance


def _make_agents(env, chain: TokenChain, n_fresh: int = 3) -> list[TransferAgent]:
    holders = chain.accounts[:2]  # accounts[2] holds tokens too but is no agent
    fresh = [utils.int_to_address(0xA6E0 + i) for i in range(n_fresh)]
    peers = holders + fresh
    agents = []
    for address in peers:
        agent = TransferAgent(address, chain.token, chain.erc20, peers)
        agent.deploy(env, address, 10**18)
        agents.append(agent)
    return agents


def _final_state(env, chain: TokenChain, agents) -> list:
    return [(chain.erc20.balanceOf.call(env, a.address, chain.token, [a.address])[0][0],
             env.get_balance(a.address)) for a in agents]


def test_simulation_replays_offline_from_the_exported_cache(tmp_path):
    node = _start_node()
    try:
        chain = _deploy_token_chain(node)
        block = chain.blocks[-1]
        env = envs.ForkEnvRandom(node.url, 2024, block, cache_dir=tmp_path, fork=chain.rules)
        agents = _make_agents(env, chain)
        records = Sim(99, env, agents).run(8, show_progress=False)
        final = _final_state(env, chain, agents)
        history = env.get_event_history() + env.get_last_events()
        cache = env.export_cache()
        bystander = chain.accounts[2]
        chain.erc20.balanceOf.call(env, bystander, chain.token, [bystander])
        snapshot = env.export_snapshot()
    finally:
        node.stop()
    assert sum(len(e.logs) for e in history) > 0, "the agents made transfers"

    # the node is gone: the cache alone answers every read
    replay = envs.EmptyEnvRandom(2024, cache=cache, fork=chain.rules, strict_cache=True)
    assert replay.block_number == block and replay.timestamp == cache[0]
    replay_agents = _make_agents(replay, chain)
    assert Sim(99, replay, replay_agents).run(8, show_progress=False) == records
    assert _final_state(replay, chain, replay_agents) == final
    assert replay.get_event_history() + replay.get_last_events() == history
    assert replay.cache_misses() == {"accounts": [], "storage": []}

    # so does the snapshot: what was fetched (on-chain balances never changed locally
    # included) plus the local changes
    offline = envs.EmptyEnvRandom(5, snapshot=snapshot, fork=chain.rules)
    assert _final_state(offline, chain, agents) == final
    assert offline.evm.get_code(chain.token) == env.evm.get_code(chain.token)
    # a holder the simulation read but never changed: its on-chain balance
    slot = _fork.mapping_slot(bystander, BALANCES_SLOT)
    assert env.evm.get_storage(chain.token, slot) == chain.balances[block][bystander] > 0
    assert offline.evm.get_storage(chain.token, slot) == chain.balances[block][bystander]


def test_exported_cache_reads_back_exactly_what_the_node_has(chain):
    block = chain.blocks[-1]
    env = envs.ForkEnvRandom(chain.node.url, 1, block, cache_dir=False, fork=chain.rules)
    for holder in chain.accounts:
        chain.erc20.balanceOf.call(env, holder, chain.token, [holder])
    cache = env.export_cache()
    timestamp, number, accounts, storage = cache
    assert number == block
    assert timestamp == int(chain.node.call("eth_getBlockByNumber", hex(block), False)[
        "timestamp"], 16)
    loaded = CacheBackend(cache)
    assert chain.token in loaded.accounts and len(storage) >= len(chain.accounts)
    for entry in accounts:
        address, balance, nonce, code = read_account_entry(entry)
        a = "0x" + address.hex()
        expected = (int(chain.node.call("eth_getBalance", a, hex(block)), 16),
                    int(chain.node.call("eth_getTransactionCount", a, hex(block)), 16),
                    bytes.fromhex(chain.node.call("eth_getCode", a, hex(block))[2:]))
        assert (balance, nonce, code) == expected
        assert loaded.accounts[address] == expected  # the env's reader agrees, byte orders
    for entry in storage:
        address, slot, value = read_storage_entry(entry)
        assert value == _storage_at(chain, slot, block)
        assert loaded.slots[address][slot] == value
    # values whose byte order matters were among them
    assert any(v not in (0, int.from_bytes(v.to_bytes(32, "big"), "little"))
               for v in (read_storage_entry(e)[2] for e in storage))
    # and the JSON form of the original survives a round trip
    assert utils.cache_from_json(utils.cache_to_json(cache)) == cache


def test_exported_cache_of_a_real_fee_fork_holds_what_fees_touch(chain):
    # Prague rules: under Osaka the env's real-fee gas limit (30M) exceeds EIP-7825's cap
    env = envs.ForkEnvRandom(chain.node.url, 4, chain.blocks[-1], cache_dir=False,
                             fork="Prague", real_fees=True)
    a, b = chain.accounts[:2]
    env.submit_transaction(a, chain.token, chain.erc20.transfer.encode([b, 5]), True,
                           gas_priority_fee=10**9)
    env.process_block()
    assert env.get_last_events()[0].success
    coinbase = env.evm.coinbase
    assert env.get_balance(coinbase) > (env.backend.basic(coinbase) or (0,))[0]
    cache = env.export_cache()
    assert {coinbase, a} <= {entry[0] for entry in cache[2]}
    # a strict replay finds every account it needs; the coinbase earns the same tips (the
    # cache has no base fee: the replay's is 0, so the sender pays less)
    replay = envs.EmptyEnvRandom(4, cache=cache, fork="Prague", real_fees=True,
                                 strict_cache=True)
    replay.submit_transaction(a, chain.token, chain.erc20.transfer.encode([b, 5]), True,
                              gas_priority_fee=10**9)
    replay.process_block()
    assert replay.get_balance(coinbase) == env.get_balance(coinbase)
    assert replay.get_balance(a) > env.get_balance(a)


# --------------------------------------------------------------------------- node URL
def test_no_node_url_and_no_eth_rpc_url_raises_a_clear_error(monkeypatch):
    monkeypatch.delenv("ETH_RPC_URL", raising=False)
    with pytest.raises(RemoteConfigError, match="ETH_RPC_URL"):
        envs.ForkEnvRandom(None, 1, cache_dir=False)
    with pytest.raises(ValueError, match="node_url"):  # RemoteConfigError is a ValueError
        envs.ForkEnvGasPriority(None, 1, 3, cache_dir=False)


def test_eth_rpc_url_is_used_when_node_url_is_none(chain, monkeypatch):
    monkeypatch.setenv("ETH_RPC_URL", chain.node.url)
    block = chain.blocks[0]
    env = envs.ForkEnvRandom(None, 1, block, cache_dir=False, fork=chain.rules)
    a = chain.accounts[0]
    assert chain.erc20.balanceOf.call(env, a, chain.token, [a])[0][0] == chain.balances[block][a]
    assert env.backend.rpc.stats.requests > 0


def test_a_fork_env_takes_no_snapshot_or_cache(chain):
    with pytest.raises(TypeError, match="cache"):
        envs.ForkEnvRandom(chain.node.url, 1, chain.blocks[0], cache_dir=False,
                           cache=(0, 0, [], []))


# --------------------------------------------------------------------------- round trips
def test_second_run_from_the_disk_cache_sends_no_request(chain, tmp_path):
    block = chain.blocks[-1]

    def run(**kw):
        env = envs.ForkEnvRandom(chain.node.url, 8, block, cache_dir=tmp_path,
                                 fork=chain.rules, **kw)
        agents = _make_agents(env, chain)
        records = Sim(8, env, agents).run(4, show_progress=False)
        env.flush()
        return env, records

    first, records = run()
    assert first.backend.rpc.stats.requests > 0
    again, records_again = run(chain_id=first.chain_id, trust_disk_cache=True)
    assert records_again == records
    assert again.backend.rpc.stats.requests == 0


def test_prefetching_saves_round_trips_on_the_first_transactions(chain):
    block = chain.blocks[-1]
    trips = {}
    for prefetch in (False, True):
        env = envs.ForkEnvRandom(chain.node.url, 8, block, cache_dir=False, fork=chain.rules,
                                 prefetch=prefetch)
        a, b, c = chain.accounts[:3]
        before = env.backend.rpc.stats.round_trips
        env.submit_transaction(a, chain.token, chain.erc20.transfer.encode([b, 1]), True)
        env.submit_transaction(b, chain.token, chain.erc20.transfer.encode([c, 1]), True)
        env.process_block()
        trips[prefetch] = env.backend.rpc.stats.round_trips - before
        assert all(e.success for e in env.get_last_events())
    assert trips[True] == 2  # the access lists, then everything they name
    assert trips[True] < trips[False]


def test_a_node_without_access_lists_gives_the_same_block(chain):
    block = chain.blocks[-1]
    a, b, c = chain.accounts[:3]

    def run(url):
        env = envs.ForkEnvRandom(url, 8, block, cache_dir=False, fork=chain.rules,
                                 rpc_options={"max_attempts": 1, "timeout": 5})
        env.submit_transaction(a, chain.token, chain.erc20.transfer.encode([b, 1]), True)
        env.submit_transaction(b, chain.token, chain.erc20.transfer.encode([c, 1]), True)
        env.process_block()
        balances = [chain.erc20.balanceOf.call(env, x, chain.token, [x])[0][0]
                    for x in (a, b, c)]
        return env.get_last_events(), balances, env.backend.rpc.stats.methods

    events, balances, _ = run(chain.node.url)
    with _fork.FaultProxy(chain.node.url) as proxy:
        proxy.inject("rpc_error", times=None, method="eth_createAccessList",
                     target="eth_createAccessList", code=-32601, message="method not found")
        events_without, balances_without, methods = run(proxy.url)
    assert methods.get("eth_createAccessList", 0) > 0  # asked, refused, went on lazily
    assert (events_without, balances_without) == (events, balances)
    assert all(e.success for e in events)


def test_sim_fork_runs_on_a_fork_env_at_the_block(chain):
    block = chain.blocks[1]
    a = chain.accounts[0]
    sim = Sim.fork(chain.node.url, block, 5, [], cache_dir=False, fork=chain.rules)
    assert isinstance(sim.env, envs.ForkEnvRandom) and sim.env.block_number == block
    assert chain.erc20.balanceOf.call(sim.env, a, chain.token, [a])[0][0] == \
        chain.balances[block][a]
    latest = Sim.fork(chain.node.url, 0, 5, [], gas_priority=True, cache_dir=False,
                      fork=chain.rules)  # 0: the latest block, as the original
    assert isinstance(latest.env, envs.ForkEnvGasPriority)
    assert latest.env.block_number == chain.head()


# --------------------------------------------------------------------------- workers
_WORKER_ENV = None


def _balance_in_worker(env, seed, n_steps, holder_index):
    # runs in a fork()-ed worker: reads through the fork env inherited from the parent
    fork_env = _WORKER_ENV
    holder = utils.int_to_address(0xF00D00 + holder_index)
    token = fork_env._test_token
    return fork_env._test_erc20.balanceOf.call(fork_env, holder, token, [holder])[0][0]


def test_fetches_of_a_forked_batch_worker_reach_the_disk_cache(chain, tmp_path):
    global _WORKER_ENV
    from verbs.batch_runner import batch_run

    block = chain.blocks[-1]
    env = envs.ForkEnvRandom(chain.node.url, 1, block, cache_dir=tmp_path, fork=chain.rules,
                             prefetch=False)
    env._test_token, env._test_erc20 = chain.token, chain.erc20
    _WORKER_ENV = env
    try:
        results = batch_run(_balance_in_worker, n_steps=0, n_samples=1, n_jobs=2,
                            parameters_samples=[{"holder_index": 1}, {"holder_index": 2}],
                            show_progress=False, raise_errors=True)
    finally:
        _WORKER_ENV = None
    assert [r["samples"] for r in results] == [[0], [0]]
    # the parent never read those slots: only the workers' saves can have put them on disk
    cached = RPCBackend(chain.node.url, block, cache_dir=tmp_path, chain_id=env.chain_id,
                        trust_disk_cache=True)
    for i in (1, 2):
        holder = utils.int_to_address(0xF00D00 + i)
        assert cached.storage(chain.token, _fork.mapping_slot(holder, BALANCES_SLOT)) == 0
    assert cached.rpc.stats.requests == 0
