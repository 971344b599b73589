"""Batch execution: ours against the original verbs 0.4.1, side by side.

Both libraries run the same script (``_batch_workload.py``) in subprocesses, the original from
its own virtual environment (``benchmarks/.venv-verbs04``, ``python -I`` from a temporary
directory); the token is the demo's (``verbs/data/simple_erc20.json``).

1. env from a snapshot + its first ``balanceOf`` call, with 1k, 10k and 100k token holders
   (one storage slot each): ``EmptyEnvRandom(seed, snapshot)`` (ours: a ``Snapshot`` value;
   the original: its 5-tuple).  Target: ours flat in the state size, <= 100 us at 100k.
2. ``export_snapshot()`` after k = 10, 100, 1000 changed holders on the 100k state (an env
   made from its snapshot, k transfers in one block, then the export is timed).  Target:
   proportional to k.
3. the batch example (``python -m verbs demo``: 2 parameter sets x 16 samples, 50 agents,
   100 steps, the same sim_func for both, agents drawing from the Sim's generator) with
   n_jobs = 1 and 2: samples/s.  The two libraries must produce the same samples.  Targets:
   ours >= 3x the original at each n_jobs; ours at 2 workers >= 1.8x ours at 1.
4. peak memory of a 2-worker batch (2 x 4 samples) from a 100k-holder snapshot, against one
   env alone running one sample from it: the largest total RSS (and PSS, which counts pages
   shared copy-on-write once) of the process and all its children, sampled every 20 ms.

usage: python benchmarks/bench_batch.py [--sizes 1000,10000,100000] [--repeats 20]
       [--batch-repeats 3] [--parts state,batch,memory]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv-verbs04"
TOKEN = REPO / "verbs" / "data" / "simple_erc20.json"
SCRIPT = HERE / "_batch_workload.py"


def original_python() -> str:
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "verbs==0.4.1"], check=True)
    return str(py)


def command(lib: str, *args) -> list:
    if lib == "ours":
        return [sys.executable, str(SCRIPT)] + [str(a) for a in args]
    return [original_python(), "-I", str(SCRIPT)] + [str(a) for a in args]


def env_for(lib: str) -> dict:
    env = dict(os.environ)
    if lib == "ours":   # the repository's verbs, whatever the working directory
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run(lib: str, *args) -> dict:
    cmd = command(lib, *args)
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env_for(lib),
                             check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def tree_memory(proc, pss: bool):
    """(total RSS, total PSS) of a psutil.Process and its descendants, in bytes."""
    import psutil
    rss = pss_total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0, 0
    for p in procs:
        try:
            if pss:
                m = p.memory_full_info()
                rss += m.rss
                pss_total += m.pss
            else:
                rss += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return rss, pss_total


def peak_memory(lib: str, size: int, mode: str) -> dict:
    import psutil  # only this part needs it
    cmd = command(lib, "memory", TOKEN, size, mode)
    with tempfile.TemporaryDirectory() as cwd:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env_for(lib))
        proc = psutil.Process(p.pid)
        assert p.stdout.readline().strip() == "READY", p.stderr.read()
        base_rss, base_pss = tree_memory(proc, True)
        peak_rss, peak_pss = base_rss, base_pss
        while p.poll() is None:
            rss, pss = tree_memory(proc, True)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.02)
        rest = p.stdout.read()
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr.read()[-3000:]}")
    return {"base_rss": base_rss, "peak_rss": peak_rss, "base_pss": base_pss,
            "peak_pss": peak_pss, "s": json.loads(rest.strip().splitlines()[-1])["s"]}


def us(s: float) -> str:
    return f"{s * 1e6:,.1f}"


def mib(b: int) -> str:
    return f"{b / 2**20:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--ks", default="10,100,1000")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--batch-repeats", type=int, default=3)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--memory-size", type=int, default=100_000)
    parser.add_argument("--parts", default="state,batch,memory")
    args = parser.parse_args()
    parts = args.parts.split(",")
    print(f"load average at the start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")

    if "state" in parts:
        res = {lib: run(lib, "state", TOKEN, args.sizes, args.repeats, args.ks)
               for lib in ("ours", "orig")}
        print(f"\n1. EmptyEnvRandom(seed, snapshot) + first balanceOf call, median of "
              f"{args.repeats} (us)")
        print(f"{'holders':>8} {'ours':>10} {'0.4.1':>12} {'speed-up':>9}")
        for size in args.sizes.split(","):
            o, t = res["ours"]["env_s"][size], res["orig"]["env_s"][size]
            print(f"{int(size):>8} {us(o):>10} {us(t):>12} {t / o:>8.0f}x")
        print(f"\n2. export_snapshot() after k changed holders on the "
              f"{int(args.sizes.split(',')[-1]):,}-holder state, median (us)")
        print(f"{'k':>8} {'ours':>10} {'0.4.1':>12} {'speed-up':>9}")
        for k in args.ks.split(","):
            o, t = res["ours"]["export_s"][k], res["orig"]["export_s"][k]
            print(f"{int(k):>8} {us(o):>10} {us(t):>12} {t / o:>8.0f}x")

    if "batch" in parts:
        print(f"\n3. batch example: 2 parameter sets x 16 samples, 50 agents, 100 steps; "
              f"median of {args.batch_repeats} batch_run calls")
        print(f"{'n_jobs':>6} {'ours s':>8} {'ours samples/s':>15} {'0.4.1 s':>8} "
              f"{'0.4.1 samples/s':>16} {'ours/0.4.1':>11} {'ours CPU s':>11} {'0.4.1 CPU s':>12} "
              f"{'CPU ratio':>10}  samples")
        rate = {}
        for jobs in args.jobs.split(","):
            o = run("ours", "batch", TOKEN, jobs, args.batch_repeats)
            t = run("orig", "batch", TOKEN, jobs, args.batch_repeats)
            same = "identical" if o["digest"] == t["digest"] else "DIFFER"
            rate[jobs] = o["samples"] / o["s"]
            print(f"{jobs:>6} {o['s']:>8.2f} {o['samples'] / o['s']:>15.1f} {t['s']:>8.2f} "
                  f"{t['samples'] / t['s']:>16.1f} {t['s'] / o['s']:>10.2f}x {o['cpu_s']:>11.2f} "
                  + (f"{t['cpu_s']:>12.2f} {t['cpu_s'] / o['cpu_s']:>9.2f}x" if jobs == "1"
                     else f"{'-':>12} {'-':>10}")   # joblib's workers outlive the batch: uncounted
                  + f"  {same}", flush=True)
        if "1" in rate and "2" in rate:
            print(
                f"ours: 2 workers / 1 worker = {rate['2'] / rate['1']:.2f}x (load average now "
                f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; 'ours CPU s' is the CPU time "
                f"of the batch, workers included)"
            )

    if "memory" in parts:
        print(
            f"\n4. peak memory from a {args.memory_size:,}-holder snapshot (MiB; RSS counts "
            f"copy-on-write pages once per process, PSS shares them)"
        )
        print(
            f"{'library':8} {'run':24} {'baseline RSS':>13} {'peak RSS':>9} {'peak PSS':>9} "
            f"{'s':>6}"
        )
        for lib in ("ours", "orig"):
            for mode, label in (("one", "one env, one sample"), ("batch2", "2-worker batch 2x4")):
                m = peak_memory(lib, args.memory_size, mode)
                print(
                    f"{lib if lib == 'ours' else '0.4.1':8} {label:24} {mib(m['base_rss']):>13} "
                    f"{mib(m['peak_rss']):>9} {mib(m['peak_pss']):>9} {m['s']:>6.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
