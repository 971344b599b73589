"""Tests of the EVM world state (verbs/_evm/state.pyx): journal, per-transaction sets, EIP-161
deletion, copy-on-write snapshots, serialization and the Backend."""
from __future__ import annotations

import copy
import gc
import os
import pickle

import pytest
from Crypto.Hash import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from verbs._evm import _testing, container
from verbs._evm.state import Snapshot, State, _live_code_count, _set_max_depth

A = bytes.fromhex("11" * 20)
B = bytes.fromhex("22" * 20)
C = bytes.fromhex("33" * 20)
EMPTY_HASH = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")


def k256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


class DictBackend:
    """A Backend answering from dicts, counting the questions it was asked."""

    def __init__(self, accounts=None, storage=None, fail=False):
        self.accounts = accounts or {}
        self.storage_map = storage or {}
        self.fail = fail
        self.calls = []

    def basic(self, address):
        self.calls.append(("basic", address))
        if self.fail:
            raise RuntimeError("backend down")
        return self.accounts.get(address)

    def storage(self, address, slot):
        self.calls.append(("storage", address, slot))
        if self.fail:
            raise RuntimeError("backend down")
        return self.storage_map.get((address, slot), 0)

    def block_hash(self, number):
        self.calls.append(("block_hash", number))
        return number.to_bytes(32, "big")

    def has_storage(self, address):
        return any(v for (a, _), v in self.storage_map.items() if a == address)


# --- basic accounts and storage ----------------------------------------------------------------


def test_set_account_and_reads():
    s = State()
    s.set_account(A, nonce=3, balance=10**30, code=b"\x60\x01", storage={1: 7, 2: 0})
    assert s.get_balance(A) == 10**30
    assert s.get_nonce(A) == 3
    assert s.get_code(A) == b"\x60\x01"
    assert s.get_storage(A, 1) == 7
    assert s.get_storage(A, 2) == 0
    assert s.account_exists(A)
    assert not s.account_exists(B)
    assert s.get_balance(B) == 0 and s.get_code(B) == b"" and s.get_nonce(B) == 0
    assert s.dump() == {A: (3, 10**30, b"\x60\x01", {1: 7})}


def test_set_account_storage_none_keeps_storage_and_dict_replaces_it():
    s = State()
    s.set_account(A, storage={1: 1, 2: 2})
    s.set_account(A, balance=5)
    assert s.get_storage(A, 1) == 1 and s.get_storage(A, 2) == 2
    s.set_account(A, balance=5, storage={3: 3})
    assert s.get_storage(A, 1) == 0 and s.get_storage(A, 3) == 3
    s.set_storage(A, 4, 9)
    assert s.dump()[A][3] == {3: 3, 4: 9}


def test_api_validates_arguments():
    s = State()
    with pytest.raises(TypeError, match="address must be bytes"):
        s.get_balance("0x" + "11" * 20)
    with pytest.raises(ValueError, match="20 bytes"):
        s.get_balance(b"\x01" * 19)
    with pytest.raises(ValueError, match="out of range"):
        s.set_account(A, balance=-1)
    with pytest.raises(ValueError, match="out of range"):
        s.set_account(A, nonce=2**64)
    with pytest.raises(TypeError, match="code must be bytes"):
        s.set_account(A, code="6001")
    with pytest.raises(TypeError, match="storage value must be an int"):
        s.set_account(A, storage={1: "x"})
    with pytest.raises(ValueError, match="out of range"):
        s.get_storage(A, 2**256)
    with pytest.raises(TypeError, match="snapshot must be a Snapshot"):
        State(snapshot=b"")
    with pytest.raises(TypeError, match="backend has no method"):
        State(backend=object())
    with pytest.raises(AttributeError):
        s.no_such_method  # noqa: B018


def test_balance_ops_and_sub_balance_insufficient():
    s = State()
    _testing.add_balance(s, A, 5)
    _testing.add_balance(s, A, 7)
    assert s.get_balance(A) == 12
    assert not _testing.sub_balance(s, A, 13)
    assert s.get_balance(A) == 12
    assert _testing.sub_balance(s, A, 12)
    assert s.get_balance(A) == 0
    _testing.set_balance(s, B, 2**256 - 1)
    assert s.get_balance(B) == 2**256 - 1


def test_code_shared_by_hash_and_freed():
    gc.collect()
    before = _live_code_count()
    s = State()
    code = b"\x60\x00\x5b\x5b" + bytes(range(200))
    s.set_account(A, code=code)
    s.set_account(B, code=code)
    assert _testing.code_shared(s, A, B)
    assert _live_code_count() == before + 1
    assert _testing.code_hash(s, A) == k256(code)
    del s
    gc.collect()
    assert _live_code_count() == before


def test_code_hash_rules():
    s = State()
    assert _testing.code_hash(s, A) == bytes(32)          # absent
    s.set_account(A, balance=1)
    assert _testing.code_hash(s, A) == EMPTY_HASH         # exists, no code
    s.set_account(B)                                  # exists but empty (EIP-161): zero
    assert _testing.code_hash(s, B) == bytes(32)


