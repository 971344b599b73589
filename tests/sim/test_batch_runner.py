"""batch_run: grouping, seeds, executors, failures, reproducibility."""
import gc
import multiprocessing
import os
import re
import signal

import numpy as np
import pytest
from transfer_sim import Transferer, transfer_sim

import verbs
from verbs import utils
from verbs.sim.batch_runner import BatchError, SampleError, batch_run, to_dataframe


@pytest.fixture(scope="module")
def token_snapshot(erc20_example, token_agent):
    token_abi, bytecode = erc20_example
    env = verbs.EmptyEnvRandom(1234)
    admin = utils.int_to_address(99999999)
    env.create_account(admin, int(1e19))
    token = token_abi.constructor.deploy(env, admin, bytecode, [int(1e19)])
    return env.export_snapshot(), token, token_abi, admin, token_agent


def sim_func(env, seed, n_steps, *, n_agents, token, token_abi, admin, agent_type):
    agents = [agent_type(i + 100, token, token_abi, n_agents) for i in range(n_agents)]
    token_abi.transfer.execute(env, admin, token, [agents[0].address, int(1e19)])
    return verbs.sim.Sim(seed, env, agents).run(n_steps, show_progress=False)


def run(token_snapshot, **kw):
    snapshot, token, token_abi, admin, agent_type = token_snapshot
    return batch_run(sim_func, n_steps=5, n_samples=3,
                     parameters_samples=[dict(n_agents=3), dict(n_agents=5)],
                     snapshot=snapshot, token=token, token_abi=token_abi, admin=admin,
                     agent_type=agent_type,
                     show_progress=False, **kw)


def test_results_grouped_by_params_in_input_order(token_snapshot):
    results = run(token_snapshot, n_jobs=1)
    assert [r["params"] for r in results] == [dict(n_agents=3), dict(n_agents=5)]
    assert [len(r["samples"]) for r in results] == [3, 3]
    assert np.array(results[1]["samples"][0]).shape == (5, 5)


def test_one_and_two_workers_give_identical_results(token_snapshot):
    assert run(token_snapshot, n_jobs=1) == run(token_snapshot, n_jobs=2)


def test_the_original_snapshot_tuple_gives_the_same_results(token_snapshot):
    snapshot, *rest = token_snapshot
    # step is the one thing the tuple does not carry; this snapshot was taken at step 0
    assert snapshot.step == 0
    expected = run(token_snapshot, n_jobs=1)
    assert run((tuple(snapshot), *rest), n_jobs=1) == expected
    assert run((list(snapshot), *rest), n_jobs=2) == expected


def test_explicit_seeds(token_snapshot):
    a = run(token_snapshot, n_jobs=1, seeds=[10, 11, 12])
    b = run(token_snapshot, n_jobs=1)
    assert a != b


def failing_sim(env, seed, n_steps, *, mode):
    if seed == 1 and mode == "raise":
        raise ValueError("bad sample")
    if seed == 1 and mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    return seed * 10


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_failed_sample_does_not_sink_the_batch(n_jobs):
    with pytest.warns(RuntimeWarning, match="1 of 3 samples failed"):
        [group] = batch_run(failing_sim, n_steps=1, n_samples=3,
                            parameters_samples=[dict(mode="raise")], n_jobs=n_jobs,
                            show_progress=False)
    ok0, err, ok2 = group["samples"]
    assert (ok0, ok2) == (0, 20)
    assert isinstance(err, SampleError) and err.exc_type.endswith("ValueError")
    assert err.message == "bad sample" and err.seed == 1 and "failing_sim" in err.traceback


def test_raise_errors():
    with pytest.raises(BatchError, match="bad sample"):
        batch_run(failing_sim, n_steps=1, n_samples=3, parameters_samples=[dict(mode="raise")],
                  n_jobs=1, show_progress=False, raise_errors=True)


def test_dead_worker_fails_only_its_sample():
    with pytest.warns(RuntimeWarning):
        [group] = batch_run(failing_sim, n_steps=1, n_samples=4,
                            parameters_samples=[dict(mode="die")], n_jobs=2,
                            show_progress=False)
    s = group["samples"]
    assert s[0] == 0 and s[2] == 20 and s[3] == 30
    assert isinstance(s[1], SampleError) and s[1].exc_type == "WorkerDied"


