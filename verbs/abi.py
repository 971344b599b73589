"""Generate ABI types from ABI JSON.

Convert ABI JSON into a Python type with one attribute per function and
event of the contract, and a ``constructor`` attribute to deploy it, with
functionality to encode and decode arguments, results, events and errors, and
to build calls for the simulation EVM.

Examples
--------
.. code-block:: python

   abi_json = [
       {
           "name": "foo",
           "inputs": [{"internalType": "int256", "name": "a", "type": "int256"}],
           "outputs": [],
           "stateMutability": "view",
           "type": "function",
       },
       {
           "name": "bar",
           "anonymous": False,
           "inputs": [
               {"indexed": False, "internalType": "int256", "name": "b", "type": "int256"}
           ],
           "type": "event",
       },
   ]

   Abi = get_abi("Foo", abi_json)

   # Encode arguments & selector to bytes
   encoded_args = Abi.foo.encode([10])
   # Decode bytes returned from a contract function call
   decoded_result = Abi.foo.decode(result_bytes)
   # Decode data attached to an event/log
   decoded_event = Abi.bar.decode(event_data)

Notes
-----
Overloaded functions (i.e. those with the same name) are mapped to attributes
with numbered suffixes according to their order in the ABI, e.g. if the ABI
contained two functions named ``foo`` the resulting type will have ``foo0``
and ``foo1`` attributes.

Compared with the original verbs 0.4:

* addresses are accepted as 20 bytes or hex strings and decoded as EIP-55
  checksummed strings, as web3.py and titanoboa decode them (the original
  returned eth-abi's lower-case hex strings);
* tuple (struct) outputs and constructor arguments work;
* ``error`` entries are kept: each ABI type has an ``errors`` mapping, and
  :func:`decode_revert` turns revert data into a readable reason;
* :meth:`Event.decode_log` decodes a whole log, indexed topics included;
* the ABI JSON given to :func:`get_abi` is not modified.
"""

from __future__ import annotations

import copy
import json
import os
import typing

from verbs import codec, types
from verbs.errors import RevertError
from verbs.primitives import hex_to_bytes, keccak256, to_address

__all__ = [
    "Constructor",
    "Error",
    "Event",
    "Function",
    "PANIC_CODES",
    "abi_from_str",
    "decode_error",
    "decode_revert",
    "get_abi",
    "load_abi",
]


def _params(entry: typing.Mapping, key: str, where: str) -> list[dict]:
    params = entry.get(key, [])
    if params is None:
        return []
    if not isinstance(params, list):
        raise ValueError(f"{where}: '{key}' must be a list, got {params!r:.80}")
    for p in params:
        if not isinstance(p, dict):
            raise ValueError(f"{where}: each of '{key}' must be an object, got {p!r:.80}")
    return params


def _parse(params: list[dict], where: str) -> list[codec.AbiType]:
    return [codec.param_type(p, f"{where} {p.get('name') or i}") for i, p in enumerate(params)]


def _entry_name(entry: typing.Mapping, kind: str) -> str:
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"ABI {kind} entry has no name: {entry!r:.120}")
    return name


def _signature(name: str, params: typing.Sequence[codec.AbiType]) -> str:
    return f"{name}({','.join(p.type_str for p in params)})"


class _Member:
    """A function or constructor of an ABI type: ``_owner`` is the type (set by
    :func:`get_abi`; None once pickled, as pickle cannot name a type made at run time)."""

    _owner: type | None = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_owner", None)
        return state


