"""The EVM under test: ``EVM``, ``Tx`` and ``InvalidTransaction`` of verbs' compiled EVM, in one
namespace (the runner loads one module, so that its own tests can swap in ``_fake_core``)."""
from verbs._evm.evm import EVM
from verbs._evm.tx import InvalidTransaction, Tx

__all__ = ["EVM", "InvalidTransaction", "Tx"]
