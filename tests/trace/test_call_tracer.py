"""Call traces equal anvil's callTracer, transaction by transaction, on the DeFi workload.

Every workload transaction (router swaps, createPair's CREATE2, the proxy's DELEGATECALL,
STATICCALL views, precompiles, reverts deep in the tree, and ``Oddities``: frames that end in
each way a tracer reports) runs on a verbs env through ``env.trace_call`` and on anvil; the
frame's ``to_call_tracer()`` must equal ``debug_traceTransaction`` with the ``callTracer``
(``withLog``) field by field: type, from, to, value, input, output, error, revertReason,
logs, gas, gasUsed and the tree's shape.
"""
from __future__ import annotations

import defi
import pytest

from verbs import envs


@pytest.fixture(scope="module")
def traced_env():
    defi.artifacts_or_skip()
    chain = defi.EnvChain(envs.EmptyEnvRandom(7), trace=True)
    workload = defi.deploy(chain)
    n_deploy = len(chain.traces)
    results = defi.run(chain, workload)
    return workload, chain.traces[n_deploy:], results


@pytest.fixture(scope="module")
def anvil_traces():
    defi.artifacts_or_skip()
    with defi.Anvil(defi.anvil_or_skip()) as node:
        chain = defi.AnvilChain(node.url)
        workload = defi.deploy(chain)
        results = defi.run(chain, workload)
        yield workload, [chain.call_trace(o.tx_hash) for _, o in results], results


def _differences(ours, theirs, path="root") -> list[str]:
    out = []
    for key in sorted(set(ours) | set(theirs)):
        if key == "calls":
            a, b = ours.get(key, []), theirs.get(key, [])
            if len(a) != len(b):
                out.append(f"{path}: {len(a)} calls, anvil {len(b)}")
            for i, (x, y) in enumerate(zip(a, b)):
                out += _differences(x, y, f"{path}/calls[{i}]")
        elif ours.get(key) != theirs.get(key):
            out.append(f"{path}.{key}: {ours.get(key)!r} != anvil {theirs.get(key)!r}")
    return out


def test_the_workload_reaches_every_kind_of_frame(traced_env):
    _, traces, _ = traced_env
    frames = [f for t in traces for f in t.walk()]
    assert {f.type for f in frames} == {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE",
                                        "CREATE", "CREATE2", "SELFDESTRUCT"}
    errors = {f.error for f in frames} - {None}
    assert errors == {
        "execution reverted", "out of gas", "out of gas: out of memory",
        "out of gas: not enough gas for reentrancy sentry", "invalid opcode",
        "invalid opcode: INVALID", "invalid jump destination", "StackUnderflow",
        "Out of stack", "StateChangeDuringStaticCall", "CallNotAllowedInsideStatic",
        "CreateCollision", "OutOfOffset", "CreateContractStartingWithEF",
        "precompiled failed", "insufficient balance for transfer",
    }
    reasons = {f.revert_reason for f in frames} - {None}
    assert "division or modulo by zero" in reasons  # a Panic(0x12)
    assert "TransferHelper: TRANSFER_FROM_FAILED" in reasons


def test_every_transaction_equals_anvils_call_tracer(traced_env, anvil_traces):
    w_env, ours, results_env = traced_env
    w_anvil, theirs, results_anvil = anvil_traces
    assert w_env.addresses == w_anvil.addresses
    assert len(ours) == len(theirs) == len(results_env)
    mismatches = {}
    for (scenario, _), frame, expected in zip(results_env, ours, theirs):
        diff = _differences(frame.to_call_tracer(), expected)
        if diff:
            mismatches[scenario.name] = diff[:10]
    assert not mismatches


def test_outcomes_through_trace_call_match_the_untraced_run(traced_env, anvil_traces):
    # the traced env reached the same outcomes and logs as anvil (and as the untraced env in
    # tests/test_defi_workload.py): tracing changes nothing
    _, _, results_env = traced_env
    _, _, results_anvil = anvil_traces
    for (scenario, ours), (_, theirs) in zip(results_env, results_anvil):
        assert (ours.success, ours.logs) == (theirs.success, theirs.logs), scenario.name
