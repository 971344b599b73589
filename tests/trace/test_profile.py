"""Gas profiles: counting rules on hand-made traces, then the DeFi workload's traces, a Sim
run and batch runs with profiling.

The invariant checked throughout: the exclusive gas of every row adds up to the profile's
``total_gas``, the sum of the profiled transactions' gas used (the roots' ``gas_used``).
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import defi
import numpy as np
import pytest

from verbs import envs
from verbs.sim import BaseAgent, Sim
from verbs.sim.batch_runner import CheckpointMismatchError, SampleError, batch_run
from verbs.sim.runner import collect_gas_profile
from verbs.trace import CallFrame
from verbs.trace.labels import Labels
from verbs.trace.profile import COLUMNS, GasProfile, profile
from verbs.trace.render import frame_parts

A = bytes.fromhex("aa" * 20)
B = bytes.fromhex("bb" * 20)
C = bytes.fromhex("cc" * 20)
EOA = bytes.fromhex("ee" * 20)
F = bytes.fromhex("11111111")
G = bytes.fromhex("22222222")
LABELS = {A: "A", B: "B", C: "C"}


def frame(to, selector, gas_used, calls=(), depth=0, error=None):
    return CallFrame("CALL", EOA, to, 0, selector + bytes(32), gas_used + 1000,
                     gas_used=gas_used, error=error, calls=list(calls), depth=depth)


def key(to, selector):
    return frame_parts(frame(to, selector, 0), LABELS)


# ---------------------------------------------------------------------- counting rules
def test_hand_made_trace_counts_every_column():
    # A.f 10,000 -> [B.g 3,000 -> [C.f 500], C.f 1,000 (failed)]
    tx = frame(A, F, 10_000, [
        frame(B, G, 3_000, [frame(C, F, 500, depth=2)], depth=1),
        frame(C, F, 1_000, depth=1, error="execution reverted"),
    ])
    p = profile(tx, LABELS)
    assert (p.transactions, p.total_gas, len(p)) == (1, 10_000, 3)
    assert p.row(*key(A, F)) == {
        "calls": 1, "failed": 0, "gas_inclusive": 10_000, "gas_inclusive_mean": 10_000,
        "gas_inclusive_max": 10_000, "gas_exclusive": 6_000, "gas_exclusive_mean": 6_000,
        "gas_exclusive_max": 6_000, "share_inclusive": 1.0, "share_exclusive": 0.6}
    assert p.row(*key(B, G))["gas_exclusive"] == 2_500
    c = p.row(*key(C, F))
    assert (c["calls"], c["failed"], c["gas_inclusive"], c["gas_inclusive_mean"],
            c["gas_inclusive_max"], c["gas_exclusive"], c["gas_exclusive_max"]) == (
        2, 1, 1_500, 750, 1_000, 1_500, 1_000)
    assert sum(p.row(*k)["gas_exclusive"] for k in (key(A, F), key(B, G), key(C, F))) == 10_000


def test_recursion_counts_inclusive_gas_once():
    # A.f 9,000 -> A.f 5,000 -> B.g 2,000 -> A.f 1,000: the nested A.f calls are inside the
    # outermost one, whose 9,000 already hold their gas
    tx = frame(A, F, 9_000, [
        frame(A, F, 5_000, [
            frame(B, G, 2_000, [frame(A, F, 1_000, depth=3)], depth=2),
        ], depth=1),
    ])
    p = profile(tx, LABELS)
    f = p.row(*key(A, F))
    assert f["calls"] == 3
    assert f["gas_inclusive"] == 9_000  # not 9,000 + 5,000 + 1,000
    assert f["share_inclusive"] == 1.0
    assert f["gas_inclusive_mean"] == 5_000  # per call, nested calls included
    assert f["gas_inclusive_max"] == 9_000
    assert f["gas_exclusive"] == 4_000 + 3_000 + 1_000
    g = p.row(*key(B, G))
    assert (g["gas_inclusive"], g["gas_exclusive"]) == (2_000, 1_000)
    # the same function in the next transaction counts again
    p.add(frame(A, F, 700), LABELS)
    assert p.row(*key(A, F))["gas_inclusive"] == 9_700


def test_recursion_in_the_evm_counts_inclusive_gas_once():
    # a contract that calls itself with n - 1 until n is 0 (every level: selector 0x00000000)
    code = bytes.fromhex(
        "5f35"          # n = calldataload(0)
        "80156018" "57"  # if n == 0: jump to the end
        "600190035f52"  # mstore(0, n - 1)
        "5f5f60205f5f305af1"  # call(gas, address, 0, 0, 32, 0, 0)
        "5000"          # pop, stop
        "5b00")         # end: jumpdest, stop
    env = envs.EmptyEnvRandom(1)
    me, sender = bytes.fromhex("c0" * 20), bytes.fromhex("5e" * 20)
    env.set_code(me, code)
    env.set_balance(sender, 10**18)
    tx = env.trace_call(sender, me, (3).to_bytes(32, "big"))
    frames = list(tx.walk())
    assert [f.depth for f in frames] == [0, 1, 2, 3] and tx.success
    p = profile(tx, {me: "Self"})
    [key] = {frame_parts(f, {me: "Self"}) for f in frames}
    row = p.row(*key)
    assert row["calls"] == 4
    assert row["gas_inclusive"] == tx.gas_used == p.total_gas  # not the sum over the levels
    assert row["gas_inclusive_mean"] == sum(f.gas_used for f in frames) / 4
    assert row["gas_exclusive"] == tx.gas_used
    assert row["share_inclusive"] == row["share_exclusive"] == 1.0


def test_refund_larger_than_the_roots_own_gas_makes_its_exclusive_negative():
    # a proxy whose callee cleared storage: the transaction's gas used (after the refund) is
    # less than what the callee's frame used; the root carries the refund
    tx = frame(A, F, 30_000, [frame(B, G, 40_000, depth=1)])
    p = profile(tx, LABELS)
    assert p.row(*key(A, F))["gas_exclusive"] == -10_000
    assert p.row(*key(A, F))["gas_exclusive_max"] == -10_000
    assert p.row(*key(A, F))["gas_exclusive"] + p.row(*key(B, G))["gas_exclusive"] == 30_000


def test_bad_input():
    with pytest.raises(TypeError, match="CallFrame"):
        profile(["not a frame"])
    with pytest.raises(ValueError, match="root"):
        profile(frame(A, F, 1, depth=1))
    with pytest.raises(TypeError):
        GasProfile().merge({})
    with pytest.raises(ValueError, match="sort_by"):
        GasProfile().to_frame(sort_by="gas")
    with pytest.raises(KeyError, match="A.0x"):
        GasProfile().row("A", "0x11111111")


def test_empty_profile_and_invalid_transactions():
    p = profile([None, None])
    assert (p.transactions, p.total_gas, len(p)) == (0, 0, 0)
    df = p.to_frame()
    assert list(df.columns) == list(COLUMNS) and len(df) == 0


# ---------------------------------------------------------------------- the DeFi workload
@pytest.fixture(scope="module")
def workload():
    """The DeFi workload deployed on an env; every scenario traced (and committed)."""
    defi.artifacts_or_skip()
    env = envs.EmptyEnvRandom(7)
    chain = defi.EnvChain(env)
    w = defi.deploy(chain)
    before = env.export_snapshot()
    traces = [env.trace_call(s.sender, s.to, s.data, s.value, commit=True)
              for s in defi.scenarios(w)]
    labels = {address: name for name, address in w.addresses.items()}
    A_, B_, C_, WETH = w["TKA"], w["TKB"], w["TKC"], w["WETH9"]
    for a, b, name in ((A_, B_, "PairAB"), (B_, C_, "PairBC"), (A_, WETH, "PairAWETH")):
        labels[w.pair(a, b)] = name
    return env, w, before, traces, labels


def test_workload_traces_are_what_the_profiles_see(workload):
    _, _, _, traces, _ = workload
    assert [t.success for t in traces] == [s.succeeds for s in defi.scenarios(workload[1])]


def test_single_erc20_transfer_profile_is_the_transactions_gas(workload):
    env, w, before, _, labels = workload
    env2 = envs.EmptyEnvRandom(7, snapshot=before)
    data = defi.fn("transfer(address,uint256)", w.deployer, 12345)
    # the same transfer untraced, on the same state: the gas the chain charges
    untraced = env2.evm.call(env2._tx(w.trader, w["TKA"], data, 0))
    assert untraced.success
    tx = env2.trace_call(w.trader, w["TKA"], data)
    p = profile(tx, labels)
    contract, function = frame_parts(tx, labels)
    assert contract == "TKA"
    assert tx.calls == []  # an OpenZeppelin transfer calls no one
    assert p.total_gas == tx.gas_used == untraced.gas_used
    assert len(p) == 1
    assert p.row(contract, function) == {
        "calls": 1, "failed": 0,
        "gas_inclusive": tx.gas_used, "gas_inclusive_mean": tx.gas_used,
        "gas_inclusive_max": tx.gas_used,
        "gas_exclusive": tx.gas_used, "gas_exclusive_mean": tx.gas_used,
        "gas_exclusive_max": tx.gas_used,
        "share_inclusive": 1.0, "share_exclusive": 1.0}


def test_workload_profile_invariants(workload):
    _, _, _, traces, labels = workload
    p = profile(traces, labels)
    df = p.to_frame()
    roots = sum(t.gas_used for t in traces)
    assert p.transactions == len(traces)
    # every unit of gas is exclusive to exactly one frame
    assert int(df["gas_exclusive"].sum()) == p.total_gas == roots
    assert df["share_exclusive"].sum() == pytest.approx(1.0)
    assert (df["gas_inclusive"] >= df["gas_exclusive"]).all()
    assert (df["gas_inclusive"] <= roots).all()
    assert (df["gas_inclusive_max"] >= df["gas_inclusive_mean"]).all()
    frames = [f for t in traces for f in t.walk()]
    assert int(df["calls"].sum()) == len(frames)
    assert int(df["failed"].sum()) == sum(f.error is not None for f in frames)
    # no recursion in the workload: a function's inclusive total is the sum over its calls
    assert (df["gas_inclusive"] == (df["gas_inclusive_mean"] * df["calls"]).round()).all()
    # the rows' calls and gas, recounted from the frames
    by_key: dict = {}
    for f in frames:
        k = frame_parts(f, labels)
        calls, incl, excl = by_key.get(k, (0, 0, 0))
        by_key[k] = (calls + 1, incl + f.gas_used, excl + f.gas_used_exclusive)
    assert {k: (r.calls, r.gas_inclusive, r.gas_exclusive)
            for k, r in df.iterrows()} == by_key
    # sorted by exclusive gas, largest first; the three pair deployments lead
    assert list(df["gas_exclusive"]) == sorted(df["gas_exclusive"], reverse=True)
    # (the unlabelled contracts of Oddities' raw-code frames burn more, failing)
    labelled = [c for c, _ in df.index if not c.startswith("0x")]
    assert set(labelled[:3]) == {"PairAB", "PairBC", "PairAWETH"}


def test_merge_equals_the_profile_of_the_union(workload):
    _, _, _, traces, labels = workload
    first, second = traces[:9], traces[9:]
    whole = profile(traces, labels)
    p1, p2 = profile(first, labels), profile(second, labels)
    merged = p1.merge(p2)
    assert merged == whole
    assert p1 + p2 == whole
    assert GasProfile.combine([p1, p2]) == whole
    assert p1 == profile(first, labels)  # merge leaves its operands alone
    assert (merged.to_frame() == whole.to_frame()).all().all()
    # max columns merge as maxima, not sums
    swap = frame_parts(traces[9], labels)
    assert merged.row(*swap)["gas_inclusive_max"] == max(
        f.gas_used for t in traces for f in t.walk() if frame_parts(f, labels) == swap)


def test_pickle_round_trip(workload):
    _, _, _, traces, labels = workload
    p = profile(traces, labels)
    again = pickle.loads(pickle.dumps(p))
    assert again == p and again is not p
    assert again.to_frame().equals(p.to_frame())
    again.add(traces[0], labels)  # still a working profile
    assert again.transactions == p.transactions + 1


# ---------------------------------------------------------------------- simulations
class Trader(BaseAgent):
    """Swaps a random amount of A for B through the router, sometimes transfers some C."""

    def __init__(self, w):
        self.w = w
        self.address = w.trader

    def update(self, rng, env):
        w = self.w
        amount = int(rng.integers(1, 100)) * 10**18
        swap = defi.fn("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
                       amount, 0, [w["TKA"], w["TKB"]], w.trader, defi.MAX_UINT)
        txs = [(w.trader, w["UniswapV2Router02"], swap, False)]
        if rng.uniform() < 0.5:
            txs.append((w.trader, w["TKC"],
                        defi.fn("transfer(address,uint256)", w.deployer, amount), False))
        return txs

    def record(self, env):
        return env.step


def trading_sim(env, seed, n_steps, *, workload):
    return Sim(seed, env, [Trader(workload)]).run(n_steps, show_progress=False)


@pytest.fixture(scope="module")
def traded(workload):
    """A snapshot of the workload after its scenarios (pairs with liquidity)."""
    env, w, _, _, _ = workload
    return env.export_snapshot(), w


def test_sim_run_with_a_profile(traded):
    snapshot, w = traded
    plain = Sim(3, envs.EmptyEnvRandom(3, snapshot=snapshot), [Trader(w)]).run(
        6, show_progress=False)
    env = envs.EmptyEnvRandom(3, snapshot=snapshot)
    p = GasProfile()
    records = Sim(3, env, [Trader(w)]).run(6, show_progress=False, profile=p)
    assert records == plain  # profiling does not change the simulation
    assert not env.recording_traces  # back off after the run

    # the same blocks run by hand with traces recorded give the same profile
    env2 = envs.EmptyEnvRandom(3, snapshot=snapshot)
    env2.record_traces(True)
    rng, agent, expected, n_tx = np.random.default_rng(3), Trader(w), GasProfile(), 0
    for _ in range(6):
        env2.submit_transactions(agent.update(rng, env2))
        env2.process_block()
        traces = env2.get_last_traces()
        assert len(traces) == len(env2.get_last_events())
        n_tx += len(traces)
        expected.add(traces, env2.labels)
    assert p == expected
    assert p.transactions == n_tx >= 6
    df = p.to_frame()
    assert int(df["gas_exclusive"].sum()) == p.total_gas
    swap = defi.fn("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
                   1, 0, [w["TKA"], w["TKB"]], w.trader, defi.MAX_UINT)
    router_swap = frame_parts(CallFrame("CALL", w.trader, w["UniswapV2Router02"], 0, swap, 0),
                              env.labels)
    assert p.row(*router_swap)["calls"] == 6  # one swap a block

    # a second run folds into the same profile
    Sim(3, env, [Trader(w)]).run(2, show_progress=False, profile=p)
    assert p.transactions > n_tx


def test_sim_run_rejects_a_bad_profile(traded):
    snapshot, w = traded
    sim = Sim(3, envs.EmptyEnvRandom(3, snapshot=snapshot), [Trader(w)])
    with pytest.raises(TypeError, match="GasProfile"):
        sim.run(1, show_progress=False, profile={})
    with pytest.raises(TypeError, match="GasProfile"):
        with collect_gas_profile(object()):
            pass


def batch(traded, **kw):
    snapshot, w = traded
    return batch_run(trading_sim, n_steps=4, n_samples=2,
                     parameters_samples=[{}, {}], seeds=[5, 9], snapshot=snapshot,
                     workload=w, show_progress=False, **kw)


def expected_profile(traded, seeds=(5, 9)):
    snapshot, w = traded
    out = GasProfile()
    for seed in seeds:
        env = envs.EmptyEnvRandom(seed, snapshot=snapshot)
        Sim(seed, env, [Trader(w)]).run(4, show_progress=False, profile=out)
    return out


def test_batch_run_merges_the_samples_profiles(traded):
    expected = expected_profile(traded)
    plain = batch(traded, n_jobs=1)
    assert all("profile" not in g for g in plain)
    for n_jobs in (1, 2):
        results = batch(traded, n_jobs=n_jobs, profile=True)
        assert [g["samples"] for g in results] == [g["samples"] for g in plain]
        for group in results:
            assert not any(isinstance(s, SampleError) for s in group["samples"])
            assert group["profile"] == expected, n_jobs
        whole = GasProfile.combine(g["profile"] for g in results)
        assert whole.transactions == 2 * expected.transactions


def test_batch_run_profile_on_dask(traded):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        results = batch(traded, executor=client, profile=True)
    expected = expected_profile(traded)
    assert [g["profile"] for g in results] == [expected, expected]


def test_batch_run_profile_with_a_checkpoint(traded, tmp_path):
    path = tmp_path / "batch.ckpt"
    first = batch(traded, n_jobs=1, profile=True, checkpoint=path)
    expected = expected_profile(traded)
    assert [g["profile"] for g in first] == [expected, expected]
    # a rerun finds every sample in the file: profiles come back from the records
    again = batch(traded, n_jobs=1, profile=True, checkpoint=path)
    assert again == first
    # a torn last record: that sample runs again, the others' profiles come from the file
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.warns(RuntimeWarning, match="torn|dropped|incomplete|record"):
        resumed = batch(traded, n_jobs=1, profile=True, checkpoint=path)
    assert resumed == first
    # the records hold profiles: the file does not match a batch without them, nor the reverse
    with pytest.raises(CheckpointMismatchError, match="profile"):
        batch(traded, n_jobs=1, checkpoint=path)
    plain = tmp_path / "plain.ckpt"
    batch(traded, n_jobs=1, checkpoint=plain)
    with pytest.raises(CheckpointMismatchError, match="profile"):
        batch(traded, n_jobs=1, profile=True, checkpoint=plain)


# ---------------------------------------------------------------------- plots
def test_plots_are_written(workload, tmp_path):
    """Also makes the README's figures: ``VERBS_README_FIGURES=docs/img pytest -k plots``."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from verbs.trace.plot import plot_profile, plot_trace

    out = Path(os.environ.get("VERBS_README_FIGURES", tmp_path))
    _, w, _, traces, names = workload
    artifact = {"TKA": "TestToken", "TKB": "TestToken", "TKC": "TestToken",
                "BoxProxy": "Box", "PairAB": "UniswapV2Pair", "PairBC": "UniswapV2Pair",
                "PairAWETH": "UniswapV2Pair"}
    labels = Labels()
    for address, name in names.items():
        labels.label(address, name, w.artifacts[artifact.get(name, name)].abi)
    defi_traces = [t for t in traces if t.to != w["Oddities"]]  # the DeFi transactions
    ax = plot_profile(profile(defi_traces, labels), top=8)
    assert len(ax.get_yticklabels()) == 8
    ax.figure.savefig(out / "gas-profile.png", dpi=80, bbox_inches="tight")
    ax = plot_trace(traces[11], labels)  # swap C -> B -> A -> ETH: 20 frames
    assert len(ax.patches) == len(list(traces[11].walk()))
    ax.figure.savefig(out / "trace-icicle.png", dpi=80, bbox_inches="tight")
    assert (out / "gas-profile.png").stat().st_size > 0
    assert (out / "trace-icicle.png").stat().st_size > 0
    with pytest.raises(ValueError, match="by"):
        plot_profile(GasProfile(), by="calls")
    with pytest.raises(TypeError):
        plot_trace(profile(traces))
