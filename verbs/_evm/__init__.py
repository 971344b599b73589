"""The EVM core of verbs, written in Cython (see ``ARCHITECTURE.md``)."""
