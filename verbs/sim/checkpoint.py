"""Checkpoint files of batch runs: an append-only log of finished samples.

:func:`verbs.sim.batch_runner.batch_run` with ``checkpoint=path`` appends every finished sample
to the file as it arrives, and a rerun of the same batch on the same file runs only the samples
that the file does not hold.

File layout (integers little-endian)::

    header  MAGIC (8 bytes) | u32 n | u32 CRC-32 of MAGIC and n | 16-byte BLAKE2b of D | D
    record  u64 n | u32 CRC-32 of n | 16-byte BLAKE2b of P | P          (repeated)

``D`` (``n`` bytes) is the pickled description of the batch (see :func:`describe_batch`); ``P``
is the pickled ``(parameter index, sample index, seed, result)``, the result being the sample
function's return value or its :class:`~verbs.sim.batch_runner.SampleError`.

Only the driver process writes, one record with one ``write`` then ``fsync``, and an exclusive
lock keeps a second driver off the file.  So only the last record can be incomplete: a crash
during its write leaves a prefix of it, or (on file systems that extend the file before its data
reaches the disk) zeros.  Such a torn tail is dropped, with a warning, and its sample reruns.  A
damaged record followed by others cannot come from a crash: it raises
:class:`CheckpointCorruptError` naming the file and offset.

Records are pickles: load only checkpoint files you wrote.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import struct
import sys
import types
import typing
import warnings
import zlib

__all__ = [
    "Checkpoint",
    "CheckpointCorruptError",
    "CheckpointError",
    "CheckpointMismatchError",
    "describe_batch",
]

MAGIC = b"VERBSCK\x01"
FORMAT = 1
#: Keys only some batches' descriptions have (``profile``: a ``batch_run(profile=True)``
#: batch, whose records hold gas profiles); a header without them still describes a batch.
_OPTIONAL_KEYS = frozenset({"profile"})
_HEADER = struct.Struct("<8sII")  # magic, description length, CRC-32 of both
_RECORD = struct.Struct("<QI")  # payload length, CRC-32 of the length field
_DIGEST_SIZE = 16
_PICKLE_PROTOCOL = 5


class CheckpointError(ValueError):
    """A checkpoint file that cannot serve this batch.

    Attributes
    ----------
    path : str
        The checkpoint file.
    """

    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.path = path


class CheckpointMismatchError(CheckpointError):
    """The checkpoint file was written by another batch (other parameters, seeds, function, ...).

    Attributes
    ----------
    path : str
        The checkpoint file.
    differences : list of str
        What differs, one line each.
    """

    def __init__(self, path: str, differences: list[str]):
        super().__init__(
            f"checkpoint {path} was written by a different batch; a rerun must repeat the "
            f"batch's arguments exactly (or use another file). Differences:\n  "
            + "\n  ".join(differences),
            path,
        )
        self.differences = differences


class CheckpointCorruptError(CheckpointError):
    """A damaged record (or header) that is not a torn last write.

    Attributes
    ----------
    path : str
        The checkpoint file.
    offset : int
        The byte offset of the damaged record.
    """

    def __init__(self, path: str, offset: int, what: str):
        super().__init__(f"checkpoint {path} is corrupt at byte offset {offset}: {what}", path)
        self.offset = offset


# --------------------------------------------------------------------------- fingerprints
def _stand_in(*args):  # pragma: no cover - fingerprints are hashed, never loaded
    raise TypeError("a batch fingerprint is not meant to be unpickled")


def _importable(obj) -> bool:
    """Whether pickle can name ``obj`` by reference (module and qualified name)."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    qualname = getattr(obj, "__qualname__", None)
    if module is None or not qualname:
        return False
    found = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            return False
    return found is obj


class _StablePickler(pickle.Pickler):
    """Pickles for fingerprints: the same bytes in every process for equal arguments.

    Classes and functions made at run time (ABI types from ``verbs.abi.get_abi``, classes
    defined in a function), which the standard pickle refuses, stand in as their module,
    qualified name and (for classes) bases and namespace.
    """

    def reducer_override(self, obj):
        if isinstance(obj, type):
            if _importable(obj):
                return NotImplemented
            namespace = tuple(sorted(
                (k, v) for k, v in vars(obj).items() if k not in ("__dict__", "__weakref__")
            ))
            return _stand_in, ("class", obj.__module__, obj.__qualname__, obj.__bases__,
                               namespace)
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
            if _importable(obj):
                return NotImplemented
            return _stand_in, ("function", obj.__module__, obj.__qualname__)
        if isinstance(obj, property):
            return _stand_in, ("property", obj.fget, obj.fset, obj.fdel)
        if isinstance(obj, (staticmethod, classmethod)):
            return _stand_in, (type(obj).__name__, obj.__func__)
        return NotImplemented


