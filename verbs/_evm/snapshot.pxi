# Snapshot: a frozen chain of layers, as a Python value.
# Included by state.pyx (one C translation unit with State).

cdef class Snapshot:
    """A frozen, immutable state: a chain of shared copy-on-write layers.

    Build a State from it with ``State(backend, snapshot=snap)`` (O(1), no copying).  A
    Snapshot is a value: ``==`` compares content (live accounts with their nonce, balance, code
    and non-zero storage; a zero slot equals an absent one), ``to_bytes()``/``from_bytes()``
    give a compact versioned binary form, and it pickles through that form.
    """
    def __dealloc__(self):
        if self.layer != NULL:
            _layer_release(self.layer)
            self.layer = NULL

    @property
    def depth(self) -> int:
        """The number of layers in the chain."""
        return self.layer.depth if self.layer != NULL else 0

    def dump(self) -> dict:
        """``{address: (nonce, balance, code, {slot: value != 0})}`` of every live account."""
        return _dump_chain(self.layer)

    def __eq__(self, other):
        if not isinstance(other, Snapshot):
            return NotImplemented
        return _chains_equal(self.layer, (<Snapshot>other).layer)

    __hash__ = None

    def __repr__(self):
        return f"<Snapshot depth={self.depth}>"

    def to_bytes(self) -> bytes:
        """Serialize to a compact, versioned binary form (see :meth:`from_bytes`).

        The container is ``verbs._evm.container`` of kind ``"state"`` (magic, version, kind,
        CRC-32, zlib-compressed payload); the payload (snapshot_format.pxi) lists the accounts
        sorted by address, each with its storage sorted by slot (integers little-endian, words
        32 bytes big-endian).
        """
        return _serialize(self.layer)

    @staticmethod
    def from_bytes(data) -> Snapshot:
        """Rebuild a Snapshot from :meth:`to_bytes`; raises ValueError on bad input."""
        return _deserialize(data)

    def __reduce__(self):
        return (_snapshot_from_bytes, (self.to_bytes(),))

    def save(self, path) -> None:
        """Write :meth:`to_bytes` to a file."""
        data = self.to_bytes()
        with open(path, "wb") as f:
            f.write(data)

    @staticmethod
    def load(path) -> Snapshot:
        """Read a Snapshot written by :meth:`save`; raises ValueError on bad content."""
        with open(path, "rb") as f:
            return _deserialize(f.read())


def _snapshot_from_bytes(data):
    """Unpickling helper: ``Snapshot.from_bytes``."""
    return _deserialize(data)


cdef Snapshot _wrap_layer(layer_t *l):
    """A Snapshot taking a new reference to `l`."""
    cdef Snapshot s = Snapshot.__new__(Snapshot)
    layer_incref(l)
    s.layer = l
    return s
