"""Tests of verbs.sim."""