class Constructor(_Member):
    """ABI constructor.

    Encodes constructor arguments and deploys the contract.

    Parameters
    ----------
    name: str
        ABI name (passed to the env as the contract's name).
    abi: dict
        Parsed ABI JSON of the constructor.

    Attributes
    ----------
    inputs: list[str]
        Constructor input types (tuples written ``(t1,t2)``).
    """

    def __init__(self, name: str, abi: dict) -> None:
        self.name = name
        params = _params(abi, "inputs", f"{name}.constructor")
        self._types = _parse(params, f"{name}.constructor")
        self.inputs = [t.type_str for t in self._types]
        self.input_names = [p.get("name") or "" for p in params]
        self._codec = codec.Codec(self._types, self.input_names)
        self._errors: dict[str, Error] = {}  # the custom errors of its ABI (get_abi)

    def __repr__(self) -> str:
        return f"<Constructor {self.name}({','.join(self.inputs)})>"

    def encode(self, args: typing.Sequence[typing.Any]) -> bytes:
        """ABI encode constructor arguments.

        Parameters
        ----------
        args: list
            List of argument values to the constructor.

        Returns
        -------
        bytes
            ABI encoded constructor arguments.
        """
        return self._codec.encode(args)

    def deploy(
        self,
        env: types.Env,
        deployer: bytes | str,
        bytecode: str | bytes,
        args: typing.Sequence[typing.Any] | None = None,
    ) -> bytes:
        """Deploy a contract.

        Parameters
        ----------
        env: verbs.types.Env
            Simulation environment.
        deployer: bytes
            Address of the deploying account.
        bytecode: str or bytes
            Contract creation code, hex string (with or without ``0x``) or bytes.
        args: list, optional
            Constructor argument values.

        Returns
        -------
        bytes
            Address the contract was deployed to.
        """
        encoded_args = self.encode([] if args is None else args)
        deployer = to_address(deployer, "deployer")
        try:
            address = env.deploy_contract(
                deployer, self.name, hex_to_bytes(bytecode) + encoded_args
            )
        except RevertError as exc:
            _redecode(exc, self._errors)
            raise
        _note(env, address, self._owner)
        return address


def _redecode(exc: RevertError, errors: dict) -> None:
    """Re-decode the reason of a :class:`verbs.envs.RevertError` with an ABI's custom errors
    (the env only knows ``Error(string)`` and ``Panic(uint256)``), in place."""
    if errors and exc.data and decode_error(exc.data) is None:
        reason = decode_revert(exc.data, errors)
        if reason is not None and not reason.startswith("unknown error"):
            exc.reason = reason
            message = exc.args[0].replace(decode_revert(exc.data), reason)
            exc.args = (message,) + exc.args[1:]


