"""The original verbs 0.4 snapshot form: a 5-tuple of plain bytes, ints and lists.

``export_snapshot()`` in verbs 0.4 returned ``(block env, accounts, contracts, logs, block
hashes)`` as revm's in-memory database held them:

* block env: ``(number, coinbase, timestamp, gas_limit, base_fee, difficulty, prevrandao,
  (excess_blob_gas, blob_gasprice))``, integers as 32 bytes little-endian, ``coinbase`` 20
  bytes, ``prevrandao`` 32 bytes or ``None``, the blob pair ``None`` or two ints;
* accounts: ``[(address, ((balance, nonce, code_hash, code), account_state, [(slot, value)]))]``
  with balance, slots and values 32 bytes little-endian, ``account_state`` 0-3 (revm's
  ``NotExisting``, ``Touched``, ``StorageCleared``, ``None``) and ``code`` as revm holds it:
  ``b"\\x00"`` for no code, else the code followed by 33 zero bytes (or ``None``: look it up in
  contracts by hash);
* contracts: ``[(code_hash, code)]``, code padded the same way;
* logs: ``[(address, [topics], data)]``;
* block hashes: ``[(number, hash)]``, number 32 bytes little-endian.

:func:`to_original` builds that tuple from a :class:`verbs.envs.Snapshot`, and
:func:`from_original` reads one back (validating every field) into a Snapshot plus the block
hashes it carries.  The tuple has no step, chain id, fork or rules: an env built from one
starts at step 0, as the original's did.
"""
from __future__ import annotations

import typing

from verbs._evm.keccak import keccak256

if typing.TYPE_CHECKING:
    from verbs.envs.snapshot import Snapshot

#: revm's "unlimited" block gas limit, which the original always used.
ORIGINAL_GAS_LIMIT = (1 << 256) - 1
#: What revm pads contract code with (its analysed bytecode), and the code of an account
#: without code.
CODE_PADDING = bytes(33)
NO_CODE = b"\x00"
EMPTY_CODE_HASH = keccak256(b"")
_ZERO_HASH = bytes(32)
# EIP-4844's blob base fee parameters as revm (Cancun) used them for blob_gasprice.
_MIN_BLOB_GASPRICE = 1
_BLOB_GASPRICE_UPDATE_FRACTION = 3338477
_FIELDS = ("block env", "accounts", "contracts", "logs", "block hashes")


MAX_EXCESS_BLOB_GAS = 1 << 32


def _le(value: int) -> bytes:
    return int(value).to_bytes(32, "little")


def _fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """EIP-4844's integer approximation of ``factor * e ** (numerator / denominator)``."""
    i, output, accumulator = 1, 0, factor * denominator
    while accumulator > 0:
        output += accumulator
        accumulator = accumulator * numerator // (denominator * i)
        i += 1
    return output // denominator


def _padded(code: bytes) -> bytes:
    return code + CODE_PADDING if code else NO_CODE


# ---------------------------------------------------------------------------------- export


def to_original(snapshot: Snapshot) -> tuple:
    """The original's 5-tuple of ``snapshot`` (reads the whole state: O(state)).

    Accounts are listed sorted by address, their storage by slot, contracts by code hash.
    ``gas_limit`` reads as the original's unlimited ``2**256 - 1`` where the snapshot has the
    simulation default (no block gas limit); logs and block hashes are empty, as the original
    exported them from an in-memory env.
    """
    from verbs.envs.base import SIM_GAS_LIMIT

    block = snapshot.block
    gas_limit = int(block.get("gas_limit", SIM_GAS_LIMIT))
    excess = int(block.get("excess_blob_gas") or 0)
    prevrandao = block.get("prevrandao")
    block_env = (
        _le(block.get("number", 0)),
        bytes(block.get("coinbase") or bytes(20)),
        _le(block.get("timestamp", 0)),
        _le(ORIGINAL_GAS_LIMIT if gas_limit == SIM_GAS_LIMIT else gas_limit),
        _le(block.get("base_fee") or 0),
        _le(block.get("difficulty") or 0),
        None if prevrandao is None else bytes(prevrandao),
        (excess, _fake_exponential(_MIN_BLOB_GASPRICE, excess, _BLOB_GASPRICE_UPDATE_FRACTION)),
    )
    contracts = {_ZERO_HASH: NO_CODE, EMPTY_CODE_HASH: NO_CODE}
    accounts = []
    dump = snapshot.state.dump()
    for address in sorted(dump):
        nonce, balance, code, storage = dump[address]
        code_hash = keccak256(code) if code else EMPTY_CODE_HASH
        padded = _padded(code)
        if code:
            contracts[code_hash] = padded
        slots = [(_le(k), _le(v)) for k, v in sorted(storage.items())]
        # StorageCleared (2): slots it does not list read as zero in revm (Touched would not)
        account_state = 2 if code or storage else 1
        accounts.append((address, ((_le(balance), nonce, code_hash, padded), account_state, slots)))
    return (block_env, accounts, sorted(contracts.items()), [], [])


