"""Tests of verbs.remote."""
