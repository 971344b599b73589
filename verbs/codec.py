"""ABI codec: a fast generated path for static types, eth-abi for the rest.

A :class:`Codec` is built once per list of ABI types (once per
:class:`verbs.abi.Function`, for example).  When every type is static and made
of ``uintN``, ``intN``, ``address``, ``bool``, ``bytesN``, tuples and fixed-size
arrays of those, the codec generates a specialised Python encoder and decoder
for that exact signature (unrolled, constant offsets, no per-call type
dispatch).  Any other signature (``string``, ``bytes``, dynamic arrays, tuples
containing them, ``fixedMxN``, ...) is validated here and encoded/decoded by
eth-abi.

Both paths behave the same way:

* arguments are validated as eth-abi validates them (type and range) and a bad
  argument raises :class:`TypeError` (wrong type, wrong argument count) or
  :class:`ValueError` (out of range, wrong length) naming the argument;
* ``numpy`` integers are accepted where an integer is expected and
  ``numpy.bool_`` where a bool is expected (eth-abi rejects both);
* addresses are accepted as 20 bytes or as hex strings (a mixed-case string must
  pass its EIP-55 checksum, see :func:`verbs.utils.to_address`) and are
  **decoded as EIP-55 checksummed strings** wherever they appear (eth-abi decodes
  them as lower-case hex strings; web3.py and titanoboa return checksummed ones),
  computed in C by :func:`verbs._evm.keccak.to_checksum_address`;
* decoding is strict as eth-abi's strict mode: data shorter than the types need,
  dirty padding of ``address``/``bool``/``uintN``/``intN``/``bytesN`` words
  raise :class:`DecodeError` (a :class:`ValueError`) naming the output.  Bytes
  after the last word are ignored, as eth-abi and Solidity's ``abi.decode`` do.

Examples
--------
>>> c = Codec(["address", "uint256"], names=["to", "value"])
>>> data = c.encode([b"\\x01" * 20, 10])
>>> c.decode(data)
('0x0101010101010101010101010101010101010101', 10)
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import operator
import sys
import typing

import eth_abi
import eth_abi.exceptions
import eth_abi.grammar
from eth_abi.registry import registry as _eth_registry

from verbs._evm.keccak import to_checksum_address
from verbs.errors import DecodeError
from verbs.primitives import to_address

__all__ = [
    "AbiType",
    "Codec",
    "DecodeError",
    "decode",
    "encode",
    "param_type",
    "parse_type",
]

#: Largest number of 32-byte words a signature may have for the generated
#: (unrolled) fast path; larger static signatures go through eth-abi.
MAX_FAST_WORDS = 1024

_FAST_LEAVES = frozenset({"uint", "int", "address", "bool", "bytes"})


@dataclasses.dataclass(frozen=True)
class AbiType:
    """A parsed ABI type.

    Attributes
    ----------
    kind: str
        ``"uint"``, ``"int"``, ``"address"``, ``"bool"``, ``"bytes"`` (``bytesN``
        when ``size`` > 0, dynamic ``bytes`` when ``size`` == 0), ``"string"``,
        ``"tuple"``, ``"array"``, or ``"other"`` (a type eth-abi knows, such as
        ``fixed128x18``, handled by eth-abi only).
    type_str: str
        Canonical type string (``uint`` is ``uint256``, tuples are written
        ``(t1,t2)``), as used in selectors and by eth-abi.
    size: int
        Bit width of ``uintN``/``intN``, byte size of ``bytesN`` (0 for
        ``bytes``), length of a fixed-size array (-1 for a dynamic array).
    components: tuple of AbiType
        Tuple components, or the single item type of an array.
    names: tuple of str
        Tuple component names ("" where unnamed).
    is_dynamic: bool
        Whether the type is dynamic in the ABI sense.
    """

    kind: str
    type_str: str
    size: int = 0
    components: tuple = ()
    names: tuple = ()
    is_dynamic: bool = False

    @property
    def words(self) -> int:
        """Number of 32-byte words of a static type's encoding."""
        if self.is_dynamic:
            raise ValueError(f"{self.type_str} is dynamic")
        if self.kind == "tuple":
            return sum(c.words for c in self.components)
        if self.kind == "array":
            return self.size * self.components[0].words
        return 1

    @property
    def is_fast(self) -> bool:
        """Whether the generated fast path handles this type."""
        if self.is_dynamic:
            return False
        if self.kind in ("tuple", "array"):
            return all(c.is_fast for c in self.components)
        return self.kind in _FAST_LEAVES

    @property
    def has_address(self) -> bool:
        """Whether an ``address`` appears anywhere in this type."""
        if self.kind == "address":
            return True
        return any(c.has_address for c in self.components)


