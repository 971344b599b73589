"""Fixtures: the original verbs' test contract and the project's ERC20, on fresh envs."""
import json

import pytest

from verbs import abi, envs, utils

INITIAL_VALUE = 101


@pytest.fixture(
    params=[envs.EmptyEnvRandom, envs.EmptyEnvGasPriority], ids=["random", "gas_priority"]
)
def env(request):
    return request.param(31415)


@pytest.fixture(scope="session")
def test_contract(data_dir):
    """The original verbs' test contract: (abi list, creation code)."""
    d = json.loads((data_dir / "verbs04-test-contract.json").read_text())
    return d["abi"], bytes.fromhex(d["bytecode"].removeprefix("0x"))


@pytest.fixture(scope="session")
def erc20(contracts_dir):
    """SimpleERC20 (custom errors, indexed Transfer topics): (abi type, creation code)."""
    d = json.loads((contracts_dir / "build" / "SimpleERC20.opt.json").read_text())
    return abi.get_abi("SimpleERC20", d["abi"]), bytes.fromhex(d["bytecode"].removeprefix("0x"))


@pytest.fixture
def deployed(env, test_contract):
    """(env, contract abi type, contract address, admin address) with the test contract."""
    abi_json, bytecode = test_contract
    a = abi.get_abi("TestContract", abi_json)
    admin = utils.int_to_address(99)
    env.create_account(admin, 10**19)
    address = a.constructor.deploy(env, admin, bytecode, [INITIAL_VALUE])
    return env, a, address, admin
