"""The batch example of the original verbs documentation, on the in-memory EVM.

An ERC20 is deployed and its supply minted to an admin; the environment is snapshotted; then
Monte-Carlo samples run from that snapshot for two activation rates: at each step an active agent
reads its balance (``balanceOf`` call) and, holding tokens, sends ``min(balance, 100000)`` to a
random agent.  Unlike the original example (numpy's global generator), every draw comes from
the Sim's seeded generator, so the batch is reproducible.

Run it with ``python -m verbs demo``; ``--profile`` also profiles the gas of every
transaction of the batch (call traces folded into a :class:`verbs.trace.profile.GasProfile`
per sample, merged here), prints where the gas went and plots the top functions.
"""
from __future__ import annotations

import argparse
import json
import time
import typing
from importlib import resources

import numpy as np

import verbs
from verbs.sim import BaseAgent, Sim
from verbs.sim.batch_runner import SampleError, batch_run
from verbs.trace.profile import GasProfile

N_AGENTS = 50
FIRST_AGENT = 100
SUPPLY = 10**19


def load_erc20() -> tuple[typing.Any, bytes]:
    """The demo's ERC20 (``verbs/data/simple_erc20.json``): its ABI type and creation code."""
    text = resources.files("verbs").joinpath("data/simple_erc20.json").read_text()
    artifact = json.loads(text)
    return verbs.abi.get_abi("SimpleERC20", artifact["abi"]), bytes.fromhex(artifact["bytecode"])


class TokenAgent(BaseAgent):
    """Sends part of its tokens to a random agent when active."""

    def __init__(self, i: int, token, abi, n_agents: int, activation_rate: float):
        self.address = verbs.utils.int_to_address(i)
        self.token = token
        self.abi = abi
        self.n_agents = n_agents
        self.activation_rate = activation_rate
        self.balance = 0

    def update(self, rng: np.random.Generator, env):
        if rng.uniform() >= self.activation_rate:
            return []
        self.balance = self.abi.balanceOf.call(env, self.address, self.token, [self.address])[0][0]
        if self.balance <= 0:
            return []
        receiver = verbs.utils.int_to_address(int(rng.integers(self.n_agents)) + FIRST_AGENT)
        amount = min(self.balance, 100_000)
        return [self.abi.transfer.transaction(self.address, self.token, [receiver, amount])]

    def record(self, env):
        return self.abi.balanceOf.call(env, self.address, self.token, [self.address])[0][0]


def prepare(seed: int = 1234):
    """Deploy and mint the token, then snapshot the env.

    Returns
    -------
    tuple
        ``(snapshot, erc20_address, erc20_abi, admin_address)``
    """
    env = verbs.EmptyEnv(seed)
    admin = verbs.utils.int_to_address(99_999_999)
    env.create_account(admin, 10**19)
    abi, bytecode = load_erc20()
    token = abi.constructor.deploy(env, admin, bytecode, ["Demo", "DMO", SUPPLY])
    return env.export_snapshot(), token, abi, admin


def sim_func(env, seed, n_steps, *, activation_rate, erc20_address, erc20_abi, admin_address):
    """One sample: agent 0 receives the supply, then the agents trade for ``n_steps``."""
    agents = [
        TokenAgent(FIRST_AGENT + i, erc20_address, erc20_abi, N_AGENTS, activation_rate)
        for i in range(N_AGENTS)
    ]
    erc20_abi.transfer.execute(env, admin_address, erc20_address, [agents[0].address, SUPPLY])
    records = Sim(seed, env, agents).run(n_steps, show_progress=False)
    return np.asarray(records, dtype=object)


def holders_per_step(sample) -> np.ndarray:
    """How many agents hold tokens at each step of a sample."""
    return (np.asarray(sample, dtype=object) > 0).sum(axis=1).astype(int)


