"""ERC20 simulation benchmark: ours against the original verbs 0.4.1, side by side.

The workload is the original's ``examples/basic_sim.py``: each step every agent reads
``balanceOf`` with a ``call`` and, holding tokens, sends ``transfer(min(balance, 100000))`` to a
random agent drawn from the Sim's generator.  Two variants: "canonical" (all supply starts with
agent 0) and "funded" (every agent starts with tokens).  Both engines run the same script
(``_sim_workload.py``) in subprocesses; the original from its own virtual environment
(``benchmarks/.venv-verbs04``, created on first use with ``pip install verbs==0.4.1``).  The
final balances must agree.

usage: python benchmarks/bench_sim.py [--sizes 50x100,500x100,2000x20] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv-verbs04"
ERC20 = REPO.parent / "shared" / "data" / "erc20-verbs-example.json"


def original_python() -> str:
    """The interpreter of a virtual environment with verbs==0.4.1 (created if missing)."""
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "verbs==0.4.1"], check=True)
    return str(py)


def run(python: str, isolated: bool, *args) -> dict:
    cmd = (
        [python]
        + (["-I"] if isolated else [])
        + [str(HERE / "_sim_workload.py")]
        + [str(a) for a in args]
    )
    with tempfile.TemporaryDirectory() as cwd:  # never import the repo's verbs/ by accident
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50x100,500x100,2000x20")
    parser.add_argument("--variants", default="canonical,funded")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not ERC20.exists():
        sys.exit(f"{ERC20} not found: the benchmark needs ../shared/data")
    theirs = original_python()
    print(
        f"{'variant':10} {'agents x steps':>15} {'ours run s':>11} {'0.4.1 run s':>12} "
        f"{'speed-up':>9} {'ours setup s':>13} {'0.4.1 setup s':>14}  balances"
    )
    for variant in args.variants.split(","):
        for size in args.sizes.split(","):
            n_agents, n_steps = (int(x) for x in size.split("x"))
            ours = run(sys.executable, False, ERC20, n_agents, n_steps, variant, args.repeats)
            orig = run(theirs, True, ERC20, n_agents, n_steps, variant, args.repeats)
            same = "agree" if ours["balances_sha256"] == orig["balances_sha256"] else "DIFFER"
            print(
                f"{variant:10} {size:>15} {ours['run_s']:11.3f} {orig['run_s']:12.3f} "
                f"{orig['run_s'] / ours['run_s']:8.2f}x {ours['setup_s']:13.3f} "
                f"{orig['setup_s']:14.3f}  {same}",
                flush=True,
            )
            if same != "agree":
                sys.exit("the engines ended with different balances")


if __name__ == "__main__":
    main()
