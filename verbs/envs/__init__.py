"""Simulation environments: an in-memory EVM, or a fork of a live chain.

``EmptyEnv`` is ``EmptyEnvRandom`` and ``ForkEnv`` is ``ForkEnvRandom``.
"""
from __future__ import annotations

from verbs.envs.base import BaseEnv
from verbs.envs.cheats import DealError
from verbs.envs.empty import EmptyEnvGasPriority, EmptyEnvRandom
from verbs.envs.events import Event, Log
from verbs.envs.fork import ForkEnvGasPriority, ForkEnvRandom
from verbs.envs.snapshot import Snapshot
from verbs.errors import CacheMissError, RevertError

EmptyEnv = EmptyEnvRandom
ForkEnv = ForkEnvRandom

__all__ = [
    "BaseEnv",
    "CacheMissError",
    "DealError",
    "EmptyEnv",
    "EmptyEnvGasPriority",
    "EmptyEnvRandom",
    "Event",
    "ForkEnv",
    "ForkEnvGasPriority",
    "ForkEnvRandom",
    "Log",
    "RevertError",
    "Snapshot",
]
