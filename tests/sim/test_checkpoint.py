"""batch_run(checkpoint=...): a batch killed mid-run resumes to the clean run's results."""
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import transfer_sim
from transfer_sim import flaky_sim, other_sim
from transfer_sim import transfer_sim as sim_func

from verbs.sim.batch_runner import BatchError, SampleError, batch_run
from verbs.sim.checkpoint import (
    Checkpoint,
    CheckpointCorruptError,
    CheckpointError,
    CheckpointMismatchError,
    describe_batch,
    fingerprint,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PARAMS = [dict(n_agents=2, max_amount=10**6), dict(n_agents=3, max_amount=10**6)]
BATCH = dict(n_steps=3, n_samples=3, parameters_samples=PARAMS, show_progress=False)
N_SAMPLES = len(PARAMS) * 3


def records(path) -> list:
    """``(offset, length)`` of every complete record, read independently of verbs' reader."""
    path = Path(path)
    data = path.read_bytes() if path.exists() else b""
    if len(data) < 32:
        return []
    (body_len,) = struct.unpack_from("<I", data, 8)
    offset, out = 32 + body_len, []
    while offset + 28 <= len(data):
        (length,) = struct.unpack_from("<Q", data, offset)
        if offset + 28 + length > len(data):
            break
        out.append((offset, 28 + length))
        offset += 28 + length
    return out


@pytest.fixture(scope="module")
def clean():
    """The batch's results, run uninterrupted and without a checkpoint."""
    return batch_run(sim_func, n_jobs=1, **BATCH)


@pytest.fixture
def calls():
    transfer_sim.CALLS.clear()
    yield transfer_sim.CALLS
    transfer_sim.CALLS.clear()


def assert_same(results, clean):
    assert [g["params"] for g in results] == [g["params"] for g in clean]
    for got, want in zip(results, clean):
        assert len(got["samples"]) == len(want["samples"])
        for a, b in zip(got["samples"], want["samples"]):
            assert a == b


# ----------------------------------------------------------------- a driver killed mid-batch
DRIVER = """
import sys
sys.path.insert(0, {here!r})
from transfer_sim import transfer_sim
from verbs.sim.batch_runner import batch_run
executor = None
if {dask!r}:
    from dask.distributed import Client
    executor = Client(processes=False, n_workers=1, threads_per_worker=2,
                      dashboard_address=None)
batch_run(transfer_sim, n_steps=3, n_samples=3,
          parameters_samples=[dict(n_agents=2, max_amount=10**6),
                              dict(n_agents=3, max_amount=10**6)],
          show_progress=False, n_jobs=2, executor=executor, checkpoint={path!r})
raise SystemExit("the batch finished: the held sample did not hold")
"""


def kill_driver_after(path, n_records: int, dask: bool) -> None:
    """Run the batch in a subprocess whose sample (3 agents, seed 1) never finishes, and
    SIGKILL it once the checkpoint holds the ``n_records`` other samples."""
    env = {**os.environ, "PYTHONPATH": str(REPO), transfer_sim.HOLD_VARIABLE: "3:1"}
    script = textwrap.dedent(DRIVER.format(here=str(HERE), dask=dask, path=str(path)))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120  # a guard against a hang, not a timing assertion
        while len(records(path)) < n_records:
            if proc.poll() is not None:
                pytest.fail(f"the driver exited ({proc.returncode}): {proc.stdout.read()!r}")
            if time.monotonic() > deadline:
                pytest.fail(f"the checkpoint holds {len(records(path))} records, not {n_records}")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        # the driver's pool workers leave when they see it gone; make sure of it
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        proc.stdout.close()


@pytest.mark.parametrize("resume_jobs", [1, 2])
def test_killed_pool_batch_resumes_to_the_clean_results(tmp_path, clean, calls, resume_jobs):
    path = tmp_path / "batch.ckpt"
    kill_driver_after(path, N_SAMPLES - 1, dask=False)
    assert len(records(path)) == N_SAMPLES - 1
    resumed = batch_run(sim_func, n_jobs=resume_jobs, checkpoint=path, **BATCH)
    assert_same(resumed, clean)
    if resume_jobs == 1:
        assert calls == [(3, 1)]  # only the missing sample ran
    assert len(records(path)) == N_SAMPLES
    calls.clear()
    assert batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH) == clean
    assert calls == []


def test_killed_dask_batch_resumes_to_the_clean_results(tmp_path, clean, calls):
    distributed = pytest.importorskip("dask.distributed")
    path = tmp_path / "batch.ckpt"
    kill_driver_after(path, N_SAMPLES - 1, dask=True)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        resumed = batch_run(sim_func, executor=client, checkpoint=path, **BATCH)
    assert_same(resumed, clean)
    assert calls == [(3, 1)]
    assert len(records(path)) == N_SAMPLES


def test_dask_batch_writes_a_checkpoint_the_pool_resumes(tmp_path, clean, calls):
    distributed = pytest.importorskip("dask.distributed")
    path = tmp_path / "batch.ckpt"
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        assert batch_run(sim_func, executor=client, checkpoint=path, **BATCH) == clean
    calls.clear()
    assert batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH) == clean
    assert calls == []


