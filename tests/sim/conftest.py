import json

import pytest

from verbs import abi, envs, utils


@pytest.fixture(scope="session")
def erc20_example(data_dir):
    """The ERC20 of the original verbs' examples: (abi type, creation code)."""
    d = json.loads((data_dir / "erc20-verbs-example.json").read_text())
    code = d["bytecode"] if isinstance(d["bytecode"], str) else d["bytecode"]["object"]
    return abi.get_abi("ERC20", d["abi"]), bytes.fromhex(code.removeprefix("0x"))