def _canonical(obj):
    """Sets in a fixed order (the order of a set of strings changes between processes)."""
    if isinstance(obj, (set, frozenset)):
        items = sorted((_canonical(x) for x in obj), key=_stable_bytes)
        return (_stand_in, type(obj).__name__, tuple(items))
    if type(obj) is dict:
        return {k: _canonical(v) for k, v in obj.items()}
    if type(obj) in (list, tuple):
        return type(obj)(_canonical(x) for x in obj)
    return obj


def _stable_bytes(obj) -> bytes:
    import io

    buffer = io.BytesIO()
    _StablePickler(buffer, protocol=_PICKLE_PROTOCOL).dump(obj)
    return buffer.getvalue()


def fingerprint(obj, what: str) -> str:
    """The BLAKE2b digest (hex) of ``obj``'s stable pickle.

    Raises
    ------
    TypeError
        Naming ``what`` where ``obj`` cannot be pickled.
    """
    try:
        data = _stable_bytes(_canonical(obj))
    except Exception as exc:
        raise TypeError(
            f"batch_run(checkpoint=...): {what} cannot be pickled, so the checkpoint cannot "
            f"identify the batch ({type(exc).__name__}: {exc})"
        ) from exc
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).hexdigest()


def _function_identity(func) -> str:
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if module and qualname:
        return f"{module}.{qualname}"
    # a functools.partial or a callable object: its pickle names it (and its arguments)
    return f"<{type(func).__qualname__} {fingerprint(func, 'sim_func')}>"


def describe_batch(
    sim_func: typing.Callable,
    n_steps,
    parameters_samples: list[dict],
    seeds: list[int],
    snapshot,
    cache,
    gas_priority: bool,
    env_options: dict,
    sim_kwargs: dict,
) -> dict:
    """What identifies a batch's results: every argument of ``batch_run`` that changes them.

    The sample function counts by its module and qualified name (its code may change between
    runs, as a bug fix would); everything else by a digest of its pickle.  The executor, the
    number of workers and the display options do not change results and do not count.

    Raises
    ------
    TypeError
        Naming the argument that cannot be pickled.
    """
    return {
        "format": FORMAT,
        "sim_func": _function_identity(sim_func),
        "n_steps": n_steps if type(n_steps) is int else fingerprint(n_steps, "n_steps"),
        "parameters_samples": [
            fingerprint(p, f"parameters_samples[{i}]") for i, p in enumerate(parameters_samples)
        ],
        "seeds": list(seeds),
        "snapshot": None if snapshot is None else fingerprint(snapshot, "snapshot"),
        "cache": None if cache is None else fingerprint(cache, "cache"),
        "gas_priority": bool(gas_priority),
        "env_options": {k: fingerprint(v, f"env_options[{k!r}]") for k, v in env_options.items()},
        "sim_kwargs": {k: fingerprint(v, f"keyword argument {k!r}") for k, v in sim_kwargs.items()},
    }


def _seeds_text(seeds: list) -> str:
    if len(seeds) > 1 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}..{seeds[-1]} ({len(seeds)} seeds)"
    text = repr(seeds)
    return text if len(text) <= 60 else f"{text[:57]}... ({len(seeds)} seeds)"


def _differences(stored: dict, expected: dict) -> list[str]:
    """What differs between two descriptions, one line each."""
    out = []
    if stored.get("format") != expected["format"]:
        return [f"checkpoint format {stored.get('format')!r}, this verbs writes {FORMAT}"]
    if stored["sim_func"] != expected["sim_func"]:
        out.append(f"sim_func: {stored['sim_func']} in the checkpoint, "
                   f"{expected['sim_func']} in this batch")
    if stored["n_steps"] != expected["n_steps"]:
        out.append(f"n_steps: {stored['n_steps']!r} in the checkpoint, "
                   f"{expected['n_steps']!r} in this batch")
    a, b = stored["parameters_samples"], expected["parameters_samples"]
    if len(a) != len(b):
        out.append(f"parameters_samples: {len(a)} parameter sets in the checkpoint, "
                   f"{len(b)} in this batch")
    else:
        out.extend(f"parameters_samples[{i}] differs" for i in range(len(a)) if a[i] != b[i])
    if stored["seeds"] != expected["seeds"]:
        out.append(f"seeds: {_seeds_text(stored['seeds'])} in the checkpoint, "
                   f"{_seeds_text(expected['seeds'])} in this batch")
    for key in ("snapshot", "cache"):
        if stored[key] != expected[key]:
            state = {None: "none"}
            out.append(f"{key}: {state.get(stored[key], 'one')} in the checkpoint, "
                       f"{state.get(expected[key], 'one')} in this batch"
                       + (" (they differ)" if stored[key] and expected[key] else ""))
    if stored["gas_priority"] != expected["gas_priority"]:
        out.append(f"gas_priority: {stored['gas_priority']} in the checkpoint, "
                   f"{expected['gas_priority']} in this batch")
    # only a batch_run(profile=True) description has the key: older files lack it
    if stored.get("profile", False) != expected.get("profile", False):
        out.append(f"profile: {stored.get('profile', False)} in the checkpoint (its records "
                   f"{'hold' if stored.get('profile') else 'lack'} gas profiles), "
                   f"{expected.get('profile', False)} in this batch")
    for key, label in (("env_options", "env_options"), ("sim_kwargs", "keyword argument")):
        a, b = stored[key], expected[key]
        for name in sorted(set(a) | set(b), key=repr):
            if name not in b:
                out.append(f"{label} {name!r}: in the checkpoint only")
            elif name not in a:
                out.append(f"{label} {name!r}: in this batch only")
            elif a[name] != b[name]:
                out.append(f"{label} {name!r} differs")
    return out


