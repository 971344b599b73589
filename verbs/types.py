"""Type aliases shared by the package (the original verbs' names and shapes).

Unlike the original, this module imports no environment class (that made
``verbs.types`` depend on the compiled envs); ``Env`` is a structural
:class:`typing.Protocol` that every simulation environment satisfies.
"""

from __future__ import annotations

import typing

#: A 20-byte address.
Address = bytes

#: A transaction submitted to the next block, as built by
#: ``Function.transaction``:
#: ``(sender, contract_address, encoded_args, checked, gas_priority_fee,
#: nonce, value)``.
Transaction = tuple[
    bytes,
    bytes,
    bytes,
    bool,
    int | None,
    int | None,
    int | None,
]

#: One account of a :data:`Cache`: ``(address, (balance, nonce, code_hash, code))``.
AccountEntry = tuple[bytes, tuple[bytes, int, bytes, bytes]]

#: One storage value of a :data:`Cache`: ``(address, slot, value)``.
StorageEntry = tuple[bytes, bytes, bytes]

#: A fetch cache of a fork env:
#: ``(timestamp, block_number, accounts, storage)`` with
#: ``accounts = [(address, (balance, nonce, code_hash, code)), ...]`` and
#: ``storage = [(address, slot, value), ...]``. Balances, slots and values are
#: 32 bytes little-endian (revm's ``U256`` byte order); code is as revm stores
#: it (deployed code followed by 33 zero bytes of padding).
Cache = tuple[int, int, list[AccountEntry], list[StorageEntry]]

#: A log as the original returns it: ``(contract_address, data)``. Our envs'
#: logs also carry ``topics`` (as attributes ``.address``, ``.topics``,
#: ``.data``) while still unpacking as this pair.
Log = tuple[bytes, bytes]

#: A simulation event: ``(success, function_selector, logs, step, sequence)``.
Event = tuple[bool, bytes, list[Log], int, int]

#: Result of ``env.call``/``env.execute``: ``(output, logs, gas_used)``.
ExecutionResult = tuple[bytes | None, list[Log], int]


@typing.runtime_checkable
class Env(typing.Protocol):
    """What :mod:`verbs.abi` needs of a simulation environment.

    An env may also keep ``_abi_types`` (a dict of addresses to the ABI types used with them)
    and ``_learn_abi(address, abi_type)``: :mod:`verbs.abi` then tells it which ABI type a
    call or deployment used (:class:`verbs.envs.BaseEnv` does, for its traces).
    """

    def call(
        self, sender: bytes, contract_address: bytes, encoded_args: bytes, value: int
    ) -> ExecutionResult:
        """Run a call without committing its changes."""

    def execute(
        self, sender: bytes, contract_address: bytes, encoded_args: bytes, value: int
    ) -> ExecutionResult:
        """Run a call and commit its changes."""

    def deploy_contract(self, deployer: bytes, contract_name: str, bytecode: bytes) -> bytes:
        """Deploy ``bytecode`` (creation code and arguments), return the address."""
