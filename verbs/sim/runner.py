"""The simulation loop."""
from __future__ import annotations

import contextlib
import contextvars
import typing

import numpy as np
from tqdm import trange

from verbs.envs import (
    EmptyEnvGasPriority,
    EmptyEnvRandom,
    ForkEnvGasPriority,
    ForkEnvRandom,
)
from verbs.errors import RevertError
from verbs.sim.agent import BaseAgent
from verbs.trace.profile import GasProfile
from verbs.types import Cache, Env

# Set while a batch sample runs: the batch draws one bar over samples, and a bar per sample
# would interleave with it.  A context variable, so that it holds in the thread or task that
# runs the sample (Dask runs samples in worker threads) and nowhere else.
_PROGRESS_SUPPRESSED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "verbs_sim_progress_suppressed", default=False)


@contextlib.contextmanager
def suppress_progress() -> typing.Iterator[None]:
    """Within this block, :meth:`Sim.run` draws no progress bar, whatever its arguments.

    :func:`verbs.sim.batch_runner.batch_run` runs every sample inside it.
    """
    token = _PROGRESS_SUPPRESSED.set(True)
    try:
        yield
    finally:
        _PROGRESS_SUPPRESSED.reset(token)


# Set while a batch sample runs with ``batch_run(profile=True)``: every :meth:`Sim.run` in it
# folds its blocks' traces into this profile (a context variable, as above).
_GAS_PROFILE: contextvars.ContextVar[GasProfile | None] = contextvars.ContextVar(
    "verbs_sim_gas_profile", default=None)


@contextlib.contextmanager
def collect_gas_profile(profile: GasProfile) -> typing.Iterator[GasProfile]:
    """Within this block, every :meth:`Sim.run` not given ``profile=`` folds the call traces
    of the blocks it processes into ``profile``.

    :func:`verbs.sim.batch_runner.batch_run` runs every sample inside it when asked for a
    profile.
    """
    if not isinstance(profile, GasProfile):
        raise TypeError(f"profile must be a GasProfile, got {type(profile).__name__}")
    token = _GAS_PROFILE.set(profile)
    try:
        yield profile
    finally:
        _GAS_PROFILE.reset(token)


class Sim:
    """Simulation state and execution: an environment, agents and a seeded generator.

    Parameters
    ----------
    seed : int
        Seed of the simulation's random generator (passed to every agent's ``update``).
    env : verbs.types.Env
        The simulation environment.
    agents : list of BaseAgent, optional
        The agents (an empty list by default; agents may be appended later).
    """

    def __init__(self, seed: int, env: Env, agents: list[BaseAgent] | None = None):
        self.env = env
        self.agents = list(agents) if agents is not None else []
        self.rng = np.random.default_rng(seed)

    @classmethod
    def empty(
        cls,
        seed: int,
        agents: list[BaseAgent] | None = None,
        snapshot=None,
        cache: Cache = None,
        gas_priority: bool = False,
        **env_options,
    ) -> Sim:
        """A simulation on an in-memory environment (empty, or from a snapshot or cache)."""
        env_type = EmptyEnvGasPriority if gas_priority else EmptyEnvRandom
        return cls(seed, env_type(seed, snapshot=snapshot, cache=cache, **env_options), agents)

    @classmethod
    def fork(
        cls,
        node_url: str | None,
        block_number: int | None,
        seed: int,
        agents: list[BaseAgent] | None = None,
        gas_priority: bool = False,
        **env_options,
    ) -> Sim:
        """A simulation on a fork of a live chain at ``block_number`` (``None`` or ``0``: the
        latest block, as the original's ``0``)."""
        env_type = ForkEnvGasPriority if gas_priority else ForkEnvRandom
        block_number = block_number or None
        return cls(seed, env_type(node_url, seed, block_number, **env_options), agents)

    def run(self, n_steps: int, show_progress: bool = True, *,
            profile: GasProfile | None = None) -> list[list[typing.Any]]:
        """Run ``n_steps`` steps and return the agents' records.

        Each step: every agent's ``update`` returns transactions, which are queued; the env
        processes them as the next block; every agent's ``record`` is collected.

        Parameters
        ----------
        n_steps : int
            Number of steps (blocks).
        show_progress : bool
            A tqdm progress bar over steps on stderr.  Inside a
            :func:`~verbs.sim.batch_runner.batch_run` sample there is none: the batch's bar
            counts samples.
        profile : verbs.trace.profile.GasProfile, optional
            Fold the call trace of every transaction of every block into this profile (in
            place; a profile can collect several runs).  The env records traces during the
            run (``env.record_traces(True)``, then back off unless it was on before), which
            makes each transaction slower; :meth:`verbs.trace.profile.GasProfile.to_frame`
            then tells where the gas went.  Inside :func:`collect_gas_profile` (a
            ``batch_run(profile=True)`` sample) the run folds into the profile it collects.

        Returns
        -------
        list of list
            ``records[step][agent]``.
        """
        if profile is None:
            profile = _GAS_PROFILE.get()
        if profile is not None:
            return self._run_profiled(n_steps, show_progress, profile)
        records = []
        env = self.env
        agents = self.agents
        rng = self.rng
        submit = env.submit_transactions
        process_block = env.process_block
        append = records.append
        for _ in trange(n_steps, disable=not show_progress or _PROGRESS_SUPPRESSED.get()):
            for agent in agents:
                transactions = agent.update(rng, env)
                if transactions:
                    submit(transactions)
            process_block()
            append([agent.record(env) for agent in agents])
        return records

    def _run_profiled(self, n_steps: int, show_progress: bool,
                      profile: GasProfile) -> list[list[typing.Any]]:
        """:meth:`run`, folding each block's traces into ``profile``: a loop of its own, so
        that the plain loop stays as it is."""
        if not isinstance(profile, GasProfile):
            raise TypeError(f"profile must be a GasProfile, got {type(profile).__name__}")
        env = self.env
        if not hasattr(env, "record_traces"):
            raise TypeError(f"{type(env).__name__} cannot record call traces: profiling needs "
                            "a verbs env (EmptyEnv*, ForkEnv*)")
        was_recording = env.recording_traces
        env.record_traces(True)
        records = []
        agents = self.agents
        rng = self.rng
        try:
            for _ in trange(n_steps, disable=not show_progress or _PROGRESS_SUPPRESSED.get()):
                for agent in agents:
                    transactions = agent.update(rng, env)
                    if transactions:
                        env.submit_transactions(transactions)
                try:
                    env.process_block()
                except RevertError:
                    # the block was processed (a checked transaction failed in it): its
                    # traces count before the error ends the run; any other exception rolled
                    # the block back and left the previous block's traces, already counted
                    profile.add(env.get_last_traces(), env.labels)
                    raise
                profile.add(env.get_last_traces(), env.labels)
                records.append([agent.record(env) for agent in agents])
        finally:
            if not was_recording:
                env.record_traces(False)
        return records
