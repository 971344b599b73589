import json
import sys
from pathlib import Path

import pytest

from verbs import abi, sim, utils

# transfer_sim.py is imported as a top-level module, as the batch driver scripts that the
# checkpoint tests start import it: its functions keep the same qualified name in both
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def erc20_example(data_dir):
    """The ERC20 of the original verbs' examples: (abi type, creation code)."""
    d = json.loads((data_dir / "erc20-verbs-example.json").read_text())
    code = d["bytecode"] if isinstance(d["bytecode"], str) else d["bytecode"]["object"]
    return abi.get_abi("ERC20", d["abi"]), bytes.fromhex(code.removeprefix("0x"))


class Agent(sim.BaseAgent):
    def __init__(self, i, token, abi, n_agents):
        self.address = utils.int_to_address(i)
        self.token = token
        self.abi = abi
        self.n_agents = n_agents
        self.balance = 0

    def update(self, rng, env):
        self.balance = self.abi.balanceOf.call(env, self.address, self.token, [self.address])[0][0]
        if self.balance > 0:
            receiver = utils.int_to_address(int(rng.choice(self.n_agents)) + 100)
            return [self.abi.transfer.transaction(self.address, self.token,
                                                  [receiver, min(self.balance, 100_000)])]
        return []

    def record(self, env):
        return self.balance


@pytest.fixture(scope="session")
def token_agent():
    """The agent of the original's basic ERC20 simulation."""
    return Agent
