"""Where replications run: a local process pool, or a Dask cluster.

Both are standard :mod:`concurrent.futures` executors behind one small interface,
:class:`Pool`: :func:`sim.experiment.replications.run_replications` sends its batches to
either the same way (made lazily, a few ahead of the workers) and receives every result in
the parent, which saves it; workers never write into the run folder, so a run on a cluster
needs no shared file system and resumes like a local one.

- ``local``: a :class:`~concurrent.futures.ProcessPoolExecutor` on this machine. Its workers
  ignore stop signals (the parent stops them and keeps what has finished) and die with the
  parent: on Linux the kernel kills a worker whose parent dies (``PR_SET_PDEATHSIG``),
  elsewhere a watchdog thread does, so that no worker outlives a killed run or holds its
  output pipes open.
- ``dask``: a ``distributed.Client`` (installed by ``pip install 'ccsim[dask]'``), on a
  ``LocalCluster`` it starts (processes on 127.0.0.1, no dashboard) or on a running
  scheduler's address. The scenario is sent to every worker once (scattered), each worker's
  ccsim version is checked against this one's before anything runs, and on Ctrl-C the
  futures are cancelled and a cluster started here is closed, its workers killed.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = [
    "DASK_INSTALL",
    "EXECUTORS",
    "DaskPool",
    "ExecutorError",
    "LocalPool",
    "Pool",
    "ccsim_version",
    "dask_pool",
    "dask_setup",
    "open_pool",
]

#: The values of ``run.executor``.
EXECUTORS = ("local", "dask")
#: How to install what the ``dask`` executor needs.
DASK_INSTALL = "pip install 'ccsim[dask]'"
#: Seconds to wait for a scheduler to answer, and for a first worker to join it.
CONNECT_TIMEOUT = 30.0

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class ExecutorError(RuntimeError):
    """An executor that cannot run this ccsim (not installed, unreachable, another
    version): its message is one line, for the command line."""


def ccsim_version() -> str:
    """The installed ccsim's version (``"unknown"`` when it runs from an uninstalled tree)."""
    try:
        return version("ccsim")
    except PackageNotFoundError:
        return "unknown"


