"""``python -m sim`` runs in processes of their own, without paying the interpreter's imports.

A ``python -m sim`` process spends about 2 s of CPU importing pandas, scipy, matplotlib and
Hydra before it reads its command line; the suite makes about a hundred such runs. Here one
helper process per test process (the "zygote") imports them once; each run is a child
*forked* from it which takes its own command line, working folder, environment, stdin
(``/dev/null``), stdout and stderr, runs ``sim/__main__.py`` as ``python -m sim`` does
(:func:`runpy.run_module`, as ``__main__``), ends as an interpreter ends (non-daemon threads
joined, ``atexit`` functions run) and exits with the run's exit code. So a run is still a
real process: its pid, exit code, output, files, lock and worker pool are its own; only the
imports are shared, and nothing a run does reaches the next one.

:func:`run` stands for ``subprocess.run([sys.executable, "-m", "sim", *args], cwd=...,
env=..., capture_output=True, text=True, timeout=...)``; ``inject`` is Python run first, in
the child's ``__main__`` (as ``python -c "INJECT; runpy.run_module('sim', ...)"`` would: to
replace a function and fake a fault). :func:`run_script` stands for ``python SCRIPT ARGS``
(:func:`runpy.run_path`, as ``__main__``, the script's folder first on ``sys.path``), for the
example scripts of ``docs/examples``, which import ``sim`` and pandas too.

Not for tests of the process itself: signals, Ctrl-C from outside, process groups, start-up
(those start ``python -m sim`` with :mod:`subprocess`). Not a test module (no ``test_``).
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The zygote: imports what a run imports, then forks one child per request line on stdin;
#: answers on stdout with one JSON line per event: ``{"id", "pid"}`` when a child started,
#: ``{"id", "status"}`` (its exit code, negative for a signal) when it ended.
ZYGOTE = r"""
import json, os, select, signal, sys

# What a run imports (sim.cli.app imports the rest lazily, once a config is valid).
import sim.cli.app, sim.cli.job, sim.cli.plan_job, sim.cli.staff_job, sim.cli.calibrate_job
import sim.cli.sweep_callback
import matplotlib.pyplot, pandas, scipy.stats

protocol_in = os.dup(0)  # read raw: select() sees what a buffered reader would hide
protocol_out = os.dup(1)
devnull = os.open(os.devnull, os.O_RDWR)
os.dup2(devnull, 0)
os.dup2(2, 1)  # nothing of the zygote's own goes to the protocol
# A child's end wakes the loop below (SIGCHLD through a pipe): the zygote never polls.
woken, wake = os.pipe()
os.set_blocking(wake, False)
signal.signal(signal.SIGCHLD, lambda signum, frame: None)
signal.set_wakeup_fd(wake)


def child(job):
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in (protocol_in, protocol_out, woken, wake):
        os.close(fd)
    os.dup2(devnull, 0)
    for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    os.close(devnull)
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    code = 0
    try:
        import runpy
        namespace = sys.modules["__main__"].__dict__
        if job["inject"]:
            exec(compile(job["inject"], "<inject>", "exec"), namespace)
        if job["script"] is None:
            sys.argv = ["sim", *job["args"]]
            runpy.run_module("sim", run_name="__main__", alter_sys=True)
        else:  # as ``python SCRIPT ARGS`` runs it: its folder first on the path
            sys.argv = [job["script"], *job["args"]]
            sys.path[0] = os.path.dirname(os.path.abspath(job["script"]))
            runpy.run_path(job["script"], run_name="__main__")
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        import traceback
        traceback.print_exc()
        code = -signal.SIGINT  # as the interpreter does: it dies of SIGINT
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    # The end of an interpreter: non-daemon threads joined, atexit functions run.
    try:
        import threading, atexit
        threading._shutdown()
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        if code < 0:
            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        os._exit(code)


