"""Rendering call traces: the tree of a DeFi swap, revert paths, unnamed addresses as hex."""
from __future__ import annotations

import pickle
import re

import defi
import pytest

import verbs
from verbs import abi
from verbs.errors import RevertError
from verbs.trace import CallFrame, TraceLog
from verbs.trace.labels import Labels
from verbs.trace.render import describe_path, frame_name, frame_parts, render

E18 = 10**18
SENDER = b"\x5e" * 20


@pytest.fixture(scope="module")
def defi_env():
    """The DeFi workload up to its first swap, contracts labelled as a researcher would."""
    arts = defi.artifacts_or_skip()
    chain = defi.EnvChain(verbs.envs.EmptyEnvRandom(7))
    w = defi.deploy(chain)
    env = chain.env
    types = {n: abi.get_abi(n, arts[n].abi) for n in
             ("TestToken", "WETH9", "UniswapV2Factory", "UniswapV2Router02", "UniswapV2Pair",
              "Prober")}
    for key, name, t in (("TKA", "TKA", "TestToken"), ("TKB", "TKB", "TestToken"),
                         ("TKC", "TKC", "TestToken"), ("WETH9", "WETH", "WETH9"),
                         ("UniswapV2Factory", "Factory", "UniswapV2Factory"),
                         ("UniswapV2Router02", "Router", "UniswapV2Router02"),
                         ("Prober", "Prober", "Prober")):
        env.label(w[key], name, types[t])
    env.label(w.pair(w["TKA"], w["TKB"]), "PairAB", types["UniswapV2Pair"])
    env.label(w.pair(w["TKB"], w["TKC"]), "PairBC", types["UniswapV2Pair"])
    env.label(w.trader, "trader")
    env.label(w.deployer, "deployer")
    scenarios = {s.name: s for s in defi.scenarios(w)}
    for s in defi.scenarios(w):
        if s.name.startswith("swap A -> B -> C"):
            break
        chain.send(s.sender, s.to, s.data, s.value)
    return env, w, types, scenarios


@pytest.fixture(scope="module")
def swap(defi_env):
    env, w, _, scenarios = defi_env
    s = scenarios["swap A -> B -> C (two pairs)"]
    return env.trace_call(s.sender, s.to, s.data, s.value)


def _body(line: str) -> str:
    """A line without its tree prefix and gas."""
    return re.sub(r"^[│├└─ ]*(\[\d+\] )?", "", line)


def test_swap_renders_as_a_decoded_tree(defi_env, swap):
    env = defi_env[0]
    text = swap.render(env.labels)
    lines = text.splitlines()
    assert lines[0] == (
        f"[{swap.gas_used}] Router.swapExactTokensForTokens(amountIn=1000000000000000000000, "
        "amountOutMin=0, path=[TKA, TKB, TKC], to=trader, deadline=type(uint256).max)")
    bodies = [_body(line) for line in lines]
    for expected in (
        "PairAB.getReserves() [staticcall]",
        "TKA.transferFrom(from=trader, to=PairAB, value=1000000000000000000000)",
        "emit Transfer(from=trader, to=PairAB, value=1000000000000000000000)",
        "← [Return] true",
        "TKA.balanceOf(account=PairAB) [staticcall]",
        "← [Stop]",
    ):
        assert expected in bodies, expected
    assert any(b.startswith("PairAB.swap(amount0Out=0, amount1Out=") and b.endswith(
        ", to=PairBC, data=0x)") for b in bodies)
    assert any(b.startswith("emit Swap(sender=Router, amount0In=1000000000000000000000, ")
               for b in bodies)
    assert lines[-1].startswith("└─ ← [Return] amounts=[1000000000000000000000, ")
    # one line per frame, per log and per return, in execution order, indented by depth
    frames = list(swap.walk())
    assert len(lines) == 2 * len(frames) + sum(len(f.logs) for f in frames)
    call_lines = [line for line in lines if re.match(r"^[│├└─ ]*\[\d+\] ", line)]
    assert len(call_lines) == len(frames)
    for frame, line in zip(frames, call_lines):
        assert line.index("[") == (0 if frame.depth == 0 else 4 * (frame.depth - 1) + 3)
        assert line[line.index("["):].startswith(f"[{frame.gas_used}] ")
    assert "├─ " in text and "│   " in text


