"""Labels: names and ABIs of addresses, learned from the ABI types used with an env, picklable."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import verbs
from verbs import abi
from verbs.trace.labels import Labels, as_labels

REPO = Path(__file__).resolve().parents[2]

# a function, an event and a custom error whose names no other test uses
ABI_JSON = [
    {"type": "function", "name": "labelsProbe", "stateMutability": "nonpayable",
     "inputs": [{"name": "who", "type": "address"}, {"name": "amount", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
    {"type": "event", "name": "LabelsProbed", "anonymous": False,
     "inputs": [{"name": "who", "type": "address", "indexed": True},
                {"name": "amount", "type": "uint256", "indexed": False}]},
    {"type": "error", "name": "LabelsProbeFailed",
     "inputs": [{"name": "code", "type": "uint256"}]},
]

A = b"\xaa" * 20
B = b"\xbb" * 20
SENDER = b"\x5e" * 20
# runtime code: return 32 bytes of 1 (a true), whatever the call
RETURN_TRUE = bytes.fromhex("600160005260206000f3")


def test_label_names_an_address_and_its_abi_decodes():
    Probe = abi.get_abi("Probe", ABI_JSON)
    labels = Labels()
    labels.label(A, "Alice", Probe)
    labels.label("0x" + B.hex(), "Bob", ABI_JSON)  # hex address, ABI JSON
    assert labels.name(A) == "Alice" and labels.name(B) == "Bob"
    assert labels.get(A) == "Alice" and labels.get(b"\x01" * 20, "?") == "?"
    assert labels.names == {A: "Alice", B: "Bob"}
    assert A in labels and b"\x01" * 20 not in labels and len(labels) == 2
    sel = Probe.labelsProbe.selector
    assert labels.function(A, sel) is Probe.labelsProbe
    assert labels.function(B, sel).signature == "labelsProbe(address,uint256)"
    topics = (Probe.LabelsProbed.topic, b"\x00" * 32)
    assert labels.event(A, topics) is Probe.LabelsProbed
    assert labels.event(A, topics[:1]) is None  # the indexed input's topic is missing
    assert labels.error(B, Probe.LabelsProbeFailed.selector).name == "LabelsProbeFailed"
    # precompiles have names of their own
    assert labels.name((1).to_bytes(20, "big")) == "ECRecover"


def test_label_rejects_bad_input():
    labels = Labels()
    with pytest.raises(ValueError, match="address"):
        labels.label(b"\x01" * 19, "short")
    with pytest.raises(TypeError, match="name must be a str"):
        labels.label(A, 7)
    with pytest.raises(ValueError, match="empty"):
        labels.label(A, "")
    with pytest.raises(TypeError, match="ABI type .* or an ABI JSON list"):
        labels.label(A, "x", abi={"type": "function"})
    with pytest.raises(TypeError, match="Labels or a mapping"):
        as_labels(["not", "labels"])


def test_learned_names_count_up_and_a_label_wins():
    Probe = abi.get_abi("Probe", ABI_JSON)
    labels = Labels()
    labels.learn(A, Probe)
    labels.learn(B, Probe)
    labels.learn(A, Probe)  # again: nothing changes
    assert labels.names == {A: "Probe", B: "Probe#2"}
    labels.label(B, "Bob")
    assert labels.name(B) == "Bob"
    assert labels.abi_types(A) == [Probe]
    # a labelled ABI is tried before the learned ones: its names decode a shared selector
    renamed = [dict(e, inputs=[dict(p, name=p["name"].upper()) for p in e["inputs"]])
               for e in ABI_JSON]
    Other = abi.get_abi("Other", renamed)
    labels.learn(A, Other)
    assert labels.abi_types(A) == [Probe, Other]
    assert labels.function(A, Probe.labelsProbe.selector) is Probe.labelsProbe
    labels.label(A, "Alice", Other)
    assert labels.abi_types(A) == [Other, Probe]
    assert labels.function(A, Probe.labelsProbe.selector).input_names == ["WHO", "AMOUNT"]


def test_an_unknown_selector_decodes_nothing_but_process_abis_do():
    labels = Labels()
    assert labels.function(A, b"\xde\xad\xbe\xef") is None
    Probe = abi.get_abi("Probe", ABI_JSON)  # made in this process: known everywhere
    assert Probe.labelsProbe.selector in abi.KNOWN_FUNCTIONS
    found = labels.function(A, Probe.labelsProbe.selector)
    assert found is not None and found.signature == "labelsProbe(address,uint256)"
    assert labels.event(A, (Probe.LabelsProbed.topic, b"\x00" * 32)).name == "LabelsProbed"


def test_labels_pickle_without_their_abi_types():
    Probe = abi.get_abi("Probe", ABI_JSON)
    labels = Labels()
    labels.label(A, "Alice", Probe)
    labels.learn(B, Probe)
    assert labels.function(A, Probe.labelsProbe.selector) is Probe.labelsProbe  # built
    clone = pickle.loads(pickle.dumps(labels))
    assert clone == labels
    assert clone.names == {A: "Alice", B: "Probe"}
    f = clone.function(B, Probe.labelsProbe.selector)  # rebuilt from the ABI JSON
    assert f is not Probe.labelsProbe and f.signature == Probe.labelsProbe.signature


def test_labels_decode_in_a_process_that_never_saw_the_abi(tmp_path):
    labels = Labels()
    labels.label(A, "Alice", ABI_JSON)
    path = tmp_path / "labels.pkl"
    path.write_bytes(pickle.dumps(labels))
    selector = abi.get_abi("Probe", ABI_JSON).labelsProbe.selector
    code = (
        "import pickle, sys\n"
        "from verbs import abi\n"
        f"labels = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"assert {selector!r} not in abi.KNOWN_FUNCTIONS\n"
        f"f = labels.function({A!r}, {selector!r})\n"
        f"print(labels.name({A!r}), f.signature)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True, timeout=120)
    assert out.stdout.strip() == "Alice labelsProbe(address,uint256)"


def test_update_takes_the_other_labels():
    Probe = abi.get_abi("Probe", ABI_JSON)
    mine, theirs = Labels(), Labels()
    mine.label(A, "Old")
    theirs.label(A, "New")
    theirs.learn(B, Probe)
    mine.update(theirs)
    assert mine.names == {A: "New", B: "Probe"}
    assert mine.function(B, Probe.labelsProbe.selector) is Probe.labelsProbe
    with pytest.raises(TypeError):
        mine.update({A: "x"})


def test_a_mapping_is_labels_with_those_names():
    labels = as_labels({A: "Alice"})
    assert isinstance(labels, Labels) and labels.name(A) == "Alice"
    assert as_labels(None) is Labels.process()


# ---------------------------------------------------------------------- env registration
def _env_with_probe():
    env = verbs.envs.EmptyEnvRandom(3)
    env.create_account(SENDER, 10**18)
    env.set_code(A, RETURN_TRUE)
    return env


def test_env_label_goes_to_the_env_and_the_process():
    env = _env_with_probe()
    env.label(A, "EnvAlice", ABI_JSON)
    assert env.labels.name(A) == "EnvAlice"
    assert Labels.process().name(A) == "EnvAlice"
    assert isinstance(env.labels, Labels)


def test_function_call_and_execute_teach_the_env_the_abi_type():
    env = _env_with_probe()
    Probe = abi.get_abi("ProbeCalled", ABI_JSON)
    assert env.labels.name(A) is None
    assert Probe.labelsProbe.call(env, SENDER, A, [B, 1])[0] == (True,)
    assert env.labels.name(A) == "ProbeCalled"
    assert env.labels.abi_types(A) == [Probe]
    Probe.labelsProbe.execute(env, SENDER, "0x" + A.hex(), [B, 1])
    assert env.labels.abi_types(A) == [Probe]


def test_a_known_address_costs_one_lookup(monkeypatch):
    env = _env_with_probe()
    Probe = abi.get_abi("ProbeOnce", ABI_JSON)
    learned = []
    original = type(env)._learn_abi
    monkeypatch.setattr(type(env), "_learn_abi",
                        lambda self, a, t: (learned.append(a), original(self, a, t)))
    for _ in range(3):
        Probe.labelsProbe.call(env, SENDER, A, [B, 1])
    assert learned == [A]


def test_deploy_teaches_the_env_the_abi_type():
    env = _env_with_probe()
    Probe = abi.get_abi("ProbeDeployed", ABI_JSON)
    # creation code: return RETURN_TRUE as the runtime code
    init = bytes.fromhex("69") + RETURN_TRUE + bytes.fromhex("600052600a6016f3")
    address = Probe.constructor.deploy(env, SENDER, init)
    assert env.get_code(address) == RETURN_TRUE
    assert env.labels.name(address) == "ProbeDeployed"


def test_transaction_names_its_target_for_every_env():
    env = _env_with_probe()
    target = b"\x7a" * 20
    Probe = abi.get_abi("ProbeTransacted", ABI_JSON)
    tx = Probe.labelsProbe.transaction(SENDER, target, [B, 1])
    assert tx[1] == target and abi.TRANSACTION_TARGETS[target] is Probe
    assert env.labels.name(target) == "ProbeTransacted"
    # and the name travels: pickled labels carry what transactions taught them
    fresh = Labels(transactions=True)
    assert pickle.loads(pickle.dumps(fresh)).names[target] == "ProbeTransacted"
    # labels made on their own learn nothing from the process's transactions
    assert Labels().name(target) is None


def test_functions_pickle_without_their_abi_type():
    env = _env_with_probe()
    Probe = abi.get_abi("ProbePickled", ABI_JSON)
    f = pickle.loads(pickle.dumps(Probe.labelsProbe))
    assert f._owner is None
    assert f.call(env, SENDER, A, [B, 1])[0] == (True,)  # teaches nothing, still works
    assert env.labels.name(A) is None