# ---------------------------------------------------------------------------------- import


def _fail(path: str, problem: str) -> typing.NoReturn:
    raise ValueError(f"snapshot tuple: {path}: {problem}")


def _seq(value: typing.Any, path: str, length: int | None = None) -> typing.Sequence:
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"snapshot tuple: {path} must be a tuple or list, got {type(value).__name__}"
        )
    if length is not None and len(value) != length:
        _fail(path, f"expected {length} fields, got {len(value)}")
    return value


def _bytes(value: typing.Any, path: str, size: int | None = None) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"snapshot tuple: {path} must be bytes, got {type(value).__name__}")
    value = bytes(value)
    if size is not None and len(value) != size:
        _fail(path, f"expected {size} bytes, got {len(value)}")
    return value


def _uint_le(value: typing.Any, path: str) -> int:
    """A little-endian integer of at most 32 bytes (as revm's ``U256::from_le_slice``)."""
    raw = _bytes(value, path)
    if len(raw) > 32:
        _fail(path, f"a 256-bit integer is at most 32 bytes, got {len(raw)}")
    return int.from_bytes(raw, "little")


def _int(value: typing.Any, path: str, bits: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"snapshot tuple: {path} must be an int, got {type(value).__name__}")
    if not 0 <= value < 1 << bits:
        _fail(path, f"{value} is out of range for a {bits}-bit unsigned integer")
    return value


def _unpad(code: bytes, code_hash: bytes, path: str) -> bytes:
    """The code whose Keccak-256 is ``code_hash``: ``code`` without revm's zero padding."""
    if code_hash in (EMPTY_CODE_HASH, _ZERO_HASH) and not code.rstrip(b"\x00"):
        return b""
    stripped = code.rstrip(b"\x00")
    for extra in range(len(code) - len(stripped) + 1):
        candidate = stripped + bytes(extra)
        if keccak256(candidate) == code_hash:
            return candidate
    _fail(path, f"no prefix of the code hashes to its code hash 0x{code_hash.hex()}")


def _block(value: typing.Any) -> dict:
    from verbs.envs.base import SIM_GAS_LIMIT

    p = "block env"
    fields = _seq(value, p, 8)
    number, coinbase, timestamp, gas_limit, base_fee, difficulty, prevrandao, blob = fields
    gas_limit = _uint_le(gas_limit, f"{p} gas_limit")
    block = {
        "number": _uint_le(number, f"{p} number"),
        "coinbase": _bytes(coinbase, f"{p} coinbase", 20),
        "timestamp": _uint_le(timestamp, f"{p} timestamp"),
        "gas_limit": SIM_GAS_LIMIT if gas_limit == ORIGINAL_GAS_LIMIT else gas_limit,
        "base_fee": _uint_le(base_fee, f"{p} base_fee"),
        "difficulty": _uint_le(difficulty, f"{p} difficulty"),
    }
    for key in ("number", "timestamp", "gas_limit"):
        if block[key] >= 1 << 64:
            _fail(f"{p} {key}", f"{block[key]} does not fit 64 bits")
    if prevrandao is not None:
        block["prevrandao"] = _bytes(prevrandao, f"{p} prevrandao", 32)
    if blob is not None:
        excess, _price = _seq(blob, f"{p} blob (excess_blob_gas, blob_gasprice)", 2)
        block["excess_blob_gas"] = _int(excess, f"{p} excess_blob_gas", 64)
        # EIP-4844's fake_exponential runs about excess / update_fraction steps on numbers of
        # as many bits: 2**64 would hang.  2**32 already prices a blob beyond 2**1800 wei.
        if block["excess_blob_gas"] > MAX_EXCESS_BLOB_GAS:
            _fail(f"{p} excess_blob_gas", f"{block['excess_blob_gas']} is beyond any reachable "
                  f"value (at most {MAX_EXCESS_BLOB_GAS})")
        _int(_price, f"{p} blob_gasprice", 128)
    return block