class Function(_Member):
    """ABI function.

    Encodes calls to, and decodes results from, one contract function.

    Parameters
    ----------
    abi: dict
        Parsed ABI JSON of the function.

    Attributes
    ----------
    name: str
        Function name (as in the ABI, without an overload suffix).
    signature: str
        Canonical signature such as ``transfer(address,uint256)``.
    inputs: list[str]
        Function input types.
    outputs: list[str]
        Function output types.
    selector: bytes
        4-byte function selector.

    Examples
    --------
    .. code-block:: python

       f = Function({"name": "foo", "type": "function", "outputs": [],
                     "inputs": [{"name": "a", "type": "int256"}]})
       encoded_args = f.encode([10])
       result, logs, gas = f.call(env, sender_address, contract_address, [10])
    """

    def __init__(self, abi: dict) -> None:
        if not isinstance(abi, dict):
            raise ValueError(f"ABI function entry must be an object, got {abi!r:.80}")
        self.name = _entry_name(abi, "function")
        self._errors: dict[str, Error] = {}  # the custom errors of its ABI (get_abi)
        in_params = _params(abi, "inputs", self.name)
        out_params = _params(abi, "outputs", self.name)
        self._input_types = _parse(in_params, f"{self.name} input")
        self._output_types = _parse(out_params, f"{self.name} output")
        self.inputs = [t.type_str for t in self._input_types]
        self.outputs = [t.type_str for t in self._output_types]
        self.input_names = [p.get("name") or "" for p in in_params]
        self.output_names = [p.get("name") or "" for p in out_params]
        self.state_mutability = abi.get("stateMutability", "nonpayable")
        self.signature = _signature(self.name, self._input_types)
        self.selector = keccak256(self.signature.encode())[:4]
        self._in = codec.Codec(self._input_types, self.input_names, prefix=self.selector)
        self._args = codec.Codec(self._input_types, self.input_names)
        self._out = codec.Codec(self._output_types, self.output_names)

    def __repr__(self) -> str:
        return f"<Function {self.signature} -> ({','.join(self.outputs)})>"

    def encode(self, args: typing.Sequence[typing.Any]) -> bytes:
        """ABI encode function arguments with the function selector.

        Parameters
        ----------
        args: list
            List of function arguments.

        Returns
        -------
        bytes
            Selector followed by the ABI encoded arguments.

        Raises
        ------
        TypeError
            Wrong number of arguments or an argument of the wrong type.
        ValueError
            An argument out of range.
        """
        return self._in.encode(args)

    def decode(self, output: bytes) -> tuple[typing.Any, ...]:
        """Decode the result(s) of this function.

        Parameters
        ----------
        output: bytes
            Bytes returned from the EVM from a call to this function.

        Returns
        -------
        tuple
            Tuple of decoded return values (a 1-tuple for a single output).

        Raises
        ------
        verbs.codec.DecodeError
            If ``output`` is malformed for the output types.
        """
        if not output and self._output_types and output is not None:
            raise codec.DecodeError(
                f"{self.signature} returned no data, expected ({','.join(self.outputs)}) "
                "(is there a contract at that address?)"
            )
        return self._out.decode(output)

    def decode_input(self, calldata: bytes) -> tuple[typing.Any, ...]:
        """Decode calldata (selector and arguments) of a call to this function.

        Parameters
        ----------
        calldata: bytes
            Selector followed by the encoded arguments.

        Returns
        -------
        tuple
            The decoded arguments.

        Raises
        ------
        ValueError
            If the calldata does not start with this function's selector or is
            malformed.
        """
        calldata = _as_bytes(calldata, "calldata")
        if calldata[:4] != self.selector:
            raise ValueError(
                f"calldata selector 0x{calldata[:4].hex()} is not {self.signature}'s "
                f"0x{self.selector.hex()}"
            )
        return self._args.decode(calldata[4:])

    def transaction(
        self,
        sender: bytes | str,
        address: bytes | str,
        args: typing.Sequence[typing.Any],
        checked: bool = True,
        gas_priority_fee: int | None = None,
        nonce: int | None = None,
        value: int | None = None,
    ) -> types.Transaction:
        """Create a transaction to submit to the next simulation block.

        Parameters
        ----------
        sender: bytes
            Address of the call sender.
        address: bytes
            Address of the contract to call.
        args: list
            List of arguments to this function.
        checked: bool, optional
            If ``True`` (default) the simulation raises if the transaction
            reverts.
        gas_priority_fee: int, optional
            Transaction priority, default ``None`` is ignored.
        nonce: int, optional
            Transaction nonce, default ``None`` is ignored.
        value: int, optional
            Transaction value, default ``None`` is ignored.

        Returns
        -------
        verbs.types.Transaction
            ``(sender, address, encoded_args, checked, gas_priority_fee, nonce,
            value)``.
        """
        # 20 bytes pass as they are; anything else goes through the one address parser
        if type(sender) is not bytes or len(sender) != 20:
            sender = to_address(sender, "sender")
        if type(address) is not bytes or len(address) != 20:
            address = to_address(address, "address")
        TRANSACTION_TARGETS[address] = self._owner  # what envs name the address with
        return (
            sender,
            address,
            self._in.encode(args),
            checked,
            gas_priority_fee,
            nonce,
            value,
        )

    def call(
        self,
        env: types.Env,
        sender: bytes | str,
        address: bytes | str,
        args: typing.Sequence[typing.Any],
        value: int = 0,
    ) -> tuple[tuple[typing.Any, ...] | None, list, int]:
        """Call this function without committing any changes.

        Parameters
        ----------
        env: verbs.types.Env
            Simulation environment.
        sender: bytes
            Address of the caller.
        address: bytes
            Address of the contract to call.
        args: list
            List of function arguments.
        value: int, optional
            Value of the transaction.

        Returns
        -------
        results: tuple
            Tuple of values returned from the function call (``None`` if the
            env returned no output).
        logs: list
            List of events/logs generated by this function call.
        gas_used: int
            Gas used by this transaction.
        """
        # the agents' hot path: no helper frames, no context manager (a try costs nothing)
        if type(sender) is not bytes or len(sender) != 20:
            sender = to_address(sender, "sender")
        if type(address) is not bytes or len(address) != 20:
            address = to_address(address, "address")
        try:  # the env learns the ABI type used with the address (its traces decode it)
            if env._abi_types.get(address) is not self._owner:
                env._learn_abi(address, self._owner)
        except AttributeError:  # an env that learns nothing
            pass
        encoded = self._in.encode(args)
        try:
            result, logs, gas = env.call(sender, address, encoded, value)
        except RevertError as exc:
            _redecode(exc, self._errors)
            raise
        return None if result is None else self._out.decode(result), logs, gas

    def execute(
        self,
        env: types.Env,
        sender: bytes | str,
        address: bytes | str,
        args: typing.Sequence[typing.Any],
        value: int = 0,
    ) -> tuple[tuple[typing.Any, ...] | None, list, int]:
        """Call this function and commit any changes.

        Parameters
        ----------
        env: verbs.types.Env
            Simulation environment.
        sender: bytes
            Address of the caller.
        address: bytes
            Address of the contract to call.
        args: list
            List of function arguments.
        value: int, optional
            Value of the transaction.

        Returns
        -------
        results: tuple
            Tuple of values returned from the function call (``None`` if the
            env returned no output).
        logs: list
            List of events/logs generated by this function call.
        gas_used: int
            Gas used by this transaction.
        """
        if type(sender) is not bytes or len(sender) != 20:
            sender = to_address(sender, "sender")
        if type(address) is not bytes or len(address) != 20:
            address = to_address(address, "address")
        try:  # the env learns the ABI type used with the address (its traces decode it)
            if env._abi_types.get(address) is not self._owner:
                env._learn_abi(address, self._owner)
        except AttributeError:  # an env that learns nothing
            pass
        encoded = self._in.encode(args)
        try:
            result, logs, gas = env.execute(sender, address, encoded, value)
        except RevertError as exc:
            _redecode(exc, self._errors)
            raise
        return None if result is None else self._out.decode(result), logs, gas


