"""Environment snapshots: frozen state, block env and step, shared copy-on-write.

A snapshot is a value that environments built from it share in O(1)
(``EmptyEnvRandom(seed, snapshot=s)``), that pickles to a compact, versioned binary form with a
checksum, saves to and loads from a file, and compares equal to a snapshot of the same content.
It also reads as the original verbs' 5-tuple (``len(s) == 5``, ``s[0]`` .. ``s[4]``, iteration,
unpacking; see :mod:`verbs.envs.original`), built on first access.
"""
from __future__ import annotations

import json
import os
import struct

from verbs._evm import container

_HEADER_LEN = struct.Struct("<I")  # length of the JSON block header, before the state


def _block_to_json(block: dict) -> dict:
    out = {}
    for key, value in block.items():
        if isinstance(value, (bytes, bytearray)):
            out[key] = {"hex": bytes(value).hex()}
        else:
            out[key] = value
    return out


def _block_from_json(block: object, where: str = "block") -> dict:
    if not isinstance(block, dict):
        raise TypeError(f"{where} must be an object, got {type(block).__name__}")
    out = {}
    for key, value in block.items():
        if isinstance(value, dict) and set(value) == {"hex"}:
            if not isinstance(value["hex"], str):
                raise TypeError(f"{where} {key} must be a hex string")
            out[key] = bytes.fromhex(value["hex"])
        elif isinstance(value, dict):
            out[key] = _block_from_json(value, f"{where} {key}")
        elif value is None or (isinstance(value, int) and not isinstance(value, bool)
                               and 0 <= value < 1 << 256):
            out[key] = value
        else:
            raise ValueError(f"{where} {key} must be a 256-bit unsigned int, bytes or null, "
                             f"got {value!r:.80}")
    return out


class Snapshot:
    """An immutable snapshot of an environment.

    Attributes
    ----------
    state : verbs._evm.state.Snapshot
        The frozen copy-on-write state layers (accounts, code, storage).
    block : dict
        The block env (number, timestamp, coinbase, gas limit, base fee, prevrandao, ...).
    step : int
        The simulation step at which it was taken.
    """

    __slots__ = ("state", "block", "step", "_original")

    def __init__(self, state, block: dict, step: int):
        self.state = state
        self.block = dict(block)
        self.step = int(step)
        self._original: tuple | None = None

    # -------------------------------------------------------------- the original's 5-tuple
    def as_original(self) -> tuple:
        """The original verbs' 5-tuple ``(block env, accounts, contracts, logs, block hashes)``.

        Built on the first call (it reads the whole state) and kept; see
        :func:`verbs.envs.original.to_original` for its shapes.  It carries no step, chain id,
        fork or rules: an env built from it starts at step 0.
        """
        if self._original is None:
            from verbs.envs.original import to_original

            self._original = to_original(self)
        return self._original

    def __len__(self) -> int:
        return 5

    def __getitem__(self, index):
        return self.as_original()[index]

    def __iter__(self):
        return iter(self.as_original())

    # -------------------------------------------------------------- value semantics
    def __eq__(self, other) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.step == other.step and self.block == other.block and self.state == other.state

    def __repr__(self) -> str:
        return f"Snapshot(step={self.step}, block_number={self.block.get('number')})"

    def to_bytes(self) -> bytes:
        """Serialise to the binary form: a ``verbs._evm.container`` of kind ``"env"`` whose
        payload is the JSON block header (with its u32 length) and the state's own container."""
        header = json.dumps(
            {"block": _block_to_json(self.block), "step": self.step}, sort_keys=True
        ).encode()
        payload = _HEADER_LEN.pack(len(header)) + header + self.state.to_bytes()
        return container.pack("env", payload)

    @classmethod
    def from_bytes(cls, data: bytes) -> Snapshot:
        """Parse :meth:`to_bytes` output.

        Raises
        ------
        ValueError
            If the data is truncated, corrupt (checksum mismatch), of another version, or a
            state-level snapshot (``verbs._evm.state.Snapshot``) rather than an env one.
        """
        from verbs._evm.state import Snapshot as StateSnapshot

        body = container.unpack(data, "env")
        if len(body) < _HEADER_LEN.size:
            raise ValueError(f"snapshot data is truncated ({len(body)} bytes of payload)")
        (header_len,) = _HEADER_LEN.unpack_from(body)
        start = _HEADER_LEN.size
        if start + header_len > len(body):
            raise ValueError("snapshot data is truncated (header)")
        try:
            header = json.loads(body[start:start + header_len])
            if not isinstance(header, dict):
                raise TypeError(f"the header is {type(header).__name__}, not an object")
            block = _block_from_json(header["block"])
            step = header["step"]
            if isinstance(step, bool) or not isinstance(step, int) or step < 0:
                raise ValueError(f"step must be a non-negative int, got {step!r:.80}")
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"snapshot header is corrupt: {exc}") from None
        state = StateSnapshot.from_bytes(body[start + header_len:])
        return cls(state, block, step)

    def __reduce__(self):
        return (_snapshot_from_bytes, (self.to_bytes(),))

    def save(self, path: str | os.PathLike) -> None:
        """Write the snapshot to a file (atomically: a temporary file, then a rename)."""
        path = os.fspath(path)
        tmp = f"{path}.tmp.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(self.to_bytes())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Snapshot:
        """Read a snapshot written by :meth:`save`."""
        with open(path, "rb") as f:
            return cls.from_bytes(f.read())


def _snapshot_from_bytes(data: bytes) -> Snapshot:
    """Unpickle a :class:`Snapshot` (a module-level function, so pickles name it)."""
    return Snapshot.from_bytes(data)
