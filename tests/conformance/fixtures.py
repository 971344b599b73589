"""Locate and parse the filled Ethereum state tests of ``../shared/ethtests``.

One *case* is one ``(test, fork, post index)``: an EEST entry holds one case per fork, a
legacy (retesteth-filled) entry holds many, selected by ``indexes`` into its ``data``,
``gasLimit`` and ``value`` arrays.  See ``/work/shared/ethtests/README.md`` for the format.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The forks the suite counts, in order.
FORKS = ("Shanghai", "Cancun", "Prague", "Osaka")

#: Folders of the default run (relative to the ethtests root); ``legacy/VMTests`` is excluded.
DEFAULT_DIRS = ("eest/state_tests", "legacy/GeneralStateTests")

ENV_VAR = "VERBS_ETHTESTS"


def ethtests_root() -> Path:
    """The ethtests folder: ``$VERBS_ETHTESTS`` or ``<repo>/../shared/ethtests``.

    Returns
    -------
    Path
        The folder (it may not exist; callers check).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2].parent / "shared" / "ethtests"


# ----------------------------------------------------------------------------- value parsing
def parse_int(value: Any) -> int:
    """Parse a fixture number: ``"0x1f"``, ``"0x"`` (0), ``"0x:bigint 0x..."`` or decimal.

    Parameters
    ----------
    value : str or int
        The value as it appears in the JSON.

    Returns
    -------
    int
        The number (it may exceed 256 bits for ``:bigint`` values).
    """
    if isinstance(value, int):
        return value
    s = value.strip()
    if s.startswith("0x:bigint "):
        s = s[len("0x:bigint ") :].strip()
    if s[:2] in ("0x", "0X"):
        return int(s, 16) if len(s) > 2 else 0
    return int(s, 10)


def parse_bytes(value: str | None) -> bytes:
    """Parse a hex string (``"0x..."``, ``""`` or ``None`` mean empty).

    Parameters
    ----------
    value : str or None
        The hex string.

    Returns
    -------
    bytes
        The decoded bytes.
    """
    if not value:
        return b""
    s = value[2:] if value[:2] in ("0x", "0X") else value
    if len(s) % 2:
        s = "0" + s
    return bytes.fromhex(s)


def parse_address(value: str) -> bytes:
    """Parse a 20-byte address (left-padded when shorter)."""
    b = parse_bytes(value)
    if len(b) > 20:
        raise ValueError(f"address too long: {value}")
    return b.rjust(20, b"\0")


def parse_b32(value: str) -> bytes:
    """Parse a 32-byte word (left-padded when shorter)."""
    return parse_int(value).to_bytes(32, "big")


def parse_alloc(alloc: dict) -> dict[bytes, tuple[int, int, bytes, dict[int, int]]]:
    """Parse ``pre`` or ``post.state``: ``{address: (nonce, balance, code, {slot: value})}``.

    Parameters
    ----------
    alloc : dict
        The JSON object.

    Returns
    -------
    dict
        Parsed accounts (zero-valued slots kept as given).
    """
    out = {}
    for addr, acc in alloc.items():
        out[parse_address(addr)] = (
            parse_int(acc.get("nonce", "0x00")),
            parse_int(acc.get("balance", "0x00")),
            parse_bytes(acc.get("code", "0x")),
            {parse_int(k): parse_int(v) for k, v in (acc.get("storage") or {}).items()},
        )
    return out


