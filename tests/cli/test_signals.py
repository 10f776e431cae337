"""How a run ends when it cannot go on: stopped by SIGTERM or SIGHUP (like Ctrl-C: tables from
the finished replications, exit 143 or 129, no worker left), its parent killed (the workers
die with it and release its pipes), out of memory (one line, exit 1), or too large to start
(refused before anything is simulated, exit 2)."""

from __future__ import annotations

import os
import resource
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds processes through /proc (Linux)"
)

# Long enough (about 0.1 s a replication, 400 of them) never to finish before the signal.
LONG_RUN = [
    "scenario=erlang",
    "scenario.hours=8",
    "run.replications=400",
    "run.workers=2",
    "policies=[none]",
]
TIMEOUT = 60  # generous: the tests poll for readiness and normally take a few seconds


def _default_signals() -> None:
    # A test runner may start children with some signals ignored; a user's shell does not.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def _start(run_dir: Path, *args: str, stderr: int = subprocess.STDOUT, preexec=None):
    """``python -m sim *args`` writing into ``run_dir``, with default signal dispositions
    (``preexec`` may change them), its output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args, f"hydra.run.dir={run_dir}"],
        cwd=run_dir.parent,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        preexec_fn=preexec or _default_signals,
    )


def _processes() -> dict[int, tuple[int, str, str, bytes]]:
    """Every process: pid -> (parent pid, state, start time, command line)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    found = {}
    if psutil is not None:
        for p in psutil.process_iter(["ppid", "status", "create_time", "cmdline"]):
            state = "Z" if p.info["status"] == psutil.STATUS_ZOMBIE else "R"
            cmdline = "\0".join(p.info["cmdline"] or []).encode()
            found[p.pid] = (p.info["ppid"], state, str(p.info["create_time"]), cmdline)
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        found[int(entry.name)] = (int(fields[1]), fields[0], fields[19], cmdline)
    return found


def _children(pid: int) -> dict[int, str]:
    """The children of ``pid``, each with its start time (to tell a reused pid)."""
    return {p: start for p, (ppid, _, start, _) in _processes().items() if ppid == pid}


def _still_running(recorded: dict[int, str]) -> list[int]:
    """Those of ``recorded`` still running (a zombie has exited: it only awaits its reaper)."""
    now = _processes()
    return [
        pid
        for pid, start in recorded.items()
        if pid in now and now[pid][2] == start and now[pid][1] != "Z"
    ]


def _wait_for_parts(run_dir: Path, proc: subprocess.Popen, n: int = 1) -> None:
    deadline = time.monotonic() + TIMEOUT
    while len(list((run_dir / "parts").glob("*.json"))) < n:
        assert proc.poll() is None, "ccsim ended before the signal"
        assert time.monotonic() < deadline, "no replication finished in time"
        time.sleep(0.05)


def _gone_within(recorded: dict[int, str], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _still_running(recorded)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_signal_writes_the_tables_and_leaves_no_worker(tmp_path, sig, code):
    run_dir = tmp_path / "run"
    proc = _start(run_dir, *LONG_RUN)
    try:
        _wait_for_parts(run_dir, proc, 2)
        workers = _children(proc.pid)
        assert len(workers) >= 2, workers
        proc.send_signal(sig)
        output, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == code, output
    assert "Traceback" not in output
    assert "interrupted: writing the tables" in output
    saved = len(list((run_dir / "parts").glob("*.json")))
    assert 2 <= saved < 400
    summary = pd.read_csv(run_dir / "summary.csv")
    assert set(summary["replications"]) == {saved}
    assert _gone_within(workers, 5) == []


def test_a_killed_run_takes_its_workers_and_releases_the_pipe(tmp_path):
    """``python -m sim ... | cat`` returns once the run is SIGKILLed: no worker keeps the
    pipe open, and every worker is gone within seconds."""
    run_dir = tmp_path / "run"
    command = shlex.join([sys.executable, "-m", "sim", *LONG_RUN, f"hydra.run.dir={run_dir}"])
    wrapper = subprocess.Popen(
        ["sh", "-c", f"{command} 2>&1 | cat"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_default_signals,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not list((run_dir / "parts").glob("*.json")):
            assert wrapper.poll() is None and time.monotonic() < deadline, "no replication"
            time.sleep(0.05)
        ccsim = [
            pid
            for pid, (ppid, _, _, cmdline) in _processes().items()
            if ppid == wrapper.pid and b"\0-m\0sim\0" in cmdline
        ]
        assert len(ccsim) == 1, ccsim
        workers = _children(ccsim[0])
        assert len(workers) >= 2, workers
        os.kill(ccsim[0], signal.SIGKILL)
        start = time.monotonic()
        wrapper.communicate(timeout=20)  # cat sees end-of-file only when no worker holds it
        assert time.monotonic() - start < 10
        assert _gone_within(workers, 5) == []
    finally:
        wrapper.kill()
        for pid in _still_running(workers if "workers" in locals() else {}):
            os.kill(pid, signal.SIGKILL)  # only if the test failed: leave nothing behind


def test_a_worker_killed_by_the_system_ends_the_run_with_one_line(tmp_path):
    """As the out-of-memory killer would: SIGKILL one worker; exit 1, no traceback, the
    other worker stopped, the finished replications kept."""
    run_dir = tmp_path / "run"
    proc = _start(run_dir, *LONG_RUN, stderr=subprocess.PIPE)
    try:
        _wait_for_parts(run_dir, proc)
        workers = _children(proc.pid)
        assert len(workers) >= 2, workers
        os.kill(min(workers), signal.SIGKILL)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("ccsim: a worker process died")
    assert list((run_dir / "parts").glob("*.json"))
    assert _gone_within(workers, 5) == []


def test_an_ignored_sighup_stays_ignored(tmp_path):
    """Under ``nohup`` (SIGHUP ignored at start) a hang-up does not stop the run."""
    run_dir = tmp_path / "run"

    def nohup() -> None:
        _default_signals()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = _start(
        run_dir,
        "scenario=erlang",
        "scenario.hours=8",
        "run.replications=30",
        "run.workers=2",
        "policies=[none]",
        preexec=nohup,
    )
    try:
        _wait_for_parts(run_dir, proc)
        proc.send_signal(signal.SIGHUP)
        output, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0, output
    assert set(pd.read_csv(run_dir / "summary.csv")["replications"]) == {30}


def test_out_of_memory_is_one_line_and_exit_1(tmp_path):
    """A run allowed past the size limits that then runs out of memory (here: its address
    space capped at 4 GB, so the first big allocation fails) ends with one line, exit 1."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "scenario=erlang",
            "scenario.calls_per_hour=1e11",
            "run.allow_large=true",
            "run.replications=1",
            "run.workers=1",
            "policies=[none]",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=cap_memory,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("ccsim: out of memory")


def test_a_run_too_large_is_refused_before_it_starts(tmp_path):
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "scenario=erlang",
            "scenario.calls_per_hour=1e12",
            "scenario.agents=10000000",
            "run.replications=1000000000",
            f"hydra.run.dir={run_dir}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "ccsim: invalid configuration, nothing was simulated:"
    assert sorted(line.split(" = ")[0] for line in lines[1:]) == [
        "  - run.replications",
        "  - scenario.agents",
        "  - scenario.calls_per_hour",
    ]
    assert all(line.endswith("set run.allow_large=true to run it anyway") for line in lines[1:])
    # Only Hydra's own files: its .hydra folder and the (empty) job log.
    written = {p.relative_to(run_dir).parts[0] for p in run_dir.rglob("*")}
    assert written <= {".hydra", "ccsim.log"}, written
