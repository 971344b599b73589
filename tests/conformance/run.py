"""Run the Ethereum state tests on verbs' EVM and print pass counts per fork.

Usage::

    python tests/conformance/run.py [DIR|FILE ...] [--fork F] [--json] [--jobs N] [--every K]
                                    [--timeout S] [--budget S] [--failures FILE] [--summary FILE]

Without DIR it runs ``eest/state_tests`` and ``legacy/GeneralStateTests`` of the ethtests
folder (``$VERBS_ETHTESTS`` or ``<repo>/../shared/ethtests``).  Cases run in worker
subprocesses (``--jobs``, default 2), each case under a time limit (``--timeout`` seconds): a
case that runs over is killed and counted as failed ``timeout``; a worker that dies counts its
case as ``crash`` and the run goes on.  Every failure is written with its test id and reason
to ``--failures`` (default ``conformance-failures.txt``).  The last line printed is one JSON
object ``{"Shanghai": {"passed": p, "total": t}, ...}``.  Skipped, timed-out and crashed cases
count as failed, never as absent; over the whole default set the totals are checked against
``counts.json``.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``conformance`` and ``verbs`` importable
    _here = Path(__file__).resolve()
    sys.path.insert(0, str(_here.parents[1]))
    sys.path.insert(1, str(_here.parents[2]))
    from conformance.fixtures import (  # type: ignore[no-redef]
        FORKS,
        case_ids,
        ethtests_root,
        iter_cases,
        select_files,
    )
else:
    from .fixtures import (
        FORKS,
        case_ids,
        ethtests_root,
        iter_cases,
        select_files,
    )

RUN_PY = Path(__file__).resolve()

#: Seconds one case may run (CALLBlake2f_MaxRounds, 2**32 - 1 BLAKE2 rounds, takes ~100 s here).
DEFAULT_TIMEOUT = 300.0

#: Path parts of files that hold very slow cases: scheduled first so that they overlap the rest.
SLOW_FIRST = ("stTimeConsuming/", "vmPerformance/", "eip1153_tstore/test_run_until_out_of_gas")
REPO = RUN_PY.parents[2]


# ================================================================================= worker
def _watch_parent() -> None:
    """Exit the worker when its parent run dies (a killed run must not leave workers behind)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def worker_main() -> int:
    """Worker loop: read ``{"file", "start", "fork"}`` tasks from stdin, report on a pipe.

    Messages (JSON lines): ``{"ids": [[test_id, fork], ...]}`` once per task, then per case
    ``{"begin": i}`` and ``{"end": i, "passed": bool, "reason": str}``, then ``{"done": 1}``.
    Anything the EVM prints goes to stderr (fd 1 is redirected), never into the protocol.
    """
    if __package__ in (None, ""):
        from conformance.runner import run_case  # type: ignore[no-redef]
    else:
        from .runner import run_case
    _watch_parent()
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    root = ethtests_root()

    def send(msg: dict) -> None:
        proto.write(json.dumps(msg) + "\n")
        proto.flush()

    for line in sys.stdin:
        task = json.loads(line)
        path = Path(task["file"])
        start = int(task.get("start", 0))
        cases = list(iter_cases(path, root, task.get("fork")))
        send({"ids": [[c.test_id, c.fork] for c in cases]})
        for i in range(start, len(cases)):
            send({"begin": i})
            case = cases[i]
            t0 = time.perf_counter()
            try:
                res = run_case(case)
                passed, reason = res.passed, res.reason
            except BaseException as exc:  # noqa: BLE001 - never let one case end the worker
                passed, reason = False, f"unexpected exception {type(exc).__name__}: {exc}"
            send({"end": i, "passed": passed, "reason": reason, "t": time.perf_counter() - t0})
            cases[i] = None  # free memory of big legacy files as we go
        send({"done": 1})
    return 0


# ================================================================================= parent
@dataclass
class Worker:
    """A worker subprocess and what it is doing."""

    proc: subprocess.Popen
    stderr_path: str
    buf: bytes = b""
    task: tuple[Path, int] | None = None
    ids: list | None = None
    current: int | None = None
    started: float = 0.0
    next_index: int = 0