class Event:
    """ABI event.

    Decodes event data and whole logs (with their indexed topics).

    Parameters
    ----------
    abi: dict
        Parsed ABI JSON of the event.

    Attributes
    ----------
    name: str
        Event name.
    signature: str
        Canonical signature such as ``Transfer(address,address,uint256)``.
    topic: bytes
        Keccak-256 of the signature (``topics[0]`` of its logs unless the
        event is anonymous).
    inputs: list[str]
        Types of the non-indexed inputs (those in the log data), as the
        original.
    all_inputs: list[str]
        Types of all inputs, indexed or not, in ABI order.
    names: list[str]
        Names of all inputs (``arg{i}`` where the ABI gives none).
    indexed: list[bool]
        Whether each input is indexed.
    anonymous: bool
        Whether the event is anonymous.
    """

    def __init__(self, abi: dict) -> None:
        if not isinstance(abi, dict):
            raise ValueError(f"ABI event entry must be an object, got {abi!r:.80}")
        self.name = _entry_name(abi, "event")
        params = _params(abi, "inputs", self.name)
        self._types = _parse(params, f"{self.name} input")
        self.all_inputs = [t.type_str for t in self._types]
        self.names = [p.get("name") or f"arg{i}" for i, p in enumerate(params)]
        self.indexed = [bool(p.get("indexed", False)) for p in params]
        self.anonymous = bool(abi.get("anonymous", False))
        self.inputs = [t for t, ix in zip(self.all_inputs, self.indexed) if not ix]
        self.signature = _signature(self.name, self._types)
        self.topic = keccak256(self.signature.encode())
        self._data = codec.Codec(
            [t for t, ix in zip(self._types, self.indexed) if not ix],
            [n for n, ix in zip(self.names, self.indexed) if not ix],
        )
        self._topic_codecs = [
            None if t.is_dynamic or t.kind in ("tuple", "array") else codec.Codec([t], [n])
            for t, n, ix in zip(self._types, self.names, self.indexed)
            if ix
        ]

    def __repr__(self) -> str:
        return f"<Event {self.signature}>"

    def decode(self, data: bytes) -> tuple[typing.Any, ...]:
        """Decode the data (non-indexed inputs) of this event.

        Parameters
        ----------
        data: bytes
            Data from an instance of this event.

        Returns
        -------
        tuple
            Tuple of python values of the non-indexed inputs.
        """
        return self._data.decode(data)

    def matches(self, log: typing.Any) -> bool:
        """Whether a log's first topic is this event's (always ``False`` for an
        anonymous event or a log without topics)."""
        topics = getattr(log, "topics", None)
        return bool(topics) and not self.anonymous and bytes(topics[0]) == self.topic

    def decode_log(self, log: typing.Any) -> dict[str, typing.Any]:
        """Decode a whole log, indexed inputs included.

        Parameters
        ----------
        log: Log or tuple
            A log with ``.topics`` and ``.data`` (as the envs return), or a
            tuple ``(address, topics, data)``. A plain ``(address, data)`` pair
            (the original's log, without topics) only decodes events without
            indexed inputs.

        Returns
        -------
        dict
            ``{name: value}`` for every input in ABI order. Indexed inputs of
            dynamic or composite type (``string``, ``bytes``, arrays, tuples)
            are stored as the keccak hash of their encoding, so their value is
            that 32-byte hash.

        Raises
        ------
        ValueError
            If the log is not an instance of this event (wrong first topic or
            number of topics) or its data is malformed.
        """
        topics, data = _log_parts(log)
        n_indexed = len(self._topic_codecs)
        if topics is None:
            if n_indexed:
                raise ValueError(
                    f"{self.name}: the log carries no topics, so its {n_indexed} indexed "
                    "input(s) cannot be decoded"
                )
            topics = () if self.anonymous else (self.topic,)
        if isinstance(topics, (str, bytes, bytearray)) or not hasattr(topics, "__iter__"):
            raise TypeError(f"log topics must be a sequence of 32-byte values, got {topics!r:.80}")
        topics = [_as_bytes(t, f"log topic {i}") for i, t in enumerate(topics)]
        for i, t in enumerate(topics):
            if len(t) != 32:
                raise ValueError(f"log topic {i} must be 32 bytes, got {len(t)}")
        if not self.anonymous:
            if not topics or topics[0] != self.topic:
                first = f"0x{topics[0].hex()}" if topics else "none"
                raise ValueError(
                    f"log is not a {self.signature} event: topic0 is {first}, "
                    f"expected 0x{self.topic.hex()}"
                )
            topics = topics[1:]
        if len(topics) != n_indexed:
            raise ValueError(
                f"{self.signature}: expected {n_indexed} indexed topic(s), got {len(topics)}"
            )
        values = iter(self._data.decode(data))
        indexed_values = iter(
            t if c is None else c.decode(t)[0] for c, t in zip(self._topic_codecs, topics)
        )
        return {
            name: next(indexed_values) if ix else next(values)
            for name, ix in zip(self.names, self.indexed)
        }


