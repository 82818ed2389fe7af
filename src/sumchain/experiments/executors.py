"""Where runs execute, behind one small interface: `executor.map_runs(configs)`.

`map_runs` yields one `Outcome` per config as runs complete (in completion order). Every executor
must give the same rows for the same configs (only `wall_s` differs); the tests check that.
- `LocalExecutor`: a process pool over the machine's cores (`workers=1` runs in this process).
- `DaskExecutor`: Dask distributed, on an existing cluster (`scheduler="tcp://host:port"`) or a
  local cluster of single-threaded worker processes. Dask is an optional extra, imported lazily.
Both keep the dataset cache of `runner` inside each worker process, so each worker loads a
dataset once, not once per run.

Local workers die with the sweep: each asks the kernel for SIGKILL when its parent dies
(`prctl(PR_SET_PDEATHSIG)` on Linux) and also watches its parent's pid, so a sweep killed by any
signal leaves no orphans running. When a worker dies (killed, out of memory), the pool breaks:
the runs that were in flight are recorded as failed, a new pool is started and the rest run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator, Sequence

from sumchain.config import Config
from sumchain.errors import ConfigError
from sumchain.experiments.runner import Outcome, error_outcome, run_one, run_serially

EXECUTORS = ("local", "dask")


def default_workers() -> int:
    return os.cpu_count() or 1


PR_SET_PDEATHSIG = 1
PARENT_WATCH_S = 1.0


def _worker_setup(parent: int) -> None:
    """Workers leave Ctrl-C to the parent (which saves what is done and stops them), end on
    SIGTERM, and die with the parent however it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:      # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()


def _watch_parent(parent: int) -> None:
    """The fallback where PR_SET_PDEATHSIG is missing: an orphan is re-parented, so its ppid changes."""
    while True:
        time.sleep(PARENT_WATCH_S)
        if os.getppid() != parent:
            os._exit(1)


class LocalExecutor:
    """A pool of worker processes on this machine; runs go out one at a time as workers free up,
    so at most `workers` runs are in flight (and lost if a worker dies)."""

    def __init__(self, workers: int | None = None):
        self.workers = default_workers() if workers is None else workers
        if self.workers < 1:
            raise ConfigError(f"--workers must be >= 1, got {self.workers}")

    def map_runs(self, configs: Sequence[Config]) -> Iterator[Outcome]:
        if self.workers == 1 or len(configs) <= 1:
            yield from run_serially(configs)
            return
        size = min(self.workers, len(configs))
        queue = deque(configs)
        while queue:        # a new pool after a worker died, for the runs not yet started
            pool = ProcessPoolExecutor(max_workers=size, initializer=_worker_setup, initargs=(os.getpid(),))
            finished = False
            try:
                yield from _completed(pool, queue, size)
                finished = True
            finally:
                if finished:
                    pool.shutdown(wait=True)
                else:       # interrupted, or the consumer stopped early
                    _stop(pool)


def _completed(pool: ProcessPoolExecutor, queue: deque, size: int) -> Iterator[Outcome]:
    """Keep `size` runs in flight from `queue`; return early, the rest still queued, if the pool breaks."""
    in_flight: dict[Future, Config] = {}
    broken = False
    while queue or in_flight:
        while queue and not broken and len(in_flight) < size:
            try:
                in_flight[pool.submit(run_one, queue[0])] = queue[0]
            except BrokenProcessPool:       # a worker died between runs: this one never started
                broken = True
                break
            queue.popleft()
        if not in_flight:
            return
        finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in finished:
            config = in_flight.pop(future)
            try:
                yield future.result()
            except BrokenProcessPool as error:
                broken = True
                yield error_outcome(config, RuntimeError(
                    f"the worker process running it died ({error or 'BrokenProcessPool'}); rerun to retry"))
            except Exception as error:    # e.g. the config or its result could not be pickled
                yield error_outcome(config, error)
        if broken and not in_flight:
            return


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel queued runs and end the workers now, without waiting for the runs in flight."""
    # ProcessPoolExecutor has no public way to end running workers before Python 3.14, and
    # shutdown() forgets its processes, so take them first.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    # Not wait=True: after a signal interrupted the pool's own bookkeeping, waiting for its
    # management thread could hang forever (seen once in CI: zombie workers, a parent that never exited).
    pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Dask distributed: an existing scheduler, or a local cluster of `workers` processes."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.workers = default_workers() if workers is None else workers
        self.scheduler = scheduler
        if self.workers < 1:
            raise ConfigError(f"--workers must be >= 1, got {self.workers}")

    def map_runs(self, configs: Sequence[Config]) -> Iterator[Outcome]:
        distributed = import_distributed()
        with self._client(distributed) as client:
            futures = client.map(run_one, list(configs), pure=False)
            config_of = {future.key: config for future, config in zip(futures, configs)}
            for future in distributed.as_completed(futures):
                try:
                    yield future.result()
                except Exception as error:    # e.g. KilledWorker: the run is recorded as failed
                    yield error_outcome(config_of[future.key], error)
                finally:
                    future.release()

    def _client(self, distributed):
        if self.scheduler:
            try:
                return distributed.Client(self.scheduler, timeout="10s")
            except OSError as error:
                raise ConfigError(f"cannot reach the Dask scheduler at '{self.scheduler}': {error}") from None
        import logging
        cluster = distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
        return _ClusterClient(distributed.Client(cluster), cluster)


class _ClusterClient:
    """A client that also closes the local cluster it was made for."""

    def __init__(self, client, cluster):
        self.client, self.cluster = client, cluster

    def __enter__(self):
        return self.client

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.cluster.close()


def import_distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError("the dask executor needs Dask distributed; install it with: pip install 'sumchain[dask]'") from None
    return distributed


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None):
    """The executor for `--executor NAME` (`--scheduler` only applies to dask)."""
    if name == "local":
        if scheduler:
            raise ConfigError("--scheduler only applies to --executor dask")
        return LocalExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler)
    raise ConfigError(f"executor '{name}' is not available; choose one of: {', '.join(EXECUTORS)}")