def test_str_renders_with_the_process_labels_also_after_pickling(defi_env, swap):
    env = defi_env[0]
    assert str(swap) == swap.render() == swap.render(env.labels)
    clone = pickle.loads(pickle.dumps(swap))
    assert str(clone) == str(swap)
    labels = pickle.loads(pickle.dumps(env.labels))
    assert clone.render(labels) == swap.render(env.labels)


def test_frame_parts_names_contract_and_function(defi_env, swap):
    env = defi_env[0]
    assert frame_parts(swap, env.labels) == ("Router", "swapExactTokensForTokens")
    assert frame_name(swap, env.labels) == "Router.swapExactTokensForTokens"
    # a plain mapping names; the function still decodes (its ABI type is in the process)
    assert frame_parts(swap, {swap.to: "R"}) == ("R", "swapExactTokensForTokens")
    pair = swap.calls[0]
    assert frame_parts(pair, env.labels) == ("PairAB", "getReserves")


def test_revert_three_frames_down_is_decoded(defi_env):
    env, w, types, scenarios = defi_env
    path = [w["TKA"], w["TKB"], w["TKC"]]
    expected = ("Prober.swapVia > Router.swapExactTokensForTokens > TKA.transferFrom: "
                f"reverted: ERC20InsufficientAllowance(spender=Router, allowance=0, "
                f"needed={E18})")
    with pytest.raises(RevertError) as info:
        types["Prober"].swapVia.call(env, w.trader, w["Prober"], [w["UniswapV2Router02"], E18,
                                                                   path])
    err = info.value
    assert str(err).splitlines()[-1].strip() == expected
    assert [frame_name(f, env.labels) for f in err.trace] == [
        "Prober.swapVia", "Router.swapExactTokensForTokens", "TKA.transferFrom"]
    tree = err.trace[0].render(env.labels).splitlines()
    assert _body(tree[-1]) == "← [Revert] TransferHelper: TRANSFER_FROM_FAILED"
    assert (f"← [Revert] ERC20InsufficientAllowance(spender=Router, allowance=0, "
            f"needed={E18})") in [_body(line) for line in tree]
    # a checked transaction of a block says the same
    s = scenarios["swap via Prober: token transferFrom reverts 3 frames down"]
    env.submit_transaction(s.sender, s.to, s.data, True)
    with pytest.raises(RevertError) as info:
        env.process_block()
    assert str(info.value).splitlines()[-1].strip() == expected
    assert [frame_name(f, env.labels) for f in info.value.trace] == [
        "Prober.swapVia", "Router.swapExactTokensForTokens", "TKA.transferFrom"]


def test_revert_path_takes_a_mapping_of_names(defi_env):
    env, w, types, _ = defi_env
    with pytest.raises(RevertError) as info:
        types["Prober"].swapVia.call(env, w.trader, w["Prober"],
                                     [w["UniswapV2Router02"], E18, [w["TKA"], w["TKB"]]])
    names = {w["Prober"]: "P", w["UniswapV2Router02"]: "R", w["TKA"]: "A"}
    assert describe_path(info.value.trace, names).startswith(
        "P.swapVia > R.swapExactTokensForTokens > A.transferFrom: reverted: "
        "ERC20InsufficientAllowance(spender=R, ")


# ---------------------------------------------------------------------- unnamed code
def _contract(env, address: bytes, topic: bytes, revert: bool = False) -> None:
    """Code that logs 42 under ``topic`` and returns 64 bytes (or reverts with 36 bytes of
    an unknown error)."""
    log = bytes.fromhex("602a600052") + b"\x7f" + topic + bytes.fromhex("60206000a1")
    if revert:
        tail = bytes.fromhex("63deadbeef60e01b6000526024" "6000fd")  # revert(0, 36)
    else:
        tail = bytes.fromhex("60406000f3")  # return(0, 64)
    env.set_code(address, log + tail)


