"""The Ethereum state tests on verbs' EVM: at least 99% of the cases must pass per fork.

The selected fixture files (every k-th file of ``MANIFEST.tsv``; k from
``VERBS_CONFORMANCE_EVERY``, default :data:`DEFAULT_EVERY`, see README.md) run once per
session through ``run.py``'s worker pool (``VERBS_CONFORMANCE_JOBS``, default 2;
``VERBS_CONFORMANCE_TIMEOUT`` seconds per case, default 300; ``VERBS_CONFORMANCE_BUDGET``
seconds for the whole run, default 780, 0 for none).  One test per fork checks the
pass rate and lists the first failures; every failure is written to
``conformance-failures-pytest.txt`` (``VERBS_CONFORMANCE_FAILURES``) in the working folder.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import conftest as _conftest
from .fixtures import FORKS, select_files
from .run import DEFAULT_TIMEOUT, RunResult, expected_totals, run_files

#: Every k-th file of MANIFEST.tsv in CI (see README.md for the measurement behind it).
DEFAULT_EVERY = 1
#: Seconds for the whole run in CI; what is left when it is spent fails (and is counted).
DEFAULT_BUDGET = 780.0
THRESHOLD = 0.99


def _every() -> int:
    return max(1, int(os.environ.get("VERBS_CONFORMANCE_EVERY", DEFAULT_EVERY)))


@pytest.fixture(scope="session")
def conformance_run(ethtests_dir: Path, evm_core: object) -> RunResult:
    """Run the selected files once per session."""
    files = select_files(every=_every(), root=ethtests_dir)
    rr = run_files(
        files,
        jobs=int(os.environ.get("VERBS_CONFORMANCE_JOBS", "2")),
        timeout=float(os.environ.get("VERBS_CONFORMANCE_TIMEOUT", DEFAULT_TIMEOUT)),
        budget=float(os.environ.get("VERBS_CONFORMANCE_BUDGET", DEFAULT_BUDGET)) or None,
        progress=True,
    )
    out = Path(os.environ.get("VERBS_CONFORMANCE_FAILURES", "conformance-failures-pytest.txt"))
    with open(out, "w") as fh:
        fh.writelines(f"{tid}\t{reason}\n" for tid, reason in rr.failures())
    per_fork = rr.per_fork()
    summary = ", ".join(f"{f} {per_fork[f]['passed']}/{per_fork[f]['total']}" for f in FORKS)
    _conftest.SUMMARY_LINES[:] = [
        f"k={_every()} (every k-th file of MANIFEST.tsv): {len(files)} files, {rr.wall:.0f} s wall",
        *(
            f"{f:9s} {per_fork[f]['passed']:6d}/{per_fork[f]['total']:<6d}"
            f" {100.0 * per_fork[f]['passed'] / max(1, per_fork[f]['total']):7.2f}%"
            for f in FORKS
        ),
        f"failures: {out.resolve()}",
    ]
    print(f"\nconformance (every {_every()}, {len(files)} files, {rr.wall:.0f} s): {summary}")
    return rr


@pytest.mark.parametrize("fork", FORKS)
def test_pass_rate(conformance_run: RunResult, fork: str) -> None:
    per_fork = conformance_run.per_fork()[fork]
    passed, total = per_fork["passed"], per_fork["total"]
    assert total > 0, f"no {fork} cases selected"
    if passed >= THRESHOLD * total:
        return
    fails = [(tid, r) for tid, r in conformance_run.failures() if f"::{fork}[" in tid]
    listing = "\n".join(f"  {tid}\n      {r[:300]}" for tid, r in fails[:25])
    pytest.fail(
        f"{fork}: {passed}/{total} passed ({100.0 * passed / total:.2f}% < {100 * THRESHOLD:g}%); "
        f"first failures:\n{listing}"
    )


def test_no_case_absent(conformance_run: RunResult, ethtests_dir: Path) -> None:
    per_fork = conformance_run.per_fork()
    ran = sum(1 for lst in conformance_run.ids.values() for _ in lst)
    assert ran == sum(p["total"] for p in per_fork.values())
    if _every() == 1:
        want = expected_totals(ethtests_dir)
        assert {f: per_fork[f]["total"] for f in FORKS} == {f: want.get(f, 0) for f in FORKS}