def test_jumpdests_skip_push_data():
    s = State()
    # JUMPDEST, PUSH2 0x5b5b, JUMPDEST, PUSH32 (truncated: all data), ...
    code = bytes([0x5B, 0x61, 0x5B, 0x5B, 0x5B, 0x7F]) + b"\x5b" * 5
    s.set_account(A, code=code)
    bits = _testing.jumpdests(s, A)
    jd = {i for i in range(len(code)) if bits[i >> 3] >> (i & 7) & 1}
    assert jd == {0, 4}
    assert _testing.jumpdests(s, A) == bits               # cached
    assert _testing.jumpdests(s, B) == b"\x00"            # empty code


def test_block_hash_empty_backend_and_backend():
    s = State()
    assert _testing.block_hash(s, 17) == k256(b"17")
    assert _testing.block_hash(s, 0) == k256(b"0")
    be = DictBackend()
    t = State(be)
    assert _testing.block_hash(t, 5) == (5).to_bytes(32, "big")
    assert _testing.block_hash(t, 5) == (5).to_bytes(32, "big")
    assert be.calls == [("block_hash", 5)]           # cached


# --- journal -----------------------------------------------------------------------------------


def test_revert_undoes_every_kind_of_change():
    s = State()
    s.set_account(A, nonce=1, balance=100, code=b"\x01", storage={1: 11})
    s.set_account(B, balance=5)
    cp = _testing.checkpoint(s)
    _testing.set_balance(s, A, 1)
    _testing.set_nonce(s, A, 9)
    _testing.set_code(s, A, b"\x02\x03")
    _testing.sstore(s, A, 1, 12)
    _testing.sstore(s, A, 2, 22)
    _testing.tstore(s, A, 1, 5)
    _testing.warm_account(s, C)
    _testing.warm_slot(s, A, 1)
    _testing.create_account(s, C)
    _testing.selfdestruct(s, B)
    _testing.touch(s, B)
    assert _testing.tload(s, A, 1) == 5
    assert _testing.created_in_tx(s, C)
    _testing.revert(s, cp)
    assert s.get_balance(A) == 100 and s.get_nonce(A) == 1 and s.get_code(A) == b"\x01"
    assert s.get_storage(A, 1) == 11 and s.get_storage(A, 2) == 0
    assert _testing.tload(s, A, 1) == 0
    assert not _testing.warm_account(s, C)               # was cold again
    assert not _testing.warm_slot(s, A, 1)
    assert not _testing.created_in_tx(s, C)
    assert not s.account_exists(C)
    _testing.commit_tx(s)
    assert s.get_balance(B) == 5                     # the selfdestruct was reverted


def test_nested_checkpoints():
    s = State()
    s.set_account(A, storage={1: 1})
    cp1 = _testing.checkpoint(s)
    _testing.sstore(s, A, 1, 2)
    cp2 = _testing.checkpoint(s)
    _testing.sstore(s, A, 1, 3)
    _testing.revert(s, cp2)
    assert s.get_storage(A, 1) == 2
    _testing.revert(s, cp1)
    assert s.get_storage(A, 1) == 1


def test_commit_keeps_and_discard_drops():
    s = State()
    s.set_account(A, balance=10)
    _testing.set_balance(s, A, 20)
    _testing.sstore(s, A, 5, 5)
    _testing.commit_tx(s)
    assert s.get_balance(A) == 20 and s.get_storage(A, 5) == 5
    _testing.set_balance(s, A, 30)
    _testing.sstore(s, A, 5, 6)
    _testing.discard_tx(s)
    assert s.get_balance(A) == 20 and s.get_storage(A, 5) == 5


def test_original_values_eip2200():
    s = State()
    s.set_account(A, code=b"\x00", nonce=1, storage={1: 10})
    assert _testing.original(s, A, 1) == 10
    _testing.sstore(s, A, 1, 11)
    _testing.sstore(s, A, 1, 12)
    assert _testing.original(s, A, 1) == 10
    assert _testing.original(s, A, 2) == 0
    cp = _testing.checkpoint(s)
    _testing.sstore(s, A, 2, 5)
    _testing.revert(s, cp)
    assert _testing.original(s, A, 2) == 0
    _testing.commit_tx(s)
    assert _testing.original(s, A, 1) == 12              # the next transaction starts from here


def test_original_is_zero_for_created_account():
    s = State()
    _testing.create_account(s, A)
    _testing.sstore(s, A, 1, 3)
    assert _testing.original(s, A, 1) == 0


def test_transient_storage_cleared_per_transaction():
    s = State()
    _testing.tstore(s, A, 1, 9)
    assert _testing.tload(s, A, 1) == 9
    assert _testing.tload(s, B, 1) == 0
    _testing.commit_tx(s)
    assert _testing.tload(s, A, 1) == 0
    _testing.tstore(s, A, 1, 9)
    _testing.discard_tx(s)
    assert _testing.tload(s, A, 1) == 0