def test_unnamed_address_and_unknown_selector_render_as_hex():
    env = verbs.envs.EmptyEnvRandom(5)
    env.create_account(SENDER, E18)
    target = b"\x7c" * 20
    topic = b"\x99" * 32  # no ABI has it
    _contract(env, target, topic)
    data = bytes.fromhex("0badf00d") + bytes(range(100))
    frame = env.trace_call(SENDER, target, data)
    lines = frame.render(Labels()).splitlines()
    assert lines[0] == (f"[{frame.gas_used}] 0x{target.hex()}.0x0badf00d"
                        f"(0x{bytes(range(16)).hex()}…[100 bytes])")
    word = (42).to_bytes(32, "big")
    assert lines[1] == f"├─ emit log(topic0=0x{topic.hex()}, data=0x{word.hex()})"
    assert lines[2] == f"└─ ← [Return] 0x{word[:16].hex()}…[64 bytes]"
    assert frame_parts(frame, Labels()) == ("0x" + target.hex(), "0x0badf00d")


def test_unknown_custom_error_renders_its_data():
    env = verbs.envs.EmptyEnvRandom(5)
    env.create_account(SENDER, E18)
    target = b"\x7d" * 20
    _contract(env, target, b"\x98" * 32, revert=True)
    frame = env.trace_call(SENDER, target, b"")
    last = frame.render(Labels()).splitlines()[-1]
    assert last.startswith("└─ ← [Revert] unknown error 0xdeadbeef (36 bytes of data: 0x")
    assert describe_path(frame.failing_path(), Labels()).startswith(
        f"0x{target.hex()}.fallback: reverted: unknown error 0xdeadbeef")


def test_abi_types_of_the_process_decode_unnamed_addresses():
    probe = abi.get_abi("RenderProbe", [
        {"type": "function", "name": "renderProbe", "stateMutability": "nonpayable",
         "inputs": [{"name": "x", "type": "uint256"}, {"name": "tag", "type": "string"}],
         "outputs": [{"name": "a", "type": "uint256"}, {"name": "b", "type": "uint256"}]},
        {"type": "event", "name": "RenderProbed", "anonymous": False,
         "inputs": [{"name": "value", "type": "uint256", "indexed": False}]},
    ])
    env = verbs.envs.EmptyEnvRandom(5)
    env.create_account(SENDER, E18)
    target = b"\x7e" * 20
    _contract(env, target, probe.RenderProbed.topic)
    frame = env.trace_call(SENDER, target, probe.renderProbe.encode([5, "x" * 100]))
    lines = frame.render(Labels()).splitlines()  # no names, no ABIs of its own
    assert lines[0] == (f"[{frame.gas_used}] 0x{target.hex()}.renderProbe(x=5, "
                        f'tag="{"x" * 64}…")')
    assert lines[1] == "├─ emit RenderProbed(value=42)"
    assert lines[2] == "└─ ← [Return] a=42, b=0"


# ---------------------------------------------------------------------- large traces
def _chain(depth: int) -> CallFrame:
    root = frame = CallFrame("CALL", b"\x01" * 20, b"\x02" * 20, 0, b"\x0b\xad\xf0\x0d", 10**6,
                             halt="stop", gas_used=10)
    for d in range(1, depth):
        child = CallFrame("CALL", frame.to, (d + 2).to_bytes(20, "big"), 0, b"", 1000,
                          halt="stop", gas_used=1, depth=d)
        frame.calls.append(child)
        frame = child
    return root


def test_a_1024_deep_trace_renders():
    root = _chain(1024)
    lines = render(root, Labels()).splitlines()
    assert len(lines) == 2 * 1024
    # each frame's return comes after its child: every level goes on below it
    assert lines[1023].startswith("│   " * 1022 + "├─ [1] 0x")
    assert lines[-1] == "└─ ← [Stop]" and lines[1024] == "│   " * 1023 + "└─ ← [Stop]"


def test_a_wide_trace_renders_one_line_each():
    root = CallFrame("CALL", b"\x01" * 20, b"\x02" * 20, 0, b"", 10**6, halt="stop")
    for i in range(1000):
        root.calls.append(CallFrame("STATICCALL", root.to, b"\x03" * 20, 0, b"\x12\x34\x56\x78",
                                    100, halt="revert", error="execution reverted", depth=1))
        root.logs.append(TraceLog(root.to, (b"\x44" * 32,), b"", i + 1))
    lines = render(root, Labels()).splitlines()
    assert len(lines) == 1 + 1000 * 3 + 1
    assert lines[1] == f"├─ [0] 0x{'03' * 20}.0x12345678() [staticcall]"
    assert lines[2] == "│   └─ ← [Revert] (no data)"
    assert lines[3].startswith("├─ emit log(topic0=0x4444")
