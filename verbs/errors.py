"""Exception types of verbs, in one place.

Every public exception that verbs raises is defined here (or re-exported from here), so that a
user catches them without knowing which layer raised them. This module imports nothing from
verbs, so every layer (the EVM core included) may import it.
"""
from __future__ import annotations


class EVMInternalError(RuntimeError):
    """A bug inside the EVM or a library it calls, never a transaction outcome.

    Raised (chained to the original exception) when code that should not fail does, for
    example a precompile's curve library raising on an input the precompile had already
    validated. The transaction that met it is discarded, as for any exception raised
    through the EVM.
    """
