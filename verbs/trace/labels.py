"""Names and ABIs of addresses: what call traces are rendered and decoded with.

A :class:`Labels` maps addresses to names (``env.label(address, "Router")``, or the name of
the ABI type an env saw used with the address) and to ABIs, and decodes a frame's call, its
logs and its revert data: first with the ABIs of the address, then with every ABI the labels
hold, then with every ABI type made in the process (:data:`verbs.abi.KNOWN_FUNCTIONS` and its
siblings), so that calls to addresses nobody named still decode.

Labels are values that travel (batch workers return them with their traces): they keep
names and ABI JSON only, and build the ABI types that decode lazily, in the process that
decodes.
"""
from __future__ import annotations

import itertools
import typing
from collections.abc import Mapping

from verbs import abi as _abi
from verbs.abi import Error, Event, Function
from verbs.primitives import to_address

#: The precompiles, by address, with the names traces show them by.
PRECOMPILES: dict[bytes, str] = {
    n.to_bytes(20, "big"): name for n, name in (
        (0x01, "ECRecover"), (0x02, "SHA256"), (0x03, "RIPEMD160"), (0x04, "Identity"),
        (0x05, "ModExp"), (0x06, "ECAdd"), (0x07, "ECMul"), (0x08, "ECPairing"),
        (0x09, "Blake2F"), (0x0A, "PointEvaluation"), (0x0B, "BLS12G1Add"),
        (0x0C, "BLS12G1MSM"), (0x0D, "BLS12G2Add"), (0x0E, "BLS12G2MSM"),
        (0x0F, "BLS12PairingCheck"), (0x10, "BLS12MapFpToG1"), (0x11, "BLS12MapFp2ToG2"),
        (0x100, "P256Verify"),
    )
}


def _abi_json(abi: typing.Any) -> tuple[str | None, list]:
    """(type name, ABI JSON) of an ABI type from :func:`verbs.abi.get_abi`, or (None, the
    list) of ABI JSON."""
    json = getattr(abi, "__abi_json__", None)
    if isinstance(abi, type) and isinstance(json, list):
        return abi.__name__, json
    if isinstance(abi, list):
        return None, abi
    raise TypeError(
        "abi must be an ABI type (verbs.abi.get_abi, abi_from_str, load_abi) or an ABI JSON "
        f"list, got {type(abi).__name__}")