def _as_bytes(value: typing.Any, what: str) -> bytes:
    # bytes(n) of an int would allocate n zero bytes: only buffers are bytes here
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be bytes, got {type(value).__name__} {value!r:.80}")
    return bytes(value)


def _log_parts(log: typing.Any) -> tuple[typing.Sequence[bytes] | None, bytes]:
    if hasattr(log, "topics") and hasattr(log, "data"):
        return log.topics, _as_bytes(log.data, "log data")
    if isinstance(log, (tuple, list)):
        if len(log) == 3:
            return log[1], _as_bytes(log[2], "log data")
        if len(log) == 2:
            return None, _as_bytes(log[1], "log data")
    raise TypeError(
        f"expected a log (with .topics and .data, or (address, topics, data)), got {log!r:.80}"
    )


class Error:
    """ABI custom error.

    Parameters
    ----------
    abi: dict
        Parsed ABI JSON of the error.

    Attributes
    ----------
    name: str
        Error name.
    signature: str
        Canonical signature such as ``InsufficientBalance(uint256,uint256)``.
    selector: bytes
        4-byte selector that starts its revert data.
    inputs: list[str]
        Input types.
    names: list[str]
        Input names (``arg{i}`` where the ABI gives none).
    """

    def __init__(self, abi: dict) -> None:
        if not isinstance(abi, dict):
            raise ValueError(f"ABI error entry must be an object, got {abi!r:.80}")
        self.name = _entry_name(abi, "error")
        params = _params(abi, "inputs", self.name)
        self._types = _parse(params, f"{self.name} input")
        self.inputs = [t.type_str for t in self._types]
        self.names = [p.get("name") or f"arg{i}" for i, p in enumerate(params)]
        self.signature = _signature(self.name, self._types)
        self.selector = keccak256(self.signature.encode())[:4]
        self._codec = codec.Codec(self._types, self.names, prefix=self.selector)

    def __repr__(self) -> str:
        return f"<Error {self.signature}>"

    def encode(self, args: typing.Sequence[typing.Any]) -> bytes:
        """Revert data of this error with ``args`` (selector and arguments)."""
        return self._codec.encode(args)

    def decode(self, data: bytes) -> tuple[typing.Any, ...]:
        """Decode revert data (selector and arguments) of this error.

        Parameters
        ----------
        data: bytes
            Revert data, starting with the 4-byte selector.

        Returns
        -------
        tuple
            The error's arguments.

        Raises
        ------
        ValueError
            If the data does not start with this error's selector or is
            malformed.
        """
        data = _as_bytes(data, "error data")
        if data[:4] != self.selector:
            raise ValueError(
                f"revert data selector 0x{data[:4].hex()} is not {self.signature}'s "
                f"0x{self.selector.hex()}"
            )
        return self._codec.decode(data[4:])


