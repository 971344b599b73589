"""A DeFi workload deployed identically on a verbs env and on an anvil node.

Contracts: three OpenZeppelin ERC20s (``TestToken``, compiled here from
``@openzeppelin/contracts``), WETH9, the Uniswap V2 factory and Router02 (the npm packages'
build artifacts), an OpenZeppelin ERC1967 proxy in front of a ``Box`` and a ``Prober`` that
calls precompiles and makes STATICCALL views, and ``Oddities``, whose frames end in every way
a call tracer reports (``Workload.sol``, compiled with solc-js at first use and cached under
``tests/.defi-build``).

Every transaction, deployments included, goes through a :class:`Chain`: :class:`EnvChain`
(a verbs env, ``execute``) or :class:`AnvilChain` (``eth_sendTransaction`` from anvil's
unlocked dev accounts). Transaction ``k`` (from 0) runs in block ``k + 1`` at timestamp
``T0 + 12 * (k + 1)`` on both (anvil mines a block per transaction; the env uses ``roll`` and
``warp``), and the same senders deploy in the same order, so addresses, block fields and
state agree.

Usage::

    chain = EnvChain(env)  # or AnvilChain(node_url)
    w = deploy(chain)      # a Workload: addresses and ABIs
    for s in scenarios(w):
        outcome = chain.send(s.sender, s.to, s.data, s.value)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import typing
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import decode, encode

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"
SOURCE = Path(__file__).with_name("Workload.sol")
BUILD_DIR = Path(os.environ.get("VERBS_DEFI_BUILD", REPO / "tests" / ".defi-build"))

#: Timestamp base of the workload's blocks (after any real clock, so anvil accepts it).
T0 = 2_000_000_000
#: Gas limit of every workload transaction (anvil then estimates nothing, and a reverting one
#: is mined with status 0).
GAS = 8_000_000
MAX_UINT = 2**256 - 1
#: Private keys of anvil's first dev accounts (its well-known test mnemonic).
DEV_KEYS = (
    0xAC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80,
    0x59C6995E998F97A5A0044966F0945389DC9E86DAE88C7A8412F4603B6B78690D,
)
#: Their addresses: the deployer / liquidity provider and the trader.
DEPLOYER = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
TRADER = bytes.fromhex("70997970c51812dc3a010c7d01b50e0d17dc79c8")
#: Uniswap V2's pair init-code hash, hard-coded in UniswapV2Library.pairFor (Router02).
PAIR_INIT_CODE_HASH = bytes.fromhex(
    "96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f")

NPM_PACKAGES = ("@uniswap/v2-core", "@uniswap/v2-periphery", "@openzeppelin/contracts", "solc")


class MissingTool(RuntimeError):
    """An npm package or node itself is missing (the tests skip, or fail under CI)."""


def keccak(data: bytes) -> bytes:
    from verbs.primitives import keccak256

    return keccak256(data)


# ---------------------------------------------------------------------- artifacts
def skip_or_fail(message: str) -> None:
    """Skip the calling test with ``message``, or fail it under ``CI=true``."""
    import pytest

    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


def artifacts_or_skip() -> dict[str, Artifact]:
    """:func:`artifacts`, skipping (failing under CI) when node or a package is missing."""
    try:
        return artifacts()
    except MissingTool as exc:
        skip_or_fail(str(exc))


def anvil_or_skip() -> str:
    """The anvil binary, skipping (failing under CI) without one."""
    binary = find_anvil()
    if binary is None:
        skip_or_fail("anvil not found on PATH or in node_modules "
                     "(run `npm install @foundry-rs/anvil` in the repository root)")
    return binary


@dataclass
class Artifact:
    """ABI and creation code of a contract."""

    name: str
    abi: list
    bytecode: bytes

    def selector(self, signature: str) -> bytes:
        return keccak(signature.encode())[:4]


def _check_npm() -> None:
    missing = [p for p in NPM_PACKAGES if not (NODE_MODULES / p / "package.json").exists()]
    if missing:
        raise MissingTool(
            f"npm packages missing from {NODE_MODULES}: {', '.join(missing)} "
            f"(run `npm install --no-save {' '.join(NPM_PACKAGES)}` in the repository root)")
    if shutil.which("node") is None:
        raise MissingTool("node is not on PATH (solc-js compiles the workload's helpers)")


def _npm_artifact(package: str, path: str, name: str) -> Artifact:
    data = json.loads((NODE_MODULES / package / path).read_text())
    code = data["bytecode"]
    if isinstance(code, dict):
        code = code["object"]
    return Artifact(name, data["abi"], bytes.fromhex(code.removeprefix("0x")))


_COMPILE_JS = r"""
const solc = require('solc');
const fs = require('fs');
const path = require('path');
const [file, modules] = process.argv.slice(1);
const input = {
  language: 'Solidity',
  sources: { 'Workload.sol': { content: fs.readFileSync(file, 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun',
    outputSelection: { 'Workload.sol': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
function findImports(p) {
  try { return { contents: fs.readFileSync(path.join(modules, p), 'utf8') }; }
  catch (e) { return { error: 'not found: ' + p }; }
}
const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errs = (out.errors || []).filter(e => e.severity === 'error');
if (errs.length) { console.error(JSON.stringify(errs)); process.exit(1); }
const res = { compiler: solc.version(), contracts: {} };
for (const [n, c] of Object.entries(out.contracts['Workload.sol']))
  res.contracts[n] = { abi: c.abi, bytecode: c.evm.bytecode.object };
process.stdout.write(JSON.stringify(res));
"""


def _compiled_helpers() -> dict:
    """Workload.sol compiled with solc-js (cached by the hash of the source and of the
    versions of solc and OpenZeppelin)."""
    versions = "".join(
        json.loads((NODE_MODULES / p / "package.json").read_text())["version"]
        for p in ("solc", "@openzeppelin/contracts"))
    key = hashlib.sha256(SOURCE.read_bytes() + versions.encode()).hexdigest()[:16]
    cached = BUILD_DIR / f"Workload-{key}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    proc = subprocess.run(
        ["node", "-e", _COMPILE_JS, str(SOURCE), str(NODE_MODULES)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"solc-js failed on {SOURCE}: {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(out))
    os.replace(tmp, cached)
    return out


def artifacts() -> dict[str, Artifact]:
    """Every contract of the workload by name.

    Raises
    ------
    MissingTool
        node or one of :data:`NPM_PACKAGES` is missing.
    """
    _check_npm()
    arts = {
        "WETH9": _npm_artifact("@uniswap/v2-periphery", "build/WETH9.json", "WETH9"),
        "UniswapV2Factory": _npm_artifact("@uniswap/v2-core", "build/UniswapV2Factory.json",
                                          "UniswapV2Factory"),
        "UniswapV2Pair": _npm_artifact("@uniswap/v2-core", "build/UniswapV2Pair.json",
                                       "UniswapV2Pair"),
        "UniswapV2Router02": _npm_artifact("@uniswap/v2-periphery",
                                           "build/UniswapV2Router02.json", "UniswapV2Router02"),
        "ERC1967Proxy": _npm_artifact("@openzeppelin/contracts",
                                      "build/contracts/ERC1967Proxy.json", "ERC1967Proxy"),
    }
    for name, c in _compiled_helpers()["contracts"].items():
        arts[name] = Artifact(name, c["abi"], bytes.fromhex(c["bytecode"]))
    return arts


def pair_init_code_hash(arts: dict[str, Artifact]) -> bytes:
    """keccak256 of the pair's creation code that the factory deploys with CREATE2."""
    return keccak(arts["UniswapV2Pair"].bytecode)


# ---------------------------------------------------------------------- chains
@dataclass
class Outcome:
    """What a workload transaction did."""

    success: bool
    logs: list[tuple[bytes, tuple[bytes, ...], bytes]]
    created: bytes | None = None
    tx_hash: str | None = None


class Chain:
    """Where the workload runs: ``send`` commits a transaction in a new block, ``call`` reads."""

    def __init__(self):
        self.count = 0  # transactions sent: the next one is in block count + 1

    def _next_block(self) -> tuple[int, int]:
        self.count += 1
        return self.count, T0 + 12 * self.count

    def send(self, sender: bytes, to: bytes | None, data: bytes,
             value: int = 0) -> Outcome:
        raise NotImplementedError

    def call(self, sender: bytes, to: bytes, data: bytes) -> tuple[bool, bytes]:
        raise NotImplementedError


class EnvChain(Chain):
    """A verbs env (empty or fork); the two senders get 10,000 ETH.

    With ``trace=True`` every transaction is sent with ``env.trace_call(..., commit=True)``
    at the workload's gas limit, and its root call frame kept in ``traces``.
    """

    def __init__(self, env, trace: bool = False):
        super().__init__()
        self.env = env
        self.trace = trace
        self.traces: list = []
        for account in (DEPLOYER, TRADER):
            env.set_balance(account, 10_000 * 10**18)
        self.count = env.block_number

    def send(self, sender, to, data, value=0):
        number, timestamp = self._next_block()
        env = self.env
        env.roll(number)
        env.warp(timestamp)
        if self.trace:
            frame = env.trace_call(sender, to, data, value, commit=True, gas_limit=GAS)
            self.traces.append(frame)
            env.process_block()
            if not frame.success:
                return Outcome(False, [], None)
            logs = sorted((log.index, log.address, log.topics, log.data)
                           for f in frame.walk() for log in f.logs)
            created = frame.to if frame.type == "CREATE" else None
            return Outcome(True, [(a, tuple(t), d) for _, a, t, d in logs], created)
        result = env.evm.transact(env._tx(sender, to, data, value), commit=True)
        logs = [(a, tuple(t), d) for a, t, d in result.logs]
        env.process_block()  # closes the block: the next transaction runs in a new one
        return Outcome(bool(result.success), logs, result.created_address)

    def call(self, sender, to, data):
        env = self.env
        result = env.evm.call(env._tx(sender, to, data, 0))
        return bool(result.success), bytes(result.output)


class AnvilChain(Chain):
    """An anvil node from its genesis (block 0, dev accounts unlocked, automine)."""

    def __init__(self, url: str):
        super().__init__()
        from verbs.remote.rpc import RetryPolicy, RPCClient

        self.client = RPCClient(url, RetryPolicy(timeout=30, max_attempts=1, total_timeout=60))
        self.count = int(self.rpc("eth_blockNumber"), 16)

    def rpc(self, method, *params):
        return self.client.call(method, list(params))

    def send(self, sender, to, data, value=0):
        number, timestamp = self._next_block()
        self.rpc("evm_setNextBlockTimestamp", timestamp)
        tx = {"from": "0x" + sender.hex(), "data": "0x" + data.hex(), "value": hex(value),
              "gas": hex(GAS)}
        if to is not None:
            tx["to"] = "0x" + to.hex()
        tx_hash = self.rpc("eth_sendTransaction", tx)
        receipt = self.rpc("eth_getTransactionReceipt", tx_hash)
        deadline = time.monotonic() + 30
        while receipt is None:  # automine answers before the block is stored, at times
            if time.monotonic() > deadline:
                raise RuntimeError(f"anvil mined no receipt for {tx_hash} in 30 s")
            time.sleep(0.02)
            receipt = self.rpc("eth_getTransactionReceipt", tx_hash)
        if int(receipt["blockNumber"], 16) != number:
            raise RuntimeError(f"anvil mined block {receipt['blockNumber']}, expected {number}")
        logs = [(bytes.fromhex(log["address"][2:]),
                 tuple(bytes.fromhex(t[2:]) for t in log["topics"]),
                 bytes.fromhex(log["data"][2:])) for log in receipt["logs"]]
        created = receipt.get("contractAddress")
        return Outcome(int(receipt["status"], 16) == 1, logs,
                       bytes.fromhex(created[2:]) if created else None, tx_hash)

    def call_trace(self, tx_hash: str) -> dict:
        """anvil's ``callTracer`` result (with logs) for a mined transaction."""
        return self.rpc("debug_traceTransaction", tx_hash,
                        {"tracer": "callTracer", "tracerConfig": {"withLog": True}})

    def call(self, sender, to, data):
        from verbs.errors import RPCError

        try:
            out = self.rpc("eth_call", {"from": "0x" + sender.hex(), "to": "0x" + to.hex(),
                                        "data": "0x" + data.hex()}, "latest")
        except RPCError:
            return False, b""
        return True, bytes.fromhex(out[2:])


# ---------------------------------------------------------------------- anvil
def find_anvil() -> str | None:
    """anvil on PATH, else the native binary that ``npm install @foundry-rs/anvil`` put in
    the repository's node_modules."""
    found = shutil.which("anvil")
    if found:
        return found
    for native in sorted((NODE_MODULES / "@foundry-rs").glob("anvil-*/bin/anvil")):
        if os.access(native, os.X_OK):
            return str(native)
    return None


class Anvil:
    """A fresh anvil on a free loopback port (``--hardfork osaka``), for one workload.

    Use as a context manager; ``url`` is its endpoint.
    """

    def __init__(self, binary: str, hardfork: str = "osaka", timeout: float = 30.0):
        import socket

        from verbs.errors import RPCError
        from verbs.remote.rpc import RetryPolicy, RPCClient

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(port), "--hardfork", hardfork],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        client = RPCClient(self.url, RetryPolicy(timeout=5, max_attempts=1, total_timeout=10))
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError("anvil exited: " + self.proc.stderr.read().decode()[-500:])
                try:
                    client.call("eth_chainId", [])
                    break
                except RPCError:  # not listening yet
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"anvil did not answer within {timeout} s") from None
                    time.sleep(0.1)
        except BaseException:
            self.close()
            raise
        finally:
            client.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __enter__(self) -> Anvil:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------- the workload
def fn(signature: str, *args, types: typing.Sequence[str] | None = None) -> bytes:
    """Calldata of ``signature`` (e.g. ``"transfer(address,uint256)"``) with ``args``."""
    if types is None:
        inner = signature[signature.index("(") + 1:-1]
        types = _split_types(inner)
    return keccak(signature.encode())[:4] + encode(list(types), list(args))


def _split_types(inner: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur:
        out.append(cur)
    return out


@dataclass
class Workload:
    """The deployed workload: contract addresses, ABIs and the accounts."""

    artifacts: dict[str, Artifact]
    addresses: dict[str, bytes] = field(default_factory=dict)
    deployer: bytes = DEPLOYER
    trader: bytes = TRADER

    def __getitem__(self, name: str) -> bytes:
        return self.addresses[name]

    @property
    def tokens(self) -> list[bytes]:
        return [self["TKA"], self["TKB"], self["TKC"], self["WETH9"]]

    def pair(self, a: bytes, b: bytes) -> bytes:
        """The pair's CREATE2 address as UniswapV2Library.pairFor computes it."""
        t0, t1 = sorted((a, b))
        salt = keccak(t0 + t1)
        return keccak(b"\xff" + self["UniswapV2Factory"] + salt + PAIR_INIT_CODE_HASH)[12:]


def _deploy(chain: Chain, w: Workload, key: str, artifact: str, args: bytes = b"",
            sender: bytes | None = None) -> bytes:
    outcome = chain.send(sender or w.deployer, None, w.artifacts[artifact].bytecode + args)
    if not outcome.success or outcome.created is None:
        raise RuntimeError(f"deploying {key} ({artifact}) failed")
    w.addresses[key] = outcome.created
    return outcome.created


def deploy(chain: Chain) -> Workload:
    """Deploy the contracts and fund the trader (transfers only: no liquidity yet).

    The scenarios (:func:`scenarios`) then create the pairs, add and remove liquidity, swap.
    """
    arts = artifacts()
    if pair_init_code_hash(arts) != PAIR_INIT_CODE_HASH:
        raise RuntimeError("the UniswapV2Pair creation code does not hash to the init-code "
                           "hash Router02 hard-codes: the pairs it finds would be wrong")
    w = Workload(arts)
    supply = 10**9 * 10**18
    for symbol in ("TKA", "TKB", "TKC"):
        _deploy(chain, w, symbol, "TestToken",
                encode(["string", "string", "uint256"], [f"Token {symbol}", symbol, supply]))
    _deploy(chain, w, "WETH9", "WETH9")
    _deploy(chain, w, "UniswapV2Factory", "UniswapV2Factory",
            encode(["address"], [w.deployer]))
    _deploy(chain, w, "UniswapV2Router02", "UniswapV2Router02",
            encode(["address", "address"], [w["UniswapV2Factory"], w["WETH9"]]))
    _deploy(chain, w, "Box", "Box")
    _deploy(chain, w, "BoxProxy", "ERC1967Proxy",
            encode(["address", "bytes"], [w["Box"], fn("store(uint256)", 7)]))
    _deploy(chain, w, "Prober", "Prober")
    for symbol in ("TKA", "TKB", "TKC"):
        _must(chain.send(w.deployer, w[symbol], fn("transfer(address,uint256)", w.trader,
                                                    10**6 * 10**18)), f"fund trader {symbol}")
    _deploy(chain, w, "Oddities", "Oddities")
    return w


def _must(outcome: Outcome, what: str) -> Outcome:
    if not outcome.success:
        raise RuntimeError(f"workload step failed: {what}")
    return outcome


@dataclass
class Scenario:
    """One workload transaction and whether it should succeed."""

    name: str
    sender: bytes
    to: bytes
    data: bytes
    value: int = 0
    succeeds: bool = True


def scenarios(w: Workload) -> list[Scenario]:
    """The workload's transactions, in order (each depends on the ones before it)."""
    A, B, C, WETH = w["TKA"], w["TKB"], w["TKC"], w["WETH9"]
    router = w["UniswapV2Router02"]
    lp, trader = w.deployer, w.trader
    e18 = 10**18
    out: list[Scenario] = []
    for who in (lp, trader):
        for token in (A, B, C):
            out.append(Scenario(f"approve {token.hex()[:6]} from {who.hex()[:6]}", who, token,
                                fn("approve(address,uint256)", router, MAX_UINT)))
    add = "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)"
    # router -> factory.createPair (CREATE2) -> pair.initialize; transfers; pair.mint
    out.append(Scenario("add liquidity A/B (createPair)", lp, router,
                        fn(add, A, B, 100_000 * e18, 200_000 * e18, 0, 0, lp, MAX_UINT)))
    out.append(Scenario("add liquidity B/C (createPair)", lp, router,
                        fn(add, B, C, 100_000 * e18, 50_000 * e18, 0, 0, lp, MAX_UINT)))
    out.append(Scenario(
        "add liquidity A/ETH", lp, router,
        fn("addLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
           A, 30_000 * e18, 0, 0, lp, MAX_UINT), value=10 * e18))
    swap = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
    out.append(Scenario("swap A -> B -> C (two pairs)", trader, router,
                        fn(swap, 1_000 * e18, 0, [A, B, C], trader, MAX_UINT)))
    out.append(Scenario(
        "swap ETH -> A (WETH deposit)", trader, router,
        fn("swapExactETHForTokens(uint256,address[],address,uint256)",
           0, [WETH, A], trader, MAX_UINT), value=e18))
    out.append(Scenario(
        "swap C -> B -> A -> ETH (WETH withdraw)", trader, router,
        fn("swapExactTokensForETH(uint256,uint256,address[],address,uint256)",
           500 * e18, 0, [C, B, A, WETH], trader, MAX_UINT)))
    pair_ab = w.pair(A, B)
    out.append(Scenario("approve LP A/B", lp, pair_ab,
                        fn("approve(address,uint256)", router, MAX_UINT)))
    out.append(Scenario(
        "remove liquidity A/B", lp, router,
        fn("removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)",
           A, B, 10_000 * e18, 0, 0, lp, MAX_UINT)))
    out.append(Scenario("proxy store (DELEGATECALL)", trader, w["BoxProxy"],
                        fn("store(uint256)", 42)))
    digest = keccak(b"verbs workload")
    v, r, s = _sign(DEV_KEYS[1], digest)
    out.append(Scenario("precompiles (ecrecover, sha256, ripemd160, identity)", trader,
                        w["Prober"], fn("probe(bytes32,uint8,bytes32,bytes32,bytes)",
                                        digest, v, r, s, b"hello precompiles" * 3)))
    # reverts
    out.append(Scenario("swap below amountOutMin (router reverts)", trader, router,
                        fn(swap, 1_000 * e18, 10**9 * e18, [A, B, C], trader, MAX_UINT),
                        succeeds=False))
    out.append(Scenario("swap via Prober: token transferFrom reverts 3 frames down", trader,
                        w["Prober"], fn("swapVia(address,uint256,address[])", router, e18,
                                        [A, B, C]), succeeds=False))
    out.append(Scenario("pair.swap without input (UniswapV2: K after the transfer)", trader,
                        pair_ab, fn("swap(uint256,uint256,address,bytes)", 10**15, 0, trader,
                                    b""), succeeds=False))
    out.append(Scenario("proxy store reverts in the implementation", trader, w["BoxProxy"],
                        fn("store(uint256)", 13), succeeds=False))
    # frames that end in every way a tracer reports, inside transactions that succeed
    out.append(Scenario("oddities (out of gas, invalid opcode, write protection, insufficient "
                        "balance, panic, failing precompile, CREATE/CREATE2, selfdestruct, "
                        "collision)", trader, w["Oddities"], fn("oddities()"), value=10**18))
    out.append(Scenario("raw failures (stack under/overflow, bad jump, return data out of "
                        "bounds, 0xEF code, CALLCODE)", trader, w["Oddities"],
                        fn("rawFailures()")))
    return out


def _sign(key: int, digest: bytes) -> tuple[int, bytes, bytes]:
    """(v, r, s) of a recoverable secp256k1 signature of a 32-byte digest (coincurve)."""
    from coincurve import PrivateKey

    sig = PrivateKey(key.to_bytes(32, "big")).sign_recoverable(digest, hasher=None)
    return 27 + sig[64], sig[:32], sig[32:64]


def views(w: Workload) -> list[tuple[str, bytes, bytes]]:
    """(name, to, data) of read-only calls that summarise the state."""
    out = []
    holders = [w.deployer, w.trader, w["Prober"], w["UniswapV2Router02"]]
    pairs = [w.pair(w["TKA"], w["TKB"]), w.pair(w["TKB"], w["TKC"]),
             w.pair(w["TKA"], w["WETH9"])]
    for token in w.tokens + pairs:
        for holder in holders + pairs:
            out.append((f"{token.hex()[:8]}.balanceOf({holder.hex()[:8]})", token,
                        fn("balanceOf(address)", holder)))
        out.append((f"{token.hex()[:8]}.totalSupply()", token, fn("totalSupply()")))
    for pair in pairs:
        out.append((f"{pair.hex()[:8]}.getReserves()", pair, fn("getReserves()")))
    out.append(("box value via proxy", w["BoxProxy"], fn("value()")))
    out.append(("box lastCaller via proxy", w["BoxProxy"], fn("lastCaller()")))
    out.append(("prober lastSigner", w["Prober"], fn("lastSigner()")))
    out.append(("prober lastDigest", w["Prober"], fn("lastDigest()")))
    out.append(("balances via STATICCALL", w["Prober"],
                fn("balancesOf(address[],address)", [w["TKA"], w["TKB"], w["TKC"]],
                   w.trader)))
    out.append(("getAmountsOut A->B->C", w["UniswapV2Router02"],
                fn("getAmountsOut(uint256,address[])", 10**18, [w["TKA"], w["TKB"],
                                                                w["TKC"]])))
    return out


def run(chain: Chain, w: Workload) -> list[tuple[Scenario, Outcome]]:
    """Send every scenario in order; returns each with its outcome."""
    return [(s, chain.send(s.sender, s.to, s.data, s.value)) for s in scenarios(w)]


def read_views(chain: Chain, w: Workload) -> dict[str, tuple[bool, bytes]]:
    """The outputs of :func:`views` on ``chain``."""
    return {name: chain.call(w.deployer, to, data) for name, to, data in views(w)}


__all__ = [
    "Anvil",
    "AnvilChain",
    "Artifact",
    "Chain",
    "EnvChain",
    "MissingTool",
    "Outcome",
    "Scenario",
    "Workload",
    "anvil_or_skip",
    "artifacts",
    "artifacts_or_skip",
    "decode",
    "deploy",
    "find_anvil",
    "fn",
    "read_views",
    "run",
    "scenarios",
    "skip_or_fail",
    "views",
]