class Labels:
    """Names and ABIs of addresses, and the decoding of calls, logs and reverts with them.

    An env keeps one (``env.labels``); :func:`Labels.process` is the one of the whole
    process, which every env's names and ABIs also go into (``str(frame)`` renders with it).

    Parameters
    ----------
    names : Mapping, optional
        Addresses and their names, as given to :meth:`label`.
    transactions : bool
        Also learn the addresses that :meth:`verbs.abi.Function.transaction` built calls to
        in this process, with its ABI type (``env.labels`` and the process's labels do: a
        transaction meets no env).

    Examples
    --------
    .. code-block:: python

       labels = Labels()
       labels.label(router_address, "Router", RouterAbi)
       labels.name(router_address)           # "Router"
       labels.function(router_address, data[:4])   # the Function that data calls
    """

    def __init__(self, names: Mapping | None = None, *, transactions: bool = False) -> None:
        self._transactions = bool(transactions)
        self._names: dict[bytes, str] = {}  # given with label()
        self._learned: dict[bytes, str] = {}  # the names of ABI types used with an address
        self._taken: dict[str, int] = {}  # learned names in use: how many have each
        self._abi_keys: dict[bytes, list[str]] = {}  # address -> its ABIs, first given first
        self._abis: dict[str, tuple[str, list]] = {}  # key -> (type name, ABI JSON)
        self._reset_decoders()
        for address, name in (names or {}).items():
            self.label(address, name)

    # ------------------------------------------------------------------ pickling
    def _reset_decoders(self) -> None:
        # built when first needed, never pickled: ABI types (with their codecs) by key
        self._types: dict[str, type] = {}
        self._keys_of: dict[type, str] = {}  # ABI types already seen -> their key
        self._key_tables: dict[str, tuple[dict, dict, dict]] = {}  # one ABI's (_tables_of)
        self._tables: tuple[dict, dict, dict] | None = None  # every ABI's, by selector/topic
        self._synced = 0  # how much of verbs.abi.TRANSACTION_TARGETS was learned

    def __getstate__(self) -> dict:
        self._sync()
        return {"names": self._names, "learned": self._learned, "taken": self._taken,
                "abi_keys": self._abi_keys, "abis": self._abis,
                "transactions": self._transactions}

    def __setstate__(self, state: dict) -> None:
        self._names = state["names"]
        self._learned = state["learned"]
        self._taken = state["taken"]
        self._abi_keys = state["abi_keys"]
        self._abis = state["abis"]
        self._transactions = state["transactions"]
        self._reset_decoders()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Labels):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"<Labels: {len(self.names)} names, {len(self._abis)} ABIs>"

    # ------------------------------------------------------------------ naming
    @staticmethod
    def process() -> Labels:
        """The labels of this process: every env's names and ABIs, the latest winning where
        two envs name an address differently.  ``str(frame)`` renders with them."""
        return _PROCESS

    def label(self, address, name: str, abi: typing.Any = None) -> None:
        """Name an address, and give its ABI.

        Parameters
        ----------
        address : bytes or str
            The address (20 bytes or 0x-hex).
        name : str
            What traces call it.
        abi : type or list, optional
            Its ABI: an ABI type (:func:`verbs.abi.get_abi`, ``abi_from_str``, ``load_abi``)
            or ABI JSON (a list of entries).

        Raises
        ------
        TypeError
            If ``name`` is not a string or ``abi`` is neither an ABI type nor a list.
        ValueError
            If ``name`` is empty or ``address`` is not an address.
        """
        address = to_address(address, "address")
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        if not name:
            raise ValueError("name must not be empty")
        if abi is not None:  # tried before the ABIs learned for the address
            self._add_abi(address, abi, name, first=True)
        self._names[address] = name

    def learn(self, address: bytes, abi_type: type) -> None:
        """Record that ``abi_type`` was used with ``address``: its ABI decodes the address's
        calls, and its name names the address unless :meth:`label` did (the second address
        of a type is ``Name#2``, and so on)."""
        address = to_address(address, "address")
        type_name = self._add_abi(address, abi_type)
        if address not in self._learned and type_name:
            count = self._taken.get(type_name, 0) + 1
            self._taken[type_name] = count
            self._learned[address] = type_name if count == 1 else f"{type_name}#{count}"

    def update(self, other: Labels) -> None:
        """Take every name and ABI of ``other`` (its names win over this one's)."""
        if not isinstance(other, Labels):
            raise TypeError(f"expected Labels, got {type(other).__name__}")
        other._sync()
        for address, keys in other._abi_keys.items():
            for key in keys:
                type_name, json = other._abis[key]
                self._add_json(address, type_name, json, other._types.get(key))
        for address, name in other._learned.items():
            if address not in self._learned:
                self._learned[address] = name
                base = name.split("#")[0]
                self._taken[base] = self._taken.get(base, 0) + 1
        self._names.update(other._names)

    @property
    def names(self) -> dict[bytes, str]:
        """Every address's name (given, else learned), as a new dict."""
        self._sync()
        return {**self._learned, **self._names}

    def name(self, address: bytes) -> str | None:
        """The address's name: given with :meth:`label`, else learned from an ABI type used
        with it, else a precompile's; None when unknown."""
        name = self._names.get(address)
        if name is None:
            if len(_abi.TRANSACTION_TARGETS) != self._synced:
                self._sync()
            name = self._learned.get(address) or PRECOMPILES.get(address)
        return name

    def get(self, address: bytes, default: typing.Any = None) -> typing.Any:
        """:meth:`name`, or ``default`` (as ``dict.get``: where a mapping of names is asked)."""
        name = self.name(address)
        return default if name is None else name

    def __contains__(self, address: object) -> bool:
        return isinstance(address, bytes) and self.name(address) is not None

    def __len__(self) -> int:
        return len(self.names)

    def abi_types(self, address: bytes) -> list[type]:
        """The ABI types known for an address, first given first."""
        return [self._type(k) for k in self._abi_keys.get(address, ())]

    # ------------------------------------------------------------------ decoding
    def function(self, address: bytes, selector: bytes) -> Function | None:
        """The function a call to ``address`` with this 4-byte selector calls, if known."""
        for key in self._abi_keys.get(address, ()):
            function = self._tables_of(key)[0].get(selector)
            if function is not None:
                return function
        function = self._all()[0].get(selector)
        return function if function is not None else _abi.KNOWN_FUNCTIONS.get(selector)

    def event(self, address: bytes, topics: typing.Sequence[bytes]) -> Event | None:
        """The event a log of ``address`` with these topics is an instance of, if known."""
        if not topics:
            return None
        key = (bytes(topics[0]), len(topics) - 1)
        for abi_key in self._abi_keys.get(address, ()):
            event = self._tables_of(abi_key)[1].get(key)
            if event is not None:
                return event
        event = self._all()[1].get(key)
        return event if event is not None else _abi.KNOWN_EVENTS.get(key)

    def error(self, address: bytes, selector: bytes) -> Error | None:
        """The custom error a revert of ``address`` with this 4-byte selector raised."""
        for key in self._abi_keys.get(address, ()):
            error = self._tables_of(key)[2].get(selector)
            if error is not None:
                return error
        error = self._all()[2].get(selector)
        return error if error is not None else _abi.KNOWN_ERRORS.get(selector)

    # ------------------------------------------------------------------ internals
    def _add_abi(self, address: bytes, abi: typing.Any, name: str | None = None,
                 first: bool = False) -> str | None:
        """Attach an ABI to an address (``first``: before its others); returns the ABI
        type's name (None for JSON)."""
        if isinstance(abi, type):
            key = self._keys_of.get(abi)
            if key is not None:
                self._attach(address, key, first)
                return self._abis[key][0]
        type_name, json = _abi_json(abi)
        self._add_json(address, type_name or name, json, abi if type_name else None, first)
        return type_name

    def _attach(self, address: bytes, key: str, first: bool) -> None:
        keys = self._abi_keys.setdefault(address, [])
        if first:
            if keys[:1] != [key]:
                if key in keys:
                    keys.remove(key)
                keys.insert(0, key)
        elif key not in keys:
            keys.append(key)

    def _add_json(self, address: bytes, type_name: str, json: list,
                  abi_type: type | None, first: bool = False) -> None:
        key = type_name
        n = 1
        while key in self._abis and self._abis[key][1] != json:
            n += 1
            key = f"{type_name}~{n}"
        if key not in self._abis:
            self._abis[key] = (type_name, json)
            self._tables = None
        if abi_type is not None:
            self._types.setdefault(key, abi_type)
            self._keys_of[abi_type] = key
        self._attach(address, key, first)

    def _type(self, key: str) -> type:
        abi_type = self._types.get(key)
        if abi_type is None:
            type_name, json = self._abis[key]
            abi_type = self._types[key] = _abi.get_abi(type_name, json)
            self._keys_of[abi_type] = key
        return abi_type

    def _tables_of(self, key: str) -> tuple[dict, dict, dict]:
        """(functions by selector, events by (topic0, indexed count), errors by selector) of
        one ABI."""
        tables = self._key_tables.get(key)
        if tables is None:
            abi_type = self._type(key)
            functions, events = {}, {}
            for member in vars(abi_type).values():
                if isinstance(member, Function):
                    functions.setdefault(member.selector, member)
                elif isinstance(member, Event) and not member.anonymous:
                    events.setdefault((member.topic, sum(member.indexed)), member)
            errors = {e.selector: e for e in abi_type.__abi_errors__.values()}
            tables = (functions, events, errors)
            self._key_tables[key] = tables
        return tables

    def _all(self) -> tuple[dict, dict, dict]:
        tables = self._tables
        if tables is None:
            tables = ({}, {}, {})
            for key in self._abis:
                for mine, theirs in zip(tables, self._tables_of(key)):
                    for k, v in theirs.items():
                        mine.setdefault(k, v)
            self._tables = tables
        return tables

    def _sync(self) -> None:
        """Learn the addresses :meth:`verbs.abi.Function.transaction` built calls to (a
        transaction meets no env, so its ABI type is kept process-wide)."""
        targets = _abi.TRANSACTION_TARGETS
        if not self._transactions or len(targets) == self._synced:
            return
        for address, abi_type in itertools.islice(list(targets.items()), self._synced, None):
            if abi_type is not None:
                self.learn(address, abi_type)
        self._synced = len(targets)


_PROCESS = Labels(transactions=True)


def as_labels(labels: Labels | Mapping | None) -> Labels:
    """``labels`` as :class:`Labels`: None gives :meth:`Labels.process`, a mapping of
    addresses to names gives labels with those names."""
    if labels is None:
        return _PROCESS
    if isinstance(labels, Labels):
        return labels
    if isinstance(labels, Mapping):
        return Labels(labels)
    raise TypeError(f"labels must be Labels or a mapping of addresses to names, got "
                    f"{type(labels).__name__}")


__all__ = ["PRECOMPILES", "Labels", "as_labels"]
