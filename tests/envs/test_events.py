"""The compact event store: events recorded as packed bytes read back as the EVM made them."""
import pickle

import pytest

from verbs import envs, utils
from verbs.envs.events import Event, EventStore, Log
from verbs.errors import RevertError

SENDER = utils.int_to_address(7)
EMITTERS = {n: utils.int_to_address(0xE000 + n) for n in range(5)}  # LOG0 .. LOG4
TWICE = utils.int_to_address(0xE100)     # LOG2 of the same data and topics, twice
REVERTER = utils.int_to_address(0xE200)  # reverts with no data


def _emitter(n_topics: int, times: int = 1) -> bytes:
    """Runtime code: LOG<n_topics> of calldata[132:], topic i = calldata word at 4 + 32 i."""
    one = b""
    for i in reversed(range(n_topics)):
        one += bytes([0x60, 4 + 32 * i, 0x35])          # PUSH1 4+32i CALLDATALOAD
    one += bytes([0x60, 0x84, 0x36, 0x03])              # PUSH1 132 CALLDATASIZE SUB: size
    one += bytes([0x80, 0x60, 0x84, 0x5F, 0x37])        # DUP1 PUSH1 132 PUSH0 CALLDATACOPY
    one += bytes([0x5F, 0xA0 + n_topics])               # PUSH0 LOGn
    return one * times + b"\x00"                        # STOP


def _call_data(topics: list[bytes], data: bytes, selector: bytes = b"\xab\xcd\xef\x01") -> bytes:
    words = b"".join(topics) + bytes(32 * (4 - len(topics)))
    return selector + words + data


def _topics(n: int, salt: int) -> list[bytes]:
    return [(salt * 16 + i + 1).to_bytes(32, "big") for i in range(n)]


@pytest.fixture
def logenv():
    env = envs.EmptyEnvRandom(11)
    env.create_account(SENDER, 10**20)
    for n, address in EMITTERS.items():
        env.set_code(address, _emitter(n))
    env.set_code(TWICE, _emitter(2, times=2))
    env.set_code(REVERTER, bytes([0x5F, 0x5F, 0xFD]))  # PUSH0 PUSH0 REVERT
    return env


def _expected(env, to: bytes, data: bytes) -> list[Log]:
    """The logs the EVM produces for the transaction, through env.call (Result.logs)."""
    return env.call(SENDER, to, data)[1]


def _assert_same_logs(got: list[Log], want: list[Log]) -> None:
    assert got == want
    for g, w in zip(got, want):
        assert type(g) is Log
        assert g.address == w.address and g.topics == w.topics and g.data == w.data
        assert all(type(t) is bytes for t in g.topics) and type(g.data) is bytes


def test_events_carry_the_logs_the_evm_produced(logenv):
    env = logenv
    sizes = [0, 1, 31, 32, 33, 1000, 70_000]
    cases = []
    for n in range(5):
        for size in sizes:
            data = bytes((i * 7 + n) % 256 for i in range(size))
            cases.append((EMITTERS[n], _call_data(_topics(n, size), data)))
    cases.append((TWICE, _call_data(_topics(2, 9), b"twice")))
    expected = {call: _expected(env, to, call) for to, call in cases}
    assert expected[cases[-1][1]] and len(expected[cases[-1][1]]) == 2
    env.submit_transactions([(SENDER, to, call, True) for to, call in cases])
    env.process_block()
    events = env.get_last_events()
    assert len(events) == len(cases)
    assert [e.sequence for e in events] == list(range(len(cases)))
    for event in events:
        assert type(event) is Event
        assert event.success is True and event.step == 0
        assert event.selector == b"\xab\xcd\xef\x01"
    by_data = {}
    for event in events:
        # every emitted data starts after the topics: find the case through its logs
        key = next(c for _, c in cases if _logs_match(event.logs, expected[c]))
        by_data[key] = event
    assert len(by_data) == len(cases)
    for _, call in cases:
        _assert_same_logs(by_data[call].logs, expected[call])


def _logs_match(got, want) -> bool:
    return got == want and all(g.topics == w.topics for g, w in zip(got, want))


def test_failed_and_invalid_transactions_keep_their_selector(logenv):
    env = logenv
    env.submit_transaction(SENDER, REVERTER, b"\x12\x34\x56\x78rest", False)
    env.submit_transaction(SENDER, REVERTER, b"\x99", False)       # a 1-byte selector
    env.submit_transaction(SENDER, EMITTERS[0], b"", False)          # no calldata at all
    env.submit_transaction(SENDER, EMITTERS[1], b"\xde\xad", False,
                           nonce=10**6)                              # invalid: nonce too high
    env.process_block()
    events = sorted(env.get_last_events(), key=lambda e: e.selector)
    selectors = [e.selector for e in events]
    assert selectors == [b"", b"\x12\x34\x56\x78", b"\x99", b"\xde\xad"]
    by_selector = {e.selector: e for e in events}
    assert by_selector[b"\x12\x34\x56\x78"].success is False
    assert by_selector[b"\x99"].success is False
    assert by_selector[b"\xde\xad"].success is False    # invalid
    assert by_selector[b""].success is False            # the emitter underflows: calldata < 132
    assert all(e.logs == [] for e in events)
    assert sorted(e.sequence for e in events) == [0, 1, 2, 3]