def _array_of(item: AbiType, size: int) -> AbiType:
    suffix = "[]" if size < 0 else f"[{size}]"
    return AbiType(
        kind="array",
        type_str=item.type_str + suffix,
        size=size,
        components=(item,),
        is_dynamic=size < 0 or item.is_dynamic,
    )


def _tuple_of(components: typing.Sequence[AbiType], names: typing.Sequence[str]) -> AbiType:
    components = tuple(components)
    return AbiType(
        kind="tuple",
        type_str="(" + ",".join(c.type_str for c in components) + ")",
        components=components,
        names=tuple(names),
        is_dynamic=any(c.is_dynamic for c in components),
    )


def _parse_dims(suffix: str, where: str) -> list[int]:
    """Parse an array suffix such as ``"[2][]"`` into ``[2, -1]``."""
    dims = []
    rest = suffix
    while rest:
        if not rest.startswith("[") or "]" not in rest:
            raise ValueError(f"malformed array suffix {suffix!r} in type {where!r}")
        inner, rest = rest[1:].split("]", 1)
        if inner == "":
            dims.append(-1)
        elif inner.isdigit() and int(inner) > 0:
            dims.append(int(inner))
        else:
            raise ValueError(f"bad array length {inner!r} in type {where!r}")
    return dims


def _from_grammar(node: typing.Any, where: str) -> AbiType:
    """Convert an eth-abi grammar node into an :class:`AbiType`."""
    if isinstance(node, eth_abi.grammar.TupleType):
        base = _tuple_of([_from_grammar(c, where) for c in node.components], ())
    else:
        base = _basic_type(node.base, node.sub, where)
    for dim in node.arrlist or ():
        base = _array_of(base, dim[0] if dim else -1)
    return base


def _basic_type(base: str, sub: typing.Any, where: str) -> AbiType:
    if base in ("uint", "int"):
        bits = sub if sub is not None else 256
        return AbiType(kind=base, type_str=f"{base}{bits}", size=bits)
    if base == "address" and sub is None:
        return AbiType(kind="address", type_str="address")
    if base == "bool" and sub is None:
        return AbiType(kind="bool", type_str="bool")
    if base == "bytes":
        if sub is None:
            return AbiType(kind="bytes", type_str="bytes", is_dynamic=True)
        return AbiType(kind="bytes", type_str=f"bytes{sub}", size=sub)
    if base == "string" and sub is None:
        return AbiType(kind="string", type_str="string", is_dynamic=True)
    type_str = base + ("" if sub is None else (sub if isinstance(sub, str) else _sub_str(sub)))
    try:
        known = _eth_registry.has_encoder(type_str)
    except Exception:  # pragma: no cover - registry lookups raise on odd strings
        known = False
    if not known:
        raise ValueError(f"unknown ABI type {where!r}")
    return AbiType(kind="other", type_str=type_str)


def _sub_str(sub: typing.Any) -> str:
    if isinstance(sub, tuple):
        return "x".join(str(s) for s in sub)
    return str(sub)


