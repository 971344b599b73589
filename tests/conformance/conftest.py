"""Fixtures of the conformance suite: where the ethtests are, and whether the EVM is built.

Without ``../shared/ethtests`` (or ``$VERBS_ETHTESTS``) the tests that need it skip with a
clear reason, except under ``CI=true``, where its absence is a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .fixtures import ENV_VAR, ethtests_root

#: Lines for the terminal summary, filled by ``test_conformance.conformance_run``.
SUMMARY_LINES: list[str] = []


def in_ci() -> bool:
    """Whether the tests run under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(message: str) -> None:
    if in_ci():
        pytest.fail(message + "; it is required under CI=true")
    pytest.skip(message)


@pytest.fixture(scope="session")
def ethtests_dir() -> Path:
    """The ethtests folder (``../shared/ethtests`` or ``$VERBS_ETHTESTS``)."""
    root = ethtests_root()
    if not (root / "MANIFEST.tsv").is_file():
        _missing(f"Ethereum state tests not found at {root} (set {ENV_VAR} to the ethtests folder)")
    return root


@pytest.fixture(scope="session")
def evm_core() -> object:
    """The EVM under test (``conformance._verbs_core``: the built ``verbs._evm.evm`` and ``tx``)
    (skip, or fail under CI, when it does not import)."""
    try:
        from .runner import core_module

        return core_module()
    except ImportError as exc:
        _missing(f"verbs' compiled EVM is not importable ({exc}); build with "
                 "`python setup.py build_ext --inplace`")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the per-fork pass counts of the conformance run, when one ran."""
    if SUMMARY_LINES:
        terminalreporter.section("Ethereum state tests")
        for line in SUMMARY_LINES:
            terminalreporter.write_line(line)
