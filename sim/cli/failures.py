"""What every job (the run, the hiring plan, the staffing solver) shares: a new run folder,
and how the job ends when something fails: one line on stderr and an exit code, never a
traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from sim.config.run import PROJECT_ROOT
from sim.experiment.executors import ExecutorError
from sim.experiment.run_folder import RunFolder, RunFolderError

__all__ = ["create_run_folder", "one_line_failures", "stop"]


def create_run_folder(run_dir: Path) -> RunFolder:
    """A new, locked run folder at ``run_dir``; refused if it holds a run or is the current
    folder, the project root or a folder above either (see :meth:`RunFolder.create`)."""
    here = {Path.cwd(): "the current folder", PROJECT_ROOT: "the project root"}
    return RunFolder.create(run_dir, protected=here)


def stop(message: str, code: int) -> None:
    """End the process with ``ccsim: <message>`` on stderr and exit ``code``."""
    sys.stderr.write(f"ccsim: {message}\n")
    sys.exit(code)


def _killed_dask_worker(exc: BaseException) -> bool:
    """Whether ``exc`` is Dask's ``KilledWorker`` (without importing Dask for local runs)."""
    distributed = sys.modules.get("distributed")
    killed = getattr(distributed, "KilledWorker", None)
    return isinstance(killed, type) and isinstance(exc, killed)


@contextmanager
def one_line_failures(kept: str = "", interrupted: str | None = None) -> Iterator[None]:
    """Turn the failures of the job inside into one line and an exit code: a run folder
    refused or corrupt (its own code), a failed read or write, an executor that cannot run
    (:class:`~sim.experiment.executors.ExecutorError`), a worker killed by the system or
    memory run out (1), and, if ``interrupted`` is given, Ctrl-C (130, with that
    message). ``kept``: what is kept when the job dies, said after the advice."""
    try:
        yield
    except RunFolderError as exc:
        stop(str(exc), exc.code)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        stop(f"{where}{exc.strerror or exc}", 1)
    except ExecutorError as exc:
        stop(str(exc), 1)
    except BrokenProcessPool:
        stop(
            "a worker process died (killed by the system, often for lack of memory): "
            f"lower run.workers{kept}",
            1,
        )
    except MemoryError:
        stop(f"out of memory: lower run.workers or run.replications, or free memory{kept}", 1)
    except Exception as exc:
        if not _killed_dask_worker(exc):
            raise
        stop(
            "a Dask worker died (killed by the system or its nanny, often for lack of "
            f"memory): lower run.workers or give the workers more memory{kept}",
            1,
        )
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        stop(interrupted, 130)