# --------------------------------------------------------------------------- the file
def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


def _header_bytes(description: dict) -> bytes:
    body = pickle.dumps(description, protocol=_PICKLE_PROTOCOL)
    fixed = struct.pack("<8sI", MAGIC, len(body))
    return fixed + struct.pack("<I", zlib.crc32(fixed)) + _digest(body) + body


def record_bytes(param_index: int, sample_index: int, seed: int, result) -> bytes:
    """One record, as appended.

    The standard pickle, or cloudpickle for what it refuses (classes made at run time, such as
    ABI types, in a result or a :class:`~verbs.sim.batch_runner.SampleError`'s parameters);
    raises what they raise for an unpicklable result.
    """
    item = (param_index, sample_index, seed, result)
    try:
        payload = pickle.dumps(item, protocol=_PICKLE_PROTOCOL)
    except Exception:
        if importlib.util.find_spec("cloudpickle") is None:  # pragma: no cover - dask has it
            raise
        import cloudpickle

        payload = cloudpickle.dumps(item, protocol=_PICKLE_PROTOCOL)
    length = struct.pack("<Q", len(payload))
    return length + struct.pack("<I", zlib.crc32(length)) + _digest(payload) + payload


# The descriptors of open checkpoints.  A forked child (a pool worker) closes its copies: the
# lock belongs to the open file, which a lingering worker of a killed driver would otherwise
# keep locked against the rerun.
_OPEN_FDS: set[int] = set()


def _close_in_child() -> None:
    for fd in _OPEN_FDS:
        try:
            os.close(fd)
        except OSError:
            pass
    _OPEN_FDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


def _lock(fd: int, path: str) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise CheckpointError(
            f"checkpoint {path} is in use by another running batch", path) from None