def test_warm_sets_per_transaction():
    s = State()
    assert _testing.warm_account(s, A) is False
    assert _testing.warm_account(s, A) is True
    assert _testing.warm_slot(s, A, 1) is False
    assert _testing.warm_slot(s, A, 1) is True
    assert _testing.warm_slot(s, B, 1) is False
    _testing.commit_tx(s)
    assert _testing.warm_account(s, A) is False
    assert _testing.warm_slot(s, A, 1) is False


# --- EIP-161, selfdestruct, CREATE --------------------------------------------------------------


def test_touched_empty_accounts_deleted_at_commit():
    s = State()
    s.set_account(A)                                 # exists, empty
    s.set_account(B)                                 # exists, empty, not touched
    _testing.touch(s, A)
    _testing.add_balance(s, C, 0)                        # creates and touches an empty account
    assert s.account_exists(C)
    _testing.commit_tx(s)
    assert not s.account_exists(A)
    assert not s.account_exists(C)
    assert s.account_exists(B)


def test_touch_reverted_is_forgotten():
    s = State()
    s.set_account(A)
    cp = _testing.checkpoint(s)
    _testing.touch(s, A)
    _testing.revert(s, cp)
    _testing.commit_tx(s)
    assert s.account_exists(A)


def test_touched_non_empty_survives():
    s = State()
    s.set_account(A, balance=1)
    _testing.touch(s, A)
    _testing.commit_tx(s)
    assert s.account_exists(A)


def test_selfdestruct_deletes_at_commit_with_storage():
    s = State()
    s.set_account(A, nonce=1, balance=5, code=b"\x00", storage={1: 1})
    _testing.selfdestruct(s, A)
    assert s.account_exists(A)                       # until the end of the transaction
    assert s.get_storage(A, 1) == 1
    _testing.commit_tx(s)
    assert not s.account_exists(A)
    assert s.get_storage(A, 1) == 0 and s.get_code(A) == b""
    _testing.add_balance(s, A, 3)                        # re-created: no old storage
    _testing.commit_tx(s)
    assert s.get_storage(A, 1) == 0 and s.get_balance(A) == 3


def test_create_account_clears_storage_keeps_balance():
    s = State()
    s.set_account(A, nonce=4, balance=7, code=b"\x01", storage={1: 1})
    assert _testing.has_storage(s, A)
    _testing.create_account(s, A)
    assert s.get_storage(A, 1) == 0 and s.get_balance(A) == 7
    assert s.get_nonce(A) == 0 and s.get_code(A) == b""
    assert not _testing.has_storage(s, A)
    _testing.sstore(s, A, 2, 2)
    assert _testing.has_storage(s, A)
    _testing.discard_tx(s)
    assert s.get_storage(A, 1) == 1 and s.get_nonce(A) == 4 and _testing.has_storage(s, A)


def test_has_storage_tracks_zeroing():
    s = State()
    s.set_account(A, storage={1: 1, 2: 2})
    _testing.sstore(s, A, 1, 0)
    assert _testing.has_storage(s, A)
    _testing.sstore(s, A, 2, 0)
    assert not _testing.has_storage(s, A)
    _testing.commit_tx(s)
    assert not _testing.has_storage(s, A)
    assert not _testing.has_storage(s, B)


def test_is_empty():
    s = State()
    assert _testing.is_empty(s, A)
    s.set_account(A)
    assert _testing.is_empty(s, A)
    s.set_account(A, nonce=1)
    assert not _testing.is_empty(s, A)


# --- property test against a dict model -------------------------------------------------------

ADDRS = [A, B, C]
SLOTS = [0, 1, 2**255 + 3]
VALUES = st.sampled_from([0, 1, 2, 2**256 - 1])


class Model:
    """The state as Python dicts: addr -> [balance, nonce, code, {slot: value}]."""

    def __init__(self, accts):
        self.accts = accts
        self.tx_start = copy.deepcopy(accts)
        self.transient = {}
        self.warm_a, self.warm_s = set(), set()
        self.created, self.destructed, self.touched = set(), set(), set()

    def copy(self):
        m = copy.deepcopy(self)
        m.tx_start = self.tx_start
        return m

    def acct(self, a):
        return self.accts.setdefault(a, [0, 0, b"", {}])

    def end_tx(self, commit):
        if commit:
            for a in self.destructed:
                self.accts.pop(a, None)
            for a in self.touched:
                x = self.accts.get(a)
                if x is not None and x[0] == 0 and x[1] == 0 and x[2] == b"":
                    del self.accts[a]
        self.tx_start = copy.deepcopy(self.accts)
        self.transient = {}
        self.warm_a, self.warm_s = set(), set()
        self.created, self.destructed, self.touched = set(), set(), set()


