"""Helpers of the original verbs' ``verbs.utils``: addresses, hex, ABI encoding shortcuts,
fetch caches, events and compilation.

The address and hex functions are :mod:`verbs.primitives`' (re-exported here, where the
original had them). Values decoded from ABI data hold
addresses as EIP-55 checksummed strings (see :mod:`verbs.codec`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import typing
import warnings

from verbs import abi, codec
from verbs.primitives import (
    ZERO_ADDRESS,
    hex_to_bytes,
    int_to_address,
    keccak256,
    to_address,
    to_checksum_address,
)
from verbs.types import Cache

__all__ = [
    "ZERO_ADDRESS",
    "cache_from_file",
    "cache_from_json",
    "cache_to_file",
    "cache_to_json",
    "encode_args",
    "encode_function_args",
    "events_to_dataframe",
    "hex_to_bytes",
    "int_to_address",
    "keccak256",
    "process_contract",
    "to_address",
    "to_checksum_address",
]


def encode_args(types: list[str], args: list[typing.Any]) -> bytes:
    """ABI encode arguments.

    Parameters
    ----------
    types: list[str]
        List of Solidity types.
    args: list
        List of Python arguments.

    Returns
    -------
    bytes
        ABI encoded arguments.
    """
    return codec.encode(types, args)


def encode_function_args(f_abi: dict, types: list[str], args: list[typing.Any]) -> bytes:
    """Encode function arguments and prepend the function selector.

    Parameters
    ----------
    f_abi: dict
        Parsed function ABI JSON (its name and inputs give the selector).
    types: list[str]
        List of Solidity types.
    args: list
        List of Python arguments.

    Returns
    -------
    bytes
        ABI encoded selector and arguments.
    """
    return abi.Function(f_abi).selector + codec.encode(types, args)


# ---------------------------------------------------------------------------
# Fetch caches
# ---------------------------------------------------------------------------


def _cache_hex(value: typing.Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"cache JSON: {where} must be a hex string, got {value!r:.80}")
    try:
        return hex_to_bytes(value)
    except ValueError:
        raise ValueError(f"cache JSON: {where} is not valid hex: {value!r:.80}") from None


def cache_to_json(cache: Cache) -> list:
    """Convert a request cache to a JSON compatible data structure.

    Converts a cache of data requests from a fork env (from its
    ``export_cache``) into lists and hex strings (no ``0x``), the form the
    original verbs writes.

    Parameters
    ----------
    cache: Cache
        ``(timestamp, block_number, accounts, storage)`` with
        ``accounts = [(address, (balance, nonce, code_hash, code)), ...]`` and
        ``storage = [(address, slot, value), ...]``, all as bytes except the
        ints.

    Returns
    -------
    list
        ``[timestamp, block_number, accounts, storage]`` with bytes as hex.
    """
    timestamp, block_number, accounts, storage = cache
    accounts_json = [
        [
            bytes(address).hex(),
            [bytes(info[0]).hex(), int(info[1]), bytes(info[2]).hex(), bytes(info[3]).hex()],
        ]
        for address, info in accounts
    ]
    storage_json = [[bytes(a).hex(), bytes(s).hex(), bytes(v).hex()] for a, s, v in storage]
    return [int(timestamp), int(block_number), accounts_json, storage_json]


def cache_from_json(cache_json: typing.Any) -> Cache:
    """Convert cache JSON data into the env's cache format.

    Parameters
    ----------
    cache_json: list or dict
        ``[timestamp, block_number, accounts, storage]`` as written by
        :func:`cache_to_json`, or an object holding it under ``"cache"``.

    Returns
    -------
    Cache
        The cache, with hex strings turned into bytes.

    Raises
    ------
    ValueError
        If the data does not have the cache's shape.
    """
    if isinstance(cache_json, dict):
        if "cache" not in cache_json:
            raise ValueError("cache JSON: an object must hold the cache under 'cache'")
        cache_json = cache_json["cache"]
    if not isinstance(cache_json, (list, tuple)) or len(cache_json) != 4:
        raise ValueError("cache JSON must be [timestamp, block_number, accounts, storage]")
    timestamp, block_number, accounts_json, storage_json = cache_json
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise ValueError(f"cache JSON: timestamp must be an int, got {timestamp!r:.80}")
    if not 0 <= timestamp < 2**64:
        raise ValueError(f"cache JSON: timestamp must be in [0, 2**64), got {timestamp}")
    if isinstance(block_number, bool) or not isinstance(block_number, int):
        raise ValueError(f"cache JSON: block_number must be an int, got {block_number!r:.80}")
    if not 0 <= block_number < 2**64:
        raise ValueError(f"cache JSON: block_number must be in [0, 2**64), got {block_number}")
    if not isinstance(accounts_json, (list, tuple)):
        raise ValueError(f"cache JSON: accounts must be a list, got {accounts_json!r:.80}")
    if not isinstance(storage_json, (list, tuple)):
        raise ValueError(f"cache JSON: storage must be a list, got {storage_json!r:.80}")
    accounts = []
    for i, entry in enumerate(accounts_json):
        try:
            address, (balance, nonce, code_hash, code) = entry
        except (TypeError, ValueError):
            raise ValueError(
                f"cache JSON: account {i} must be [address, [balance, nonce, code_hash, code]], "
                f"got {entry!r:.120}"
            ) from None
        if isinstance(nonce, bool) or not isinstance(nonce, int):
            raise ValueError(f"cache JSON: account {i} nonce must be an int, got {nonce!r:.80}")
        if not 0 <= nonce < 2**64:
            raise ValueError(f"cache JSON: account {i} nonce must be in [0, 2**64), got {nonce}")
        accounts.append(
            (
                _cache_hex(address, f"account {i} address"),
                (
                    _cache_hex(balance, f"account {i} balance"),
                    nonce,
                    _cache_hex(code_hash, f"account {i} code_hash"),
                    _cache_hex(code, f"account {i} code"),
                ),
            )
        )
    storage = []
    for i, entry in enumerate(storage_json):
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            raise ValueError(
                f"cache JSON: storage entry {i} must be [address, slot, value], got {entry!r:.120}"
            )
        storage.append(tuple(_cache_hex(x, f"storage entry {i}") for x in entry))
    return (timestamp, block_number, accounts, storage)


def cache_from_file(cache_file: str | os.PathLike) -> Cache:
    """Load a cache from a JSON file.

    Parameters
    ----------
    cache_file: str
        JSON file written from :func:`cache_to_json` (or an object holding
        that under ``"cache"``).

    Returns
    -------
    Cache
        The cache in the env's format.
    """
    with open(cache_file) as f:
        try:
            cache_json = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{os.fspath(cache_file)}: not valid JSON: {exc}") from None
    try:
        return cache_from_json(cache_json)
    except ValueError as exc:
        raise ValueError(f"{os.fspath(cache_file)}: {exc}") from None


def cache_to_file(cache: Cache, cache_file: str | os.PathLike) -> None:
    """Write a cache to a JSON file readable by :func:`cache_from_file`.

    Parameters
    ----------
    cache: Cache
        The cache.
    cache_file: str
        Destination path.
    """
    with open(cache_file, "w") as f:
        json.dump(cache_to_json(cache), f)


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


def events_to_dataframe(events: typing.Iterable[typing.Sequence]) -> typing.Any:
    """Convert a list of event tuples to a pandas DataFrame.

    The logs attached to the events are left out, as in the original.

    Parameters
    ----------
    events: list
        Events ``(success, selector, logs, step, sequence)`` as returned by
        an env's ``get_event_history``.

    Returns
    -------
    pandas.DataFrame
        Columns ``success``, ``selector``, ``step``, ``sequence``.

    Raises
    ------
    ImportError
        If pandas is not installed.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "verbs.utils.events_to_dataframe needs pandas: pip install pandas"
        ) from None
    columns = ["success", "selector", "step", "sequence"]
    return pd.DataFrame.from_records([(x[0], x[1], x[3], x[4]) for x in events], columns=columns)


