"""verbs: agent-based simulation of Ethereum on a Cython EVM."""
