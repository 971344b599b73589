"""Batch runs: Monte-Carlo samples over parameter sets, in parallel.

Sample ``k`` of every parameter set runs with seed ``k`` (or ``seeds[k]``) on a fresh
environment built from the same snapshot or cache, and the results come back grouped by
parameter set, in input order, whatever the executor or the number of workers.

Executors
---------
* ``n_jobs=1``: in this process.
* default: a pool of worker processes started with an explicit ``fork`` context.  The workers
  inherit the snapshot's memory copy-on-write: nothing is pickled per sample but the parameters
  and the result.  Where ``fork`` is unavailable, a ``spawn`` pool receives the pickled job once
  per worker.
* ``executor=dask.distributed.Client``: the job (the snapshot included) is sent once to each
  worker, which keeps it and builds one env per sample from it.

A sample that raises does not sink the batch: a :class:`SampleError` stands in its place, and a
worker process that dies (killed, segfault) fails only the sample it was running.  With
``checkpoint=path`` the driver records every finished sample in a file, and a rerun after the
driver's death runs only the samples the file lacks (:mod:`verbs.sim.checkpoint`).

Inside a sample, :meth:`verbs.sim.Sim.run` draws no progress bar: the batch's bar counts samples.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sys
import traceback
import typing
import warnings
from multiprocessing.connection import wait

from tqdm import tqdm

from verbs.envs import EmptyEnvGasPriority, EmptyEnvRandom
from verbs.envs.original import shareable
from verbs.errors import BatchError
from verbs.sim.checkpoint import (
    Checkpoint,
    CheckpointCorruptError,
    CheckpointError,
    CheckpointMismatchError,
    describe_batch,
    record_bytes,
)
from verbs.sim.runner import collect_gas_profile, suppress_progress
from verbs.trace.profile import GasProfile

__all__ = [
    "BatchError",
    "CheckpointCorruptError",
    "CheckpointError",
    "CheckpointMismatchError",
    "SampleError",
    "batch_run",
    "to_dataframe",
]


class SampleError:
    """Stands in for the result of a sample that failed.

    Attributes
    ----------
    exc_type : str
        The exception's qualified type name (``"WorkerDied"`` when the worker process died).
    message : str
        The exception's message.
    traceback : str
        The formatted traceback (from the worker).
    params : dict
        The parameter set of the sample.
    seed : int
        The sample's seed.
    """

    __slots__ = ("exc_type", "message", "traceback", "params", "seed")

    def __init__(self, exc_type: str, message: str, traceback: str, params: dict, seed: int):
        self.exc_type = exc_type
        self.message = message
        self.traceback = traceback
        self.params = params
        self.seed = seed

    def __reduce__(self):
        return (SampleError, (self.exc_type, self.message, self.traceback, self.params, self.seed))

    def __eq__(self, other):
        if not isinstance(other, SampleError):
            return NotImplemented
        return (self.exc_type, self.message, self.params, self.seed) == (
            other.exc_type, other.message, other.params, other.seed)

    def __repr__(self) -> str:
        return (f"SampleError({self.exc_type}: {self.message!r}, params={self.params!r}, "
                f"seed={self.seed})")


class _Job:
    """What every sample needs: the simulation function and how to build its env."""

    def __init__(self, sim_func, n_steps, snapshot, cache, gas_priority, sim_kwargs, env_options,
                 profile=False):
        self.sim_func = sim_func
        self.n_steps = n_steps
        self.snapshot = snapshot
        self.cache = cache
        self.gas_priority = gas_priority
        self.sim_kwargs = sim_kwargs
        self.env_options = env_options
        self.profile = profile

    def run(self, params: dict, seed: int):
        env_type = EmptyEnvGasPriority if self.gas_priority else EmptyEnvRandom
        env = env_type(seed, snapshot=self.snapshot, cache=self.cache, **self.env_options)
        if self.profile:
            return self._run_profiled(env, params, seed)
        # Every executor runs a sample through here: the batch's bar is the only bar.
        with suppress_progress():
            return self.sim_func(env, seed, self.n_steps, **params, **self.sim_kwargs)

    def _run_profiled(self, env, params: dict, seed: int) -> _Profiled:
        with suppress_progress(), collect_gas_profile(GasProfile()) as profile:
            result = self.sim_func(env, seed, self.n_steps, **params, **self.sim_kwargs)
        return _Profiled(result, profile)

    def run_safely(self, params: dict, seed: int):
        try:
            return self.run(params, seed)
        except Exception as exc:  # a failed sample is reported, never fatal to the batch
            return SampleError(
                f"{type(exc).__module__}.{type(exc).__qualname__}",
                str(exc),
                traceback.format_exc(),
                params,
                seed,
            )


class _Profiled:
    """A sample's result and its gas profile, as a worker returns them with ``profile=True``
    (the parent takes the profile off before the result is stored)."""

    __slots__ = ("result", "profile")

    def __init__(self, result, profile: GasProfile):
        self.result = result
        self.profile = profile

    def __reduce__(self):
        return (_Profiled, (self.result, self.profile))


def _resolve_n_jobs(n_jobs: int) -> int:
    """joblib's convention: -1 is every core, -2 all but one, ..."""
    if not isinstance(n_jobs, int) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero int, got {n_jobs!r}")
    cpus = os.cpu_count() or 1
    if n_jobs < 0:
        n_jobs = max(1, cpus + 1 + n_jobs)
    return n_jobs


