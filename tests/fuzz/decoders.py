"""Seeded structural-mutation fuzzing of every decoder of untrusted bytes.

Each target takes valid seed inputs, mutates them structurally (byte flips, truncation,
extension, corrupted length fields; in JSON: swapped types, negative and huge numbers,
missing keys, bad hex) and feeds them to a decoder. Only the documented exceptions of that
decoder may come out; anything else, an input that runs past the per-input time budget, or a
``MemoryError`` (the address space is capped, so a length field that makes the decoder
allocate gigabytes shows up here) is a finding.

Usage (from the repository root)::

    PYTHONPATH=$PWD nice -n 10 python -m tests.fuzz.decoders --target cache_json \\
        --count 100000 --seed 1

Input ``i`` of a run is a pure function of ``(target, seed, i)``, so a finding is reproduced
with ``--start i --count 1 --show``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import pickle
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
import typing

from verbs.errors import CacheMissError, DecodeError, RevertError, RPCError

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
HUGE = [2**60, 2**63, 2**64 - 1, 2**64, 2**256, 2**256 - 1, 2**1000, -1, -(2**63), -(2**256)]


class Budget(Exception):
    """An input ran past its time budget."""


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise Budget()


def _data(name: str) -> str:
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        path = os.path.join("/work/shared/data", name)
    return path


# ---------------------------------------------------------------------------
# Mutators
# ---------------------------------------------------------------------------


def mutate_bytes(rng: random.Random, data: bytes, fields: typing.Sequence[tuple[int, int]] = ()
                 ) -> bytes:
    """Apply one to three structural mutations to ``data``.

    ``fields`` are ``(offset, size)`` of little-endian length/integer fields that are
    corrupted with extreme values on purpose.
    """
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(9)
        if op == 0 and b:  # flip a bit
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:  # random byte
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 2:  # truncate
            del b[rng.randrange(len(b) + 1):]
        elif op == 3:  # extend
            b += rng.randbytes(rng.randrange(1, 64))
        elif op == 4 and b:  # delete a span
            i = rng.randrange(len(b))
            del b[i:i + rng.randrange(1, 32)]
        elif op == 5:  # insert a span
            i = rng.randrange(len(b) + 1)
            b[i:i] = rng.randbytes(rng.randrange(1, 32))
        elif op in (6, 7) and fields:  # corrupt a length/integer field
            off, size = rng.choice(fields)
            if off + size <= len(b):
                v = rng.choice([0, 1, 2**60, 2**(8 * size) - 1, rng.randrange(2**(8 * size)),
                                int.from_bytes(b[off:off + size], "little") + rng.randint(-9, 9)])
                b[off:off + size] = (v % 2**(8 * size)).to_bytes(size, "little")
        elif op == 8 and b:  # write an extreme little-endian u32/u64 anywhere
            size = rng.choice([4, 8])
            i = rng.randrange(len(b))
            b[i:i + size] = rng.choice([2**60, 2**32 - 1, 2**64 - 1, 2**31]).to_bytes(
                8, "little")[:size]
    return bytes(b)


def _bad_hex(rng: random.Random, s: str) -> typing.Any:
    op = rng.randrange(8)
    if op == 0:
        return s[:-1]  # odd length
    if op == 1:
        return "zz" + s
    if op == 2:
        return "0x" + s
    if op == 3:
        return ""
    if op == 4:
        return s + "00" * rng.randrange(1, 40)
    if op == 5:
        return s[: rng.randrange(len(s) + 1)]
    if op == 6:
        return "ff" * rng.choice([1, 19, 21, 31, 33, 64, 100])
    return " " + s


def _swap(rng: random.Random, v: typing.Any) -> typing.Any:
    """A value of another type (or the same type, out of range)."""
    if isinstance(v, str) and rng.random() < 0.6:
        return _bad_hex(rng, v)
    if isinstance(v, int) and not isinstance(v, bool) and rng.random() < 0.6:
        return rng.choice(HUGE + [v + 1, -v, 0])
    return rng.choice([None, True, False, 0, -1, 2**64, 2**256, 1.5, float("nan"), "",
                       "0x", "zz", "00", [], {}, [v], {"v": v}, b"\x00", v])


def _paths(v: typing.Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(v, dict):
        for k, x in v.items():
            out += _paths(x, path + (k,))
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            out += _paths(x, path + (i,))
    return out


def _get(v, path):
    for k in path:
        v = v[k]
    return v


def mutate_tree(rng: random.Random, value: typing.Any, n: int | None = None) -> typing.Any:
    """Structurally mutate a JSON-like tree (lists, tuples, dicts, str, int, bytes)."""
    value = _thaw(value)
    for _ in range(n or rng.randint(1, 3)):
        paths = _paths(value)
        leaves = [p for p in paths if not isinstance(_get(value, p), (list, dict))]
        # mostly leaves, so that most inputs get past the shape checks to the values
        path = rng.choice(leaves if leaves and rng.random() < 0.8 else paths)
        if not path:
            if rng.random() < 0.1:
                value = _swap(rng, value)
            continue
        parent = _get(value, path[:-1])
        key = path[-1]
        op = rng.randrange(6)
        if op <= 2:
            parent[key] = _swap(rng, parent[key])
        elif op == 3:  # missing key / element
            del parent[key]
        elif op == 4 and isinstance(parent, list):  # extra element
            parent.insert(key, copy.deepcopy(parent[key]) if rng.random() < 0.5
                          else _swap(rng, parent[key]))
        elif isinstance(parent[key], bytes):
            parent[key] = mutate_bytes(rng, parent[key])
        else:
            parent[key] = _swap(rng, parent[key])
    return value


def _thaw(v):
    if isinstance(v, (list, tuple)):
        return [_thaw(x) for x in v]
    if isinstance(v, dict):
        return {k: _thaw(x) for k, x in v.items()}
    return v


def _freeze_like(v, like):
    """Give a mutated tree the tuple/list shape of the original where it still matches."""
    if isinstance(like, tuple) and isinstance(v, list):
        return tuple(_freeze_like(x, y) for x, y in zip(v, like)) + tuple(v[len(like):])
    if isinstance(like, list) and isinstance(v, list) and like:
        return [_freeze_like(x, like[min(i, len(like) - 1)]) for i, x in enumerate(v)]
    return v


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


class Target:
    """A decoder, its seeds, its mutator and its documented exceptions."""

    def __init__(self, name, seeds, mutate, run, allowed):
        self.name = name
        self._seeds = seeds
        self.seeds = None
        self.mutate = mutate
        self.run = run
        self.allowed = allowed

    def input(self, seed: int, index: int):
        if self.seeds is None:
            self.seeds = self._seeds()
        rng = random.Random(f"{self.name}:{seed}:{index}")
        return self.mutate(rng, rng.choice(self.seeds))


def _raw_cache():
    with open(_data("verbs04-dai-cache.raw.json")) as f:
        return json.load(f)


def _env():
    from verbs import envs, utils
    return envs.EmptyEnvRandom(1, cache=utils.cache_from_json(_raw_cache()))


# container header: raw_len at 16, crc at 24, body_len at 28 (see verbs/_evm/container.py)
_CONTAINER_FIELDS = [(8, 2), (10, 2), (12, 2), (14, 2), (16, 8), (24, 4), (28, 8)]


def _state_seeds():
    from verbs._evm import container
    env = _env()
    snap = env.export_snapshot()
    raw = snap.state.to_bytes()
    payload = container.unpack(raw, "state")
    out = [raw, container.pack("state", payload, compress=True),
           container.pack("state", payload, compress=False)]
    empty = __import__("verbs").envs.EmptyEnvRandom(1).export_snapshot().state.to_bytes()
    return out + [empty]


def _resealed(rng, data, kind):
    """Mutate a container; half the time mutate the payload and reseal it (valid CRC), so the
    payload parser itself is reached."""
    from verbs._evm import container
    if rng.random() < 0.5:
        return mutate_bytes(rng, data, _CONTAINER_FIELDS)
    payload = container.unpack(data, kind)
    if kind == "env" and rng.random() < 0.6:
        # an env payload is a u32 header length, a JSON header and a state container:
        # mutate one part and keep the rest valid, so that each parser is reached
        n = int.from_bytes(payload[:4], "little")
        header, inner = payload[4:4 + n], payload[4 + n:]
        if rng.random() < 0.5:
            header = json.dumps(mutate_tree(rng, json.loads(header)),
                                default=lambda o: o.hex()).encode()
        else:
            inner = _resealed(rng, inner, "state")
        payload = len(header).to_bytes(4, "little") + header + inner
        return container.pack(kind, payload, compress=rng.random() < 0.3)
    # the payload's own integer fields are at unknown offsets: corrupt aligned words too
    fields = [(i, 8) for i in range(0, min(len(payload), 512) - 8, 8)]
    fields += [(i, 4) for i in range(0, min(len(payload), 256) - 4, 4)]
    return container.pack(kind, mutate_bytes(rng, payload, fields),
                          compress=rng.random() < 0.3)


def _env_seeds():
    from verbs import envs
    env = _env()
    out = [env.export_snapshot().to_bytes(), envs.EmptyEnvRandom(1).export_snapshot().to_bytes()]
    return out


def _run_state(data):
    from verbs._evm.state import Snapshot
    Snapshot.from_bytes(data)


def _run_env(data):
    from verbs import envs
    envs.Snapshot.from_bytes(data)


_CALL = None


def _run_cache(value, *, file: bool = False):
    from verbs import envs, utils
    if file:
        fd, path = tempfile.mkstemp(suffix=".json")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(value)
            cache = utils.cache_from_file(path)
        finally:
            os.unlink(path)
    else:
        cache = utils.cache_from_json(value)
    env = envs.EmptyEnvRandom(1, cache=cache)
    # DAI's totalSupply(): reads code and storage that came from the cache
    try:
        env.call(bytes(19) + b"\x01", bytes.fromhex("6b175474e89094c44da98b954eedeac495271d0f"),
                 bytes.fromhex("18160ddd"), 0)
    except RevertError:
        pass


def _mutate_cache_text(rng, value):
    text = json.dumps(value).encode()
    if rng.random() < 0.5:
        return json.dumps(mutate_tree(rng, value), default=lambda o: o.hex()).encode()
    return mutate_bytes(rng, text)


def _orig_seeds():
    with open(_data("verbs04-snapshot.pkl"), "rb") as f:
        return [pickle.load(f)]


def _mutate_orig(rng, value):
    return _freeze_like(mutate_tree(rng, value), value)


def _run_orig(value):
    from verbs import envs
    from verbs.envs.original import from_original
    snap, hashes = from_original(value)
    envs.EmptyEnvRandom(1, snapshot=snap)


_AUTH_SEED = (1, bytes.fromhex("c0" * 20), 0, 1,
              0x4E7A2D8C2C7FB2D2C4A5B6A3F1A5C2D7E8F9A0B1C2D3E4F5A6B7C8D9E0F1A2B3,
              0x1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F)


def _auth_seeds():
    import coincurve

    from verbs._evm.authorization import MAGIC, _rlp_bytes, _rlp_int, _rlp_list
    from verbs._evm.keccak import keccak256
    out = [_AUTH_SEED]
    key = coincurve.PrivateKey(bytes(31) + b"\x07")
    for chain_id, nonce in [(1, 0), (0, 5), (2**64 - 1, 2**64 - 2)]:
        address = bytes(range(20))
        msg = keccak256(MAGIC + _rlp_list([_rlp_int(chain_id), _rlp_bytes(address),
                                           _rlp_int(nonce)]))
        sig = key.sign_recoverable(msg, hasher=None)
        out.append((chain_id, address, nonce, sig[64], int.from_bytes(sig[:32], "big"),
                    int.from_bytes(sig[32:64], "big")))
    return out


def _mutate_auth(rng, value):
    v = list(value)
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(6)
        if i == 1 and isinstance(v[1], bytes) and rng.random() < 0.6:
            v[1] = mutate_bytes(rng, v[1])
        elif rng.random() < 0.5 and isinstance(v[i], int):
            v[i] = rng.choice(HUGE + [v[i] ^ (1 << rng.randrange(256)), 0, 2, 2**256 - 1])
        else:
            v[i] = _swap(rng, v[i])
    return tuple(v)


def _run_auth(value):
    from verbs._evm.authorization import recover_authority
    out = recover_authority(*value)
    if out is not None and (type(out) is not bytes or len(out) != 20):
        raise AssertionError(f"recover_authority returned {out!r}")


_ABI_TYPES = [
    (["uint256", "address", "bool"], [2**200, "0x" + "ab" * 20, True]),
    (["int8", "uint64", "bytes32", "int256"], [-5, 2**63, b"\x11" * 32, -(2**255)]),
    (["bytes", "string", "uint256[]"], [b"\x01\x02", "héllo", [1, 2, 3]]),
    (["(uint256,bytes)[]", "string[2]", "bytes3"], [[(1, b"x"), (2, b"yy")], ["a", "bc"], b"abc"]),
    (["address[3]", "(int16,bool)"], [["0x" + "01" * 20] * 3, (-300, False)]),
]

_EVENT_ABI = {"type": "event", "name": "Swap", "anonymous": False, "inputs": [
    {"name": "sender", "type": "address", "indexed": True},
    {"name": "amount", "type": "int256", "indexed": True},
    {"name": "path", "type": "bytes", "indexed": True},
    {"name": "values", "type": "uint256[]", "indexed": False},
    {"name": "note", "type": "string", "indexed": False},
    {"name": "flag", "type": "bool", "indexed": False},
]}


def _abi_seeds():
    import eth_abi
    out = []
    for types, args in _ABI_TYPES:
        out.append(("codec", types, eth_abi.encode(types, args)))
        abi = {"type": "function", "name": "f", "inputs": [],
               "outputs": [{"name": f"o{i}", "type": t} for i, t in enumerate(types)]}
        out.append(("function", abi, eth_abi.encode(types, args)))
    from verbs.abi import Event
    ev = Event(_EVENT_ABI)
    data = eth_abi.encode(["uint256[]", "string", "bool"], [[5, 6], "note", True])
    topics = [ev.topic, bytes(12) + b"\x22" * 20, (2**256 - 7).to_bytes(32, "big"), b"\x33" * 32]
    out.append(("event", _EVENT_ABI, (bytes(20), topics, data)))
    return out


def _mutate_abi(rng, value):
    kind, spec, data = value
    if kind == "event":
        address, topics, body = data
        topics = list(topics)
        r = rng.random()
        if r < 0.4:
            body = mutate_bytes(rng, body, [(i, 32) for i in range(0, len(body) - 32, 32)])
        elif r < 0.7 and topics:
            i = rng.randrange(len(topics))
            topics[i] = mutate_bytes(rng, topics[i])
        elif r < 0.85:
            del topics[rng.randrange(len(topics) + 1):]
        else:
            return kind, spec, mutate_tree(rng, [address, topics, body])
        return kind, spec, (address, topics, body)
    words = [(i, 32) for i in range(0, len(data) - 32, 32)]
    out = mutate_bytes(rng, data)
    if rng.random() < 0.5 and words:  # big-endian word fields: offsets and lengths
        b = bytearray(out)
        off, _ = rng.choice(words)
        if off + 32 <= len(b):
            v = rng.choice([2**60, 2**64, 2**256 - 1, 2**32, len(b), len(b) + 32, 31, 33])
            b[off:off + 32] = v.to_bytes(32, "big")
        out = bytes(b)
    return kind, spec, out


_ABI_OBJECTS: dict = {}


def _run_abi(value):
    from verbs import abi, codec
    kind, spec, data = value
    key = (kind, json.dumps(spec))
    obj = _ABI_OBJECTS.get(key)
    if obj is None:
        obj = _ABI_OBJECTS[key] = (codec.Codec(spec) if kind == "codec" else
                                   abi.Function(spec) if kind == "function" else abi.Event(spec))
    if kind == "event":
        obj.decode_log(data)
    else:
        obj.decode(data)


def _rpc_seeds():
    return [
        ("quantity", "0x1a"), ("quantity", "0x0"), ("data", "0x6080604052"),
        ("address", "0x" + "ab" * 20), ("word", "0x" + "00" * 31 + "05"), ("word", "0x5"),
        ("access_list", {"accessList": [{"address": "0x" + "11" * 20,
                                         "storageKeys": ["0x" + "00" * 32, "0x" + "01" * 32]}],
                         "gasUsed": "0x5208"}),
        ("single", {"jsonrpc": "2.0", "id": 1, "result": "0x10"}),
        ("single", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "boom",
                                                          "data": "0x"}}),
        ("batch", [{"jsonrpc": "2.0", "id": 1, "result": "0x1"},
                   {"jsonrpc": "2.0", "id": 2, "result": {"number": "0x10"}}]),
    ]


def _mutate_rpc(rng, value):
    kind, doc = value
    if kind in ("single", "batch") and rng.random() < 0.3:
        return kind, mutate_bytes(rng, json.dumps(doc).encode())
    return kind, mutate_tree(rng, doc)


_CLIENT = None


def _run_rpc(value):
    from verbs.remote import hexjson
    kind, doc = value
    if kind == "quantity":
        hexjson.parse_quantity(doc)
    elif kind == "data":
        hexjson.parse_data(doc)
    elif kind == "address":
        hexjson.parse_data(doc, "address", 20)
    elif kind == "word":
        hexjson.parse_word(doc)
    elif kind == "access_list":
        hexjson.parse_access_list(doc)
    else:
        global _CLIENT
        if _CLIENT is None:
            from verbs.remote.rpc import RPCClient
            _CLIENT = RPCClient("http://127.0.0.1:9")
        raw = doc if isinstance(doc, bytes) else json.dumps(doc, default=lambda o: o.hex()).encode()
        single = kind == "single"
        calls = [("eth_blockNumber", [])] if single else [("eth_blockNumber", []),
                                                          ("eth_getBlockByNumber", ["0x10"])]
        ids = [1] if single else [1, 2]
        _CLIENT._decode(200, {}, raw, calls, ids, single, rng_allow(doc), calls[0][0],
                        calls[0][1])


def rng_allow(doc) -> bool:
    return len(repr(doc)) % 2 == 0


def _retryable():
    from verbs.remote.rpc import _Retryable
    return _Retryable


TARGETS = {
    "state_snapshot": Target("state_snapshot", _state_seeds,
                             lambda rng, d: _resealed(rng, d, "state"), _run_state,
                             (ValueError, TypeError)),
    "env_snapshot": Target("env_snapshot", _env_seeds,
                           lambda rng, d: _resealed(rng, d, "env"), _run_env,
                           (ValueError, TypeError)),
    "cache_json": Target("cache_json", lambda: [_raw_cache()], mutate_tree, _run_cache,
                         (ValueError, TypeError, CacheMissError)),
    "cache_file": Target("cache_file", lambda: [_raw_cache()], _mutate_cache_text,
                         lambda v: _run_cache(v, file=True),
                         (ValueError, TypeError, CacheMissError)),
    "original": Target("original", _orig_seeds, _mutate_orig, _run_orig, (ValueError, TypeError)),
    "authorization": Target("authorization", _auth_seeds, _mutate_auth, _run_auth,
                            (ValueError, TypeError)),
    "abi": Target("abi", _abi_seeds, _mutate_abi, _run_abi, (DecodeError, ValueError, TypeError)),
    "rpc": Target("rpc", _rpc_seeds, _mutate_rpc, _run_rpc, (RPCError,)),
}


def check(target: Target, value: typing.Any, budget: float = 2.0) -> BaseException | None:
    """Run one input; return the undocumented exception it raised, or None."""
    allowed = target.allowed
    if target.name == "rpc":
        allowed = allowed + (_retryable(),)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        target.run(value)
    except allowed:
        return None
    except Budget as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - the point is to catch the undocumented ones
        return exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", required=True, choices=[*TARGETS, "all"])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget", type=float, default=2.0, help="seconds per input")
    p.add_argument("--every", type=int, default=10000)
    p.add_argument("--stop-after", type=int, default=20)
    p.add_argument("--mem-gb", type=float, default=4.0,
                   help="address-space cap (GiB; 0: none)")
    p.add_argument("--show", action="store_true", help="print each input and traceback")
    args = p.parse_args(argv)
    if args.mem_gb > 0:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = int(args.mem_gb * 2**30)
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    names = list(TARGETS) if args.target == "all" else [args.target]
    bad_total = 0
    for name in names:
        target = TARGETS[name]
        t0 = time.time()
        bad = 0
        kinds: dict[str, int] = {}
        for i in range(args.start, args.start + args.count):
            value = target.input(args.seed, i)
            exc = check(target, value, args.budget)
            if args.show:
                print(f"input {i}: {value!r:.400}")
            if exc is not None:
                bad += 1
                key = f"{type(exc).__name__}: {str(exc)[:100]}"
                kinds[key] = kinds.get(key, 0) + 1
                if kinds[key] <= 2 or args.show:
                    print(f"[{name}] index {i}: {key}", flush=True)
                    if args.show:
                        traceback.print_exception(exc)
                if bad >= args.stop_after:
                    break
            n = i - args.start + 1
            if n % args.every == 0:
                dt = time.time() - t0
                print(f"[{name}] {n} inputs, {bad} undocumented, {dt:.1f}s ({n / dt:.0f}/s)",
                      flush=True)
        dt = time.time() - t0
        n = i - args.start + 1
        print(f"[{name}] done: {n} inputs seed {args.seed} start {args.start}, {bad} undocumented "
              f"exceptions, {dt:.1f}s ({n / max(dt, 1e-9):.0f}/s)", flush=True)
        for key, c in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print(f"    {c:6d}  {key}")
        bad_total += bad
    return 1 if bad_total else 0


if __name__ == "__main__":
    sys.exit(main())