# ---------------------------------------------------------------------------
# Revert data
# ---------------------------------------------------------------------------

#: Meanings of Solidity ``Panic(uint256)`` codes.
PANIC_CODES: dict[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array encoding",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory (too large allocation)",
    0x51: "call to an uninitialised internal function",
}

_ERROR_STRING = Error(
    {"name": "Error", "type": "error", "inputs": [{"name": "message", "type": "string"}]}
)
_PANIC = Error({"name": "Panic", "type": "error", "inputs": [{"name": "code", "type": "uint256"}]})


def _error_table(abi: typing.Any) -> dict[bytes, Error]:
    if abi is None:
        return {}
    errors = getattr(abi, "__abi_errors__", None)
    if isinstance(errors, dict):
        items: typing.Iterable = errors.values()
    elif isinstance(abi, dict):
        items = abi.values()
    else:
        items = abi
    table = {}
    for item in items:
        if isinstance(item, Error):
            table[item.selector] = item
        elif isinstance(item, dict) and item.get("type") == "error":
            e = Error(item)
            table[e.selector] = e
    return table


def _format_value(value: typing.Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple):
        return "(" + ", ".join(_format_value(v) for v in value) + ")"
    return repr(value)


def decode_error(
    data: bytes, abi: typing.Any = None
) -> tuple[str, dict[str, typing.Any]] | None:
    """Decode revert data into an error name and its arguments.

    Parameters
    ----------
    data: bytes
        Revert data (output of a reverted call).
    abi: optional
        Where to look for custom errors: an ABI type from :func:`get_abi`, ABI
        JSON (a list of entries), or an iterable of :class:`Error`.
        ``Error(string)`` and ``Panic(uint256)`` are always known.

    Returns
    -------
    tuple or None
        ``(name, {arg_name: value})``, or ``None`` if the data is empty, its
        selector is unknown or its arguments are malformed.
    """
    data = _as_bytes(data or b"", "revert data")
    if len(data) < 4:
        return None
    table = {_ERROR_STRING.selector: _ERROR_STRING, _PANIC.selector: _PANIC}
    table.update(_error_table(abi))
    error = table.get(data[:4])
    if error is None:
        return None
    try:
        values = error.decode(data)
    except ValueError:
        return None
    return error.name, dict(zip(error.names, values))


