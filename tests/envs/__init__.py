"""Tests of verbs.envs."""