@functools.lru_cache(maxsize=4096)
def parse_type(type_str: str) -> AbiType:
    """Parse an ABI type string.

    Parameters
    ----------
    type_str: str
        A type such as ``"uint256"``, ``"address[2]"``, ``"(uint8,bytes)[]"``.

    Returns
    -------
    AbiType
        The parsed type.

    Raises
    ------
    TypeError
        If ``type_str`` is not a string.
    ValueError
        If the type string is malformed or names an unknown type.
    """
    if not isinstance(type_str, str):
        raise TypeError(f"ABI type must be a string, got {type(type_str).__name__} {type_str!r}")
    try:
        node = eth_abi.grammar.parse(eth_abi.grammar.normalize(type_str.strip()))
        node.validate()
    except (eth_abi.exceptions.ParseError, eth_abi.exceptions.ABITypeError) as exc:
        raise ValueError(f"invalid ABI type {type_str!r}: {exc}") from None
    return _from_grammar(node, type_str)


def param_type(entry: typing.Mapping[str, typing.Any], where: str = "parameter") -> AbiType:
    """Parse one parameter of an ABI JSON entry (``{"type": ..., "components": ...}``).

    Parameters
    ----------
    entry: dict
        ABI JSON parameter; tuples carry their fields in ``components``.
    where: str
        Description used in error messages.

    Returns
    -------
    AbiType
        The parsed type (tuples keep their component names).

    Raises
    ------
    ValueError
        If the entry is malformed or names an unknown type.
    """
    if not isinstance(entry, typing.Mapping) or "type" not in entry:
        raise ValueError(f"{where}: ABI parameter must be an object with a 'type', got {entry!r}")
    type_str = entry["type"]
    if not isinstance(type_str, str):
        raise ValueError(f"{where}: ABI parameter type must be a string, got {type_str!r}")
    if type_str.startswith("tuple"):
        comps = entry.get("components")
        if not isinstance(comps, list):
            raise ValueError(
                f"{where}: tuple parameter {entry.get('name', '')!r} has no 'components' list"
            )
        base = _tuple_of(
            [
                param_type(c, f"{where}.{c.get('name', i) if isinstance(c, dict) else i}")
                for i, c in enumerate(comps)
            ],
            [(c.get("name") or "") for c in comps],
        )
        for dim in _parse_dims(type_str[len("tuple") :], type_str):
            base = _array_of(base, dim)
        return base
    try:
        return parse_type(type_str)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


# ---------------------------------------------------------------------------
# Validation helpers (shared by both paths; called by the generated code only
# when the cheap inline check fails)
# ---------------------------------------------------------------------------


def _describe(value: typing.Any) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"


def _as_int(value: typing.Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{label}: expected an int, got {_describe(value)}")
    return operator.index(value)


def _range_error(value: int, label: str, lo: int, hi: int) -> ValueError:
    return ValueError(f"{label}: {value} is out of range [{lo}, {hi}]")


def _check_uint(value: typing.Any, label: str, bits: int) -> int:
    value = _as_int(value, label)
    if value < 0 or value >> bits:
        raise _range_error(value, label, 0, (1 << bits) - 1)
    return value


def _check_int(value: typing.Any, label: str, bits: int) -> int:
    value = _as_int(value, label)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if value < lo or value > hi:
        raise _range_error(value, label, lo, hi)
    return value


def _check_address(value: typing.Any, label: str) -> bytes:
    return to_address(value, label)


def _as_bool(value: typing.Any, label: str) -> bool:
    if value is True or value is False:
        return value
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"{label}: expected a bool, got {_describe(value)}")


def _bool_word(value: typing.Any, label: str) -> bytes:
    return _W1 if _as_bool(value, label) else _W0


