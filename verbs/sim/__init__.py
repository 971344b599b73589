"""Simulation: agents, the step loop, and batch runs (``verbs.sim.batch_runner``)."""
from verbs.sim.agent import BaseAgent
from verbs.sim.runner import Sim

__all__ = ["BaseAgent", "Sim"]