class Pool(ABC):
    """Workers that run tasks for :func:`~sim.experiment.replications.run_replications`.

    ``workers``: how many tasks run at once (batches are sized and submitted ahead by it).
    """

    workers: int

    @abstractmethod
    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Run ``fn(*args)`` on a worker; a :class:`concurrent.futures.Future` of its result."""

    def share(self, value: Any) -> Any:
        """What to pass to :meth:`submit` in place of ``value``, a large argument of many
        tasks (the scenario): the value itself, or a handle to a copy sent once to every
        worker."""
        return value

    def check_workers(self) -> None:
        """Raise if a worker has died (the pool cannot be relied on to notice every death):
        called while waiting for results. Nothing to check by default."""
        return None

    @abstractmethod
    def stop(self) -> None:
        """End now, in the middle of running tasks (Ctrl-C or an error): pending tasks are
        cancelled and no worker started for this pool is left running."""

    @abstractmethod
    def close(self) -> None:
        """End once the tasks submitted have finished; safe to call again after :meth:`stop`."""


# --- local: a process pool ----------------------------------------------------------------


def _worker_init(creator: int, start_method: str) -> None:
    """Set up a pool worker: ignore stop signals, and die with the process that made the pool.

    Ctrl-C, SIGTERM and SIGHUP are the parent's to handle: it stops the workers itself and
    keeps what has finished. ``creator``: the pid of the process that made the pool (the
    worker's parent, except under the ``forkserver`` start method).
    """
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    parent = os.getppid()
    if _die_with_parent():
        # The parent may have died before the call: then no signal will ever come.
        if start_method == "forkserver":
            if not _alive(creator):
                os._exit(1)
        elif os.getppid() != creator:
            os._exit(1)
    elif os.name == "posix":
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; ``False`` where impossible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch_parent(parent: int) -> None:
    """Where the kernel cannot: end this worker once its parent is gone (it is re-parented)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class LocalPool(Pool):
    """A process pool of ``workers`` processes on this machine."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context()
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(os.getpid(), context.get_start_method()),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker process."""
        return self._pool.submit(fn, *args)

    def check_workers(self) -> None:
        """Raise :class:`BrokenProcessPool` if a worker process has ended (killed by the
        system, e.g. for lack of memory). The pool notices a death itself, except when the
        worker is killed while sending a result: its manager thread then waits for ever for
        the rest of the message, and no future would ever complete."""
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            if process.exitcode is not None:
                raise BrokenProcessPool(f"worker process {process.pid} ended ({process.exitcode})")

    def stop(self) -> None:
        """End the pool's workers now, in the middle of their tasks.

        The pool offers no public way to stop running tasks (Python 3.14 adds
        ``terminate_workers``), so its processes are terminated. A worker killed while
        sending a result leaves a partial message in the result pipe, and the pool's manager
        thread would wait for the rest of it for ever, hanging the interpreter at exit.
        Closing this process's own write end of that pipe, once every worker is gone, turns
        the wait into end-of-file, which the manager thread handles as a broken pool and
        exits.
        """
        pool = self._pool
        processes = list((getattr(pool, "_processes", None) or {}).values())
        result_queue = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()  # SIGKILL: workers ignore SIGTERM
        for process in processes:
            process.join()
        writer = getattr(result_queue, "_writer", None)
        if writer is not None:
            writer.close()

    def close(self) -> None:
        """Wait for the submitted tasks, then end the workers."""
        self._pool.shutdown()


# --- dask: a distributed cluster ------------------------------------------------------------


def _worker_version() -> str:
    """Run on a Dask worker: its ccsim version (it fails there if ccsim is not installed)."""
    return ccsim_version()


class DaskPool(Pool):
    """Tasks on a Dask cluster through ``client.get_executor()``; ``cluster``: a
    ``LocalCluster`` started for this pool (closed with it), or ``None`` for a scheduler
    that was already running (left running, only this client's tasks are cancelled)."""

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self._client = client
        self._cluster = cluster
        self._executor = client.get_executor(pure=False)  # no hashing of the arguments
        self.workers = max(1, sum(client.nthreads().values()))
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Run ``fn(*args)`` on a worker of the cluster (a ``concurrent.futures`` future)."""
        return self._executor.submit(fn, *args)

    def share(self, value: Any) -> Any:
        """A copy of ``value`` on every worker (scattered once): a Dask future that tasks
        receive as the value itself."""
        # In a list: a dict or a tuple given alone would be scattered item by item.
        [future] = self._client.scatter([value], broadcast=True, hash=False)
        return future

    def stop(self) -> None:
        """Cancel every task of this pool, kill the workers of a cluster started for it
        (their running tasks cannot be interrupted otherwise), and close."""
        if self._closed:
            return
        self._executor.shutdown(wait=False)  # cancels the futures
        # Killed workers lose the scattered scenario, which the scheduler reports as an error,
        # and the event loop logs the connections they leave closed (a CommClosedError with
        # its traceback): both are the stop itself, not a failure.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        logging.getLogger("tornado.application").setLevel(logging.CRITICAL)
        if self._cluster is not None:
            for nanny in list(self._cluster.workers.values()):
                nanny.close_gracefully(reason="ccsim-stop")  # no restart once killed
                pid = nanny.pid
                if pid:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        self.close()

    def close(self) -> None:
        """Close the client, and the cluster if it was started for this pool."""
        if self._closed:
            return
        self._closed = True
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def dask_setup(worker: Any) -> None:
    """Run by each worker of a local cluster as it starts (this module is its preload):
    ignore Ctrl-C. In a terminal Ctrl-C reaches every process of the job; the workers leave
    it to the parent, which cancels their tasks and stops them."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check_versions(client: Any, where: str) -> None:
    """Refuse workers that run another ccsim (or none) than this process."""
    mine = ccsim_version()
    found = client.run(_worker_version, on_error="return")
    for worker, theirs in sorted(found.items()):
        if isinstance(theirs, BaseException):
            raise ExecutorError(
                f"{where}: worker {worker} cannot run ccsim ({type(theirs).__name__}: "
                f"{theirs}); install ccsim {mine} on every worker"
            )
        if theirs != mine:
            raise ExecutorError(
                f"{where}: worker {worker} has ccsim {theirs}, this process {mine}; "
                f"install ccsim {mine} on every worker"
            )


@contextmanager
def dask_pool(workers: int = 0, address: str | None = None) -> Iterator[DaskPool]:
    """A :class:`DaskPool`, closed on exit (stopped at once on an exception or Ctrl-C).

    ``address`` ``None``: a ``LocalCluster`` on 127.0.0.1 of ``workers`` single-threaded
    processes (0: one per CPU core), no dashboard; else a client of the scheduler there
    (e.g. ``tcp://host:8786``), whose workers run the tasks (``workers`` is then unused).
    Raises :class:`ExecutorError` when ``distributed`` is not installed, the scheduler
    cannot be reached or has no worker, or a worker runs another ccsim version.
    """
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ExecutorError(
            f"run.executor = dask needs the distributed package ({exc}): {DASK_INSTALL}"
        ) from None
    # The scheduler, nannies and client of this process log their every step at INFO.
    chatty = logging.getLogger("distributed")
    level = chatty.level
    chatty.setLevel(logging.WARNING)
    try:
        with _dask_pool(workers, address) as pool:
            yield pool
    finally:
        chatty.setLevel(level)


@contextmanager
def _dask_pool(workers: int, address: str | None) -> Iterator[DaskPool]:
    """:func:`dask_pool`, once ``distributed`` is known to be there."""
    from distributed import Client, LocalCluster
    from distributed.gc import disable_gc_diagnosis

    cluster = None
    if address is None:
        where = "run.executor = dask (a local cluster)"
        try:
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # Without a dashboard the scheduler still serves HTTP (health, metrics), by
                # default on port 8787, with a warning when another run holds it: any port.
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
                preload=[__name__],  # dask_setup: workers ignore Ctrl-C
            )
        except Exception as exc:  # e.g. a worker process that could not start
            raise ExecutorError(f"{where}: could not start ({type(exc).__name__}: {exc})") from None
        # The scheduler, in this process, hooks a diagnosis into every garbage collection;
        # a Ctrl-C that lands in that hook is swallowed ("Exception ignored"), and lost.
        disable_gc_diagnosis(force=True)
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
    else:
        where = f"run.dask_address = '{address}'"
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise ExecutorError(f"{where}: no Dask scheduler answers there ({exc})") from None
    pool = DaskPool(client, cluster)
    try:
        if address is not None:
            try:
                client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError):  # TimeoutError, before 3.11 not asyncio's
                raise ExecutorError(
                    f"{where}: no worker joined the scheduler within {CONNECT_TIMEOUT:g} s "
                    f"(start one with: dask worker {address})"
                ) from None
            pool.workers = max(1, sum(client.nthreads().values()))
        _check_versions(client, where)
        yield pool
    except BaseException:
        pool.stop()
        raise
    pool.close()


@contextmanager
def open_pool(executor: str, workers: int = 0, address: str | None = None) -> Iterator[Pool | None]:
    """The pool of ``run.executor`` for a whole job (every call of ``run_replications``).

    ``"dask"``: a :func:`dask_pool`. ``"local"``: ``None``, as each call of
    :func:`~sim.experiment.replications.run_replications` makes its own process pool, sized
    to its tasks (:class:`LocalPool`), or runs in this process with one worker.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor {executor!r}: allowed: {', '.join(EXECUTORS)}")
    if executor == "local":
        yield None
        return
    with dask_pool(workers, address) as pool:
        yield pool