class StateMachine(RuleBasedStateMachine):
    backend_accounts: dict = {}
    backend_storage: dict = {}

    def make_state(self):
        return State()

    @initialize()
    def setup(self):
        self.state = self.make_state()
        accts = {a: [b, n, c,
                     {s: v for (aa, s), v in self.backend_storage.items() if aa == a and v}]
                 for a, (b, n, c) in self.backend_accounts.items()}
        self.model = Model(accts)
        self.cps = []          # (real checkpoint, model copy)
        self.in_tx = False
        self.snapshots = []    # (Snapshot, expected dump)

    def touch(self, a):
        self.model.touched.add(a)
        self.in_tx = True

    @rule(a=st.sampled_from(ADDRS), v=VALUES)
    def set_balance(self, a, v):
        _testing.set_balance(self.state, a, v)
        self.model.acct(a)[0] = v
        self.touch(a)

    @rule(a=st.sampled_from(ADDRS), v=st.sampled_from([0, 1, 5]))
    def add_balance(self, a, v):
        _testing.add_balance(self.state, a, v)
        x = self.model.acct(a)
        x[0] = (x[0] + v) % 2**256                  # add_balance wraps (cannot happen on chain)
        self.touch(a)

    @rule(a=st.sampled_from(ADDRS), v=st.sampled_from([0, 1, 5]))
    def sub_balance(self, a, v):
        ok = _testing.sub_balance(self.state, a, v)
        bal = self.model.accts[a][0] if a in self.model.accts else 0
        assert ok == (bal >= v)
        if ok:
            self.model.acct(a)[0] -= v
            self.touch(a)

    @rule(a=st.sampled_from(ADDRS), n=st.sampled_from([0, 1, 2**64 - 1]))
    def set_nonce(self, a, n):
        _testing.set_nonce(self.state, a, n)
        self.model.acct(a)[1] = n
        self.touch(a)

    @rule(a=st.sampled_from(ADDRS), code=st.sampled_from([b"", b"\x00", b"\x5b\x60\x5b"]))
    def set_code(self, a, code):
        _testing.set_code(self.state, a, code)
        self.model.acct(a)[2] = code
        self.touch(a)

    @rule(a=st.sampled_from(ADDRS), s=st.sampled_from(SLOTS), v=VALUES)
    def sstore(self, a, s, v):
        if a not in self.model.accts:
            return
        _testing.sstore(self.state, a, s, v)
        self.model.accts[a][3][s] = v
        self.in_tx = True

    def original(self, a, s):
        if a in self.model.created:
            return 0
        y = self.model.tx_start.get(a)
        return y[3].get(s, 0) if y else 0

    @rule(a=st.sampled_from(ADDRS), s=st.sampled_from(SLOTS), v=VALUES)
    def sstore_fused(self, a, s, v):
        """The interpreter's SSTORE: sstore_prepare then sstore_known."""
        if a not in self.model.accts:
            return
        warm, orig, cur = _testing.sstore_prepare(self.state, a, s)
        assert warm == ((a, s) in self.model.warm_s)
        assert cur == self.model.accts[a][3].get(s, 0)
        assert orig == self.original(a, s)
        _testing.sstore_known(self.state, a, s, cur, v)
        self.model.warm_s.add((a, s))
        self.model.accts[a][3][s] = v
        self.in_tx = True

    @rule(a=st.sampled_from(ADDRS), s=st.sampled_from(SLOTS))
    def sload_warm(self, a, s):
        warm, value = _testing.sload_warm(self.state, a, s)
        assert warm == ((a, s) in self.model.warm_s)
        x = self.model.accts.get(a)
        assert value == (x[3].get(s, 0) if x else 0)
        self.model.warm_s.add((a, s))
        self.in_tx = True

    @rule(a=st.sampled_from(ADDRS), s=st.sampled_from(SLOTS), v=VALUES)
    def tstore(self, a, s, v):
        _testing.tstore(self.state, a, s, v)
        self.model.transient[(a, s)] = v
        self.in_tx = True

    @rule(a=st.sampled_from(ADDRS))
    def warm_account(self, a):
        assert _testing.warm_account(self.state, a) == (a in self.model.warm_a)
        self.model.warm_a.add(a)
        self.in_tx = True

    @rule(a=st.sampled_from(ADDRS), s=st.sampled_from(SLOTS))
    def warm_slot(self, a, s):
        assert _testing.warm_slot(self.state, a, s) == ((a, s) in self.model.warm_s)
        self.model.warm_s.add((a, s))
        self.in_tx = True

    @rule(a=st.sampled_from(ADDRS))
    def create_account(self, a):
        _testing.create_account(self.state, a)
        x = self.model.acct(a)
        x[1], x[2], x[3] = 0, b"", {}
        self.model.created.add(a)
        self.touch(a)

    @rule(a=st.sampled_from(ADDRS))
    def selfdestruct(self, a):
        _testing.selfdestruct(self.state, a)
        self.model.destructed.add(a)
        self.in_tx = True

    @rule(a=st.sampled_from(ADDRS))
    def touch_rule(self, a):
        _testing.touch(self.state, a)
        self.touch(a)

    @rule()
    def checkpoint(self):
        self.cps.append((_testing.checkpoint(self.state), self.model.copy()))

    @precondition(lambda self: self.cps)
    @rule(data=st.data())
    def revert(self, data):
        i = data.draw(st.integers(0, len(self.cps) - 1))
        cp, m = self.cps[i]
        _testing.revert(self.state, cp)
        self.model = m.copy()
        del self.cps[i + 1:]

    @rule(then=st.sampled_from([None, "export", "export and fork"]))
    def commit(self, then):
        _testing.commit_tx(self.state)
        self.model.end_tx(commit=True)
        self.cps = []
        self.in_tx = False
        if then is not None:
            self.export(fork=then == "export and fork")

    @rule()
    def discard(self):
        _testing.discard_tx(self.state)
        self.model.accts = copy.deepcopy(self.model.tx_start)
        self.model.end_tx(commit=False)
        self.cps = []
        self.in_tx = False

    def export(self, fork):
        snap = self.state.export_snapshot()
        self.snapshots.append((snap, self.expected_dump()))
        if fork:
            self.state = self.rebuild(snap)

    def rebuild(self, snap):
        return State(snapshot=snap)

    def expected_dump(self):
        return {a: (x[1], x[0], x[2], {s: v for s, v in x[3].items() if v})
                for a, x in self.model.accts.items()}

    @invariant()
    def matches_model(self):
        if not hasattr(self, "state"):
            return
        for a in ADDRS:
            x = self.model.accts.get(a)
            assert self.state.account_exists(a) == (x is not None)
            assert self.state.get_balance(a) == (x[0] if x else 0)
            assert self.state.get_nonce(a) == (x[1] if x else 0)
            assert self.state.get_code(a) == (x[2] if x else b"")
            for s in SLOTS:
                assert self.state.get_storage(a, s) == (x[3].get(s, 0) if x else 0)
                assert _testing.tload(self.state, a, s) == self.model.transient.get((a, s), 0)
                assert _testing.original(self.state, a, s) == self.original(a, s)
            assert _testing.created_in_tx(self.state, a) == (a in self.model.created)
            if not self.backend_storage:
                assert _testing.has_storage(self.state, a) == bool(x and any(x[3].values()))

    @invariant()
    def snapshots_unchanged(self):
        if not hasattr(self, "snapshots"):
            return
        for snap, expected in self.snapshots[-3:]:
            assert snap.dump() == expected