def decode_revert(data: bytes, abi: typing.Any = None) -> str | None:
    """Readable reason of a revert.

    Parameters
    ----------
    data: bytes
        Revert data (output of a reverted call).
    abi: optional
        Where to look for custom errors (see :func:`decode_error`).

    Returns
    -------
    str or None
        ``None`` for empty data; the message of an ``Error(string)``;
        ``"Panic(0x11): arithmetic underflow or overflow"`` for a panic;
        ``"InsufficientBalance(have=1, want=2)"`` for a known custom error;
        otherwise ``"unknown error 0x<selector> (<n> bytes of data: 0x...)"``.
    """
    data = _as_bytes(data or b"", "revert data")
    if not data:
        return None
    decoded = decode_error(data, abi)
    if decoded is None:
        shown = data.hex() if len(data) <= 132 else data[:132].hex() + "..."
        return f"unknown error 0x{data[:4].hex()} ({len(data)} bytes of data: 0x{shown})"
    name, args = decoded
    if data[:4] == _ERROR_STRING.selector:
        return args["message"]
    if data[:4] == _PANIC.selector:
        code = args["code"]
        return f"Panic(0x{code:02x}): {PANIC_CODES.get(code, 'unknown panic code')}"
    return f"{name}(" + ", ".join(f"{k}={_format_value(v)}" for k, v in args.items()) + ")"


# ---------------------------------------------------------------------------
# What traces decode with (verbs.trace.labels reads these tables)
# ---------------------------------------------------------------------------

#: The functions of every ABI type made in this process, by selector (the first made wins a
#: clash): traces decode calls to addresses nobody named with them.
KNOWN_FUNCTIONS: dict[bytes, Function] = {}
#: The events of every ABI type made in this process, by (topic0, number of indexed inputs)
#: (ERC20's and ERC721's ``Transfer`` share a topic0, not a topic count).
KNOWN_EVENTS: dict[tuple[bytes, int], Event] = {}
#: The custom errors of every ABI type made in this process, by selector.
KNOWN_ERRORS: dict[bytes, Error] = {}
#: The ABI type that :meth:`Function.transaction` last built a call to each address with, in
#: this process (a transaction meets no env: envs name such addresses from here); None for a
#: function of no ABI type.
TRANSACTION_TARGETS: dict[bytes, type | None] = {}


def _register(abi_type: type) -> None:
    """Enter an ABI type's functions, events and errors in the process-wide tables."""
    for member in vars(abi_type).values():
        if isinstance(member, Function):
            KNOWN_FUNCTIONS.setdefault(member.selector, member)
        elif isinstance(member, Event) and not member.anonymous:
            KNOWN_EVENTS.setdefault((member.topic, sum(member.indexed)), member)
    for error in abi_type.__abi_errors__.values():
        KNOWN_ERRORS.setdefault(error.selector, error)


def _note(env: typing.Any, address: bytes, abi_type: type | None) -> None:
    """Tell ``env`` that ``abi_type`` was used with ``address``, so that its traces name the
    address and decode its calls (an env that keeps an ``_abi_types`` dict and a
    ``_learn_abi`` method; others are left alone).  Once the env knows: one dict lookup."""
    known = getattr(env, "_abi_types", None)
    if known is not None and known.get(address) is not abi_type:
        env._learn_abi(address, abi_type)


# ---------------------------------------------------------------------------
# ABI types
# ---------------------------------------------------------------------------