# ----------------------------------------------------------------- torn and corrupt records
def full_checkpoint(path):
    batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH)
    return path.read_bytes(), records(path)


@pytest.mark.parametrize("tear", ["in the payload", "in the record header", "zeros",
                                  "bad checksum"])
def test_torn_last_record_is_dropped_and_rerun(tmp_path, clean, calls, tear):
    path = tmp_path / "batch.ckpt"
    data, recs = full_checkpoint(path)
    offset, length = recs[-1]
    if tear == "in the payload":
        data = data[:offset + 28 + 3]
    elif tear == "in the record header":
        data = data[:offset + 5]
    elif tear == "zeros":  # the file grew, its data never reached the disk
        data = data[:offset] + bytes(length)
    else:
        data = data[:-1] + bytes([data[-1] ^ 1])
    path.write_bytes(data)
    calls.clear()
    with pytest.warns(RuntimeWarning, match=f"offset {offset}.*dropped"):
        resumed = batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH)
    assert_same(resumed, clean)
    assert calls == [(3, 2)]  # the last sample, and only it
    assert records(path) == recs


@pytest.mark.parametrize("damage", ["payload", "length"])
def test_corrupt_middle_record_raises_naming_file_and_offset(tmp_path, damage):
    path = tmp_path / "batch.ckpt"
    data, recs = full_checkpoint(path)
    offset, _ = recs[2]
    at = offset + 28 + 5 if damage == "payload" else offset + 1
    damaged = bytearray(data)
    damaged[at] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(CheckpointCorruptError, match=f"{path}.*offset {offset}") as info:
        batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH)
    assert info.value.offset == offset and info.value.path == str(path)
    assert path.read_bytes() == bytes(damaged)  # left as it was


def test_a_checkpoint_of_another_batch_raises_naming_what_differs(tmp_path):
    path = tmp_path / "batch.ckpt"
    data, _ = full_checkpoint(path)
    cases = [
        (dict(parameters_samples=[PARAMS[0], dict(n_agents=3, max_amount=10)]),
         r"parameters_samples\[1\] differs"),
        (dict(parameters_samples=PARAMS[:1]), "2 parameter sets in the checkpoint, 1"),
        (dict(seeds=[5, 7, 6]), r"seeds: 0..2 \(3 seeds\) in the checkpoint, \[5, 7, 6\]"),
        (dict(n_samples=4), "seeds"),
        (dict(n_steps=4), "n_steps: 3 in the checkpoint, 4"),
        (dict(sim_func=other_sim), "sim_func: transfer_sim.transfer_sim in the checkpoint, "
                                   "transfer_sim.other_sim"),
        (dict(gas_priority=True), "gas_priority"),
        (dict(env_options=dict(fork="Cancun")), "env_options 'fork': in this batch only"),
        (dict(extra=1), "keyword argument 'extra': in this batch only"),
    ]
    for change, message in cases:
        args = {**BATCH, "sim_func": sim_func, **change}
        with pytest.raises(CheckpointMismatchError, match=message) as info:
            batch_run(n_jobs=1, checkpoint=path, **args)
        assert isinstance(info.value, ValueError) and str(path) in str(info.value)
        assert path.read_bytes() == data


def test_checkpoint_identifies_the_snapshot(tmp_path):
    import verbs

    env = verbs.EmptyEnvRandom(0)
    env.create_account(verbs.utils.int_to_address(5), 10**18)
    first = env.export_snapshot()
    env.create_account(verbs.utils.int_to_address(6), 10**18)
    path = tmp_path / "batch.ckpt"
    batch_run(sim_func, n_jobs=1, checkpoint=path, snapshot=first, **BATCH)
    with pytest.raises(CheckpointMismatchError, match="snapshot: one in the checkpoint, one in "
                                                      r"this batch \(they differ\)"):
        batch_run(sim_func, n_jobs=1, checkpoint=path, snapshot=env.export_snapshot(), **BATCH)
    with pytest.raises(CheckpointMismatchError, match="snapshot: one in the checkpoint, none"):
        batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH)


def test_unpicklable_argument_raises_naming_it(tmp_path):
    import threading

    path = tmp_path / "batch.ckpt"
    with pytest.raises(TypeError, match="keyword argument 'lock' cannot be pickled"):
        batch_run(sim_func, n_jobs=1, checkpoint=path, lock=threading.Lock(), **BATCH)
    with pytest.raises(TypeError, match=r"parameters_samples\[0\] cannot be pickled"):
        batch_run(flaky_sim, n_steps=1, n_samples=1,
                  parameters_samples=[dict(mode=(x for x in ()))],
                  n_jobs=1, checkpoint=path, show_progress=False)
    assert not path.exists()


def test_not_a_checkpoint_file_is_left_alone(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes")
    with pytest.raises(CheckpointError, match="not a verbs batch checkpoint"):
        batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH)
    assert path.read_text() == "my notes"