class Checkpoint:
    """An open checkpoint file: the samples it holds, and appending new ones.

    Use :meth:`open`; close it (or use it as a context manager) when the batch ends.

    Attributes
    ----------
    path : str
        The file.
    finished : dict
        ``{(parameter index, sample index): result}`` of the samples the file held when opened.
    """

    def __init__(self, path: str, fd: int, finished: dict):
        self.path = path
        self._fd = fd
        self.finished = finished

    @classmethod
    def open(cls, path: str | os.PathLike, description: dict) -> Checkpoint:
        """Open (or create) the checkpoint of the batch that ``description`` identifies.

        Raises
        ------
        CheckpointMismatchError
            If the file was written by another batch.
        CheckpointCorruptError
            If a header or record is damaged other than by a torn last write.
        CheckpointError
            If the file is not a checkpoint, or another batch holds it open.
        """
        path = os.fspath(path)
        created = not os.path.exists(path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            _lock(fd, path)
            finished = _load(fd, path, description)
            if created:
                _fsync_directory(path)
        except BaseException:
            os.close(fd)
            raise
        _OPEN_FDS.add(fd)
        return cls(path, fd, finished)

    def append(self, param_index: int, sample_index: int, seed: int, result) -> None:
        """Append one finished sample, durably (written, then ``fsync``)."""
        self.append_record(record_bytes(param_index, sample_index, seed, result))

    def append_record(self, record: bytes) -> None:
        """Append a record made by :func:`record_bytes`, durably."""
        _write_all(self._fd, record)
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            _OPEN_FDS.discard(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_directory(path: str) -> None:
    """Make a new file's directory entry durable (POSIX; elsewhere a no-op)."""
    try:
        dir_fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open a directory
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - file systems that refuse it
        pass
    finally:
        os.close(dir_fd)


def _pread(fd: int, n: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
    return os.read(fd, n)  # pragma: no cover


def _read_at(fd: int, offset: int, n: int) -> bytes:
    chunks = []
    while n > 0:
        chunk = _pread(fd, n, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _all_zero(fd: int, offset: int, size: int) -> bool:
    while offset < size:
        chunk = _read_at(fd, offset, min(1 << 20, size - offset))
        if chunk.count(0) != len(chunk):
            return False
        offset += len(chunk)
    return True


def _start_fresh(fd: int, description: dict) -> dict:
    header = _header_bytes(description)
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    _write_all(fd, header)
    os.fsync(fd)
    os.lseek(fd, 0, os.SEEK_END)
    return {}


def _load(fd: int, path: str, description: dict) -> dict:
    size = os.fstat(fd).st_size
    fixed = _read_at(fd, 0, _HEADER.size)
    if size and _all_zero(fd, 0, size):
        # a header whose write never reached the disk (the file grew, its data did not): no
        # sample was recorded, as records follow only a durable header
        return _start_fresh(fd, description)
    if not MAGIC.startswith(fixed[:len(MAGIC)]):
        raise CheckpointError(
            f"{path} is not a verbs batch checkpoint (it does not start with the checkpoint "
            f"magic bytes); refusing to write to it", path)
    if len(fixed) < _HEADER.size:
        # the driver died while writing the header: no sample was recorded yet
        return _start_fresh(fd, description)
    _, body_len, crc = _HEADER.unpack(fixed)
    if zlib.crc32(fixed[:12]) != crc:
        raise CheckpointCorruptError(path, 0, "the header's checksum does not match")
    start = _HEADER.size + _DIGEST_SIZE
    if start + body_len > size:
        return _start_fresh(fd, description)  # a torn header, as above
    digest = _read_at(fd, _HEADER.size, _DIGEST_SIZE)
    body = _read_at(fd, start, body_len)
    if _digest(body) != digest:
        raise CheckpointCorruptError(path, 0, "the header's checksum does not match")
    try:
        stored = pickle.loads(body)
    except Exception as exc:
        raise CheckpointCorruptError(path, 0, f"the header cannot be read: {exc}") from exc
    if not isinstance(stored, dict) or (
            stored.get("format") == FORMAT
            and not set(description) - _OPTIONAL_KEYS <= set(stored)):
        raise CheckpointCorruptError(path, 0, "the header does not describe a batch")
    differences = _differences(stored, description)
    if differences:
        raise CheckpointMismatchError(path, differences)

    seeds = description["seeds"]
    n_params = len(description["parameters_samples"])
    finished: dict = {}
    offset = start + body_len
    while offset < size:
        head = _read_at(fd, offset, _RECORD.size + _DIGEST_SIZE)
        if len(head) < _RECORD.size + _DIGEST_SIZE:
            _drop_torn(fd, path, offset, "an incomplete record header")
            break
        length, crc = _RECORD.unpack_from(head)
        if zlib.crc32(head[:8]) != crc:
            if _all_zero(fd, offset, size):
                _drop_torn(fd, path, offset, "zeros where a record was being written")
                break
            raise CheckpointCorruptError(path, offset, "a record's length field is damaged")
        end = offset + len(head) + length
        if end > size:
            _drop_torn(fd, path, offset, "an incomplete record")
            break
        payload = _read_at(fd, offset + len(head), length)
        if _digest(payload) != head[_RECORD.size:]:
            if end == size:
                _drop_torn(fd, path, offset, "a last record whose checksum does not match")
                break
            raise CheckpointCorruptError(path, offset, "a record's checksum does not match")
        try:
            param_index, sample_index, seed, result = pickle.loads(payload)
        except Exception as exc:
            raise CheckpointError(
                f"checkpoint {path}: the record at byte offset {offset} cannot be loaded "
                f"({type(exc).__name__}: {exc})", path) from exc
        if not (0 <= param_index < n_params and 0 <= sample_index < len(seeds)
                and seeds[sample_index] == seed):
            raise CheckpointCorruptError(
                path, offset, f"a record names parameter set {param_index}, sample "
                f"{sample_index}, seed {seed}, which this batch does not have")
        if (param_index, sample_index) in finished:
            raise CheckpointCorruptError(
                path, offset, f"a second record for parameter set {param_index}, sample "
                f"{sample_index}")
        finished[param_index, sample_index] = result
        offset = end
    os.lseek(fd, 0, os.SEEK_END)
    return finished


def _drop_torn(fd: int, path: str, offset: int, what: str) -> None:
    warnings.warn(
        f"checkpoint {path}: {what} at byte offset {offset} (a write cut short) was dropped; "
        f"its sample runs again",
        RuntimeWarning,
        stacklevel=4,
    )
    os.ftruncate(fd, offset)
    os.fsync(fd)