# ---------------------------------------------------------------------------
# Compilation
# ---------------------------------------------------------------------------


def _find_compiler() -> list[str] | None:
    """Command of a Solidity compiler: ``solc``, ``solcjs``, or solc-js through npx.

    npx is asked not to install anything (``npx --no -p solc solcjs``): it finds
    solc-js where ``npm install solc`` put it (the working directory's
    ``node_modules`` or a global install).
    """
    solc = shutil.which("solc")
    if solc:
        return [solc]
    solcjs = shutil.which("solcjs")
    if solcjs:
        return [solcjs]
    npx = shutil.which("npx")
    if npx:
        try:
            probe = subprocess.run(
                [npx, "--no", "-p", "solc", "solcjs", "--version"],
                capture_output=True,
                text=True,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if probe.returncode == 0:
            return [npx, "--no", "-p", "solc", "solcjs"]
    return None


def _compiler_version(cmd: list[str]) -> str:
    out = subprocess.run(cmd + ["--version"], capture_output=True, text=True, timeout=120).stdout
    match = re.search(r"(\d+\.\d+\.\d+)", out)
    return match.group(1) if match else out.strip()


def process_contract(
    contract_path: str, solc_version: str | None = None
) -> list[dict]:
    """Compile a Solidity file and return its contracts' ABIs and bytecode.

    Uses ``solc`` on PATH, else solc-js (``solcjs`` on PATH or ``npx
    solcjs``); nothing is downloaded (the original installed ``solc_version``
    with py-solc-x).

    Parameters
    ----------
    contract_path: str
        Path to the Solidity file.
    solc_version: str, optional
        Expected compiler version such as ``"0.8.20"``; a warning is given if
        the available compiler is another version.

    Returns
    -------
    list[dict]
        One ``dict(name=..., abi=..., bin=...)`` per contract in the file,
        ``bin`` the creation bytecode as hex (no ``0x``).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    RuntimeError
        If no compiler is available or compilation fails.
    """
    path = os.path.abspath(os.fspath(contract_path))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such Solidity file: {contract_path}")
    cmd = _find_compiler()
    if cmd is None:
        raise RuntimeError(
            "process_contract needs a Solidity compiler: put `solc` on PATH, or install solc-js "
            "(`npm install -g solc` for `solcjs`, or `npm install solc` for `npx solcjs`)"
        )
    if solc_version is not None:
        found = _compiler_version(cmd)
        if found != solc_version.lstrip("v"):
            warnings.warn(
                f"process_contract: asked for solc {solc_version}, using {found} ({' '.join(cmd)})",
                stacklevel=2,
            )
    base = os.path.dirname(path)
    source_name = os.path.basename(path)
    with open(path) as f:
        source = f.read()
    request = {
        "language": "Solidity",
        "sources": {source_name: {"content": source}},
        "settings": {"outputSelection": {source_name: {"*": ["abi", "evm.bytecode.object"]}}},
    }
    proc = subprocess.run(
        cmd + ["--standard-json", "--base-path", base],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=600,
    )
    text = proc.stdout
    try:
        # solc-js may print notes (e.g. about SMT solvers) before the JSON
        output = json.loads(text[text.index("{") :])
    except (ValueError, json.JSONDecodeError):
        raise RuntimeError(
            f"compiling {contract_path} failed: {proc.stderr.strip() or proc.stdout.strip()}"
        ) from None
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        messages = "\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors)
        raise RuntimeError(f"compiling {contract_path} failed:\n{messages}")
    contracts = output.get("contracts", {}).get(source_name, {})
    return [
        dict(name=name, abi=c["abi"], bin=c["evm"]["bytecode"]["object"])
        for name, c in contracts.items()
    ]