def frozen_objects(env, seed, n_steps):
    return gc.get_freeze_count()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="only forked workers inherit the parent's objects")
def test_forked_workers_keep_inherited_objects_out_of_their_collections():
    assert gc.get_freeze_count() == 0
    [group] = batch_run(frozen_objects, n_steps=1, n_samples=2, parameters_samples=[{}],
                        n_jobs=2, show_progress=False)
    assert all(n > 1000 for n in group["samples"])  # the parent's objects, frozen
    assert gc.get_freeze_count() == 0  # and unfrozen again in the parent


def test_to_dataframe(token_snapshot):
    pytest.importorskip("pandas")
    df = to_dataframe(run(token_snapshot, n_jobs=1))
    assert set(df.columns) >= {"n_agents", "sample", "step", "agent", "value"}
    assert len(df) == 3 * 5 * 3 + 3 * 5 * 5


def test_dask_executor_matches_local(token_snapshot):
    distributed = pytest.importorskip("dask.distributed")
    import sys

    import cloudpickle

    # the agent class lives in a conftest that the Dask worker processes cannot import
    cloudpickle.register_pickle_by_value(sys.modules[token_snapshot[-1].__module__])
    with distributed.Client(n_workers=2, threads_per_worker=1, processes=True,
                            dashboard_address=None) as client:
        assert run(token_snapshot, executor=client) == run(token_snapshot, n_jobs=1)


def test_bad_arguments():
    with pytest.raises(ValueError):
        batch_run(failing_sim, n_steps=1, n_samples=1, parameters_samples=[{}],
                  snapshot=object(), cache=(0, 0, [], []))
    with pytest.raises(TypeError):
        batch_run(failing_sim, n_steps=1, n_samples=1, parameters_samples=[1])
    with pytest.raises(ValueError):
        batch_run(failing_sim, n_steps=1, n_samples=1, parameters_samples=[{}], n_jobs=0)


# ----------------------------------------------------------------- one progress bar per batch
def _bars(stderr: str) -> list:
    """The progress-bar lines tqdm drew (each redraw is a segment ended by \\r or \\n)."""
    return [seg for seg in re.split(r"[\r\n]", stderr) if "|" in seg and "it" in seg]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_one_progress_bar_per_batch(capfd, n_jobs):
    capfd.readouterr()
    batch_run(transfer_sim, n_steps=4, n_samples=3,
              parameters_samples=[dict(n_agents=2, max_amount=10), dict(n_agents=3, max_amount=10)],
              n_jobs=n_jobs)
    bars = _bars(capfd.readouterr().err)
    assert bars, "the batch draws a bar"
    # every bar drawn is the batch's (over 6 samples), none a sample's Sim.run (over 4 steps)
    assert all(b.startswith("samples") and "/6 " in b for b in bars), bars
    assert any("6/6" in b for b in bars)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_show_progress_false_draws_nothing(capfd, n_jobs):
    capfd.readouterr()
    batch_run(transfer_sim, n_steps=4, n_samples=2,
              parameters_samples=[dict(n_agents=2, max_amount=10)], n_jobs=n_jobs,
              show_progress=False)
    assert _bars(capfd.readouterr().err) == []


def test_sim_run_on_its_own_keeps_its_bar(capfd):
    capfd.readouterr()
    transfer_sim(verbs.EmptyEnvRandom(1), 1, 4, n_agents=2, max_amount=10)
    bars = _bars(capfd.readouterr().err)
    assert bars and any("4/4" in b for b in bars)
    capfd.readouterr()
    agents = [Transferer(i, 2, 10) for i in range(2)]
    verbs.sim.Sim(1, verbs.EmptyEnvRandom(1), agents).run(4, show_progress=False)
    assert _bars(capfd.readouterr().err) == []


def test_one_progress_bar_per_batch_on_dask(capfd):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        capfd.readouterr()
        batch_run(transfer_sim, n_steps=4, n_samples=3,
                  parameters_samples=[dict(n_agents=2, max_amount=10)], executor=client)
        bars = _bars(capfd.readouterr().err)
    assert bars and all(b.startswith("samples") and "/3 " in b for b in bars), bars
