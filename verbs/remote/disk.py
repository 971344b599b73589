"""On-disk store of fetched fork state, keyed by chain id and block number.

Layout under the cache directory (default ``$VERBS_CACHE_DIR`` or ``~/.cache/verbs``)::

    fork/chain-<chain_id>/block-<number>.json   one pinned block: header, accounts, storage,
                                                block hashes (format below)
    fork/nodes.json                             sha256(node URL) -> chain id, so that a re-run
                                                can find its file without asking the node

Writes are atomic: the new content goes to a temporary file in the same folder, is flushed
and fsync-ed, then ``os.replace``-d over the old one, so a reader (another process, a crash
half-way) only ever sees a complete old or a complete new file. Writers take an advisory lock
(``fcntl.flock`` on ``<file>.lock``, where available) and merge what is on disk with what they
add, so that several processes filling the same block's cache do not drop each other's entries.

A file that cannot be read (not JSON, wrong format or version, wrong chain or block, bad
values) is **ignored with a** :class:`CacheWarning`: it is only a cache, the data is fetched
again and the next save replaces the file.

File format (JSON)::

    {"format": "verbs.remote.cache", "version": 1, "chain_id": 1, "block_number": 18784000,
     "block": {BlockEnv.to_json()},
     "accounts": {"0x<address>": ["0x<balance>", <nonce>, "0x<code>"], ...},
     "storage": {"0x<address>": {"0x<slot>": "0x<value>", ...}, ...},
     "block_hashes": {"<number>": "0x<hash>", ...}}
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from verbs.errors import CacheWarning
from verbs.remote.block import BlockEnv

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: atomic replace still prevents torn files
    fcntl = None

FORMAT = "verbs.remote.cache"
VERSION = 1


def default_cache_dir() -> Path:
    """``$VERBS_CACHE_DIR`` if set, else ``~/.cache/verbs``."""
    env = os.environ.get("VERBS_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "verbs"


@dataclass
class CacheData:
    """Everything known about one pinned block.

    Attributes
    ----------
    block : BlockEnv
    accounts : dict
        address (20 bytes) -> ``(balance, nonce, code)``.
    storage : dict
        ``(address, slot)`` -> value.
    block_hashes : dict
        block number -> 32-byte hash.
    """

    block: BlockEnv
    accounts: dict[bytes, tuple[int, int, bytes]] = field(default_factory=dict)
    storage: dict[tuple[bytes, int], int] = field(default_factory=dict)
    block_hashes: dict[int, bytes] = field(default_factory=dict)

    def update(self, other: CacheData) -> None:
        """Add ``other``'s entries (``other`` wins where both have one)."""
        self.accounts.update(other.accounts)
        self.storage.update(other.storage)
        self.block_hashes.update(other.block_hashes)

    def to_json(self) -> dict:
        """The file's JSON document."""
        storage: dict[str, dict[str, str]] = {}
        for (addr, slot), value in self.storage.items():
            storage.setdefault("0x" + addr.hex(), {})[hex(slot)] = hex(value)
        return {
            "format": FORMAT, "version": VERSION,
            "chain_id": self.block.chain_id, "block_number": self.block.number,
            "block": self.block.to_json(),
            "accounts": {"0x" + a.hex(): [hex(b), n, "0x" + c.hex()]
                         for a, (b, n, c) in self.accounts.items()},
            "storage": storage,
            "block_hashes": {str(n): "0x" + h.hex() for n, h in self.block_hashes.items()},
        }

    @classmethod
    def from_json(cls, doc) -> CacheData:
        """Parse a file's JSON document (raises ``ValueError``/``KeyError``/``TypeError``)."""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("not a verbs.remote cache file")
        if doc.get("version") != VERSION:
            raise ValueError(f"cache format version {doc.get('version')!r}, expected {VERSION}")
        block = BlockEnv.from_json(doc["block"])
        if doc["chain_id"] != block.chain_id or doc["block_number"] != block.number:
            raise ValueError("header does not match the file's chain id / block number")
        out = cls(block)

        def h(s, size=None):
            if not isinstance(s, str) or not s.startswith("0x"):
                raise ValueError(f"not 0x-hex: {s!r:.40}")
            b = bytes.fromhex(s[2:])
            if size is not None and len(b) != size:
                raise ValueError(f"expected {size} bytes")
            return b

        def q(s):
            if not isinstance(s, str) or not s.startswith("0x"):
                raise ValueError(f"not a hex quantity: {s!r:.40}")
            return int(s, 16)

        for a, entry in doc["accounts"].items():
            balance, nonce, code = entry
            if not isinstance(nonce, int):
                raise TypeError("nonce is not an int")
            out.accounts[h(a, 20)] = (q(balance), nonce, h(code))
        for a, slots in doc["storage"].items():
            addr = h(a, 20)
            for slot, value in slots.items():
                out.storage[(addr, q(slot))] = q(value)
        for n, bh in doc["block_hashes"].items():
            out.block_hashes[int(n)] = h(bh, 32)
        return out


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with open(str(path) + ".lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def atomic_write_json(path: Path, doc) -> None:
    """Write ``doc`` as JSON to ``path`` via a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix="." + path.name + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class DiskCache:
    """The cache files under one directory.

    Parameters
    ----------
    directory : str or Path, optional
        The cache directory (default: :func:`default_cache_dir`); files go under ``fork/``.
    """

    def __init__(self, directory: str | Path | None = None):
        base = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.root = base / "fork"

    def path(self, chain_id: int, block_number: int) -> Path:
        """The file of one block."""
        return self.root / f"chain-{int(chain_id)}" / f"block-{int(block_number)}.json"

    def load(self, chain_id: int, block_number: int) -> CacheData | None:
        """The cached data of a block, or ``None`` (missing, or unreadable: warns)."""
        path = self.path(chain_id, block_number)
        try:
            with open(path) as f:
                doc = json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            warnings.warn(f"ignoring unreadable fork cache {path}: {exc}", CacheWarning,
                          stacklevel=3)
            return None
        try:
            data = CacheData.from_json(doc)
        except (ValueError, KeyError, TypeError) as exc:
            warnings.warn(f"ignoring invalid fork cache {path}: {exc}", CacheWarning,
                          stacklevel=3)
            return None
        if data.block.chain_id != chain_id or data.block.number != block_number:
            warnings.warn(f"ignoring fork cache {path}: it holds chain {data.block.chain_id} "
                          f"block {data.block.number}", CacheWarning, stacklevel=3)
            return None
        return data

    def save(self, data: CacheData) -> Path:
        """Merge ``data`` into the block's file (atomically, under the lock)."""
        path = self.path(data.block.chain_id, data.block.number)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CacheWarning)
                old = self.load(data.block.chain_id, data.block.number)
            if old is not None and old.block.hash == data.block.hash:
                old.update(data)
                merged = old
            else:
                merged = data
            atomic_write_json(path, merged.to_json())
        return path

    # ---------------------------------------------------------------- node index
    @staticmethod
    def _node_key(url: str) -> str:
        return hashlib.sha256(url.encode()).hexdigest()[:32]

    def _index_path(self) -> Path:
        return self.root / "nodes.json"

    def _read_index(self) -> dict[str, int]:
        try:
            with open(self._index_path()) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            return {}
        if not isinstance(doc, dict):
            return {}
        return {k: v for k, v in doc.items() if isinstance(v, int)}

    def known_chain_id(self, url: str) -> int | None:
        """The chain id this node URL answered with last time, if recorded."""
        return self._read_index().get(self._node_key(url))

    def remember_chain_id(self, url: str, chain_id: int) -> None:
        """Record the node URL's chain id (only a hash of the URL is stored)."""
        key = self._node_key(url)
        path = self._index_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            index = self._read_index()
            if index.get(key) == chain_id:
                return
            index[key] = int(chain_id)
            atomic_write_json(path, index)
