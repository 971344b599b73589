"""The on-disk cache: re-runs without requests, stale and corrupt files, atomic writes."""
from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from verbs.remote import CacheWarning, RPCBackend
from verbs.remote.disk import CacheData, DiskCache


def run_workload(chain, block, cache_dir, **kw):
    """basic/storage/block_hash for the token and its holders; returns the backend (closed)."""
    b = RPCBackend(chain.url, block_number=block, cache_dir=cache_dir, **kw)
    values = []
    for h in chain.accounts:
        values.append(b.basic(h))
        values.append(b.storage(chain.token, chain.balance_key(h)))
    values.append(b.basic(chain.token))
    values.append(b.block_hash(chain.deploy_block))
    b.close()
    return b, values


def test_rerun_with_a_trusted_disk_cache_sends_zero_requests(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[1]
    first, values = run_workload(chain, block, tmp_path)
    assert first.rpc.stats.round_trips > 0
    assert first.cache_path.exists()
    second, again = run_workload(chain, block, tmp_path, trust_disk_cache=True)
    assert again == values
    assert second.rpc.stats.requests == 0 and second.rpc.stats.round_trips == 0
    assert second.stats["disk_hits"] == 2 * len(chain.accounts) + 2
    assert second.export_cache() == first.export_cache()


def test_rerun_on_a_dev_chain_checks_the_block_hash_once_by_default(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[1]
    run_workload(chain, block, tmp_path)
    second, _ = run_workload(chain, block, tmp_path)
    assert (second.rpc.stats.round_trips, second.rpc.stats.requests) == (1, 2)


def test_rerun_with_explicit_chain_id_needs_no_index(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[2]
    run_workload(chain, block, tmp_path)
    os.unlink(DiskCache(tmp_path).root / "nodes.json")
    second, _ = run_workload(chain, block, tmp_path, chain_id=chain.chain_id,
                             trust_disk_cache=True)
    assert second.rpc.stats.requests == 0


def test_a_cache_made_for_another_block_hash_is_ignored_with_a_warning(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[1]
    first, values = run_workload(chain, block, tmp_path)
    doc = json.loads(first.cache_path.read_text())
    doc["block"]["hash"] = "0x" + "11" * 32
    key = "0x" + chain.token.hex()
    doc["accounts"][key][1] = 99  # a different "history"
    first.cache_path.write_text(json.dumps(doc))
    with pytest.warns(CacheWarning, match="made for block hash"):
        second, again = run_workload(chain, block, tmp_path)
    assert again == values
    assert second.rpc.stats.round_trips > 1


def test_a_stale_trusted_cache_is_caught_at_the_first_miss(erc20_chain, tmp_path):
    from verbs.remote import BlockNotAvailableError
    chain = erc20_chain
    block = chain.blocks[1]
    first, _ = run_workload(chain, block, tmp_path)
    doc = json.loads(first.cache_path.read_text())
    doc["block"]["hash"] = "0x" + "22" * 32
    first.cache_path.write_text(json.dumps(doc))
    b = RPCBackend(chain.url, block_number=block, cache_dir=tmp_path, trust_disk_cache=True)
    assert b.rpc.stats.requests == 0
    with pytest.raises(BlockNotAvailableError, match="does not have block"):
        b.storage(chain.token, 12345)


@pytest.mark.parametrize("content", [b"", b"{\"format\": \"verbs.remote.cache\", \"vers",
                                     b"[1, 2, 3]", b"\x00\xff garbage",
                                     b'{"format": "verbs.remote.cache", "version": 99}'])
def test_a_corrupt_cache_file_is_ignored_with_a_warning_and_replaced(erc20_chain, tmp_path,
                                                                     content):
    chain = erc20_chain
    block = chain.blocks[0]
    first, values = run_workload(chain, block, tmp_path)
    first.cache_path.write_bytes(content)
    with pytest.warns(CacheWarning, match="ignoring"):
        second, again = run_workload(chain, block, tmp_path)
    assert again == values
    assert CacheData.from_json(json.loads(second.cache_path.read_text())).accounts


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(erc20_chain, tmp_path,
                                                                  monkeypatch):
    chain = erc20_chain
    block = chain.blocks[0]
    first, _ = run_workload(chain, block, tmp_path)
    before = first.cache_path.read_bytes()
    b = RPCBackend(chain.url, block_number=block, cache_dir=tmp_path)
    b.storage(chain.token, 777)

    def broken_dump(doc, f, **kw):
        f.write('{"format": "verbs.remote.cache", "half')
        raise OSError("disk full")

    monkeypatch.setattr("verbs.remote.disk.json.dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        b.flush()
    monkeypatch.undo()
    assert first.cache_path.read_bytes() == before
    assert sorted(p.name for p in first.cache_path.parent.iterdir()) == \
        sorted([first.cache_path.name, first.cache_path.name + ".lock"])
    assert b.flush() == first.cache_path  # still dirty: the retry writes it
    assert (chain.token, 777) in DiskCache(tmp_path).load(chain.chain_id, block).storage


def _worker(backend, token, slots, queue):
    try:
        for s in slots:
            backend.storage(token, s)
        backend.flush()
        queue.put(None)
    except BaseException as exc:  # report, never hang the parent
        queue.put(repr(exc))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="needs the fork start method")
def test_forked_workers_share_a_backend_and_merge_their_cache_entries(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[2]
    backend = RPCBackend(chain.url, block_number=block, cache_dir=tmp_path)
    backend.basic(chain.token)  # the parent's keep-alive connection is open when it forks
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    groups = [range(i * 10, i * 10 + 10) for i in range(4)]
    procs = [ctx.Process(target=_worker, args=(backend, chain.token, list(g), queue))
             for g in groups]
    for p in procs:
        p.start()
    results = [queue.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert results == [None] * len(procs)
    backend.storage(chain.token, 1000)  # the parent's connection still works
    backend.close()
    data = DiskCache(tmp_path).load(chain.chain_id, block)
    assert {s for (_, s) in data.storage} == set(range(40)) | {1000}
    assert chain.token in data.accounts


def test_disk_cache_off_writes_nothing(erc20_chain, tmp_path, monkeypatch):
    monkeypatch.setenv("VERBS_CACHE_DIR", str(tmp_path))
    b = RPCBackend(erc20_chain.url, block_number=erc20_chain.blocks[0], cache_dir=False)
    b.basic(erc20_chain.token)
    assert b.cache_path is None and b.flush() is None
    assert not any(tmp_path.iterdir())


def test_default_cache_dir_follows_verbs_cache_dir(erc20_chain, tmp_path, monkeypatch):
    monkeypatch.setenv("VERBS_CACHE_DIR", str(tmp_path))
    b = RPCBackend(erc20_chain.url, block_number=erc20_chain.blocks[0])
    b.basic(erc20_chain.token)
    b.close()
    assert b.cache_path.is_relative_to(tmp_path) and b.cache_path.exists()


def test_cache_file_never_contains_the_node_url(erc20_chain, tmp_path):
    url = erc20_chain.url + "/?apikey=SECRET123"
    b = RPCBackend(url, block_number=erc20_chain.blocks[0], cache_dir=tmp_path)
    b.basic(erc20_chain.token)
    b.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"SECRET123" not in path.read_bytes()
    assert "SECRET123" not in repr(b)


def test_a_backend_dropped_without_close_still_saves_what_it_fetched(erc20_chain, tmp_path):
    import gc
    chain = erc20_chain
    b = RPCBackend(chain.url, block_number=chain.blocks[0], cache_dir=tmp_path)
    b.storage(chain.token, 4242)
    path = b.cache_path
    del b
    gc.collect()
    assert (chain.token, 4242) in DiskCache(tmp_path).load(chain.chain_id,
                                                           chain.blocks[0]).storage
    assert path.exists()