def test_checked_failure_records_the_events_of_its_block(logenv):
    env = logenv
    env.submit_transaction(SENDER, REVERTER, b"\x12\x34\x56\x78", True)
    env.submit_transaction(SENDER, EMITTERS[2], _call_data(_topics(2, 3), b"ok"), True)
    with pytest.raises(RevertError):
        env.process_block()
    events = env.get_last_events()
    assert sorted(e.success for e in events) == [False, True]
    [ok] = [e for e in events if e.success]
    assert ok.logs[0].topics == tuple(_topics(2, 3)) and ok.logs[0].data == b"ok"


def _block(env, step: int, n: int) -> list[tuple[bytes, bytes]]:
    """Submit n emitting transactions for the block of `step` (some blocks empty)."""
    txs = []
    for i in range(n):
        topics = _topics(i % 5, step)
        txs.append((EMITTERS[i % 5], _call_data(topics, step.to_bytes(4, "big") + bytes([i]))))
    env.submit_transactions([(SENDER, to, call, False) for to, call in txs])
    return txs


def _key(event: Event):
    return [(log.address, log.topics, log.data) for log in event.logs]


def test_history_across_many_blocks_and_clear(logenv):
    env = logenv
    sizes = [3, 0, 5, 1, 0, 0, 4, 2, 7, 0, 3]
    expected_by_step = {}
    for step, n in enumerate(sizes):
        txs = _block(env, step, n)
        expected_by_step[step] = sorted(
            [[(log.address, log.topics, log.data) for log in _expected(env, to, call)]
             for to, call in txs])
        env.process_block()
        last = env.get_last_events()
        assert sorted(_key(e) for e in last) == expected_by_step[step]
        assert all(e.step == step for e in last)
        assert sorted(e.sequence for e in last) == list(range(n))
        history = env.get_event_history()
        assert [e.step for e in history] == [s for s in range(step) for _ in range(sizes[s])]
        for s in range(step):
            assert sorted(_key(e) for e in history if e.step == s) == expected_by_step[s]
    # reading twice gives equal values, not shared lists
    first, second = env.get_event_history(), env.get_event_history()
    assert first == second and first is not second
    last1, last2 = env.get_last_events(), env.get_last_events()
    assert last1 == last2 and last1 is not last2
    env.clear_event_history()
    assert env.get_event_history() == []
    assert env.get_last_events() == last1
    env.process_block()   # an empty block: the cleared store's last block joins the history
    assert env.get_last_events() == []
    assert env.get_event_history() == last1
    _block(env, 99, 4)
    env.process_block()
    assert [e.step for e in env.get_event_history()] == [len(sizes) - 1] * sizes[-1]
    assert len(env.get_last_events()) == 4
    env.clear_event_history()
    env.clear_event_history()
    assert env.get_event_history() == [] and len(env.get_last_events()) == 4


def test_a_failed_block_leaves_the_store_as_before(logenv, monkeypatch):
    env = logenv
    _block(env, 0, 6)
    env.process_block()
    _block(env, 1, 3)
    env.process_block()
    before = (env.get_last_events(), env.get_event_history(), bytes(env._events.records))
    _block(env, 2, 5)
    calls = []
    real = env.evm

    class Boom(Exception):
        pass

    class FailingEVM:
        """The env's EVM, whose third block transaction raises (as a failing backend)."""

        def __getattr__(self, name):
            return getattr(real, name)

        def transact_packed(self, *args):
            calls.append(1)
            if len(calls) == 3:
                raise Boom()
            return real.transact_packed(*args)

    monkeypatch.setattr(env, "_evm", FailingEVM())
    with pytest.raises(Boom):
        env.process_block()
    monkeypatch.undo()
    assert (env.get_last_events(), env.get_event_history(),
            bytes(env._events.records)) == before
    env.process_block()   # the queue is kept: the block runs again, whole
    assert len(env.get_last_events()) == 5
    assert len(env.get_event_history()) == 9


def test_store_records_pickle_and_bad_records_are_not_read_silently():
    store = EventStore()
    store.begin_block(5)
    store.records += b"\x09\xaa\xbb\xcc\xdd" + (0).to_bytes(4, "little")   # success, 4-byte sel
    store.end_block((0, 0))
    [event] = store.last()
    assert event == (True, b"\xaa\xbb\xcc\xdd", [], 5, 0)
    copy = pickle.loads(pickle.dumps(store))
    assert copy.last() == store.last() and copy.history() == []
    truncated = EventStore()
    truncated.begin_block(0)
    truncated.records += b"\x09\xaa\xbb\xcc\xdd" + (1).to_bytes(4, "little") + bytes(10)
    truncated.end_block((0, 0))
    with pytest.raises(ValueError, match="log"):
        truncated.last()