running = {}
pending = b""
done_reading = False
while running or not done_reading:
    ready = select.select([woken] if done_reading else [protocol_in, woken], [], [])[0]
    if woken in ready:
        os.read(woken, 1 << 16)
    if protocol_in in ready:
        chunk = os.read(protocol_in, 1 << 16)
        done_reading = not chunk
        pending += chunk
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(job)
        running[pid] = job["id"]
        os.write(protocol_out, (json.dumps({"id": job["id"], "pid": pid}) + "\n").encode())
    while running:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            break
        ident = running.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        os.write(protocol_out, (json.dumps({"id": ident, "status": code}) + "\n").encode())
"""


class _Zygote:
    def __init__(self) -> None:
        env = {**os.environ, "MPLBACKEND": "Agg"}
        env.pop("HYDRA_FULL_ERROR", None)
        self._folder = tempfile.TemporaryDirectory(prefix="ccsim-zygote-")
        self._log = Path(self._folder.name) / "zygote.err"
        with self._log.open("w") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", ZYGOTE],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                bufsize=1,
            )
        self._lock = threading.Lock()
        self._next = 0
        self._events: dict[int, threading.Event] = {}
        self._answers: dict[int, dict] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            answer = json.loads(line)
            with self._lock:
                self._answers.setdefault(answer["id"], {}).update(answer)
                if "status" in answer:
                    self._events[answer["id"]].set()
        with self._lock:  # the zygote is gone: nobody waits forever
            for event in self._events.values():
                event.set()

    def run(self, job: dict, timeout: float) -> tuple[int, str, str]:
        with self._lock:
            ident = self._next
            self._next += 1
            event = self._events[ident] = threading.Event()
            out = Path(self._folder.name) / f"{ident}.out"
            err = Path(self._folder.name) / f"{ident}.err"
            assert self._proc.stdin is not None
            line = json.dumps({**job, "id": ident, "stdout": str(out), "stderr": str(err)})
            self._proc.stdin.write(line + "\n")
            self._proc.stdin.flush()
        if not event.wait(timeout):
            pid = self._answers.get(ident, {}).get("pid")
            if pid is not None:
                os.kill(pid, 9)
            raise subprocess.TimeoutExpired(job["args"], timeout)
        answer = self._answers.pop(ident)
        assert "status" in answer, f"the ccsim zygote died: {self._log.read_text()[-3000:]}"
        stdout, stderr = (p.read_text(errors="replace") for p in (out, err))
        out.unlink()
        err.unlink()
        return answer["status"], stdout, stderr

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=60)
        self._folder.cleanup()


_zygote: _Zygote | None = None
_start = threading.Lock()


def _the_zygote() -> _Zygote:
    global _zygote
    with _start:
        if _zygote is None or _zygote._proc.poll() is not None:
            _zygote = _Zygote()
            atexit.register(_zygote.close)
        return _zygote


def run(
    args: Sequence[str],
    cwd: str | os.PathLike,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    inject: str | None = None,
) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` in ``cwd`` with ``env`` (default: this process's), waited for:
    its exit code, stdout and stderr, as ``subprocess.run(..., capture_output=True,
    text=True)`` gives them."""
    return _run(None, args, cwd, env, timeout, inject)


def run_script(
    script: str | os.PathLike,
    args: Sequence[str],
    cwd: str | os.PathLike,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``python SCRIPT ARGS``, as :func:`run` runs ``python -m sim ARGS``."""
    return _run(str(script), args, cwd, env, timeout, None)


def _run(script, args, cwd, env, timeout, inject) -> subprocess.CompletedProcess:
    job = {
        "script": script,
        "args": [str(a) for a in args],
        "cwd": str(cwd),
        "env": dict(os.environ if env is None else env),
        "inject": inject,
    }
    code, stdout, stderr = _the_zygote().run(job, timeout)
    command = [sys.executable, *(["-m", "sim"] if script is None else [script]), *job["args"]]
    return subprocess.CompletedProcess(command, code, stdout, stderr)
