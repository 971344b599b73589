"""Ethereum state-test conformance suite for verbs' EVM (see README.md)."""
