"""Tests of verbs.trace."""