class BackendStateMachine(StateMachine):
    backend_accounts = {A: (7, 1, b"\x5b"), B: (0, 0, b"")}
    backend_storage = {(A, 1): 5, (A, 0): 0, (B, 2**255 + 3): 9}

    def make_state(self):
        self.be = DictBackend(dict(self.backend_accounts), dict(self.backend_storage))
        return State(self.be)

    def rebuild(self, snap):
        return State(self.be, snapshot=snap)

    def expected_dump(self):
        # dump() lists what the layers hold: only accounts the Backend was asked about
        # (every address of the invariant is read, so all of them) and the storage fetched
        return {a: (x[1], x[0], x[2], {s: v for s, v in x[3].items() if v})
                for a, x in self.model.accts.items()}


class ShallowChainStateMachine(BackendStateMachine):
    """The Backend model, flattening the chain at every export (flattening exercised often)."""

    @initialize()
    def shallow(self):
        self.old_depth = _set_max_depth(1)

    def teardown(self):
        if hasattr(self, "old_depth"):
            _set_max_depth(self.old_depth)


PROPERTY = settings(max_examples=150, stateful_step_count=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TestStateModel = StateMachine.TestCase
TestStateModel.settings = PROPERTY
TestBackendStateModel = BackendStateMachine.TestCase
TestBackendStateModel.settings = PROPERTY
TestShallowChainStateModel = ShallowChainStateMachine.TestCase
TestShallowChainStateModel.settings = PROPERTY


# --- snapshots ---------------------------------------------------------------------------------


def test_snapshot_isolation():
    s = State()
    s.set_account(A, balance=1, storage={1: 1})
    snap = s.export_snapshot()
    x = State(snapshot=snap)
    y = State(snapshot=snap)
    _testing.sstore(x, A, 1, 2)
    _testing.set_balance(x, A, 2)
    _testing.commit_tx(x)
    _testing.sstore(y, A, 1, 3)
    _testing.commit_tx(y)
    _testing.sstore(s, A, 1, 4)
    _testing.commit_tx(s)
    assert x.get_storage(A, 1) == 2 and x.get_balance(A) == 2
    assert y.get_storage(A, 1) == 3 and y.get_balance(A) == 1
    assert s.get_storage(A, 1) == 4 and s.get_balance(A) == 1
    assert State(snapshot=snap).get_storage(A, 1) == 1
    assert snap.dump() == {A: (0, 1, b"", {1: 1})}


def test_deleted_account_and_zeroed_slot_shadow_lower_layers():
    s = State()
    s.set_account(A, nonce=1, storage={1: 1, 2: 2})
    s.set_account(B, balance=1)
    base = s.export_snapshot()
    t = State(snapshot=base)
    _testing.sstore(t, A, 1, 0)
    _testing.selfdestruct(t, B)
    _testing.commit_tx(t)
    top = t.export_snapshot()
    u = State(snapshot=top)
    assert u.get_storage(A, 1) == 0 and u.get_storage(A, 2) == 2
    assert not u.account_exists(B)
    assert top.dump() == {A: (1, 0, b"", {2: 2})}
    assert base.dump() == {A: (1, 0, b"", {1: 1, 2: 2}), B: (0, 1, b"", {})}


def test_create_account_storage_hidden_across_layers():
    s = State()
    s.set_account(A, balance=3, storage={1: 1})
    snap = s.export_snapshot()
    t = State(snapshot=snap)
    _testing.create_account(t, A)
    _testing.sstore(t, A, 2, 2)
    _testing.commit_tx(t)
    assert t.get_storage(A, 1) == 0 and t.get_storage(A, 2) == 2
    t2 = State(snapshot=t.export_snapshot())
    assert t2.get_storage(A, 1) == 0 and t2.get_storage(A, 2) == 2
    assert t2.dump() == {A: (0, 3, b"", {2: 2})}


def test_export_costs_nothing_without_changes_and_refuses_inside_tx():
    s = State()
    s.set_account(A, balance=1)
    s1 = s.export_snapshot()
    s2 = s.export_snapshot()
    assert s1 == s2 and s1.depth == s2.depth == 1
    _testing.set_balance(s, A, 2)
    with pytest.raises(RuntimeError, match="inside a transaction"):
        s.export_snapshot()
    with pytest.raises(RuntimeError, match="inside a transaction"):
        s.set_account(A)


def test_chain_is_flattened_when_deep():
    s = State()
    for i in range(60):
        s.set_account(bytes([i + 1]) * 20, balance=i, storage={i: i + 1})
        s.set_storage(b"\xaa" * 20, i, i)
        snap = s.export_snapshot()
        assert snap.depth <= 17
        s = State(snapshot=snap)
    d = s.dump()
    assert len(d) == 61
    assert d[b"\xaa" * 20] == (0, 0, b"", {i: i for i in range(1, 60)})
    assert d[bytes([60]) * 20] == (0, 59, b"", {59: 60})


def test_snapshot_equality():
    s = State()
    s.set_account(A, balance=1, storage={1: 1})
    x = s.export_snapshot()
    t = State()
    t.set_account(A, balance=1, storage={1: 1, 2: 0})
    t.set_account(B)
    _testing.selfdestruct(t, B)
    _testing.commit_tx(t)
    y = t.export_snapshot()
    assert x == y                          # a zero slot equals an absent one; dead is absent
    t.set_storage(A, 1, 2)
    assert x != t.export_snapshot()
    assert x != object()


def test_snapshot_bytes_roundtrip_and_pickle():
    be = DictBackend({C: (1, 2, b"\x01")}, {(C, 5): 6})
    s = State(be)
    s.set_account(A, nonce=2, balance=2**200, code=b"\x60\x00" * 50, storage={1: 1, 2**256 - 1: 3})
    s.set_account(B, code=b"\x60\x00" * 50)
    assert s.get_storage(C, 5) == 6                    # fetched: part of the snapshot
    snap = s.export_snapshot()
    data = snap.to_bytes()
    assert data[:8] == b"VERBSNAP"
    back = Snapshot.from_bytes(data)
    assert back == snap and back.to_bytes() == data
    assert pickle.loads(pickle.dumps(snap)) == snap
    assert back.dump()[C] == (2, 1, b"\x01", {5: 6})
    # a State on the restored snapshot with the same backend does not ask again
    be.calls.clear()
    t = State(be, snapshot=back)
    assert t.get_storage(C, 5) == 6 and t.get_balance(C) == 1
    assert be.calls == []


def test_snapshot_bytes_keep_tombstones_over_backend():
    be = DictBackend({A: (5, 0, b"")}, {(A, 1): 1, (B, 1): 1})
    s = State(be)
    s.set_account(B, storage={})                       # own storage: the Backend's is gone
    _testing.selfdestruct(s, A)
    _testing.commit_tx(s)
    assert not s.account_exists(A) and s.get_storage(B, 1) == 0
    t = State(be, snapshot=Snapshot.from_bytes(s.export_snapshot().to_bytes()))
    assert not t.account_exists(A)
    assert t.get_storage(B, 1) == 0 and t.get_storage(A, 1) == 0


def _corrupt(data, i, byte):
    return data[:i] + bytes([byte]) + data[i + 1:]


def test_snapshot_from_bytes_errors():
    s = State()
    s.set_account(A, balance=1, storage={1: 1})
    data = s.export_snapshot().to_bytes()
    with pytest.raises(ValueError, match="magic"):
        Snapshot.from_bytes(b"NOTASNAP" + data[8:])
    with pytest.raises(ValueError, match="version"):
        Snapshot.from_bytes(data[:8] + (99).to_bytes(2, "little") + data[10:])
    with pytest.raises(ValueError, match="truncated"):
        Snapshot.from_bytes(data[:-3])
    with pytest.raises(ValueError, match="truncated"):
        Snapshot.from_bytes(data[:12])
    with pytest.raises(ValueError, match="trailing"):
        Snapshot.from_bytes(data + b"\0")
    with pytest.raises(ValueError, match="corrupt"):
        Snapshot.from_bytes(_corrupt(data, len(data) - 5, data[-5] ^ 0xFF))
    with pytest.raises(TypeError):
        Snapshot.from_bytes("text")

    # raw (uncompressed) bodies with a right checksum but malformed content
    def framed(raw):
        return container.pack("state", raw)

    def account(addr, status=1):
        return addr + bytes([status, 0]) + bytes(8 + 32) + bytes(4) + bytes(4)

    assert Snapshot.from_bytes(framed((2).to_bytes(8, "little") + account(A) + account(B))).dump() \
        == {A: (0, 0, b"", {}), B: (0, 0, b"", {})}
    with pytest.raises(ValueError, match="truncated"):
        Snapshot.from_bytes(framed((5).to_bytes(8, "little")))
    with pytest.raises(ValueError, match="not in order"):
        Snapshot.from_bytes(framed((2).to_bytes(8, "little") + account(B) + account(A)))
    with pytest.raises(ValueError, match="bad account status"):
        Snapshot.from_bytes(framed((1).to_bytes(8, "little") + account(A, status=7)))
    with pytest.raises(ValueError, match="unparsed"):
        Snapshot.from_bytes(framed((1).to_bytes(8, "little") + account(A) + b"\0"))


def test_snapshot_memory_freed():
    gc.collect()
    before = _live_code_count()
    s = State()
    s.set_account(A, code=b"\xfe\xfe\xfe")
    snap = s.export_snapshot()
    del s
    gc.collect()
    assert _live_code_count() == before + 1            # the snapshot keeps the layer alive
    t = State(snapshot=snap)
    del snap
    gc.collect()
    assert t.get_code(A) == b"\xfe\xfe\xfe"
    del t
    gc.collect()
    assert _live_code_count() == before


# --- Backend -----------------------------------------------------------------------------------


def test_backend_answers_misses_once():
    be = DictBackend({A: (10, 2, b"\x5b")}, {(A, 1): 42})
    s = State(be)
    assert s.get_balance(A) == 10 and s.get_nonce(A) == 2 and s.get_code(A) == b"\x5b"
    assert s.get_storage(A, 1) == 42 and s.get_storage(A, 1) == 42
    assert s.get_storage(A, 2) == 0
    assert not s.account_exists(B) and not s.account_exists(B)
    assert be.calls == [("basic", A), ("storage", A, 1), ("storage", A, 2), ("basic", B)]
    snap = s.export_snapshot()
    assert snap.dump() == {A: (2, 10, b"\x5b", {1: 42})}  # fetched entries are exported


def test_backend_written_slot_not_fetched_again():
    be = DictBackend({A: (0, 1, b"")}, {(A, 1): 42})
    s = State(be)
    _testing.sstore(s, A, 1, 7)
    assert _testing.original(s, A, 1) == 42
    _testing.commit_tx(s)
    n = len(be.calls)
    assert s.get_storage(A, 1) == 7
    assert len(be.calls) == n


def test_backend_exception_propagates():
    be = DictBackend(fail=True)
    s = State(be)
    with pytest.raises(RuntimeError, match="backend down"):
        s.get_balance(A)
    with pytest.raises(RuntimeError, match="backend down"):
        _testing.sstore(s, A, 1, 1)


def test_backend_bad_answer_is_a_type_error():
    class Bad(DictBackend):
        def basic(self, address):
            return (1, 2)

    with pytest.raises(TypeError, match="balance, nonce, code"):
        State(Bad()).get_balance(A)


def test_backend_has_storage_is_asked():
    be = DictBackend({A: (0, 0, b"")}, {(A, 3): 1})
    s = State(be)
    assert _testing.has_storage(s, A)
    assert not _testing.has_storage(s, B)


def test_state_from_snapshot_shares_layers():
    s = State()
    s.set_account(A, storage={i: i for i in range(1, 1000)})
    snap = s.export_snapshot()
    before = _testing.snapshot_refcounts(snap)
    x = State(snapshot=snap)
    y = State(snapshot=snap)
    assert x.depth == y.depth == snap.depth + 1
    after = _testing.snapshot_refcounts(snap)
    assert after[0] == before[0] + 2 and after[1:] == before[1:]   # shared, not copied
    del x, y
    gc.collect()
    assert _testing.snapshot_refcounts(snap) == before


def test_flatten_keeps_shadows_over_backend():
    be = DictBackend({A: (1, 1, b""), B: (2, 0, b"")}, {(A, 1): 5, (A, 2): 6})
    s = State(be)
    _testing.sstore(s, A, 1, 0)
    _testing.selfdestruct(s, B)
    _testing.commit_tx(s)
    for i in range(40):
        s.set_storage(C, i, i + 1)
        s = State(be, snapshot=s.export_snapshot())
    be.calls.clear()
    assert s.get_storage(A, 1) == 0 and not s.account_exists(B)
    assert s.get_storage(A, 2) == 6                  # never fetched: asked now
    assert be.calls == [("storage", A, 2)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_reads_snapshot():
    s = State()
    s.set_account(A, balance=3, storage={1: 2})
    snap = s.export_snapshot()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                     # child: build a State on the inherited layers
        try:
            t = State(snapshot=snap)
            _testing.sstore(t, A, 1, 9)
            _testing.commit_tx(t)
            os.write(w, f"{t.get_storage(A, 1)},{State(snapshot=snap).get_storage(A, 1)}".encode())
        finally:
            os._exit(0)
    os.close(w)
    got = os.read(r, 100).decode()
    os.close(r)
    os.waitpid(pid, 0)
    assert got == "9,2"
    assert State(snapshot=snap).get_storage(A, 1) == 2


def test_has_storage_with_backend_lacking_the_method():
    class Plain(DictBackend):
        has_storage = None

    be = Plain({A: (0, 1, b"")}, {(A, 3): 1})
    s = State(be)
    assert not _testing.has_storage(s, A)                # unknown Backend storage counts as none
    _testing.sstore(s, A, 4, 1)
    assert _testing.has_storage(s, A)                    # but local writes count


def test_snapshot_equality_details():
    def snap(**accounts):
        s = State()
        for name, kw in accounts.items():
            s.set_account(bytes.fromhex(name[1:] * 20), **kw)
        return s.export_snapshot()

    base = snap(a11=dict(nonce=1, balance=2, code=b"\x01", storage={1: 1}))
    assert base == snap(a11=dict(nonce=1, balance=2, code=b"\x01", storage={1: 1, 5: 0}))
    assert base != snap(a11=dict(nonce=2, balance=2, code=b"\x01", storage={1: 1}))
    assert base != snap(a11=dict(nonce=1, balance=3, code=b"\x01", storage={1: 1}))
    assert base != snap(a11=dict(nonce=1, balance=2, code=b"\x02", storage={1: 1}))
    assert base != snap(a11=dict(nonce=1, balance=2, code=b"\x01", storage={1: 2}))
    assert base != snap(a11=dict(nonce=1, balance=2, code=b"\x01", storage={1: 1, 2: 1}))
    assert base != snap(a11=dict(nonce=1, balance=2, code=b"\x01", storage={1: 1}), a22={})
    assert snap() == snap()


def test_snapshot_save_load(tmp_path):
    s = State()
    s.set_account(A, nonce=1, code=b"\x60\x00", storage={7: 8})
    snap = s.export_snapshot()
    path = tmp_path / "state.snap"
    snap.save(path)
    assert Snapshot.load(path) == snap
    path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="magic"):
        Snapshot.load(path)


def test_deleted_account_storage_stays_hidden():
    s = State()
    _testing.add_balance(s, A, 1)                        # storage incarnation of the account: 0
    _testing.sstore(s, A, 1, 5)
    _testing.commit_tx(s)
    _testing.create_account(s, A)                        # a new incarnation hides slot 1
    _testing.selfdestruct(s, A)
    _testing.commit_tx(s)
    assert not s.account_exists(A) and s.get_storage(A, 1) == 0
    _testing.add_balance(s, A, 1)
    _testing.commit_tx(s)
    assert s.get_storage(A, 1) == 0
    assert State(snapshot=s.export_snapshot()).get_storage(A, 1) == 0


def test_deleted_never_existing_accounts_leave_nothing():
    s = State()
    for i in range(100):
        _testing.add_balance(s, bytes([i]) * 20, 0)      # created empty and touched
    _testing.commit_tx(s)
    assert s.dump() == {}
    assert s.export_snapshot().to_bytes() == State().export_snapshot().to_bytes()


def test_fused_sstore_and_sload_match_the_separate_calls():
    s = State()
    s.set_account(A, nonce=1, storage={1: 10})
    assert _testing.sload_warm(s, A, 1) == (False, 10)
    assert _testing.sload_warm(s, A, 1) == (True, 10)
    assert _testing.sstore_prepare(s, A, 2) == (False, 0, 0)
    _testing.sstore_known(s, A, 2, 0, 7)
    assert _testing.sstore_prepare(s, A, 1) == (True, 10, 10)
    _testing.sstore_known(s, A, 1, 10, 11)
    assert _testing.sstore_prepare(s, A, 1) == (True, 10, 11)
    assert _testing.original(s, A, 2) == 0 and s.get_storage(A, 2) == 7
    assert _testing.has_storage(s, A)
    _testing.discard_tx(s)
    assert s.get_storage(A, 1) == 10 and s.get_storage(A, 2) == 0
    assert _testing.sload_warm(s, A, 1) == (False, 10)   # warmth was discarded too


def test_sstore_known_without_prepare_records_the_original():
    s = State()
    s.set_account(A, nonce=1, storage={1: 10})
    _testing.sstore_known(s, A, 1, 10, 12)
    assert _testing.original(s, A, 1) == 10 and s.get_storage(A, 1) == 12


def test_sstore_known_after_an_incarnation_change_uses_the_new_one():
    s = State()
    s.set_account(A, nonce=1, storage={1: 10})
    assert _testing.sstore_prepare(s, A, 1) == (False, 10, 10)
    _testing.create_account(s, A)                        # not what an SSTORE does; must stay right
    _testing.sstore_known(s, A, 1, 0, 5)
    assert s.get_storage(A, 1) == 5
    cp = _testing.checkpoint(s)
    assert _testing.sstore_prepare(s, A, 1) == (True, 0, 5)
    _testing.revert(s, cp)
    _testing.sstore_known(s, A, 1, 5, 6)
    assert s.get_storage(A, 1) == 6
