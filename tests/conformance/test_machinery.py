"""Tests of the runner's machinery (timeouts, crashes, counting) on a fake EVM core.

These need neither the real EVM nor ``../shared/ethtests``: they write a tiny legacy-format
fixture and run ``run.py`` on it with ``VERBS_CONFORMANCE_CORE=conformance._fake_core``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .fixtures import iter_cases, parse_alloc
from .runner import expected_kinds
from .trie import EMPTY_LOGS_HASH, state_root

HERE = Path(__file__).resolve().parent
SENDER = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"
KEY = "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8"


def _fixture(root: Path) -> Path:
    pre = {
        SENDER: {"balance": "0x0de0b6b3a7640000", "code": "0x", "nonce": "0x00", "storage": {}},
        "0x095e7baea6a6c7c4c2dfeb977efac326af552d87": {
            "balance": "0x00", "code": "0x600160005500", "nonce": "0x00",
            "storage": {"0x01": "0x02"},
        },
    }
    root_hex = "0x" + state_root(parse_alloc(pre)).hex()
    data = ["0x", "0xface01", "0xface02", "0xface03", "0xface04", "0x05"]
    post = []
    for d in range(len(data)):
        item = {"hash": root_hex, "indexes": {"data": d, "gas": 0, "value": 0},
                "logs": "0x" + EMPTY_LOGS_HASH.hex(), "txbytes": "0xf800"}
        if d == 3:
            item["expectException"] = "TR_NoFunds"
        if d == 5:
            item["hash"] = "0x" + "11" * 32
        post.append(item)
    test = {
        "fake": {
            "env": {"currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba",
                    "currentDifficulty": "0x020000", "currentGasLimit": "0xff112233445566",
                    "currentNumber": "0x01", "currentRandom": "0x" + "00" * 31 + "02",
                    "currentTimestamp": "0x03e8", "currentBaseFee": "0x0a"},
            "pre": pre,
            "transaction": {"data": data, "gasLimit": ["0x061a80"], "gasPrice": "0x0a",
                            "nonce": "0x00", "secretKey": KEY, "sender": SENDER,
                            "to": "0x095e7baea6a6c7c4c2dfeb977efac326af552d87", "value": ["0x01"]},
            "post": {"Shanghai": post},
        }
    }
    path = root / "legacy" / "GeneralStateTests" / "stFake" / "fake.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(test))
    return path


def test_fixture_parsing(tmp_path: Path) -> None:
    path = _fixture(tmp_path)
    cases = list(iter_cases(path, tmp_path))
    assert [c.indexes["data"] for c in cases] == list(range(6))
    assert cases[1].tx["data"] == b"\xfa\xce\x01" and cases[0].tx["tx_type"] == 0
    assert cases[3].expect_exception == "TR_NoFunds"
    assert cases[0].test_id == "legacy/GeneralStateTests/stFake/fake.json::fake::Shanghai[0]d0g0v0"


def test_expected_kinds() -> None:
    assert expected_kinds("TransactionException.A|TransactionException.B") == ("A", "B")
    assert expected_kinds("TR_NoFunds") == ("INSUFFICIENT_ACCOUNT_FUNDS",)


def test_run_counts_timeouts_and_crashes(tmp_path: Path) -> None:
    root = tmp_path / "ethtests"
    root.mkdir()
    _fixture(root)
    env = dict(os.environ, VERBS_ETHTESTS=str(root),
               VERBS_CONFORMANCE_CORE="conformance._fake_core", PYTHONPATH=str(HERE.parent))
    failures = tmp_path / "fail.txt"
    proc = subprocess.run(
        [sys.executable, str(HERE / "run.py"), str(root / "legacy"), "--timeout", "3",
         "--jobs", "2", "--failures", str(failures)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["Shanghai"] == {"passed": 2, "total": 6}
    assert summary["Osaka"] == {"passed": 0, "total": 0}
    reasons = dict(line.split("\t", 1) for line in failures.read_text().splitlines())
    by_data = {tid.rsplit("]", 1)[1]: r for tid, r in reasons.items()}
    assert by_data["d1g0v0"].startswith("timeout")
    assert by_data["d2g0v0"].startswith("crash")
    assert by_data["d4g0v0"].startswith("unexpected exception RuntimeError")
    assert by_data["d5g0v0"].startswith("state root mismatch")
    assert len(reasons) == 4


def test_budget_counts_what_was_not_run(tmp_path: Path) -> None:
    root = tmp_path / "ethtests"
    root.mkdir()
    _fixture(root)
    env = dict(os.environ, VERBS_ETHTESTS=str(root),
               VERBS_CONFORMANCE_CORE="conformance._fake_core", PYTHONPATH=str(HERE.parent))
    failures = tmp_path / "fail.txt"
    proc = subprocess.run(
        [sys.executable, str(HERE / "run.py"), "--timeout", "100", "--budget", "3", "--jobs", "1",
         "--failures", str(failures), str(root / "legacy")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["Shanghai"] == {"passed": 1, "total": 6}
    reasons = [line.split("\t", 1)[1] for line in failures.read_text().splitlines()]
    assert sum(r.startswith("budget") for r in reasons) == 5
