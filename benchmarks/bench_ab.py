"""Two builds of verbs side by side: is a change free where it should be?

Runs the same workloads on two source trees, each built in place (``python setup.py
build_ext --inplace``), in alternating child processes so that machine load hits both
alike, and prints the medians of their CPU times and the ratio (this tree over the
other).  Workloads: ``bench_evm.py``'s ERC20 transfer and balanceOf and its loop, and
``bench_sim.py``'s canonical and funded simulations (500 agents x 100 steps).

usage: python benchmarks/bench_ab.py OTHER_TREE [--rounds N]

For example, the tracer seam against the commit before it::

    git worktree add /tmp/base <commit> && (cd /tmp/base && python setup.py build_ext --inplace)
    python benchmarks/bench_ab.py /tmp/base --rounds 7
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import _evm_workloads as W
from verbs._evm.tx import Tx
out = {}
ours = W.Ours("Osaka")
ours.deploy()
datas = [W.transfer_data(W.address(i % 1000), 1) for i in range(10_000)]
t0 = time.process_time(); ours.run_txs(datas)
out["transfer_ns"] = (time.process_time() - t0) / len(datas) * 1e9
datas = [W.balance_of_data(W.address(i % 1000)) for i in range(10_000)]
t0 = time.process_time(); ours.run_calls(datas)
out["balanceOf_ns"] = (time.process_time() - t0) / len(datas) * 1e9
run = ours.code_tx(W.loop_code(1_000_000))
t0 = time.process_time(); run()
out["loop_ns"] = (time.process_time() - t0) / 1_000_000 * 1e9
print(json.dumps(out))
"""


def run_evm(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(HERE)], env=env, cwd="/",
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def run_sim(tree: Path, variant: str, data: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.run([sys.executable, str(HERE / "_sim_workload.py"), str(data), "500",
                           "100", variant, "1"], env=env, cwd="/", capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout)["run_cpu_s"] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other source tree, built in place")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = TREE.parent / "shared" / "data" / "erc20-verbs-example.json"
    if not data.exists():
        data = TREE / "verbs" / "data" / "erc20-verbs-example.json"
    trees = {"this": TREE, "other": args.other.resolve()}
    results: dict[str, dict[str, list[float]]] = {k: {} for k in trees}
    for r in range(args.rounds):
        order = list(trees.items()) if r % 2 == 0 else list(reversed(trees.items()))
        for name, tree in order:
            sample = run_evm(tree)
            for variant in ("canonical", "funded"):
                sample[f"sim_{variant}_ms"] = run_sim(tree, variant, data)
            for k, v in sample.items():
                results[name].setdefault(k, []).append(v)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'workload':20} {'this':>10} {'other':>10} {'this/other':>10}   (medians of "
          f"{args.rounds}; load average {os.getloadavg()[0]:.1f})")
    for key in results["this"]:
        a = statistics.median(results["this"][key])
        b = statistics.median(results["other"][key])
        print(f"{key:20} {a:10.1f} {b:10.1f} {a / b:10.3f}")


if __name__ == "__main__":
    main()