# The job of the current batch, inherited by forked workers (never pickled for them).
_INHERITED_JOB: _Job | None = None


def _worker_main(conn, pickled_job: bytes | None) -> None:
    job = pickle.loads(pickled_job) if pickled_job is not None else _INHERITED_JOB
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, params, seed = task
        result = job.run_safely(params, seed)
        try:
            payload = pickle.dumps((index, result), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = pickle.dumps((index, SampleError(
                f"{type(exc).__module__}.{type(exc).__qualname__}",
                f"the sample's result cannot be pickled: {exc}",
                traceback.format_exc(), params, seed)))
        conn.send_bytes(payload)


class _Worker:
    def __init__(self, ctx, pickled_job):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, pickled_job), daemon=True)
        # A forked worker shares the parent's pages copy-on-write.  Its garbage collector would
        # visit every object it inherited (a visit writes the object's header, which copies
        # its page) and keep visiting them in each full collection: frozen before the fork,
        # they stay out of its collections.  The parent unfreezes them at once (unless the
        # program had frozen objects itself, which then stay frozen).
        already_frozen = gc.get_freeze_count()
        gc.freeze()
        try:
            self.process.start()
        finally:
            if not already_frozen:
                gc.unfreeze()
        child.close()
        self.task = None

    def give(self, task) -> None:
        self.task = task
        self.conn.send(task)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _run_pool(job: _Job, tasks, n_workers: int, on_result) -> None:
    global _INHERITED_JOB
    if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "win32":
        ctx = multiprocessing.get_context("fork")
        pickled_job = None
        _INHERITED_JOB = job
    else:
        ctx = multiprocessing.get_context("spawn")
        pickled_job = _dumps(job)
    pending = list(reversed(tasks))
    workers: list[_Worker] = []
    try:
        for _ in range(min(n_workers, len(tasks))):
            workers.append(_Worker(ctx, pickled_job))
        for w in workers:
            if pending:
                w.give(pending.pop())
        while any(w.task is not None for w in workers):
            busy = {w.conn: w for w in workers if w.task is not None}
            for conn in wait(list(busy)):
                w = busy[conn]
                try:
                    index, result = pickle.loads(conn.recv_bytes())
                except (EOFError, OSError):
                    index, params, seed = w.task
                    w.process.join(timeout=5)
                    code = w.process.exitcode
                    result = SampleError(
                        "WorkerDied",
                        f"the worker process running this sample died (exit code {code})",
                        "", params, seed)
                    w.conn.close()
                    workers.remove(w)
                    w.task = None
                    on_result(index, result, False)
                    if pending:
                        fresh = _Worker(ctx, pickled_job)
                        workers.append(fresh)
                        fresh.give(pending.pop())
                    continue
                w.task = None
                on_result(index, result)
                if pending:
                    w.give(pending.pop())
    finally:
        for w in workers:
            w.stop()
        _INHERITED_JOB = None


