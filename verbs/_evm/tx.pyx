"""Transactions and their outcomes: ``Tx``, ``Result``, ``InvalidTransaction``.

``Tx`` and ``Result`` are C classes (their fields are declared in ``tx.pxd``) so that
``evm.pyx`` reads and fills them without attribute lookups.
"""

cimport cython
from cpython.bytes cimport PyBytes_GET_SIZE

__all__ = ["Tx", "Result", "InvalidTransaction", "to_address"]


class InvalidTransaction(Exception):
    """A transaction that cannot be included; ``kind`` is the EEST TransactionException name."""

    def __init__(self, kind: str, message: str = ""):
        self.kind = kind
        self.message = message
        super().__init__(f"{kind}: {message}" if message else kind)


_TX_FIELDS = ("sender", "to", "data", "value", "gas_limit", "nonce", "gas_price",
              "max_fee_per_gas", "max_priority_fee_per_gas", "access_list",
              "max_fee_per_blob_gas", "blob_hashes", "authorization_list", "tx_type")


@cython.no_gc
@cython.freelist(8)
cdef class Tx:
    """A transaction.  ``to=None`` creates a contract; ``nonce=None`` takes the sender's
    nonce; ``gas_price``/``max_fee_per_gas`` default to the block's base fee; the type
    (0-4) follows from the fields when ``tx_type`` is None.  An authorization is
    ``(chain_id, address, nonce, y_parity, r, s)``; an access list entry is
    ``(address, (slot, ...))``."""

    def __init__(self, sender, to=None, data=b"", value=0, gas_limit=16_000_000, nonce=None,
                 gas_price=None, max_fee_per_gas=None, max_priority_fee_per_gas=None,
                 access_list=(), max_fee_per_blob_gas=None, blob_hashes=None,
                 authorization_list=None, tx_type=None):
        self.sender = sender if type(sender) is bytes and PyBytes_GET_SIZE(sender) == 20 \
            else to_address(sender)
        if to is None or to == b"" or to == "":
            self.to = None
        else:
            self.to = to if type(to) is bytes and PyBytes_GET_SIZE(to) == 20 else to_address(to)
        if type(data) is bytes:
            self.data = data
        else:
            self.data = bytes.fromhex(data[2:] if data[:2] in ("0x", "0X") else data) \
                if isinstance(data, str) else bytes(data)
        self.value = value if type(value) is int else int(value)
        self.gas_limit = gas_limit if type(gas_limit) is int else int(gas_limit)
        self.nonce = None if nonce is None else int(nonce)
        self.gas_price = gas_price
        self.max_fee_per_gas = max_fee_per_gas
        self.max_priority_fee_per_gas = max_priority_fee_per_gas
        self.access_list = tuple((to_address(a), tuple(int(k) for k in keys))
                                 for a, keys in access_list) if access_list else ()
        self.max_fee_per_blob_gas = max_fee_per_blob_gas
        self.blob_hashes = None if blob_hashes is None else tuple(bytes(h) for h in blob_hashes)
        self.authorization_list = None if authorization_list is None else tuple(
            (int(c), to_address(a), int(n), int(y), int(r), int(s))
            for c, a, n, y, r, s in authorization_list)
        if tx_type is None:
            if self.authorization_list is not None:
                tx_type = 4
            elif self.blob_hashes is not None or max_fee_per_blob_gas is not None:
                tx_type = 3
            elif max_fee_per_gas is not None or max_priority_fee_per_gas is not None:
                tx_type = 2
            elif self.access_list:
                tx_type = 1
            else:
                tx_type = 0
        self.tx_type = tx_type

    def __repr__(self):
        return "Tx(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in _TX_FIELDS) + ")"

    def __reduce__(self):
        return (_tx_from_fields, tuple(getattr(self, k) for k in _TX_FIELDS))


cdef int _check_tx_fields(Tx tx) except -1:
    """The C code reads 20 bytes at every address and len(data) bytes of data; Tx's attributes
    are public (settable to any bytes or None) and Tx.__new__/_as_tx bypass __init__, so check
    the lengths here, once per transaction, before any of them reaches P()."""
    cdef object a = tx.sender
    if type(a) is not bytes or PyBytes_GET_SIZE(a) != 20:
        raise ValueError(f"tx.sender must be 20 bytes, not {a!r}")
    a = tx.to
    if a is not None and (type(a) is not bytes or PyBytes_GET_SIZE(a) != 20):
        raise ValueError(f"tx.to must be 20 bytes or None, not {a!r}")
    if tx.data is None:
        raise TypeError("tx.data must be bytes, not None")
    if tx.tx_type >= 1 and tx.access_list:
        for a, _ in tx.access_list:
            if type(a) is not bytes or PyBytes_GET_SIZE(a) != 20:
                raise ValueError(f"access list address must be 20 bytes, not {a!r}")
    return 0


def _as_tx(tx):
    """A Tx from any object with a Tx's attributes."""
    if isinstance(tx, Tx):
        return tx
    return _tx_from_fields(*(getattr(tx, k) for k in _TX_FIELDS))


def _tx_from_fields(*fields):
    cdef Tx t = Tx.__new__(Tx)
    for k, v in zip(_TX_FIELDS, fields):
        setattr(t, k, v)
    return t


@cython.no_gc
@cython.freelist(8)
cdef class Result:
    """The outcome of a transaction (see docs/internals.md).  ``trace`` is its root
    ``verbs.trace.CallFrame`` when it was traced (a failed one is, under
    ``EVM.failure_tracer``), else None."""

    def __init__(self, success, halt, output=b"", gas_used=0, gas_refund=0, logs=None,
                 created_address=None, trace=None):
        self.success = success
        self.halt = halt
        self.output = output
        self.gas_used = gas_used
        self.gas_refund = gas_refund
        self.logs = logs if logs is not None else []
        self.created_address = created_address
        self.trace = trace

    def __repr__(self):
        return (f"Result(success={self.success}, halt={self.halt!r}, gas_used={self.gas_used}, "
                f"output=0x{self.output.hex()}, logs={len(self.logs)}, "
                f"created_address={self.created_address!r})")

    def __reduce__(self):
        return (Result, (self.success, self.halt, self.output, self.gas_used, self.gas_refund,
                         self.logs, self.created_address, self.trace))


def to_address(a) -> bytes:
    """An address as 20 bytes (from bytes, a hex string or an int)."""
    if isinstance(a, (bytes, bytearray, memoryview)):
        b = bytes(a)
    elif isinstance(a, str):
        b = bytes.fromhex(a[2:] if a[:2] in ("0x", "0X") else a)
    elif isinstance(a, int):
        b = a.to_bytes(20, "big")
    else:
        raise TypeError(f"not an address: {a!r}")
    if len(b) != 20:
        raise ValueError(f"an address has 20 bytes, not {len(b)}")
    return b
