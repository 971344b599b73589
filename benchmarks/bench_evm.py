"""EVM speed: our EVM against revm (pyrevm 0.3.7) and py-evm, side by side.

Five workloads (``_evm_workloads.py`` documents the hand-assembled bytecode):

  loop      10**6 iterations of ADD/MUL/SUB/LT/JUMPI in one transaction
  keccak    10**5 KECCAK256 of 32 bytes of memory in one transaction
  sstore    10**5 SSTORE+SLOAD pairs to fresh slots in one transaction
  transfer  10**4 ERC20 transfers (../shared/data/erc20-verbs-example.json), each its own
            committed transaction
  balanceOf 10**4 balanceOf calls (not committed)

py-evm runs smaller counts (``PYEVM_N``) where the full count would take minutes; all figures
are per iteration (loop iteration, hash, SSTORE+SLOAD pair, transaction, call).

First the engines must agree on every workload: output and gas used, at the full count for
ours and pyrevm and at py-evm's count for py-evm; for the ERC20 every transaction's
(success, output, gas) against py-evm, selected transactions against fresh pyrevm instances
loaded with our state (pyrevm's ``message_call`` keeps one open journal, see
``_evm_workloads.Revm``), and the final balances.  Then each engine runs each workload
``--repeats`` times (fresh state each time, setup not timed) and the table shows medians.

Fork: Prague for all three (pyrevm 0.3.7 = revm 8.0.0, whose newest spec is PRAGUE; none of
these workloads touches a Prague-only rule, so it prices them as Cancun; py-evm's PragueVM).

usage: python benchmarks/bench_evm.py [--repeats 5] [--scale 1.0] [--no-pyevm]
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _evm_workloads as W

FULL_N = {"loop": 10**6, "keccak": 10**5, "sstore": 10**5, "transfer": 10**4, "balanceOf": 10**4}
PYEVM_N = {"loop": 10**4, "keccak": 10**4, "sstore": 10**3, "transfer": 300, "balanceOf": 300}
TARGET_REVM = {"loop": 1.0, "keccak": 1.0, "sstore": 1.0, "transfer": 1.0, "balanceOf": 0.5}
PROGRAMS = {"loop": W.loop_code, "keccak": W.keccak_code, "sstore": W.sstore_code}
N_RECIPIENTS = 100


def transfers(n):
    return [W.transfer_data(W.address(0x2000 + i % N_RECIPIENTS), 1 + i % 7) for i in range(n)]


def balance_calls(n):
    holders = [W.SENDER] + [W.address(0x2000 + j) for j in range(N_RECIPIENTS)]
    return [W.balance_of_data(holders[i % len(holders)]) for i in range(n)]


def warm_up_state(engine):
    """Deploy the token and give each recipient a balance (the state the calls read)."""
    engine.deploy()
    for d in transfers(N_RECIPIENTS):
        engine.tx(d)


def agree(label, a, b):
    if a != b:
        sys.exit(f"DISAGREE on {label}:\n  {a!r}\n  {b!r}")


# --- the check ------------------------------------------------------------------------------
def check(ours, revm, pyevm, n):
    for w, make in PROGRAMS.items():
        r_ours = ours.code_tx(make(n[w]))()
        r_revm = revm.code_tx(make(n[w]))()
        assert r_ours[0], (w, r_ours)
        agree(f"{w} (verbs vs pyrevm, n={n[w]})", r_ours, r_revm)
        if w == "loop":
            agree("loop output", r_ours[1], W.loop_expected(n[w]))
        if w == "sstore":
            agree("sstore output", int.from_bytes(r_ours[1], "big"), n[w] * (n[w] + 1) // 2)
        msg = (f"  {w:9} n={n[w]:>8}: gas {r_ours[2]:>13,} output 0x{r_ours[1][:8].hex()}..  "
               "verbs == pyrevm")
        if pyevm:
            m = PYEVM_N[w]
            agree(
                f"{w} (verbs vs py-evm, n={m})", ours.code_tx(make(m))(), pyevm.code_tx(make(m))()
            )
            msg += f"; == py-evm at n={m}"
        print(msg, flush=True)

    # ERC20.  pyrevm keeps one open journal (slots stay warm from one call to the next), so
    # its gas is checked on fresh instances holding the token as deployed (its runtime code and
    # the deployer's balance slot): the first transfer and balanceOf(deployer), both cold;
    # every transfer's and call's (success, output, gas) is checked against py-evm, which
    # ends each transaction properly; outputs and final balances against pyrevm's journal.
    datas = transfers(n["transfer"])
    calls = balance_calls(n["balanceOf"])
    ours.deploy()
    revm.deploy()
    _, _, runtime, storage = ours.evm.dump()[ours.token]
    slots = {k: v for k, v in storage.items() if k >= 2**160}  # balances[deployer]
    agree(
        "first transfer (verbs vs fresh pyrevm)",
        ours.call(datas[0]),
        revm.tx_fresh(ours.token, runtime, slots, datas[0]),
    )
    agree(
        "balanceOf(deployer) (verbs vs fresh pyrevm)",
        ours.call(calls[0]),
        revm.tx_fresh(ours.token, runtime, slots, calls[0]),
    )
    ok_word = (1).to_bytes(32, "big")
    r_ours = []
    for i, d in enumerate(datas):
        r = ours.tx(d)
        assert r[0] and r[1] == ok_word, (i, r)
        r_ours.append(r)
        agree(f"transfer {i} output (verbs vs pyrevm journal)", r[:2], revm.tx(d)[:2])
    c_ours = [ours.call(d) for d in calls]
    c_revm = [revm.call(d) for d in calls]
    agree(
        "balances after the transfers (verbs vs pyrevm)",
        [c[1] for c in c_ours],
        [c[1] for c in c_revm],
    )
    assert all(c[0] for c in c_ours)
    total = sum(int.from_bytes(ours.call(d)[1], "big") for d in balance_calls(N_RECIPIENTS + 1))
    agree("supply conserved", total, W.SUPPLY)
    msg = (
        f"  transfer  n={len(datas):>8}: gas {sum(r[2] for r in r_ours):>13,} in all; balances "
        f"verbs == pyrevm; first == fresh pyrevm"
    )
    msg2 = (f"  balanceOf n={len(calls):>8}: gas {c_ours[0][2]:>13,} (the first); "
            "outputs verbs == pyrevm; gas == fresh pyrevm")
    if pyevm:
        pyevm.deploy()
        m = PYEVM_N["transfer"]
        for i, d in enumerate(datas[:m]):
            agree(f"transfer {i} (verbs vs py-evm)", r_ours[i], pyevm.tx(d))
        m2 = PYEVM_N["balanceOf"]
        ours.deploy()
        for d in datas[:m]:
            ours.tx(d)
        for i, d in enumerate(calls[:m2]):
            agree(f"balanceOf {i} (verbs vs py-evm)", ours.call(d), pyevm.call(d))
        msg += f"; first {m} == py-evm"
        msg2 += f"; == py-evm ({m2} calls after {m} transfers)"
    print(msg)
    print(msg2, flush=True)


# --- the timing -----------------------------------------------------------------------------
def timed(fn):
    """(wall, CPU time of this thread) of ``fn()`` in ns.  The CPU time is the steadier figure
    on a busy shared machine (it leaves out the time the thread waited for a core)."""
    gc.collect()
    c = time.thread_time_ns()
    t = time.perf_counter_ns()
    fn()
    return time.perf_counter_ns() - t, time.thread_time_ns() - c


def run_once(engine, workload, n):
    """One timed run on fresh state (setup not timed): (wall, CPU) in ns."""
    if workload in PROGRAMS:
        return timed(engine.code_tx(PROGRAMS[workload](n)))
    if workload == "transfer":
        engine.deploy()
        datas = transfers(n)
        return timed(lambda: engine.run_txs(datas))
    warm_up_state(engine)
    datas = balance_calls(n)
    return timed(lambda: engine.run_calls(datas))


def measure(engines, workload, n, repeats) -> list:
    """(median wall, median CPU) ns per iteration of each engine; the engines' runs alternate
    (the machine is shared, so that a busy spell does not fall on one engine only)."""
    times = [[] for _ in engines]
    for _ in range(repeats):
        for i, e in enumerate(engines):
            times[i].append(run_once(e, workload, n))
    return [
        (statistics.median(w for w, _ in t) / n, statistics.median(c for _, c in t) / n)
        for t in times
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pyevm-repeats", type=int, default=3)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every count (quick runs)"
    )
    parser.add_argument("--no-pyevm", action="store_true")
    parser.add_argument("--workloads", default=",".join(FULL_N))
    args = parser.parse_args()
    if not W.ERC20_JSON.exists():
        sys.exit(f"{W.ERC20_JSON} not found: the benchmark needs ../shared/data")
    n = {k: max(1, int(v * args.scale)) for k, v in FULL_N.items()}
    if args.scale < 1:
        for k, v in PYEVM_N.items():
            PYEVM_N[k] = max(1, min(v, int(v * args.scale * 10)))
    import pyrevm  # noqa: F401

    ours, revm = W.Ours("Prague"), W.Revm("PRAGUE")
    pyevm = None if args.no_pyevm else W.PyEvm("PragueVM")
    print("check: the engines agree on output and gas", flush=True)
    check(ours, revm, pyevm, n)

    print(
        f"\ntiming: median of {args.repeats} runs (py-evm: {args.pyevm_repeats}), "
        "ns per iteration; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    head = (
        f"{'workload':10} {'n':>8} {'verbs':>9} {'pyrevm':>9} {'verbs/revm':>10} {'target':>6} "
        f"{'cpu verbs':>9} {'cpu revm':>9} {'cpu ratio':>9} "
        f"{'n py-evm':>8} {'py-evm':>10} {'py-evm/verbs':>12}"
    )
    print(head)
    for w in args.workloads.split(","):
        (t_ours, c_ours), (t_revm, c_revm) = measure([ours, revm], w, n[w], args.repeats)
        line = (
            f"{w:10} {n[w]:>8} {t_ours:>9,.0f} {t_revm:>9,.0f} {t_ours / t_revm:>9.2f}x "
            f"{'<=' + str(TARGET_REVM[w]):>6} {c_ours:>9,.0f} {c_revm:>9,.0f} "
            f"{c_ours / c_revm:>8.2f}x"
        )
        if pyevm:
            # ours again at py-evm's count, so that the ratio compares like with like
            ((t_py, _),) = measure([pyevm], w, PYEVM_N[w], args.pyevm_repeats)
            ((t_ours_small, _),) = measure([ours], w, PYEVM_N[w], args.repeats)
            line += f" {PYEVM_N[w]:>8} {t_py:>10,.0f} {t_py / t_ours_small:>11.0f}x"
        print(line, flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    print(
        "\nns per iteration, wall clock; verbs/revm: our time over pyrevm's (target <= the "
        "column); cpu: the same from this thread's CPU time; py-evm/verbs: how many times faster "
        "we are than py-evm at py-evm's count, wall clock (target >= 100x)"
    )


if __name__ == "__main__":
    main()