# ----------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One state-test case, parsed.

    Attributes
    ----------
    test_id : str
        ``<path>::<test name>::<fork>[<post index>]`` (legacy ids add ``d<i>g<j>v<k>``).
    path : str
        The fixture file, relative to the ethtests root.
    name : str
        The test's key in the file.
    fork : str
        The post fork.
    index : int
        Position in ``post[fork]``.
    indexes : dict
        ``{"data": i, "gas": j, "value": k}``.
    env : dict
        Block environment: coinbase, number, timestamp, gas_limit, base_fee, prevrandao,
        difficulty, excess_blob_gas (None when absent).
    pre : dict
        ``{address: (nonce, balance, code, {slot: value})}``.
    tx : dict
        Transaction fields (see :func:`_tx_fields`).
    expected_hash : bytes
        The post-state root.
    expected_logs : bytes
        The logs hash.
    expect_exception : str or None
        The raw ``expectException`` string.
    expected_state : dict or None
        EEST ``post.state`` (parsed lazily by :meth:`post_state`); None for legacy.
    chain_id : int
        ``config.chainid`` (1 for legacy).
    blob_schedule : dict or None
        ``{fork: {"target": t, "max": m, "base_fee_update_fraction": f}}`` from the config.
    legacy : bool
        Whether this is a retesteth-filled legacy case.
    """

    test_id: str
    path: str
    name: str
    fork: str
    index: int
    indexes: dict
    env: dict
    pre: dict
    tx: dict
    expected_hash: bytes
    expected_logs: bytes
    expect_exception: str | None
    expected_state_json: dict | None = field(default=None, repr=False)
    chain_id: int = 1
    blob_schedule: dict | None = None
    legacy: bool = False
    txbytes: bytes = b""

    def post_state(self) -> dict | None:
        """The parsed EEST ``post.state`` (None for legacy cases)."""
        if self.expected_state_json is None:
            return None
        return parse_alloc(self.expected_state_json)


def _env_fields(env: dict) -> dict:
    return {
        "coinbase": parse_address(env.get("currentCoinbase", "0x")),
        "number": parse_int(env.get("currentNumber", "0x00")),
        "timestamp": parse_int(env.get("currentTimestamp", "0x00")),
        "gas_limit": parse_int(env.get("currentGasLimit", "0x00")),
        "base_fee": parse_int(env.get("currentBaseFee", "0x00")),
        "prevrandao": parse_b32(env["currentRandom"]) if "currentRandom" in env else b"\0" * 32,
        "difficulty": parse_int(env.get("currentDifficulty", "0x00")),
        "excess_blob_gas": (
            parse_int(env["currentExcessBlobGas"]) if "currentExcessBlobGas" in env else None
        ),
    }


def tx_type_from_bytes(txbytes: bytes) -> int | None:
    """The transaction type of a signed transaction (0 for legacy RLP, None if empty)."""
    if not txbytes:
        return None
    return txbytes[0] if txbytes[0] < 0x80 else 0


def _tx_fields(tx: dict, indexes: dict, txbytes: bytes) -> dict:
    """The transaction of one case as keyword values for ``Tx`` (plus sender/secret key)."""
    d, g, v = indexes["data"], indexes["gas"], indexes["value"]
    out: dict[str, Any] = {}
    out["secret_key"] = parse_bytes(tx["secretKey"]) if tx.get("secretKey") else None
    out["sender"] = parse_address(tx["sender"]) if tx.get("sender") else None
    out["to"] = parse_address(tx["to"]) if tx.get("to") else None
    out["data"] = parse_bytes(tx["data"][d])
    out["gas_limit"] = parse_int(tx["gasLimit"][g])
    out["value"] = parse_int(tx["value"][v])
    out["nonce"] = parse_int(tx["nonce"])
    out["gas_price"] = parse_int(tx["gasPrice"]) if "gasPrice" in tx else None
    out["max_fee_per_gas"] = parse_int(tx["maxFeePerGas"]) if "maxFeePerGas" in tx else None
    out["max_priority_fee_per_gas"] = (
        parse_int(tx["maxPriorityFeePerGas"]) if "maxPriorityFeePerGas" in tx else None
    )
    access_list = None
    if "accessLists" in tx:
        lists = tx["accessLists"]
        entry = lists[d] if d < len(lists) else None
        if entry is not None:
            access_list = tuple(
                (parse_address(e["address"]), tuple(parse_int(k) for k in e.get("storageKeys", [])))
                for e in entry
            )
    elif "accessList" in tx and tx["accessList"] is not None:
        access_list = tuple(
            (parse_address(e["address"]), tuple(parse_int(k) for k in e.get("storageKeys", [])))
            for e in tx["accessList"]
        )
    out["access_list"] = access_list
    out["max_fee_per_blob_gas"] = (
        parse_int(tx["maxFeePerBlobGas"]) if "maxFeePerBlobGas" in tx else None
    )
    out["blob_hashes"] = (
        tuple(parse_b32(h) for h in tx["blobVersionedHashes"])
        if tx.get("blobVersionedHashes") is not None
        else None
    )
    auths = tx.get("authorizationList")
    out["authorization_list"] = (
        tuple(
            (
                parse_int(a["chainId"]),
                parse_address(a["address"]),
                parse_int(a["nonce"]),
                parse_int(a["yParity"] if "yParity" in a else a["v"]),
                parse_int(a["r"]),
                parse_int(a["s"]),
            )
            for a in auths
        )
        if auths is not None
        else None
    )
    # The type: the first byte of txbytes when present, else from the fields.
    tx_type = tx_type_from_bytes(txbytes)
    if tx_type is None:
        if auths is not None:
            tx_type = 4
        elif out["blob_hashes"] is not None or out["max_fee_per_blob_gas"] is not None:
            tx_type = 3
        elif out["max_fee_per_gas"] is not None:
            tx_type = 2
        elif access_list is not None:
            tx_type = 1
        else:
            tx_type = 0
    out["tx_type"] = tx_type
    return out


def _blob_schedule(config: dict) -> dict | None:
    sched = config.get("blobSchedule")
    if not sched:
        return None
    return {
        fork: {
            "target": parse_int(v["target"]),
            "max": parse_int(v["max"]),
            "base_fee_update_fraction": parse_int(v["baseFeeUpdateFraction"]),
        }
        for fork, v in sched.items()
    }


def load_file(path: Path) -> dict:
    """Read one fixture file.

    Parameters
    ----------
    path : Path
        The JSON file.

    Returns
    -------
    dict
        ``{test name: test}``.
    """
    with open(path, "rb") as fh:
        return json.load(fh)


def case_ids(
    path: Path, root: Path | None = None, fork: str | None = None
) -> list[tuple[str, str]]:
    """The ``(test_id, fork)`` of every case of a file, cheaply (no value parsing).

    Parameters
    ----------
    path : Path
        The fixture file.
    root : Path, optional
        The ethtests root (test ids hold the path relative to it).
    fork : str, optional
        Only cases of this fork.

    Returns
    -------
    list of (str, str)
        In the order :func:`iter_cases` yields them.
    """
    return [(c.test_id, c.fork) for c in iter_cases(path, root, fork, parse=False)]


def _rel(path: Path, root: Path | None) -> str:
    root = root or ethtests_root()
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def iter_cases(
    path: Path,
    root: Path | None = None,
    fork: str | None = None,
    parse: bool = True,
    data: dict | None = None,
) -> Iterator[Case]:
    """Yield every case of one fixture file.

    Parameters
    ----------
    path : Path
        The fixture file.
    root : Path, optional
        The ethtests root (default :func:`ethtests_root`).
    fork : str, optional
        Only cases of this fork (others are not yielded).
    parse : bool
        When False, only ``test_id``, ``fork``, ``index``, ``path`` and ``name`` are filled
        (for counting).
    data : dict, optional
        The already-loaded file content.

    Yields
    ------
    Case
        One per ``(test, fork, post index)``, forks in :data:`FORKS` order.
    """
    rel = _rel(path, root)
    content = data if data is not None else load_file(path)
    legacy = rel.startswith("legacy/")
    for name, test in content.items():
        post = test.get("post", {})
        env = pre = None
        config = test.get("config", {})
        for fk in FORKS:
            if fk not in post or (fork is not None and fk != fork):
                continue
            for i, item in enumerate(post[fk]):
                idx = item.get("indexes", {"data": 0, "gas": 0, "value": 0})
                suffix = f"d{idx['data']}g{idx['gas']}v{idx['value']}" if legacy else ""
                test_id = f"{rel}::{name}::{fk}[{i}]{suffix}"
                if not parse:
                    yield Case(test_id, rel, name, fk, i, idx, {}, {}, {}, b"", b"", None)
                    continue
                if env is None:
                    env = _env_fields(test["env"])
                    pre = parse_alloc(test["pre"])
                txbytes = parse_bytes(item.get("txbytes"))
                yield Case(
                    test_id=test_id,
                    path=rel,
                    name=name,
                    fork=fk,
                    index=i,
                    indexes=idx,
                    env=env,
                    pre=pre,
                    tx=_tx_fields(test["transaction"], idx, txbytes),
                    expected_hash=parse_b32(item["hash"]),
                    expected_logs=parse_b32(item["logs"]),
                    expect_exception=item.get("expectException"),
                    expected_state_json=item.get("state"),
                    chain_id=parse_int(config.get("chainid", "0x01")),
                    blob_schedule=_blob_schedule(config),
                    legacy=legacy,
                    txbytes=txbytes,
                )


def manifest_files(root: Path | None = None) -> list[str]:
    """Data files of ``MANIFEST.tsv`` in its order (relative paths).

    Parameters
    ----------
    root : Path, optional
        The ethtests root.

    Returns
    -------
    list of str
        Relative paths.
    """
    root = root or ethtests_root()
    lines = (root / "MANIFEST.tsv").read_text().splitlines()
    return [ln.split("\t", 1)[0] for ln in lines[1:] if ln.strip()]


def select_files(
    dirs: list[Path] | None = None, every: int = 1, root: Path | None = None
) -> list[Path]:
    """The fixture files of a run.

    Parameters
    ----------
    dirs : list of Path, optional
        Folders or files to run (default: :data:`DEFAULT_DIRS` under the root).
    every : int
        Keep every ``every``-th file of ``MANIFEST.tsv`` (in its order) among the selected.
    root : Path, optional
        The ethtests root.

    Returns
    -------
    list of Path
        Files in ``MANIFEST.tsv`` order (files not listed there come last, sorted).
    """
    root = (root or ethtests_root()).resolve()
    targets = [Path(d).resolve() for d in dirs] if dirs else [root / d for d in DEFAULT_DIRS]
    try:
        order = manifest_files(root)
    except FileNotFoundError:
        order = []
    rank = {p: i for i, p in enumerate(order)}
    files: set[Path] = set()
    for t in targets:
        if t.is_file():
            files.add(t)
        elif t.is_dir():
            files.update(p for p in t.rglob("*.json"))
        else:
            raise FileNotFoundError(t)
    ordered = sorted(files, key=lambda p: (rank.get(_rel(p, root), len(rank)), str(p)))
    if every > 1:
        # every k-th file of the manifest order (k-1, 2k-1, ... among manifest indexes)
        ordered = [p for p in ordered if rank.get(_rel(p, root), -1) % every == 0]
    return ordered
