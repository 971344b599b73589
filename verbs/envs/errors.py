"""Exceptions raised by the simulation environments."""
from __future__ import annotations

import typing


class RevertError(Exception):
    """A transaction or call that reverted, halted, or was rejected.

    As in the original verbs, ``args[0]`` is the reason text (the decoded revert message when
    there is one).  Unlike the original (where halts and failed deployments panic and destroy
    the environment), every failure raises this exception and leaves the environment usable.

    Attributes
    ----------
    data : bytes
        Raw revert data returned by the EVM (empty for halts).
    reason : str or None
        The decoded reason: ``Error(string)``, ``Panic(uint256)`` or, through the ABI that made
        the call, a custom error; ``None`` when the data cannot be decoded.
    halt : str
        Why execution stopped: ``"revert"``, ``"out_of_gas"``, ``"invalid_opcode"``,
        ``"invalid_transaction"``, ... (see ``verbs._evm.tx.Result.halt``).
    """

    def __init__(
        self,
        message: str,
        *,
        data: bytes = b"",
        reason: typing.Optional[str] = None,
        halt: str = "revert",
        failures: typing.Sequence["RevertError"] = (),
    ):
        super().__init__(message)
        self.data = data
        self.reason = reason
        self.halt = halt
        self.failures = tuple(failures)

    def __reduce__(self):
        return (
            _rebuild_revert_error,
            (self.args[0], self.data, self.reason, self.halt, self.failures),
        )


def _rebuild_revert_error(message, data, reason, halt, failures):
    return RevertError(message, data=data, reason=reason, halt=halt, failures=failures)
