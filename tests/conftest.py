"""Shared pytest configuration.

Tests that need ``../shared`` (the conformance fixtures, the data files, the contracts) use
the ``shared_dir`` fixture: without that folder they skip with a clear reason, except under
``CI=true``, where its absence is a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VERBS_SHARED", REPO.parent / "shared"))


def in_ci() -> bool:
    """Whether the tests run under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_path(path: Path, what: str) -> Path:
    """Return ``path`` if it exists, otherwise skip (or fail under CI) naming ``what``."""
    if path.exists():
        return path
    message = f"{what} not found at {path} (set VERBS_SHARED to the shared folder)"
    if in_ci():
        pytest.fail(message + "; it is required under CI=true")
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's ``../shared`` folder."""
    return require_path(SHARED, "the shared folder (../shared)")


@pytest.fixture(scope="session")
def data_dir(shared_dir: Path) -> Path:
    """``../shared/data``: caches and contracts exported by the original verbs."""
    return require_path(shared_dir / "data", "../shared/data")


@pytest.fixture(scope="session")
def contracts_dir(shared_dir: Path) -> Path:
    """``../shared/contracts``: the Solidity and Vyper test tokens, compiled."""
    return require_path(shared_dir / "contracts", "../shared/contracts")
