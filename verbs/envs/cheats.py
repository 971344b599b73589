"""Cheatcodes: write the state and the block env directly, as Foundry and anvil name them.

Every environment has these methods (:class:`CheatsMixin` is a base of
:class:`verbs.envs.BaseEnv`):

- ``set_balance``, ``set_nonce``, ``set_code``, ``set_storage`` / ``get_storage`` write or read
  one field of an account; the others keep their values.  On a fork env the account or slot
  is fetched first (if it was not yet), so that a cheat on one field keeps the others' real
  values.
- ``warp(timestamp)`` and ``roll(number)`` set the block env of the *pending* block: the
  calls and executes made before the next :meth:`~verbs.envs.BaseEnv.process_block` see it at
  once (as Foundry's ``vm.warp``/``vm.roll``), and the next processed block gets exactly that
  timestamp / number (as anvil's ``evm_setNextBlockTimestamp``); later blocks continue from it
  with the usual interval.
- ``deal(token, holder, amount)`` sets an ERC20 balance: it records which storage slots of the
  token ``balanceOf(holder)`` reads and writes the amount to the one that ``balanceOf`` then
  returns (as forge-std's ``deal``/``stdStorage``).

A cheat is part of the state: a snapshot taken after it holds it (with a pending
``warp``/``roll``), and so does the cache a fork env exports (:meth:`_ForkEnv.export_cache
<verbs.envs.fork._ForkEnv.export_cache>` writes the cheated accounts and slots over the fetched
ones, so an ``EmptyEnv(seed, cache=c)`` starts with them; a replay from that cache therefore
sees a cheat from its start, also where the original run made it mid-simulation).
"""
from __future__ import annotations

from verbs._evm.tx import InvalidTransaction
from verbs.primitives import to_address
from verbs.remote.cache import account_entry, storage_entry

#: ``balanceOf(address)`` and ``totalSupply()`` selectors.
_BALANCE_OF = bytes.fromhex("70a08231")
_TOTAL_SUPPLY = bytes.fromhex("18160ddd")
_U256 = 1 << 256
#: The account that makes the cheats' recording calls.
_CHEAT_CALLER = b"\x00" * 20


def _uint(value, name: str, bits: int = 256) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if value < 0 or value >> bits:
        raise ValueError(f"{name} must be in [0, 2**{bits}), got {value}")
    return value


def _bytes(value, name: str) -> bytes:
    if isinstance(value, str):
        text = value[2:] if value[:2] in ("0x", "0X") else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"{name} is not hex: {value!r}") from None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{name} must be bytes or a hex string, got {type(value).__name__}")


class DealError(ValueError):
    """``deal`` found no storage slot of the token that holds the holder's balance."""