@dataclass
class RunResult:
    """Outcome of a run: per-case verdicts and the case lists per file."""

    results: dict = field(default_factory=dict)  # test_id -> (fork, passed, reason)
    seconds: dict = field(default_factory=dict)  # test_id -> seconds the case took
    ids: dict = field(default_factory=dict)  # file -> [(test_id, fork)]
    wall: float = 0.0

    def per_fork(self) -> dict:
        """``{fork: {"passed": p, "total": t}}`` for the four forks (zeros included)."""
        out = {f: {"passed": 0, "total": 0} for f in FORKS}
        for lst in self.ids.values():
            for tid, fork in lst:
                out.setdefault(fork, {"passed": 0, "total": 0})
                out[fork]["total"] += 1
                r = self.results.get(tid)
                if r is not None and r[1]:
                    out[fork]["passed"] += 1
        return out

    def failures(self) -> list[tuple[str, str]]:
        """``(test_id, reason)`` of every case that did not pass (absent ones included)."""
        out = []
        for lst in self.ids.values():
            for tid, _fork in lst:
                r = self.results.get(tid)
                if r is None:
                    out.append((tid, "absent: not run (worker lost)"))
                elif not r[1]:
                    out.append((tid, r[2]))
        return sorted(out)


def _tail(path: str, n: int = 600) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - n))
            return fh.read().decode("utf-8", "replace").strip().replace("\n", " | ")
    except OSError:
        return ""