def from_original(value: typing.Any) -> tuple[Snapshot, dict[int, bytes]]:
    """Read the original's 5-tuple: a :class:`Snapshot` (at step 0) and its block hashes.

    Parameters
    ----------
    value : tuple or list
        ``(block env, accounts, contracts, logs, block hashes)`` as verbs 0.4's
        ``export_snapshot()`` returned it (or a pickle of it).

    Returns
    -------
    tuple
        The snapshot and ``{block number: hash}``.  Accounts revm held as ``NotExisting`` are
        left out; logs are checked and dropped (the original only carried them back out).

    Raises
    ------
    TypeError
        A field of the wrong type (the message names it).
    ValueError
        A field of the wrong size, out of range, a code that does not match its hash or a code
        hash missing from the contracts.
    """
    from verbs._evm.state import State
    from verbs.envs.snapshot import Snapshot

    if not isinstance(value, (tuple, list)):
        raise TypeError(f"snapshot must be a verbs.envs.Snapshot or the original's 5-tuple, "
                        f"got {type(value).__name__}")
    if len(value) != 5:
        raise ValueError(f"snapshot tuple: expected 5 fields ({', '.join(_FIELDS)}), "
                         f"got {len(value)}")
    block_env, accounts, contracts, logs, block_hashes = value
    block = _block(block_env)

    codes: dict[bytes, bytes] = {}
    for i, entry in enumerate(_seq(contracts, "contracts")):
        p = f"contracts[{i}]"
        code_hash, code = _seq(entry, p, 2)
        code_hash = _bytes(code_hash, f"{p} code hash", 32)
        codes[code_hash] = _bytes(code, f"{p} code")

    state = State()
    seen: set[bytes] = set()
    for i, entry in enumerate(_seq(accounts, "accounts")):
        p = f"accounts[{i}]"
        address, account = _seq(entry, p, 2)
        address = _bytes(address, f"{p} address", 20)
        p = f"accounts[{i}] (0x{address.hex()})"
        if address in seen:
            _fail(p, "listed twice")
        seen.add(address)
        info, account_state, storage = _seq(account, p, 3)
        balance, nonce, code_hash, code = _seq(info, f"{p} info", 4)
        balance = _uint_le(balance, f"{p} balance")
        nonce = _int(nonce, f"{p} nonce", 64)
        code_hash = _bytes(code_hash, f"{p} code hash", 32)
        account_state = _int(account_state, f"{p} account state", 8)
        if account_state > 3:
            _fail(f"{p} account state", f"{account_state} is not 0-3")
        if code is None:
            if code_hash not in codes and code_hash not in (EMPTY_CODE_HASH, _ZERO_HASH):
                _fail(f"{p} code", f"no code, and contracts lack its hash 0x{code_hash.hex()}")
            code = codes.get(code_hash, NO_CODE)
        code = _unpad(_bytes(code, f"{p} code"), code_hash, f"{p} code")
        slots = {}
        for j, pair in enumerate(_seq(storage, f"{p} storage")):
            slot, word = _seq(pair, f"{p} storage[{j}]", 2)
            word = _uint_le(word, f"{p} storage[{j}] value")
            if word:
                slots[_uint_le(slot, f"{p} storage[{j}] slot")] = word
            else:
                _uint_le(slot, f"{p} storage[{j}] slot")
        if account_state == 0:
            continue  # revm's NotExisting: read and found absent
        state.set_account(address, nonce=nonce, balance=balance, code=code, storage=slots)

    for i, entry in enumerate(_seq(logs, "logs")):
        p = f"logs[{i}]"
        address, topics, data = _seq(entry, p, 3)
        _bytes(address, f"{p} address", 20)
        for j, topic in enumerate(_seq(topics, f"{p} topics")):
            _bytes(topic, f"{p} topics[{j}]", 32)
        _bytes(data, f"{p} data")

    hashes: dict[int, bytes] = {}
    for i, entry in enumerate(_seq(block_hashes, "block hashes")):
        p = f"block hashes[{i}]"
        number, block_hash = _seq(entry, p, 2)
        number = _uint_le(number, f"{p} number")
        if number >= 1 << 64:
            _fail(f"{p} number", f"{number} does not fit 64 bits")
        hashes[number] = _bytes(block_hash, f"{p} hash", 32)

    return Snapshot(state.export_snapshot(), block, 0), hashes


def shareable(value: typing.Any) -> typing.Any:
    """``value`` as a :class:`Snapshot` that many envs can share, where that loses nothing.

    An original 5-tuple without block hashes becomes a Snapshot once (instead of being read
    again by every env built from it); anything else is returned as it is.
    """
    from verbs.envs.snapshot import Snapshot

    if isinstance(value, Snapshot) or not isinstance(value, (tuple, list)):
        return value
    snapshot, hashes = from_original(value)
    return value if hashes else snapshot


class BlockHashes:
    """A state backend that only answers ``BLOCKHASH`` from a tuple's block hashes.

    Accounts and slots the state has not seen are absent and zero, as in an empty env; a block
    the tuple does not list hashes as the empty env hashes it.
    """

    def __init__(self, hashes: dict[int, bytes]):
        self._hashes = dict(hashes)

    def basic(self, address: bytes) -> None:
        return None

    def storage(self, address: bytes, slot: int) -> int:
        return 0

    def block_hash(self, number: int) -> bytes:
        found = self._hashes.get(number)
        return found if found is not None else keccak256(str(number).encode())
