"""The state releases interned code when the Backend raises (found with a live-Code count)."""
import pytest

from verbs._evm import _testing
from verbs._evm.state import State, _live_code_count


class _Failing:
    def basic(self, address):
        raise RuntimeError("backend down")

    def storage(self, address, slot):
        raise RuntimeError("backend down")

    def block_hash(self, number):
        return b"\x00" * 32


def test_backend_error_in_set_account_releases_the_code():
    st = State(_Failing())
    before = _live_code_count()
    for i in range(10):
        with pytest.raises(RuntimeError):
            st.set_account(bytes([i + 1]) * 20, code=b"set_account code %d" % i)
    assert _live_code_count() == before


def test_backend_error_in_set_code_releases_the_code():
    st = State(_Failing())
    before = _live_code_count()
    for i in range(10):
        with pytest.raises(RuntimeError):
            _testing.set_code(st, bytes([i + 1]) * 20, b"set_code code %d" % i)
    assert _live_code_count() == before