def run_files(
    files: list[Path],
    jobs: int = 2,
    timeout: float = DEFAULT_TIMEOUT,
    fork: str | None = None,
    progress: bool = True,
    budget: float | None = None,
) -> RunResult:
    """Run every case of ``files`` in ``jobs`` worker subprocesses.

    Parameters
    ----------
    files : list of Path
        Fixture files.
    jobs : int
        Number of workers.
    timeout : float
        Seconds one case may take before its worker is killed (the case fails ``timeout``).
    fork : str, optional
        Only cases of this fork.
    progress : bool
        Print progress to stderr.
    budget : float, optional
        Seconds for the whole run: when spent, the workers are killed and every case not yet
        judged fails with ``budget: ...`` (it still counts in the totals).

    Returns
    -------
    RunResult
        Every case's verdict.
    """
    root = ethtests_root()
    t0 = time.monotonic()
    rr = RunResult()
    # known slow files first, then the biggest: better balance between workers
    pending: collections.deque = collections.deque(
        (p, 0)
        for p in sorted(
            files, key=lambda p: (not any(s in p.as_posix() for s in SLOW_FIRST), -p.stat().st_size)
        )
    )
    sel = selectors.DefaultSelector()
    workers: list[Worker] = []
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), str(RUN_PY.parents[1])] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env.setdefault("PYTHONHASHSEED", "0")
    env["VERBS_ETHTESTS"] = str(root)

    def spawn() -> Worker:
        fd, errpath = tempfile.mkstemp(prefix="verbs-conf-worker-", suffix=".log")
        proc = subprocess.Popen(
            [sys.executable, str(RUN_PY), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=fd,
            env=env,
            cwd=str(REPO),
            start_new_session=True,
        )
        os.close(fd)
        w = Worker(proc, errpath)
        sel.register(proc.stdout, selectors.EVENT_READ, w)
        return w

    def assign(w: Worker) -> bool:
        if not pending:
            return False
        path, start = pending.popleft()
        w.task, w.ids, w.current, w.next_index = (path, start), None, None, start
        msg = {"file": str(path), "start": start}
        if fork:
            msg["fork"] = fork
        try:
            w.proc.stdin.write((json.dumps(msg) + "\n").encode())
            w.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pending.appendleft((path, start))
            w.task = None
            return False
        w.started = time.monotonic()
        return True

    def retire(w: Worker, kill: bool) -> None:
        try:
            sel.unregister(w.proc.stdout)
        except (KeyError, ValueError):
            pass
        if kill:
            try:
                os.killpg(w.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            w.proc.stdin.close()
        except OSError:
            pass
        try:
            w.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            w.proc.kill()
            w.proc.wait()
        w.proc.stdout.close()
        try:
            os.unlink(w.stderr_path)
        except OSError:
            pass
        workers.remove(w)

    def lost_case(w: Worker, reason: str) -> None:
        """Record the worker's current case as failed and requeue the rest of its file."""
        path, _start = w.task
        if w.ids is None:  # died while loading: count the file's cases ourselves
            try:
                ids = case_ids(path, root, fork)
            except Exception as exc:  # noqa: BLE001
                ids = []
                print(f"cannot read {path}: {exc}", file=sys.stderr)
            rr.ids[str(path)] = [tuple(x) for x in ids]
            for tid, fk in ids[w.next_index :]:
                rr.results.setdefault(tid, (fk, False, f"{reason} (while loading the file)"))
            return
        idx = w.current if w.current is not None else w.next_index
        if idx < len(w.ids):
            tid, fk = w.ids[idx]
            rr.results[tid] = (fk, False, reason)
            rr.seconds[tid] = time.monotonic() - w.started
        if idx + 1 < len(w.ids):
            pending.appendleft((path, idx + 1))

    for _ in range(max(1, jobs)):
        w = spawn()
        workers.append(w)
        assign(w)

    try:
        _loop(
            rr, workers, pending, sel, spawn, assign, retire, lost_case, jobs, timeout, progress,
            t0, budget,
        )
        # budget spent (or nothing left): whatever was not judged fails, and is counted
        left = [w.task for w in workers if w.task is not None] + list(pending)
        for path, start in left:
            ids = rr.ids.get(str(path))
            if ids is None:
                try:
                    ids = [tuple(x) for x in case_ids(path, root, fork)]
                except Exception as exc:  # noqa: BLE001
                    print(f"cannot read {path}: {exc}", file=sys.stderr)
                    ids = []
                rr.ids[str(path)] = ids
            for tid, fk in ids[start:]:
                rr.results.setdefault(
                    tid, (fk, False, f"budget: not run, the run's {budget:g} s were spent")
                )
    finally:
        for w in workers:
            retire(w, kill=True)
        sel.close()
    rr.wall = time.monotonic() - t0
    return rr


def _loop(
    rr, workers, pending, sel, spawn, assign, retire, lost_case, jobs, timeout, progress, t0, budget
) -> None:
    """The parent's event loop (see :func:`run_files`)."""
    last_report = time.monotonic()
    while any(w.task is not None for w in workers) or pending:
        if budget is not None and time.monotonic() - t0 > budget:
            print(f"time budget of {budget:g} s spent: stopping", file=sys.stderr)
            return
        # keep `jobs` workers busy
        for w in list(workers):
            if w.task is None and pending:
                assign(w)
        while len(workers) < jobs and pending:
            w = spawn()
            workers.append(w)
            assign(w)
        events = sel.select(timeout=0.5)
        for key, _mask in events:
            w: Worker = key.data
            try:
                chunk = os.read(w.proc.stdout.fileno(), 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:  # the worker died
                code = w.proc.wait()
                if w.task is not None:
                    why = f"signal {-code}" if code < 0 else f"exit code {code}"
                    lost_case(w, f"crash: worker died ({why}): {_tail(w.stderr_path)}")
                w.task = None
                retire(w, kill=False)
                continue
            w.buf += chunk
            while b"\n" in w.buf:
                line, w.buf = w.buf.split(b"\n", 1)
                msg = json.loads(line)
                if "ids" in msg:
                    w.ids = [tuple(x) for x in msg["ids"]]
                    rr.ids[str(w.task[0])] = w.ids
                elif "begin" in msg:
                    w.current = msg["begin"]
                    w.started = time.monotonic()
                elif "end" in msg:
                    tid, fk = w.ids[msg["end"]]
                    rr.results[tid] = (fk, bool(msg["passed"]), msg["reason"])
                    rr.seconds[tid] = float(msg.get("t", 0.0))
                    w.current = None
                    w.next_index = msg["end"] + 1
                elif "done" in msg:
                    w.task, w.current = None, None
        now = time.monotonic()
        for w in list(workers):
            if w.task is not None and now - w.started > timeout:
                lost_case(w, f"timeout: over {timeout:g} s")
                w.task = None
                retire(w, kill=True)
        if progress and now - last_report > 15:
            last_report = now
            done = len(rr.results)
            npass = sum(1 for r in rr.results.values() if r[1])
            print(
                f"[{now - t0:6.0f}s] {done} cases done, {npass} passed, "
                f"{len(pending)} files queued",
                file=sys.stderr,
                flush=True,
            )


def expected_totals(root: Path) -> dict:
    """Full case counts per fork of the default set (eest + legacy-shanghai), from counts.json."""
    counts = json.loads((root / "counts.json").read_text())["cases_per_fork"]
    out = {f: 0 for f in FORKS}
    for part in ("ethtests:eest", "ethtests:legacy-shanghai"):
        for f, n in counts[part].items():
            out[f] = out.get(f, 0) + n
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="folders or files (default: the whole default set)")
    ap.add_argument("--fork", choices=FORKS, help="only this fork")
    ap.add_argument("--json", action="store_true", help="print only the JSON summary on stdout")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--every", type=int, default=1, help="every k-th file of MANIFEST.tsv")
    ap.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per case (default {DEFAULT_TIMEOUT:g})",
    )
    ap.add_argument("--budget", type=float, help="seconds for the whole run (the rest fails)")
    ap.add_argument("--failures", default="conformance-failures.txt", help="failures file")
    ap.add_argument("--summary", help="also write per-file totals and failures as JSON here")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker_main()
    root = ethtests_root()
    if not root.is_dir():
        print(f"ethtests not found at {root} (set VERBS_ETHTESTS)", file=sys.stderr)
        return 2
    files = select_files([Path(p) for p in args.paths] or None, args.every, root)
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    say(f"{len(files)} files, {args.jobs} jobs, timeout {args.timeout:g} s")
    sos = sorted((REPO / "verbs" / "_evm").glob("*.so"), key=lambda p: p.stat().st_mtime)
    built = (
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(sos[-1].stat().st_mtime)) if sos else "?"
    )
    rr = run_files(files, jobs=args.jobs, timeout=args.timeout, fork=args.fork, budget=args.budget)
    per_fork = rr.per_fork()
    failures = rr.failures()
    with open(args.failures, "w") as fh:
        fh.writelines(f"{tid}\t{reason}\n" for tid, reason in failures)
    if args.summary:
        per_file = {}
        for f, lst in rr.ids.items():
            rel = (
                Path(f).resolve().relative_to(root.resolve()).as_posix()
                if Path(f).is_absolute()
                else f
            )
            per_file[rel] = {
                "total": len(lst),
                "passed": sum(1 for tid, _ in lst if rr.results.get(tid, (0, False))[1]),
                "seconds": round(sum(rr.seconds.get(tid, 0.0) for tid, _ in lst), 3),
            }
        Path(args.summary).write_text(
            json.dumps(
                {
                    "per_fork": per_fork,
                    "per_file": per_file,
                    "wall_s": rr.wall,
                    "built": built,
                    "case_seconds": sum(rr.seconds.values()),
                    "slowest": sorted(
                        ((round(t, 2), tid) for tid, t in rr.seconds.items()), reverse=True
                    )[:40],
                },
                indent=1,
            )
        )
    for f in FORKS:
        p, t = per_fork[f]["passed"], per_fork[f]["total"]
        say(f"{f:9s} {p:6d}/{t:<6d} {100.0 * p / t if t else 0:6.2f}%")
    say(f"{len(failures)} failures written to {args.failures}; wall {rr.wall:.0f} s")
    if not args.paths and args.every == 1 and not args.fork:
        want = expected_totals(root)
        got = {f: per_fork[f]["total"] for f in FORKS}
        assert got == {f: want.get(f, 0) for f in FORKS}, f"case totals {got} != counts.json {want}"
    print(json.dumps({f: per_fork[f] for f in FORKS}))
    return 0


if __name__ == "__main__":
    import signal

    # a SIGTERM ends the run through the finally clauses, which kill the workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