# --------------------------------------------------------------------------- Dask
_DASK_JOBS: dict[str, _Job] = {}


def _dask_run(key: str, pickled_job, params: dict, seed: int):
    job = _DASK_JOBS.get(key)
    if job is None:
        job = _DASK_JOBS[key] = pickle.loads(pickled_job)
    return job.run_safely(params, seed)


def _run_dask(client, job: _Job, tasks, on_result) -> None:
    import uuid

    from dask.distributed import as_completed

    key = uuid.uuid4().hex
    [job_future] = client.scatter([_dumps(job)], broadcast=True)
    futures = {}
    for index, params, seed in tasks:
        fut = client.submit(_dask_run, key, job_future, params, seed, pure=False)
        futures[fut] = (index, params, seed)
    for fut in as_completed(futures):
        index, params, seed = futures[fut]
        try:
            result = fut.result()
        except Exception as exc:  # the worker died or the task was lost
            result = SampleError(f"{type(exc).__module__}.{type(exc).__qualname__}", str(exc),
                                 traceback.format_exc(), params, seed)
            on_result(index, result, False)
            continue
        on_result(index, result)


def _dumps(obj) -> bytes:
    """Pickle ``obj`` for another process: cloudpickle where installed (it also handles
    functions and classes made at run time, such as ABI types), else the standard pickle."""
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - dask brings cloudpickle
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


