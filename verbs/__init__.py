"""verbs: agent-based simulation of Ethereum on a Cython EVM.

The public API follows the original verbs (simtopia/verbs 0.4): ``verbs.envs``, ``verbs.abi``,
``verbs.sim``, ``verbs.utils``, ``verbs.types``, ``verbs.batch_runner``.
"""
from __future__ import annotations

from verbs import abi, batch_runner, envs, sim, types, utils
from verbs.envs import (
    EmptyEnv,
    EmptyEnvGasPriority,
    EmptyEnvRandom,
    ForkEnv,
    ForkEnvGasPriority,
    ForkEnvRandom,
    RevertError,
)

__version__ = "0.5.0.dev0"

__all__ = [
    "EmptyEnv",
    "EmptyEnvGasPriority",
    "EmptyEnvRandom",
    "ForkEnv",
    "ForkEnvGasPriority",
    "ForkEnvRandom",
    "RevertError",
    "abi",
    "batch_runner",
    "envs",
    "sim",
    "types",
    "utils",
]
