"""The trie/RLP oracle, proved on known vectors and on the fixtures themselves.

For every EEST case the root recomputed from ``post[].state`` must equal ``post[].hash``, and
for every ``expectException`` case (EEST and legacy) the root of ``pre`` must equal ``hash``.
``VERBS_TRIE_EVERY=k`` checks every k-th file of ``MANIFEST.tsv`` only (default: all, about
10 s).
"""
from __future__ import annotations

import os
from pathlib import Path

from .fixtures import iter_cases, select_files
from .trie import (
    EMPTY_CODE_HASH,
    EMPTY_LOGS_HASH,
    EMPTY_TRIE_ROOT,
    logs_hash,
    rlp_encode,
    state_root,
    storage_root,
    trie_root,
)


def test_rlp_vectors() -> None:
    assert rlp_encode(b"dog") == b"\x83dog"
    assert rlp_encode([b"cat", b"dog"]) == b"\xc8\x83cat\x83dog"
    assert rlp_encode(b"") == b"\x80"
    assert rlp_encode([]) == b"\xc0"
    assert rlp_encode(0) == b"\x80"
    assert rlp_encode(15) == b"\x0f"
    assert rlp_encode(1024) == b"\x82\x04\x00"
    assert rlp_encode([[], [[]], [[], [[]]]]) == bytes.fromhex("c7c0c1c0c3c0c1c0")
    long = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit"
    assert rlp_encode(long) == b"\xb8\x38" + long


def test_trie_vectors() -> None:
    assert EMPTY_TRIE_ROOT.hex() == (
        "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
    )
    assert EMPTY_LOGS_HASH.hex() == (
        "1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
    )
    assert EMPTY_CODE_HASH.hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    assert trie_root({}) == EMPTY_TRIE_ROOT
    # ethereum/tests TrieTests trieanyorder "dogs" and "puppy"
    assert trie_root({b"doe": b"reindeer", b"dog": b"puppy", b"dogglesworth": b"cat"}).hex() == (
        "8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3"
    )
    assert trie_root(
        {b"do": b"verb", b"horse": b"stallion", b"doge": b"coin", b"dog": b"puppy"}
    ).hex() == (
        "5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84"
    )
    assert storage_root({1: 0}) == EMPTY_TRIE_ROOT
    assert state_root({}) == EMPTY_TRIE_ROOT
    assert logs_hash([]) == EMPTY_LOGS_HASH


def test_roots_of_the_fixtures(ethtests_dir: Path) -> None:
    every = int(os.environ.get("VERBS_TRIE_EVERY", "1"))
    checked_post = checked_pre = 0
    bad: list[str] = []
    for path in select_files(every=every, root=ethtests_dir):
        for case in iter_cases(path, ethtests_dir):
            post = case.post_state()
            if post is not None:
                checked_post += 1
                if state_root(post) != case.expected_hash:
                    bad.append(f"{case.test_id}: root of post.state != hash")
            if case.expect_exception:
                checked_pre += 1
                if state_root(case.pre) != case.expected_hash:
                    bad.append(f"{case.test_id}: root of pre != hash (expectException)")
    assert checked_post > 0 and checked_pre > 0
    if every == 1:  # the README's numbers
        assert checked_post == 25634 and checked_pre == 1165
    assert not bad, f"{len(bad)} mismatches, first: {bad[:5]}"