def test_an_empty_or_torn_header_file_starts_fresh(tmp_path, clean):
    path = tmp_path / "batch.ckpt"
    data, _ = full_checkpoint(path)
    for head in (b"", data[:5], data[:20], data[:40], bytes(40)):
        path.write_bytes(head)
        assert batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH) == clean
        assert path.read_bytes() == data


def test_a_checkpoint_in_use_is_refused(tmp_path):
    path = tmp_path / "batch.ckpt"
    description = describe_batch(sim_func, 3, PARAMS, [0, 1, 2], None, None, False, {}, {})
    with Checkpoint.open(path, description):
        with pytest.raises(CheckpointError, match="in use by another running batch"):
            batch_run(sim_func, n_jobs=1, checkpoint=path, **BATCH)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_keep_the_checkpoint_locked(tmp_path):
    """A pool worker outliving its killed driver must not lock the rerun out."""
    path = tmp_path / "batch.ckpt"
    description = describe_batch(sim_func, 3, PARAMS, [0, 1, 2], None, None, False, {}, {})
    ck = Checkpoint.open(path, description)
    release, hold = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: alive until told
        os.close(hold)
        os.write(ready_w, b"r")
        os.read(release, 1)
        os._exit(0)
    os.close(release)
    os.close(ready_w)
    assert os.read(ready_r, 1) == b"r"  # the child runs (its fork hooks have run)
    os.close(ready_r)
    try:
        ck.close()
        Checkpoint.open(path, description).close()
    finally:
        os.write(hold, b"x")
        os.close(hold)
        os.waitpid(pid, 0)


# ----------------------------------------------------------------- failed samples
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_failed_samples_are_recorded(tmp_path, calls, n_jobs):
    path = tmp_path / "batch.ckpt"
    args = dict(n_steps=1, n_samples=3, parameters_samples=[dict(mode="raise")],
                show_progress=False, n_jobs=n_jobs, checkpoint=path)
    with pytest.warns(RuntimeWarning, match="1 of 3 samples failed"):
        [first] = batch_run(flaky_sim, **args)
    calls.clear()
    with pytest.warns(RuntimeWarning, match="1 of 3 samples failed"):
        [again] = batch_run(flaky_sim, **args)
    assert calls == []
    assert again == first and isinstance(again["samples"][1], SampleError)
    assert again["samples"][1].traceback == first["samples"][1].traceback
    with pytest.raises(BatchError, match="bad sample"):
        batch_run(flaky_sim, **{**args, "raise_errors": True})
    assert calls == []


def test_a_dead_worker_is_not_recorded_and_reruns(tmp_path):
    path = tmp_path / "batch.ckpt"
    args = dict(n_steps=1, n_samples=4, parameters_samples=[dict(mode="die")],
                show_progress=False, n_jobs=2, checkpoint=path)
    for _ in range(2):
        with pytest.warns(RuntimeWarning):
            [group] = batch_run(flaky_sim, **args)
        assert group["samples"][1].exc_type == "WorkerDied"
        assert [group["samples"][i] for i in (0, 2, 3)] == [0, 20, 30]
        assert len(records(path)) == 3


def test_an_unpicklable_result_is_a_sample_error(tmp_path):
    import threading

    def sim(env, seed, n_steps):
        return threading.Lock() if seed == 1 else seed

    path = tmp_path / "batch.ckpt"
    args = dict(n_steps=1, n_samples=2, parameters_samples=[{}], show_progress=False,
                n_jobs=1, checkpoint=path)
    with pytest.warns(RuntimeWarning, match="1 of 2 samples failed"):
        [group] = batch_run(sim, **args)
    assert group["samples"][0] == 0
    assert "cannot be pickled" in group["samples"][1].message
    with pytest.warns(RuntimeWarning, match="1 of 2 samples failed"):
        assert batch_run(sim, **args) == [group]


def test_a_result_only_cloudpickle_can_pickle_is_kept(tmp_path, calls):
    def sim(env, seed, n_steps):
        calls.append(seed)
        return type("Made", (), {"seed": seed})  # a class made at run time

    path = tmp_path / "batch.ckpt"
    args = dict(n_steps=1, n_samples=2, parameters_samples=[{}], show_progress=False,
                n_jobs=1, checkpoint=path)
    batch_run(sim, **args)
    calls.clear()
    [group] = batch_run(sim, **args)
    assert calls == [] and [r.seed for r in group["samples"]] == [0, 1]


# ----------------------------------------------------------------- fingerprints
FINGERPRINTS = """
import sys
from verbs import abi
from verbs.sim.checkpoint import fingerprint
token = abi.get_abi("T", [{"type": "function", "name": "f", "inputs": [{"name": "a",
    "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]}])
print(fingerprint(token, "token"), fingerprint({"x", "yy", "zzz", "w"}, "set"))
"""


def test_fingerprints_are_the_same_in_every_process():
    """ABI types made at run time and sets of strings (whose order follows the hash seed)."""
    outs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": hash_seed}
        outs.add(subprocess.run([sys.executable, "-c", FINGERPRINTS], env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert len(outs) == 1
    assert fingerprint({1, 2}, "a") != fingerprint({1, 3}, "b")
