"""Simulation: agents, the step loop, and batch runs (``verbs.sim.batch_runner``)."""
from __future__ import annotations

from verbs.sim.agent import BaseAgent
from verbs.sim.runner import Sim

__all__ = ["BaseAgent", "Sim"]