def _as_bytes(value: typing.Any, label: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    hint = " (convert hex with verbs.utils.hex_to_bytes)" if isinstance(value, str) else ""
    raise TypeError(f"{label}: expected bytes, got {_describe(value)}{hint}")


def _check_bytes_n(value: typing.Any, label: str, size: int) -> bytes:
    value = _as_bytes(value, label)
    if len(value) > size:
        raise ValueError(f"{label}: {len(value)} bytes is longer than {size}")
    return value


def _as_seq(value: typing.Any, label: str, length: int) -> typing.Sequence:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{label}: expected a list or tuple, got {_describe(value)}")
    if length >= 0 and len(value) != length:
        raise ValueError(f"{label}: expected {length} items, got {len(value)}")
    return value


def _label(kind: str, path: str, type_str: str) -> str:
    return f"{kind} {path} ({type_str})"


def _child_path(path: str, node: AbiType, i: int) -> str:
    if node.kind == "tuple" and node.names and node.names[i]:
        return f"{path}.{node.names[i]}"
    return f"{path}[{i}]"


def _prepare(node: AbiType, value: typing.Any, path: str) -> typing.Any:
    """Validate ``value`` for ``node`` and return it in the form eth-abi takes."""
    label = _label("argument", path, node.type_str)
    kind = node.kind
    if kind == "uint":
        return _check_uint(value, label, node.size)
    if kind == "int":
        return _check_int(value, label, node.size)
    if kind == "address":
        return _check_address(value, label)
    if kind == "bool":
        return _as_bool(value, label)
    if kind == "bytes":
        if node.size == 0:
            return _as_bytes(value, label)
        return _check_bytes_n(value, label, node.size)
    if kind == "string":
        if not isinstance(value, str):
            raise TypeError(f"{label}: expected a str, got {_describe(value)}")
        return value
    if kind == "tuple":
        value = _as_seq(value, label, len(node.components))
        return tuple(
            _prepare(c, v, _child_path(path, node, i))
            for i, (c, v) in enumerate(zip(node.components, value))
        )
    if kind == "array":
        value = _as_seq(value, label, node.size)
        item = node.components[0]
        return [_prepare(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if not eth_abi.is_encodable(node.type_str, value):
        raise TypeError(f"{label}: value {_describe(value)} cannot be encoded")
    return value


def _post(node: AbiType, value: typing.Any) -> typing.Any:
    """Turn eth-abi decoded addresses (lower-case hex) into EIP-55 checksummed strings."""
    if not node.has_address:
        return value
    if node.kind == "address":
        return to_checksum_address(bytes.fromhex(value[2:]))
    if node.kind == "tuple":
        return tuple(_post(c, v) for c, v in zip(node.components, value))
    item = node.components[0]
    return tuple(_post(item, v) for v in value)


# ---------------------------------------------------------------------------
# Code generation for the fast path
# ---------------------------------------------------------------------------

_W0 = bytes(32)
_W1 = bytes(31) + b"\x01"
_Z12 = bytes(12)


class _Source:
    """Accumulates generated source lines and the constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: dict[str, typing.Any] = {}
        self._n = 0

    def var(self) -> str:
        self._n += 1
        return f"x{self._n}"

    def const(self, value: typing.Any) -> str:
        name = f"_k{len(self.consts)}"
        self.consts[name] = value
        return name

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)


def _gen_encode(src: _Source, node: AbiType, var: str, path: str) -> list[str]:
    """Emit validation of ``var`` and return the expressions of its words."""
    label = src.const(_label("argument", path, node.type_str))
    kind = node.kind
    if kind == "uint":
        src.emit(f"if type({var}) is not int: {var} = _as_int({var}, {label})")
        src.emit(
            f"if {var} < 0 or {var} >> {node.size}: "
            f"raise _range_error({var}, {label}, 0, {(1 << node.size) - 1})"
        )
        return [f"{var}.to_bytes(32, 'big')"]
    if kind == "int":
        lo, hi = -(1 << (node.size - 1)), (1 << (node.size - 1)) - 1
        src.emit(f"if type({var}) is not int: {var} = _as_int({var}, {label})")
        src.emit(f"if {var} < {lo} or {var} > {hi}: raise _range_error({var}, {label}, {lo}, {hi})")
        return [f"{var}.to_bytes(32, 'big', signed=True)"]
    if kind == "address":
        src.emit(
            f"if type({var}) is not bytes or len({var}) != 20: "
            f"{var} = _check_address({var}, {label})"
        )
        return ["_Z12", var]
    if kind == "bool":
        src.emit(
            f"{var} = _W1 if {var} is True else _W0 if {var} is False "
            f"else _bool_word({var}, {label})"
        )
        return [var]
    if kind == "bytes":
        src.emit(
            f"if type({var}) is not bytes or len({var}) > {node.size}: "
            f"{var} = _check_bytes_n({var}, {label}, {node.size})"
        )
        return [f"{var}.ljust(32, b'\\x00')"]
    # tuple or fixed-size array: unpack and recurse
    n = len(node.components) if kind == "tuple" else node.size
    src.emit(
        f"if type({var}) is not tuple and type({var}) is not list or len({var}) != {n}: "
        f"_as_seq({var}, {label}, {n})"
    )
    children = [src.var() for _ in range(n)]
    src.emit(f"{', '.join(children)}, = {var}")
    parts: list[str] = []
    for i, child in enumerate(children):
        comp = node.components[i] if kind == "tuple" else node.components[0]
        parts.extend(_gen_encode(src, comp, child, _child_path(path, node, i)))
    return parts


def _gen_decode(src: _Source, node: AbiType, offset: int, path: str) -> str:
    """Emit checks for the words at ``offset`` and return the value expression."""
    kind = node.kind
    word = f"data[{offset}:{offset + 32}]"
    if kind in ("uint", "int", "address", "bool", "bytes"):
        label = src.const(_label("output", path, node.type_str))
    if kind == "uint":
        if node.size == 256:
            return f"int.from_bytes({word}, 'big')"
        var = src.var()
        src.emit(f"{var} = int.from_bytes({word}, 'big')")
        src.emit(f"if {var} >> {node.size}: raise _dirty({label}, {word})")
        return var
    if kind == "int":
        if node.size == 256:
            return f"int.from_bytes({word}, 'big', signed=True)"
        var = src.var()
        lo, hi = -(1 << (node.size - 1)), (1 << (node.size - 1)) - 1
        src.emit(f"{var} = int.from_bytes({word}, 'big', signed=True)")
        src.emit(f"if {var} < {lo} or {var} > {hi}: raise _dirty({label}, {word})")
        return var
    if kind == "address":
        src.emit(f"if data[{offset}:{offset + 12}] != _Z12: raise _dirty({label}, {word})")
        return f"_checksum(data[{offset + 12}:{offset + 32}])"
    if kind == "bool":
        var = src.var()
        src.emit(f"{var} = {word}")
        src.emit(
            f"{var} = False if {var} == _W0 else True if {var} == _W1 "
            f"else _bad_bool({label}, {var})"
        )
        return var
    if kind == "bytes":
        if node.size < 32:
            pad = src.const(bytes(32 - node.size))
            src.emit(
                f"if data[{offset + node.size}:{offset + 32}] != {pad}: "
                f"raise _dirty({label}, {word})"
            )
        return f"data[{offset}:{offset + node.size}]"
    n = len(node.components) if kind == "tuple" else node.size
    exprs = []
    for i in range(n):
        comp = node.components[i] if kind == "tuple" else node.components[0]
        exprs.append(_gen_decode(src, comp, offset, _child_path(path, node, i)))
        offset += 32 * comp.words
    return "(" + "".join(e + ", " for e in exprs) + ")"


def _dirty(label: str, word: bytes) -> DecodeError:
    return DecodeError(f"{label}: malformed word 0x{word.hex()} (non-zero padding or out of range)")


def _bad_bool(label: str, word: bytes) -> bool:
    raise DecodeError(f"{label}: malformed bool word 0x{word.hex()} (must be 0 or 1)")


_GLOBALS = {
    "_as_int": _as_int,
    "_range_error": _range_error,
    "_check_address": _check_address,
    "_bool_word": _bool_word,
    "_check_bytes_n": _check_bytes_n,
    "_as_seq": _as_seq,
    "_dirty": _dirty,
    "_bad_bool": _bad_bool,
    "_W0": _W0,
    "_W1": _W1,
    "_Z12": _Z12,
    "_checksum": to_checksum_address,
}


def _compile(src: _Source, name: str, extra: dict[str, typing.Any]) -> typing.Callable:
    namespace: dict[str, typing.Any] = dict(_GLOBALS)
    namespace.update(src.consts)
    namespace.update(extra)
    exec(compile("\n".join(src.lines), f"<verbs.codec {name}>", "exec"), namespace)
    return namespace[name]


# ---------------------------------------------------------------------------
# Codec
# ---------------------------------------------------------------------------


class Codec:
    """Encoder and decoder for one list of ABI types.

    Parameters
    ----------
    types: sequence of str or AbiType
        The ABI types, in order.
    names: sequence of str, optional
        Names used in error messages ("" or missing names use the position).
    prefix: bytes, optional
        Bytes put in front of every encoding (a function selector).

    Attributes
    ----------
    types: tuple of AbiType
        Parsed types.
    type_strs: list of str
        Canonical type strings.
    is_fast: bool
        Whether the generated fast path is used.
    """

    def __init__(
        self,
        types: typing.Sequence[str | AbiType],
        names: typing.Sequence[str] | None = None,
        prefix: bytes = b"",
    ) -> None:
        if isinstance(types, (str, bytes)):
            raise TypeError(f"types must be a list of ABI types, got {types!r}")
        self.types: tuple[AbiType, ...] = tuple(
            t if isinstance(t, AbiType) else parse_type(t) for t in types
        )
        self.type_strs = [t.type_str for t in self.types]
        names = list(names or [])
        self._names = names
        self._paths = [
            repr(names[i]) if i < len(names) and names[i] else str(i)
            for i in range(len(self.types))
        ]
        self.prefix = bytes(prefix)
        n_words = sum(t.words for t in self.types if not t.is_dynamic)
        self.is_fast = all(t.is_fast for t in self.types) and n_words <= MAX_FAST_WORDS
        self._n_bytes = 32 * n_words
        if self.is_fast:
            self.encode = self._build_encoder()  # type: ignore[method-assign]
            self.decode = self._build_decoder()  # type: ignore[method-assign]

    def __reduce__(self) -> tuple[typing.Any, ...]:
        # the generated functions are rebuilt, not pickled
        return (Codec, (self.types, self._names, self.prefix))

    def __repr__(self) -> str:
        return f"Codec(({','.join(self.type_strs)}), fast={self.is_fast})"

    def _count_error(self, args: typing.Any) -> Exception:
        if not isinstance(args, (list, tuple)):
            return TypeError(f"arguments must be a list or tuple, got {_describe(args)}")
        sig = "(" + ",".join(self.type_strs) + ")"
        return TypeError(f"expected {len(self.types)} argument(s) for {sig}, got {len(args)}")

    def _build_encoder(self) -> typing.Callable[[typing.Sequence[typing.Any]], bytes]:
        src = _Source()
        n = len(self.types)
        src.emit("def encode(args):", 0)
        src.emit("if type(args) is not list and type(args) is not tuple: args = _as_args(args)")
        src.emit(f"if len(args) != {n}: raise _count_error(args)")
        if n == 0:
            src.emit("return _prefix")
            return _compile(
                src,
                "encode",
                {"_prefix": self.prefix, "_count_error": self._count_error, "_as_args": _as_args},
            )
        args = [src.var() for _ in range(n)]
        src.emit(f"{', '.join(args)}, = args")
        parts = ["_prefix"] if self.prefix else []
        for t, var, path in zip(self.types, args, self._paths):
            parts.extend(_gen_encode(src, t, var, path))
        src.emit(f"return b''.join(({', '.join(parts)},))")
        return _compile(
            src,
            "encode",
            {"_prefix": self.prefix, "_count_error": self._count_error, "_as_args": _as_args},
        )

    def _build_decoder(self) -> typing.Callable[[bytes], tuple[typing.Any, ...]]:
        src = _Source()
        src.emit("def decode(data):", 0)
        src.emit("if type(data) is not bytes: data = _as_data(data)")
        src.emit(f"if len(data) < {self._n_bytes}: raise _short(data)")
        exprs = []
        offset = 0
        for t, path in zip(self.types, self._paths):
            exprs.append(_gen_decode(src, t, offset, path))
            offset += 32 * t.words
        src.emit("return (" + "".join(e + ", " for e in exprs) + ")")
        return _compile(src, "decode", {"_as_data": _as_data, "_short": self._short})

    def _short(self, data: bytes) -> DecodeError:
        sig = "(" + ",".join(self.type_strs) + ")"
        return DecodeError(f"{sig} needs at least {self._n_bytes} bytes, got {len(data)}")

    def encode(self, args: typing.Sequence[typing.Any]) -> bytes:
        """Encode ``args`` (with the prefix in front).

        Parameters
        ----------
        args: list or tuple
            One value per type.

        Returns
        -------
        bytes
            ``prefix`` followed by the ABI encoding of ``args``.

        Raises
        ------
        TypeError
            Wrong number of arguments or an argument of the wrong type.
        ValueError
            An argument out of range or of the wrong length.
        """
        if not isinstance(args, (list, tuple)) or len(args) != len(self.types):
            raise self._count_error(args)
        values = [_prepare(t, a, p) for t, a, p in zip(self.types, args, self._paths)]
        try:
            return self.prefix + eth_abi.encode(self.type_strs, values)
        except eth_abi.exceptions.EncodingError as exc:  # pragma: no cover - _prepare validated
            raise ValueError(
                f"cannot encode arguments for ({','.join(self.type_strs)}): {exc}"
            ) from None

    def decode(self, data: bytes) -> tuple[typing.Any, ...]:
        """Decode ``data`` (without any prefix).

        Parameters
        ----------
        data: bytes
            ABI-encoded values.

        Returns
        -------
        tuple
            One decoded value per type (tuples and arrays as tuples, addresses
            as EIP-55 checksummed strings).

        Raises
        ------
        DecodeError
            If ``data`` is malformed for these types.
        """
        data = _as_data(data)
        try:
            raw = eth_abi.decode(self.type_strs, data)
        except (
            eth_abi.exceptions.DecodingError, UnicodeDecodeError, OverflowError, ValueError
        ) as exc:
            raise DecodeError(
                f"cannot decode ({','.join(self.type_strs)}) from {len(data)} bytes: {exc}"
            ) from None
        return tuple(_post(t, v) for t, v in zip(self.types, raw))


def _as_args(args: typing.Any) -> typing.Sequence[typing.Any]:
    if isinstance(args, (list, tuple)):
        return args
    raise TypeError(f"arguments must be a list or tuple, got {_describe(args)}")


def _as_data(data: typing.Any) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"data to decode must be bytes, got {_describe(data)}")


@functools.lru_cache(maxsize=1024)
def _cached_codec(types: tuple[str, ...]) -> Codec:
    return Codec(types)


def encode(types: typing.Sequence[str], args: typing.Sequence[typing.Any]) -> bytes:
    """ABI-encode ``args`` as ``types`` (codecs are cached per signature).

    Parameters
    ----------
    types: list of str
        ABI types.
    args: list
        One value per type.

    Returns
    -------
    bytes
        The encoding.
    """
    return _cached_codec(tuple(types)).encode(args)


def decode(types: typing.Sequence[str], data: bytes) -> tuple[typing.Any, ...]:
    """ABI-decode ``data`` as ``types`` (codecs are cached per signature).

    Parameters
    ----------
    types: list of str
        ABI types.
    data: bytes
        The encoding.

    Returns
    -------
    tuple
        The decoded values.
    """
    return _cached_codec(tuple(types)).decode(data)