# --------------------------------------------------------------------------- API
def batch_run(
    sim_func: typing.Callable,
    *,
    n_steps: int,
    n_samples: int,
    parameters_samples: list[dict],
    snapshot=None,
    cache=None,
    gas_priority: bool = False,
    n_jobs: int = -1,
    verbose: int = 10,
    executor=None,
    seeds: typing.Sequence[int] | None = None,
    show_progress: bool = True,
    raise_errors: bool = False,
    env_options: dict | None = None,
    checkpoint: str | os.PathLike | None = None,
    profile: bool = False,
    **sim_kwargs,
) -> list[dict[str, typing.Any]]:
    """Run Monte-Carlo samples of a simulation over parameter sets, in parallel.

    Parameters
    ----------
    sim_func : callable
        ``sim_func(env, seed, n_steps, **params, **sim_kwargs)`` runs one sample and returns
        its result (anything picklable).
    n_steps : int
        Number of simulation steps, passed to ``sim_func``.
    n_samples : int
        Monte-Carlo samples per parameter set (seeds ``0 .. n_samples-1``).
    parameters_samples : list of dict
        Parameter sets, passed to ``sim_func`` as keyword arguments.
    snapshot : verbs.envs.Snapshot or tuple, optional
        Every sample's env starts from this snapshot (shared copy-on-write), or from the
        original verbs' 5-tuple (read once here unless it carries block hashes).
    cache : verbs.types.Cache, optional
        Every sample's env starts from this fetch cache.
    gas_priority : bool
        Gas-priority block ordering instead of a random shuffle.
    n_jobs : int
        Worker processes, joblib's convention (-1: every core, -2: all but one).
    verbose : int
        Accepted for compatibility with the original (which passed it to joblib); a summary
        line is printed when ``verbose > 0`` and some samples failed.
    executor : dask.distributed.Client, optional
        Run the samples on that Dask cluster.
    seeds : sequence of int, optional
        Explicit seeds instead of ``range(n_samples)``.
    show_progress : bool
        A tqdm progress bar over samples.
    raise_errors : bool
        Raise :class:`BatchError` for the first failed sample instead of putting a
        :class:`SampleError` in its place.
    env_options : dict, optional
        Keyword options for the environments (``fork``, ``real_fees``, ...).
    checkpoint : str or os.PathLike, optional
        A file that keeps finished samples, so that a batch whose driver dies (killed, machine
        rebooted, cluster preempted) loses nothing it had finished.  This process appends each
        sample's result (or :class:`SampleError`) to it as one checksummed record, written and
        ``fsync``-ed as the sample arrives.  Rerun the same call with the same file and only
        the samples it lacks run; the results equal an uninterrupted run's, sample for sample.
        The file's header identifies the batch: ``sim_func`` (module and qualified name),
        ``n_steps``, ``parameters_samples``, the seeds, ``snapshot``, ``cache``,
        ``gas_priority``, ``env_options`` and ``**sim_kwargs`` (digests of their pickles, so
        they must be picklable; classes and functions made at run time, such as ABI types,
        count by their module and name, and a class also by its contents).  A sample lost to a
        dead worker is not recorded: the rerun tries it again.  Each sample costs one ``fsync``
        (milliseconds on a disk: negligible
        beside samples that take seconds).  Records are pickles: load only files you wrote.
    profile : bool
        Profile the gas of every sample: each :meth:`verbs.sim.Sim.run` inside a sample records
        a call trace per transaction and folds it into the sample's
        :class:`~verbs.trace.profile.GasProfile` (blocks processed outside ``Sim.run`` are not
        counted), the worker returns that small table with the result, and this process
        merges the samples' tables: each parameter set's dict gets a ``"profile"`` entry (the
        merge over its samples that did not fail), and ``GasProfile.combine(g["profile"] for g
        in results)`` is the whole batch's.  Tracing makes transactions slower.  With
        ``checkpoint``, each record keeps its sample's profile, so a resumed batch's profiles
        equal an uninterrupted run's (and a checkpoint written without ``profile`` does not
        match a batch with it, nor the reverse).
    **sim_kwargs
        Passed to every ``sim_func`` call.

    Returns
    -------
    list of dict
        ``[{"params": params, "samples": [result, ...]}, ...]`` in the order of
        ``parameters_samples``; samples in seed order.  With ``profile=True`` each dict also
        has ``"profile"``.

    Raises
    ------
    BatchError
        With ``raise_errors=True``, for the first failed sample.
    CheckpointMismatchError
        If ``checkpoint`` holds another batch's samples; the message names what differs.
    CheckpointCorruptError
        If a record of ``checkpoint`` other than a torn last one (which is dropped, with a
        ``RuntimeWarning``, and rerun) is damaged; the message names the file and offset.
    TypeError
        With ``checkpoint``, if an argument that identifies the batch cannot be pickled.
    """
    if snapshot is not None and cache is not None:
        raise ValueError("Either a snapshot or a cache should be provided, not both")
    if not callable(sim_func):
        raise TypeError("sim_func must be callable")
    if seeds is None:
        if not isinstance(n_samples, int) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative int, got {n_samples!r}")
        seeds = list(range(n_samples))
    else:
        seeds = [int(s) for s in seeds]
    parameters_samples = list(parameters_samples)
    for i, params in enumerate(parameters_samples):
        if not isinstance(params, dict):
            raise TypeError(f"parameters_samples[{i}] must be a dict, got {type(params).__name__}")

    env_options = dict(env_options or {})
    n = len(seeds)
    results: list[typing.Any] = [None] * (len(parameters_samples) * n)
    failures = []

    n_workers = _resolve_n_jobs(n_jobs) if executor is None else None

    store = None
    if checkpoint is not None:
        description = describe_batch(sim_func, n_steps, parameters_samples, seeds, snapshot,
                                     cache, gas_priority, env_options, sim_kwargs)
        if profile:
            description["profile"] = True
        store = Checkpoint.open(checkpoint, description)
    finished = store.finished if store is not None else {}
    profiles = [GasProfile() for _ in parameters_samples] if profile else None
    for (i, k), result in sorted(finished.items()):
        if profiles is not None and type(result) is _Profiled:
            profiles[i].update(result.profile)
            result = result.result
        results[i * n + k] = result
        if isinstance(result, SampleError):
            failures.append(result)
    if snapshot is not None:
        # an original 5-tuple is read once here, not once per sample
        snapshot = shareable(snapshot)
    job = _Job(sim_func, n_steps, snapshot, cache, gas_priority, sim_kwargs, env_options,
               bool(profile))
    tasks = [
        (i * n + k, params, seed)
        for i, params in enumerate(parameters_samples)
        for k, seed in enumerate(seeds)
        if (i, k) not in finished
    ]
    bar = None

    def on_result(index, result, outcome=True):
        # ``outcome``: the sample itself gave this (a dead worker's stand-in is no outcome,
        # and the checkpoint leaves it to a rerun)
        if store is not None and outcome:
            # with profile=True the record keeps the sample's profile with its result
            i, k = divmod(index, n)
            try:
                record = record_bytes(i, k, seeds[k], result)
            except Exception as exc:
                result = SampleError(
                    f"{type(exc).__module__}.{type(exc).__qualname__}",
                    f"the sample's result cannot be pickled: {exc}",
                    traceback.format_exc(), parameters_samples[i], seeds[k])
                record = record_bytes(i, k, seeds[k], result)
            store.append_record(record)
        if profiles is not None and type(result) is _Profiled:
            profiles[index // n].update(result.profile)
            result = result.result
        results[index] = result
        if isinstance(result, SampleError):
            failures.append(result)
            if raise_errors:
                raise BatchError(result)
        bar.update(1)

    try:
        bar = tqdm(total=len(results), initial=len(results) - len(tasks),
                   disable=not show_progress, desc="samples")
        if raise_errors and failures:
            raise BatchError(failures[0])
        if not tasks:
            pass
        elif executor is not None:
            _run_dask(executor, job, tasks, on_result)
        elif n_workers == 1:
            for index, params, seed in tasks:
                on_result(index, job.run_safely(params, seed))
        else:  # a pool, even for one sample: a crash kills a worker, not the driver
            _run_pool(job, tasks, n_workers, on_result)
    finally:
        if bar is not None:
            bar.close()
        if store is not None:
            store.close()

    if failures and verbose:
        warnings.warn(
            f"batch_run: {len(failures)} of {len(results)} samples failed "
            f"(first: {failures[0].exc_type}: {failures[0].message})",
            RuntimeWarning,
            stacklevel=2,
        )
    groups = [
        {"params": params, "samples": results[i * n:(i + 1) * n]}
        for i, params in enumerate(parameters_samples)
    ]
    if profiles is not None:
        for group, group_profile in zip(groups, profiles):
            group["profile"] = group_profile
    return groups


def to_dataframe(results: list[dict[str, typing.Any]]):
    """Turn batch results into a tidy pandas DataFrame.

    One row per recorded value: the parameter columns, ``sample`` (its index within the
    parameter set), and then, by the shape of each sample's result,

    * ``step`` and ``agent`` for a list of per-step lists (what :meth:`verbs.sim.Sim.run`
      returns), with ``value``;
    * ``step`` for a list of per-step scalars or dicts;
    * ``value`` for a scalar.

    A dict (per sample or per step) spreads into one column per key.  A failed sample gives one
    row with its ``error`` text.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_dataframe needs pandas: pip install 'verbs[pandas]'") from exc

    rows = []
    for group in results:
        params = dict(group["params"])
        for sample, result in enumerate(group["samples"]):
            base = {**params, "sample": sample}
            if isinstance(result, SampleError):
                rows.append({**base, "error": f"{result.exc_type}: {result.message}"})
                continue
            if hasattr(result, "tolist"):
                result = result.tolist()
            if isinstance(result, dict):
                rows.append({**base, **result})
            elif isinstance(result, (list, tuple)):
                for step, record in enumerate(result):
                    if hasattr(record, "tolist"):
                        record = record.tolist()
                    if isinstance(record, dict):
                        rows.append({**base, "step": step, **record})
                    elif isinstance(record, (list, tuple)):
                        for agent, value in enumerate(record):
                            if isinstance(value, dict):
                                rows.append({**base, "step": step, "agent": agent, **value})
                            else:
                                rows.append({**base, "step": step, "agent": agent,
                                             "value": value})
                    else:
                        rows.append({**base, "step": step, "value": record})
            else:
                rows.append({**base, "value": result})
    return pd.DataFrame(rows)