def get_abi(name: str, abi: list[dict]) -> type:
    """Create an ABI type from ABI JSON.

    Creates a new ``type`` with one attribute per function and event, a
    ``constructor`` attribute used for contract deployment and an ``errors``
    dict of the custom errors (unless the ABI has a function or event named
    ``errors``). Each custom error is also an attribute where its name is
    free.

    Parameters
    ----------
    name: str
        Name to give the ABI type.
    abi: list[dict]
        Parsed ABI JSON.

    Returns
    -------
    type
        Type representing the ABI.

    Raises
    ------
    ValueError
        If the ABI is malformed (not a list of objects, an entry without a
        name or with an unknown parameter type); the message names the entry.
    """
    if not isinstance(abi, list):
        raise ValueError(f"ABI of {name!r} must be a list of entries, got {type(abi).__name__}")
    entries = copy.deepcopy(abi)
    for i, a in enumerate(entries):
        if not isinstance(a, dict) or not isinstance(a.get("type", "function"), str):
            raise ValueError(f"ABI of {name!r}: entry {i} is not an ABI object: {a!r:.120}")

    grouped: dict[str, list[dict]] = {}
    error_groups: dict[str, list[dict]] = {}
    constructor = None
    for a in entries:
        kind = a.get("type", "function")  # the ABI spec lets "type" default to function
        if kind == "constructor":
            constructor = a
        elif kind in ("function", "event"):
            grouped.setdefault(_entry_name(a, kind), []).append((kind, a))
        elif kind == "error":
            error_groups.setdefault(_entry_name(a, kind), []).append(a)

    methods: dict[str, typing.Any] = {}
    for nm, group in grouped.items():
        for i, (kind, a) in enumerate(group):
            attr = nm + str(i) if len(group) > 1 else nm
            try:
                methods[attr] = Function(a) if kind == "function" else Event(a)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"ABI of {name!r}: {kind} {nm!r}: {exc}") from None

    errors: dict[str, Error] = {}
    for nm, group in error_groups.items():
        for i, a in enumerate(group):
            attr = nm + str(i) if len(group) > 1 else nm
            try:
                errors[attr] = Error(a)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"ABI of {name!r}: error {nm!r}: {exc}") from None
    for attr, e in errors.items():
        methods.setdefault(attr, e)
    methods.setdefault("errors", errors)
    methods["__abi_errors__"] = errors

    try:
        methods["constructor"] = Constructor(
            name, constructor if constructor is not None else {"inputs": []}
        )
    except (ValueError, TypeError) as exc:
        raise ValueError(f"ABI of {name!r}: constructor: {exc}") from None
    for member in methods.values():
        if isinstance(member, (Function, Constructor)):
            member._errors = errors
    methods["__abi_json__"] = entries
    abi_type = type(name, (), methods)
    for member in methods.values():
        if isinstance(member, (Function, Constructor)):
            member._owner = abi_type
    _register(abi_type)
    return abi_type


def abi_from_str(name: str, json_str: str) -> type:
    """Create an ABI type from a JSON string.

    Parameters
    ----------
    name: str
        Name to give the ABI type.
    json_str: str
        ABI JSON string.

    Returns
    -------
    type
        Type representing the ABI.

    Raises
    ------
    ValueError
        If the string is not valid JSON or not an ABI.
    """
    try:
        abi_json = json.loads(json_str)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ABI JSON of {name!r} is not valid JSON: {exc}") from None
    return get_abi(name, abi_json)


def load_abi(abi_path: str | os.PathLike) -> type:
    """Load an ABI type from a file.

    The file may hold a plain ABI list, or a Foundry/Hardhat/solc artifact (an
    object with an ``"abi"`` key). The type is named after the file name up
    to its first dot.

    Parameters
    ----------
    abi_path: str
        Path to the JSON file.

    Returns
    -------
    type
        Type representing the ABI.

    Raises
    ------
    ValueError
        If the file is not JSON or holds no ABI; the message names the file.
    """
    path = os.fspath(abi_path)
    name = os.path.basename(path).split(".")[0]
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from None
    if isinstance(data, dict):
        if "abi" not in data:
            raise ValueError(
                f"{path}: expected an ABI list or an artifact with an 'abi' key, "
                f"got an object with keys {sorted(data)[:8]}"
            )
        data = data["abi"]
        if isinstance(data, str):  # some tools store the ABI as a JSON string
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"{path}: 'abi' is a string that is not valid JSON: {exc}"
                ) from None
    if not isinstance(data, list):
        raise ValueError(
            f"{path}: expected an ABI list or an artifact with an 'abi' key, "
            f"got {type(data).__name__}"
        )
    try:
        return get_abi(name, data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