class CheatsMixin:
    """The cheatcodes of every environment (see :mod:`verbs.envs.cheats`).

    Uses the env's ``_evm`` (a :class:`verbs._evm.core.EVM`), ``_tx`` and ``_block_interval``.
    """

    #: Pending block fields set by warp/roll, cleared when the next block is processed.
    _next_block: dict[str, int] | None = None
    #: What the cheats wrote, for the fork env's exported cache: address -> None, and
    #: (address, slot) -> None (the current values are read when exporting).
    _cheated_accounts: dict[bytes, None] | None = None
    _cheated_slots: dict[tuple[bytes, int], None] | None = None
    #: deal's memo: (token, holder) -> slot found (checked again at each use).
    _deal_slots: dict[tuple[bytes, bytes], int] | None = None

    # ------------------------------------------------------------------ accounts
    def _write_account(self, address: bytes, nonce=None, balance=None, code=None) -> None:
        evm = self._evm
        # reading first fetches the account on a fork env: the fields not cheated keep it
        cur_nonce = evm.get_nonce(address)
        cur_balance = evm.get_balance(address)
        cur_code = evm.get_code(address)
        evm.state.set_account(
            address,
            nonce=cur_nonce if nonce is None else nonce,
            balance=cur_balance if balance is None else balance,
            code=cur_code if code is None else code,
            storage=None,
        )
        if self._cheated_accounts is None:
            self._cheated_accounts = {}
        self._cheated_accounts[address] = None

    def set_balance(self, address, wei: int) -> None:
        """Set the ETH balance of an account (``vm.deal`` / ``anvil_setBalance``).

        Parameters
        ----------
        address : bytes or str
            20 bytes or 0x-hex.
        wei : int
            The new balance, in ``[0, 2**256)``.
        """
        self._write_account(to_address(address, "address"), balance=_uint(wei, "wei"))

    def set_nonce(self, address, nonce: int) -> None:
        """Set the nonce of an account (``vm.setNonce`` / ``anvil_setNonce``); any value in
        ``[0, 2**64 - 1)``, lower than the current one too."""
        nonce = _uint(nonce, "nonce", 64)
        if nonce == (1 << 64) - 1:
            raise ValueError("nonce must be below 2**64 - 1 (EIP-2681)")
        self._write_account(to_address(address, "address"), nonce=nonce)

    def set_code(self, address, code) -> None:
        """Set the deployed code of an account (``vm.etch`` / ``anvil_setCode``); its
        storage, balance and nonce are kept.

        Parameters
        ----------
        code : bytes or str
            Runtime bytecode (bytes or 0x-hex); ``b""`` removes the code.
        """
        self._write_account(to_address(address, "address"), code=_bytes(code, "code"))

    def get_code(self, address) -> bytes:
        """The deployed code of an account (``b""`` if none)."""
        return self._evm.get_code(to_address(address, "address"))

    def get_nonce(self, address) -> int:
        """The nonce of an account."""
        return self._evm.get_nonce(to_address(address, "address"))

    def set_storage(self, address, slot: int, value: int) -> None:
        """Write one storage slot (``vm.store`` / ``anvil_setStorageAt``).

        The account is created (empty) if it does not exist.
        """
        address = to_address(address, "address")
        slot = _uint(slot, "slot")
        self._evm.state.set_storage(address, slot, _uint(value, "value"))
        if self._cheated_slots is None:
            self._cheated_slots = {}
        self._cheated_slots[(address, slot)] = None

    def get_storage(self, address, slot: int) -> int:
        """The value of one storage slot (``vm.load`` / ``eth_getStorageAt``; 0 if unset)."""
        return self._evm.get_storage(to_address(address, "address"), _uint(slot, "slot"))

    # ------------------------------------------------------------------ block env
    def warp(self, timestamp: int) -> None:
        """Set the timestamp of the pending block.

        Calls and executes made before the next block see ``timestamp`` at once; the next
        processed block has exactly ``timestamp`` and the blocks after it add the block
        interval as usual.  Earlier timestamps are allowed (as ``vm.warp``).
        """
        timestamp = _uint(timestamp, "timestamp", 64)
        self._set_next_block(timestamp=timestamp)

    def roll(self, number: int) -> None:
        """Set the number of the pending block (as :meth:`warp` does the timestamp): calls
        before the next block see ``number``, the next processed block is ``number`` and the
        ones after it count on from there."""
        number = _uint(number, "number", 64)
        self._set_next_block(number=number)

    def _set_next_block(self, **fields: int) -> None:
        pending = dict(self._next_block or {})
        pending.update(fields)
        self._next_block = pending
        self._evm.set_block(**fields)

    def _next_block_fields(self) -> tuple[int, int]:
        """(number, timestamp) of the next block: the pending warp/roll values, else the
        current ones advanced by one block."""
        pending = self._next_block or {}
        self._next_block = None
        evm = self._evm
        number = pending.get("number", evm.number + 1)
        timestamp = pending.get("timestamp", evm.timestamp + self._block_interval)
        return number, timestamp

    def _snapshot_block(self) -> dict:
        """The block env for a snapshot, with the pending warp/roll values."""
        block = self._evm.block_env()
        if self._next_block:
            block["next_block"] = dict(self._next_block)
        return block

    def _restore_block(self, block: dict) -> None:
        """Set the block env (and the pending warp/roll values) from a snapshot's."""
        block = dict(block)
        pending = block.pop("next_block", None)
        self._evm.set_block(**block)
        self._next_block = dict(pending) if pending else None

    # ------------------------------------------------------------------ ERC20
    def _recorded_call(self, to: bytes, data: bytes):
        """Run a call and return (result, slots of ``to`` it accessed, in access order)."""
        tx = self._tx(_CHEAT_CALLER, to, data, 0)
        try:
            result, accessed = self._evm.call_accessed_slots(tx)
        except InvalidTransaction as exc:
            raise DealError(f"cannot call 0x{to.hex()}: invalid transaction: {exc}") from exc
        return result, [slot for address, slot in accessed if address == to]

    def _read_word(self, to: bytes, data: bytes) -> int | None:
        """The call's output as one word, or None if it failed or returned no word."""
        result = self._evm.call(self._tx(_CHEAT_CALLER, to, data, 0))
        if not result.success or len(result.output) < 32:
            return None
        return int.from_bytes(result.output[:32], "big")

    def _find_slot(self, token: bytes, data: bytes, what: str,
                   hint: int | None = None) -> int:
        """The slot of ``token`` that the word returned by the call ``data`` is stored in.

        Each slot the call reads is tried (the last read first, as forge-std, and ``hint``
        before them): a probe value is written, the call must then return it; the slot is
        restored either way.
        """
        state = self._evm.state
        result, reads = self._recorded_call(token, data)
        if not result.success or len(result.output) < 32:
            raise DealError(f"{what} of token 0x{token.hex()} failed "
                            f"({result.halt})")
        before = int.from_bytes(result.output[:32], "big")
        candidates = list(dict.fromkeys(reversed(reads)))
        if hint is not None:
            candidates = [hint] + [s for s in candidates if s != hint]
        if not candidates:
            raise DealError(f"{what} of token 0x{token.hex()} reads no storage of the token: "
                            "deal cannot find its balance slot")
        probe = before ^ 0x5EED  # a value the call does not return now, small enough for math
        for slot in candidates:
            old = state.get_storage(token, slot)
            state.set_storage(token, slot, probe)
            try:
                found = self._read_word(token, data) == probe
            finally:
                state.set_storage(token, slot, old)
            if found:
                return slot
        raise DealError(
            f"no storage slot of token 0x{token.hex()} read by {what} holds the value it "
            f"returns (tried {len(candidates)} slot(s)); deal supports tokens that keep each "
            "balance in a full storage word of the token's own storage")

    def deal(self, token, holder, amount: int, adjust: bool = False) -> int:
        """Set an ERC20 balance (forge-std's ``deal(token, to, give[, adjust])``).

        The balance slot is found by recording which storage slots of ``token``
        ``balanceOf(holder)`` reads and probing each (the last read first, as forge-std's
        stdStorage); the amount is written there and ``balanceOf(holder)`` must then return
        it.  Tokens that store a balance in part of a word (packed) or outside their own
        storage are not supported.  The slot found is remembered per (token, holder) and
        checked again on the next use.

        Parameters
        ----------
        token, holder : bytes or str
            Addresses (20 bytes or 0x-hex).
        amount : int
            The new balance.
        adjust : bool
            Also change ``totalSupply()`` by the difference (its slot is found the same way).

        Returns
        -------
        int
            The storage slot of ``token`` written.

        Raises
        ------
        DealError
            ``balanceOf`` fails, or none of the slots it reads holds the balance (the
            message names the token); nothing is changed then.
        """
        token = to_address(token, "token")
        holder = to_address(holder, "holder")
        amount = _uint(amount, "amount")
        if not self._evm.get_code(token):
            raise DealError(f"token 0x{token.hex()} has no code")
        data = _BALANCE_OF + holder.rjust(32, b"\0")
        if self._deal_slots is None:
            self._deal_slots = {}
        key = (token, holder)
        slot = self._find_slot(token, data, f"balanceOf(0x{holder.hex()})",
                               hint=self._deal_slots.get(key))
        self._deal_slots[key] = slot
        previous = self._evm.get_storage(token, slot)
        supply_slot = new_supply = None
        if adjust:
            supply_slot = self._find_slot(token, _TOTAL_SUPPLY, "totalSupply()")
            new_supply = self._evm.get_storage(token, supply_slot) - previous + amount
            if new_supply < 0 or new_supply >= _U256:
                raise DealError(f"deal on token 0x{token.hex()}: totalSupply would be "
                                f"{new_supply}")
        self.set_storage(token, slot, amount)
        got = self._read_word(token, data)
        if got != amount:
            self.set_storage(token, slot, previous)
            raise DealError(
                f"deal on token 0x{token.hex()}: balanceOf(0x{holder.hex()}) returns {got} "
                f"after writing {amount} to slot {slot:#x} (restored)")
        if adjust:
            self.set_storage(token, supply_slot, new_supply)
        return slot

    # ------------------------------------------------------------------ caches
    def _cache_with_cheats(self, cache):
        """``cache`` (the original's shape) with the accounts and slots the cheats wrote
        replaced by their current values (added if the cache lacks them)."""
        timestamp, number, accounts, storage = cache
        accounts = list(accounts)
        storage = list(storage)
        evm = self._evm
        if self._cheated_accounts:
            index = {entry[0]: i for i, entry in enumerate(accounts)}
            for address in self._cheated_accounts:
                entry = account_entry(address, evm.get_balance(address),
                                      evm.get_nonce(address), evm.get_code(address))
                if address in index:
                    accounts[index[address]] = entry
                else:
                    accounts.append(entry)
        if self._cheated_slots:
            index = {(a, int.from_bytes(s, "little")): i for i, (a, s, _) in enumerate(storage)}
            known = {entry[0] for entry in accounts}
            for address, slot in self._cheated_slots:
                entry = storage_entry(address, slot, evm.get_storage(address, slot))
                if (address, slot) in index:
                    storage[index[(address, slot)]] = entry
                else:
                    storage.append(entry)
                if address not in known:  # the cache's reader wants the account too
                    known.add(address)
                    accounts.append(account_entry(address, evm.get_balance(address),
                                                  evm.get_nonce(address),
                                                  evm.get_code(address)))
        return (timestamp, number, accounts, storage)