def print_profile(profile: GasProfile, plot_path: str, top: int = 10) -> None:
    """Print the top rows of the batch's gas profile and plot them to ``plot_path``."""
    import pandas as pd

    frame = profile.to_frame().head(top)
    shown = frame[["calls", "failed", "gas_inclusive", "gas_exclusive", "gas_exclusive_mean",
                   "share_exclusive"]]
    print(f"gas profile: {profile.transactions:,} transactions, {profile.total_gas:,} gas "
          f"(top {len(frame)} of {len(profile)} functions by exclusive gas)")
    with pd.option_context("display.width", 160, "display.max_colwidth", 46):
        print(shown.to_string(formatters={"share_exclusive": "{:.1%}".format,
                                          "gas_exclusive_mean": "{:,.0f}".format}))
    if not plot_path:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        from verbs.trace.plot import plot_profile
    except ImportError:
        print("matplotlib is not installed (pip install 'verbs[plot]'): no profile plot written")
        return
    ax = plot_profile(profile, top=top)
    ax.figure.savefig(plot_path, dpi=100)
    print(f"gas profile plot written to {plot_path}")


def main(argv: typing.Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verbs demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=-1, help="worker processes (-1: every core)")
    parser.add_argument(
        "--plot", default="verbs-demo.png", help="where to write the plot ('' for none)"
    )
    parser.add_argument(
        "--profile", action="store_true",
        help="profile the gas of every transaction (call traces; slower) and print the table",
    )
    parser.add_argument(
        "--profile-plot", default="verbs-demo-profile.png",
        help="with --profile, where to write the gas plot ('' for none)",
    )
    args = parser.parse_args(argv)

    snapshot, token, abi, admin = prepare()
    rates = [0.1, 0.2]
    print(f"verbs demo: {N_AGENTS} agents, {args.steps} steps, {args.samples} samples for each "
          f"activation rate in {rates}")
    start = time.perf_counter()
    results = batch_run(
        sim_func,
        n_steps=args.steps,
        n_samples=args.samples,
        parameters_samples=[dict(activation_rate=r) for r in rates],
        snapshot=snapshot,
        n_jobs=args.jobs,
        erc20_address=token,
        erc20_abi=abi,
        admin_address=admin,
        **({"profile": True} if args.profile else {}),
    )
    elapsed = time.perf_counter() - start
    n = sum(len(g["samples"]) for g in results)
    print(f"{n} samples in {elapsed:.1f} s ({n / elapsed:.1f} samples/s)")
    curves = {}
    for group in results:
        ok = [s for s in group["samples"] if not isinstance(s, SampleError)]
        failed = len(group["samples"]) - len(ok)
        holders = np.array([holders_per_step(s) for s in ok]) if ok else np.zeros((0, args.steps))
        curves[group["params"]["activation_rate"]] = holders
        final = holders[:, -1] if len(ok) else np.array([])
        conserved = all(int(np.asarray(s, dtype=object)[-1].sum()) == SUPPLY for s in ok)
        print(
            f"activation_rate={group['params']['activation_rate']}: "
            f"holders at the end {final.mean():.1f} +- {final.std():.1f} of {N_AGENTS} "
            f"(min {final.min() if len(final) else '-'}, "
            f"max {final.max() if len(final) else '-'}), "
            f"supply conserved: {conserved}, failed samples: {failed}"
        )
    if args.profile:
        print_profile(GasProfile.combine(g["profile"] for g in results), args.profile_plot)
    if args.plot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed (pip install 'verbs[plot]'): no plot written")
            return 0
        fig, ax = plt.subplots(figsize=(7, 4))
        for rate, holders in curves.items():
            if not len(holders):
                continue
            mean, lo, hi = holders.mean(0), holders.min(0), holders.max(0)
            steps = np.arange(1, len(mean) + 1)
            ax.plot(steps, mean, label=f"activation rate {rate}")
            ax.fill_between(steps, lo, hi, alpha=0.2)
        ax.set_xlabel("step")
        ax.set_ylabel("agents holding tokens")
        ax.set_title(f"How the tokens spread ({args.samples} samples each, min-max band)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=100)
        print(f"plot written to {args.plot}")
    return 0
