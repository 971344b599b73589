"""verbs.errors: one definition per exception, re-exported where users import them."""
from __future__ import annotations

import pickle

import pytest

import verbs
from verbs import batch_runner, codec, envs, errors, remote


@pytest.mark.parametrize("module, name", [
    (verbs, "RevertError"), (envs, "RevertError"), (envs, "CacheMissError"),
    (codec, "DecodeError"), (batch_runner, "BatchError"), (remote, "CacheWarning"),
    (remote, "RemoteError"), (remote, "RemoteConfigError"), (remote, "RPCError"),
    (remote, "RPCTimeoutError"), (remote, "ChainMismatchError"),
    (remote, "BlockNotAvailableError"), (remote, "RPCMalformedResponse"),
])
def test_reexports_are_the_definitions_in_errors(module, name):
    assert getattr(module, name) is getattr(errors, name)


def test_every_rpc_error_is_a_remote_error_and_config_errors_are_value_errors():
    for name in errors.__all__:
        cls = getattr(errors, name)
        if name.startswith("RPC") or name in ("ChainMismatchError", "BlockNotAvailableError"):
            assert issubclass(cls, errors.RPCError)
            assert issubclass(cls, errors.RemoteError)
    assert issubclass(errors.RemoteConfigError, ValueError)
    assert issubclass(errors.DecodeError, ValueError)


def test_revert_error_survives_pickling_with_its_fields():
    inner = errors.RevertError("inner", data=b"\x01", reason="r", halt="revert")
    exc = errors.RevertError("outer", data=b"\x02", reason=None, halt="out_of_gas",
                             failures=[inner])
    back = pickle.loads(pickle.dumps(exc))
    assert (back.args, back.data, back.reason, back.halt) == (
        ("outer",), b"\x02", None, "out_of_gas")
    assert back.failures[0].data == b"\x01" and back.failures[0].reason == "r"


def test_rpc_error_names_the_method_and_params():
    exc = errors.RPCResponseError(-32000, "boom", method="eth_getBalance", params=["0x00"])
    assert exc.code == -32000 and exc.rpc_message == "boom"
    assert "eth_getBalance" in str(exc) and "boom" in str(exc)
