"""Fixtures for the node-client tests (verbs.remote): a real anvil node with an ERC20.

anvil is looked for on ``PATH``, then in the repository's ``node_modules`` (install it with
``npm install @foundry-rs/anvil`` at the repository root). Without it the node tests skip with
the reason, except under ``CI=true``, where they fail.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from verbs.remote.rpc import RetryPolicy, RPCClient

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("VERBS_SHARED", REPO.parent / "shared"))
ARTIFACT = SHARED / "contracts" / "build" / "SimpleERC20.opt.json"


def _load_proxy_module():
    # by path: the tests folders are not packages, and "proxy" is too common a module name
    import importlib.util
    name = "verbs_tests_remote_proxy"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("proxy.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


FaultProxy = _load_proxy_module().FaultProxy


def in_ci() -> bool:
    """Whether the tests run under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(message: str) -> None:
    """Skip with ``message``, or fail under CI."""
    if in_ci():
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


def find_anvil() -> str | None:
    """The anvil executable: PATH, else node_modules (the native binary before the wrapper)."""
    found = shutil.which("anvil")
    if found:
        return found
    modules = REPO / "node_modules"
    for native in sorted((modules / "@foundry-rs").glob("anvil-*/bin/anvil")):
        if os.access(native, os.X_OK):
            return str(native)
    wrapper = modules / ".bin" / "anvil"
    if wrapper.exists() and shutil.which("node"):
        return str(wrapper)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AnvilNode:
    """A running anvil on 127.0.0.1 (started by :func:`start_anvil`)."""

    def __init__(self, proc: subprocess.Popen, url: str, hardfork: str):
        self.proc = proc
        self.url = url
        self.hardfork = hardfork
        self.client = RPCClient(url, RetryPolicy(timeout=10, max_attempts=1, total_timeout=30))

    def call(self, method: str, *params):
        return self.client.call(method, list(params))

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_anvil(binary: str, hardforks=("osaka", "prague"), startup_timeout: float = 30.0,
                extra_args=()) -> AnvilNode:
    """Start anvil on a free loopback port and wait (bounded) until it answers."""
    errors = []
    for hardfork in hardforks:
        for _ in range(3):  # a port taken between free_port() and anvil's bind: try another
            port = free_port()
            proc = subprocess.Popen(
                [binary, "--host", "127.0.0.1", "--port", str(port), "--hardfork", hardfork,
                 *extra_args],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            node = AnvilNode(proc, f"http://127.0.0.1:{port}", hardfork)
            deadline = time.monotonic() + startup_timeout
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    node.call("eth_chainId")
                    return node
                except Exception:
                    time.sleep(0.1)
            node.stop()
            stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            errors.append(f"--hardfork {hardfork}: exit {proc.returncode}: {stderr[-300:]}")
    raise RuntimeError("anvil did not start: " + " | ".join(errors))


@pytest.fixture(scope="session")
def anvil_binary() -> str:
    binary = find_anvil()
    if binary is None:
        skip_or_fail("anvil not found on PATH or in node_modules "
                     "(run `npm install @foundry-rs/anvil` in the repository root)")
    return binary


@pytest.fixture(scope="session")
def anvil(anvil_binary) -> AnvilNode:
    """A session-wide anvil, stopped at the end."""
    node = start_anvil(anvil_binary)
    yield node
    node.stop()


def mapping_slot(key: bytes, slot: int) -> int:
    """Storage slot of ``mapping[key]`` for a mapping at ``slot`` (address key)."""
    from verbs.remote.cache import keccak256
    return int.from_bytes(keccak256(key.rjust(32, b"\0") + slot.to_bytes(32, "big")), "big")


@dataclass
class ERC20Chain:
    """The ERC20 history made on anvil: what was true at each block."""

    url: str
    chain_id: int
    token: bytes
    accounts: list[bytes]
    deploy_block: int
    blocks: list[int]                       # blocks with a token transfer, in order
    balances: dict[int, dict[bytes, int]]   # block -> holder -> token balance
    eth: dict[int, dict[bytes, int]]        # block -> account -> wei
    nonces: dict[int, dict[bytes, int]]
    hashes: dict[int, bytes]
    runtime_code: bytes
    balance_slot: int = 3
    abi: list = field(default_factory=list)
    head: int = 0

    def balance_key(self, holder: bytes) -> int:
        return mapping_slot(holder, self.balance_slot)


def _send(node: AnvilNode, tx: dict) -> int:
    """eth_sendTransaction (automined) and return the block it landed in."""
    tx_hash = node.call("eth_sendTransaction", tx)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        receipt = node.call("eth_getTransactionReceipt", tx_hash)
        if receipt is not None:
            assert receipt["status"] == "0x1", receipt
            return int(receipt["blockNumber"], 16)
        time.sleep(0.05)
    raise AssertionError("transaction not mined within 20 s")


def _snapshot(node: AnvilNode, chain: ERC20Chain, block: int) -> None:
    from eth_abi import decode, encode
    chain.balances[block] = {}
    chain.eth[block] = {}
    chain.nonces[block] = {}
    for a in chain.accounts:
        data = "0x70a08231" + encode(["address"], ["0x" + a.hex()]).hex()
        out = node.call("eth_call", {"to": "0x" + chain.token.hex(), "data": data}, hex(block))
        chain.balances[block][a] = decode(["uint256"], bytes.fromhex(out[2:]))[0]
        chain.eth[block][a] = int(node.call("eth_getBalance", "0x" + a.hex(), hex(block)), 16)
        chain.nonces[block][a] = int(
            node.call("eth_getTransactionCount", "0x" + a.hex(), hex(block)), 16)
    chain.hashes[block] = bytes.fromhex(
        node.call("eth_getBlockByNumber", hex(block), False)["hash"][2:])


@pytest.fixture(scope="session")
def erc20_chain(anvil) -> ERC20Chain:
    """Deploy SimpleERC20 and make token and ether transfers over several blocks."""
    from eth_abi import encode
    if not ARTIFACT.exists():
        skip_or_fail(f"contract artifact missing: {ARTIFACT} (set VERBS_SHARED)")
    artifact = json.loads(ARTIFACT.read_text())
    accounts = [bytes.fromhex(a[2:]) for a in anvil.call("eth_accounts")[:4]]
    a, b, c, d = accounts
    supply = 1_000_000 * 10**18
    init = bytes.fromhex(artifact["bytecode"].removeprefix("0x")) + encode(
        ["string", "string", "uint256"], ["Verbs Token", "VRB", supply])
    tx_hash = anvil.call("eth_sendTransaction", {"from": "0x" + a.hex(), "data": "0x" + init.hex(),
                                                 "gas": hex(3_000_000)})
    receipt = None
    deadline = time.monotonic() + 20
    while receipt is None and time.monotonic() < deadline:
        receipt = anvil.call("eth_getTransactionReceipt", tx_hash)
        if receipt is None:
            time.sleep(0.05)
    assert receipt is not None and receipt["status"] == "0x1", receipt
    token = bytes.fromhex(receipt["contractAddress"][2:])
    chain = ERC20Chain(
        url=anvil.url, chain_id=int(anvil.call("eth_chainId"), 16), token=token,
        accounts=accounts, deploy_block=int(receipt["blockNumber"], 16), blocks=[],
        balances={}, eth={}, nonces={}, hashes={},
        runtime_code=bytes.fromhex(anvil.call("eth_getCode", "0x" + token.hex(), "latest")[2:]),
        abi=artifact["abi"])
    _snapshot(anvil, chain, chain.deploy_block)

    def transfer(frm: bytes, to: bytes, value: int) -> None:
        data = "0xa9059cbb" + encode(["address", "uint256"], ["0x" + to.hex(), value]).hex()
        block = _send(anvil, {"from": "0x" + frm.hex(), "to": "0x" + token.hex(), "data": data,
                              "gas": hex(200_000)})
        chain.blocks.append(block)
        _snapshot(anvil, chain, block)

    transfer(a, b, 100 * 10**18)
    transfer(a, c, 250 * 10**18)
    transfer(b, c, 40 * 10**18)
    transfer(a, b, 7 * 10**18)
    block = _send(anvil, {"from": "0x" + a.hex(), "to": "0x" + d.hex(), "value": hex(10**18)})
    _snapshot(anvil, chain, block)
    chain.head = block
    return chain


@pytest.fixture
def proxy(anvil) -> FaultProxy:
    """A fault-injecting proxy in front of the session's anvil (see ``proxy.py``)."""
    with FaultProxy(anvil.url) as p:
        yield p


@pytest.fixture
def anvil_factory(anvil_binary):
    """Start extra anvil nodes (``anvil_factory(extra_args)``); all stopped after the test."""
    nodes = []

    def make(extra_args=()) -> AnvilNode:
        node = start_anvil(anvil_binary, extra_args=tuple(extra_args))
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.stop()
