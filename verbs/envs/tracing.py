"""Call traces of env transactions: ``trace_call``, traces kept per processed transaction.

Mixed into :class:`verbs.envs.base.BaseEnv`.  A traced transaction runs through the same
interpreter loop as any other; the EVM only reports its frames, logs and self-destructs to a
:class:`verbs.trace.Recorder` (see ``docs/architecture.md``).
"""
from __future__ import annotations

from verbs.primitives import to_address
from verbs.trace import CallFrame, Recorder
from verbs.trace.labels import Labels


class TracingMixin:
    """``trace_call``, ``record_traces`` and ``get_last_traces`` of an env."""

    def trace_call(self, sender, to, data: bytes, value: int = 0, *,
                   commit: bool = False, gas_limit: int | None = None) -> CallFrame:
        """Run one transaction with the call tracer and return its root call frame.

        Parameters
        ----------
        sender, to : bytes or str
            The transaction's sender and the account called (``to=None`` deploys ``data``).
        data : bytes
            Calldata (or creation code).
        value : int
            Wei sent.
        commit : bool
            ``False`` (default): the state is left as it was, as :meth:`call` does.
            ``True``: the transaction is committed, as :meth:`execute` does.
        gas_limit : int, optional
            The transaction's gas limit (by default what :meth:`call` gives: effectively
            unlimited in a simulation, the block's with ``real_fees=True``).  Compare traces
            with a node's at the same limit: the gas of every frame follows from it.

        Returns
        -------
        verbs.trace.CallFrame
            The root frame; a failed transaction is returned, not raised: its frames say
            where it failed (``frame.failing_path()``).

        Raises
        ------
        verbs.errors.RevertError
            If the transaction is invalid (it runs no code, so it has no trace).
        """
        sender = to_address(sender, "sender")
        to = None if to is None else to_address(to, "to")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, got {type(data).__name__}")
        tx = self._tx(sender, to, bytes(data), value)
        if gas_limit is not None:
            tx.gas_limit = gas_limit
        recorder = Recorder()
        evm = self._evm
        evm.set_tracer(recorder)
        try:
            result = self._run(tx, commit, "Traced call" if not commit else "Traced execute")
        finally:
            evm.set_tracer(None)
        return recorder.take(result.gas_used)

    def record_traces(self, on: bool = True) -> None:
        """Keep a call trace of every transaction that :meth:`process_block` runs.

        The traces of the last block are :meth:`get_last_traces`, one per event of
        :meth:`get_last_events`, in the same order.  Tracing costs time (see the README's
        "Debugging a simulation"); off (the default) it costs nothing.
        """
        self._block_recorder = Recorder() if on else None

    @property
    def recording_traces(self) -> bool:
        """Whether :meth:`process_block` keeps a call trace per transaction."""
        return self._block_recorder is not None

    def get_last_traces(self) -> list[CallFrame | None]:
        """The call traces of the last processed block, aligned with
        :meth:`get_last_events` (the same length and order: ``traces[i]`` is the transaction
        of ``events[i]``); None for an invalid transaction, which ran no code.  Empty when
        :meth:`record_traces` was off during that block."""
        return list(self._last_traces)

    # ------------------------------------------------------------------ labels
    def label(self, address, name: str, abi=None) -> None:
        """Name a contract in this env's traces and revert paths, and give its ABI.

        Parameters
        ----------
        address : bytes or str
            The contract's address.
        name : str
            What traces call it (``Router`` in ``Router.swapExactTokensForTokens(...)``).
        abi : type or list, optional
            Its ABI, to decode calls, return values, events and custom errors: an ABI type
            (:func:`verbs.abi.get_abi`, ``abi_from_str``, ``load_abi``) or ABI JSON.

        Notes
        -----
        ABI types used with the env (``Function.call``/``execute``, ``Constructor.deploy``)
        and ABI types :meth:`verbs.abi.Function.transaction` built calls with name their
        addresses already (by the type's name); a label takes precedence.  The name and ABI
        also go into the labels of the process (``str(frame)`` renders with those).
        """
        self._labels.label(address, name, abi)
        Labels.process().label(address, name, abi)

    @property
    def labels(self) -> Labels:
        """This env's :class:`verbs.trace.labels.Labels` (picklable: batch workers return
        them with their traces); ``frame.render(env.labels)`` renders with them only."""
        return self._labels

    def _learn_abi(self, address: bytes, abi_type: type) -> None:
        """An ABI type was used with ``address`` (:mod:`verbs.abi` calls this once per
        address and type, see ``verbs.abi._note``)."""
        self._abi_types[address] = abi_type
        if abi_type is None:  # a Function made on its own, or unpickled: nothing to learn
            return
        self._labels.learn(address, abi_type)
        Labels.process().learn(address, abi_type)

    def _trace_block_begin(self):
        """The recorder of a block being processed (or None), set on the EVM for the block
        only: calls between blocks are not traced."""
        recorder = self._block_recorder
        if recorder is not None:
            recorder.reset()
            self._evm.set_tracer(recorder)
        return recorder

    def _trace_block_end(self, recorder) -> None:
        if recorder is not None:
            recorder.reset()
            self._evm.set_tracer(None)


__all__ = ["TracingMixin"]
