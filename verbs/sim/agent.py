"""The agent interface of a simulation."""
from __future__ import annotations

import typing

import numpy as np

from verbs.types import Env, Transaction


class BaseAgent:
    """Simulation agent interface (base class).

    Agents implement two methods:

    * ``update(rng, env)`` is called for each agent at each step; it updates the agent's state
      and returns the transactions to process in the next block (it may ``call`` the env, but
      must not commit changes to it).
    * ``record(env)`` is called at the end of each step and returns the data to record.

    Creating an agent does not create an account in the EVM: use :meth:`deploy` or
    ``env.create_account``.
    """

    def deploy(self, env: Env, address: bytes, eth: int) -> None:
        """Assign this agent an address and create its account with ``eth`` wei."""
        self.address = address
        env.create_account(address, eth)

    def update(self, rng: np.random.Generator, env: Env) -> list[Transaction]:
        """Update the agent and return the transactions it submits for the next block.

        Parameters
        ----------
        rng : numpy.random.Generator
            The simulation's seeded generator: use it for every random draw, so that runs are
            reproducible.
        env : verbs.types.Env
            The simulation environment.

        Returns
        -------
        list of transactions
            Possibly empty.
        """
        raise NotImplementedError

    def record(self, env: Env) -> typing.Any:
        """Return the data to record for this agent at the end of a step."""
        raise NotImplementedError
