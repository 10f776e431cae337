"""The run folder under tampering and faults, through the real command line: planted symbolic
links, a second writer, a stale lock, a folder that already holds a run, the ``complete``
marker, corrupt parts and manifests, failed writes. Each refusal is one line, no traceback.

One finished run is made once; each case works on its own copy, the cases run in parallel.
Each run is a process of its own, forked from one that has imported what a run needs
(:mod:`ccsim_process`); a case replacing a function does so in its run's process alone. The
runs whose process is the point (a writer holding the lock; one without write permission,
started through ``setpriv``) are started with :mod:`subprocess`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ccsim_process
import pytest

FAST = ("scenario=erlang", "scenario.hours=1", "run.replications=2", "run.workers=1")
ONE = (*FAST, "policies=[none]")
PARALLEL = max(2, min(8, os.cpu_count() or 2))
DEAD_PID = 4_194_305  # above Linux's largest pid_max (2**22): never a live process
RUN_MODULE = (
    "import runpy, sys\n"
    "sys.argv[0] = 'sim'\n"
    "runpy.run_module('sim', run_name='__main__', alter_sys=True)\n"
)
# Injected faults (the run is the real ``python -m sim``, with one function replaced).
INTERRUPT_AFTER_FIRST_PART = """
import sim.experiment.run_folder as rf
_save = rf.RunFolder.save_part
def save_part(self, result):
    _save(self, result)
    raise KeyboardInterrupt
rf.RunFolder.save_part = save_part
"""
WAIT_AFTER_FIRST_PART = """
import os, time
import sim.experiment.run_folder as rf
_save = rf.RunFolder.save_part
def save_part(self, result):
    _save(self, result)
    deadline = time.monotonic() + 120
    while not os.path.exists(os.environ["CCSIM_TEST_GO"]) and time.monotonic() < deadline:
        time.sleep(0.05)
rf.RunFolder.save_part = save_part
"""
NO_SPACE_FOR_SUMMARY = """
import errno, os
_open = os.open
def fake_open(path, *args, **kwargs):
    if ".summary.csv." in str(path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    return _open(path, *args, **kwargs)
os.open = fake_open
"""
OUT_OF_MEMORY = """
import sim.experiment.run_folder as rf
def write_frames(self, tables):
    raise MemoryError
rf.RunFolder.write_frames = write_frames
"""


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stderr + self.stdout

    def refused(self, code: int = 2) -> str:
        """The one-line message of a run that must have been refused with exit ``code``."""
        assert self.returncode == code, self.output
        assert "Traceback" not in self.output, self.output
        lines = [line for line in self.stderr.splitlines() if line.startswith("ccsim:")]
        assert len(lines) == 1, self.stderr
        return lines[0]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return env | {"MPLBACKEND": "Agg"} | extra


def _command(overrides, inject: str | None = None) -> list[str]:
    if inject is None:
        return [sys.executable, "-m", "sim", *overrides]
    return [sys.executable, "-c", inject + RUN_MODULE, *overrides]


def ccsim(cwd: Path, *overrides: str, inject: str | None = None, **env: str) -> Run:
    done = ccsim_process.run(overrides, cwd=cwd, env=_env(**env), timeout=300, inject=inject)
    return Run(done.returncode, done.stdout, done.stderr)


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".stale"))]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished run (one policy, two replications), to be copied, never changed."""
    folder = tmp_path_factory.mktemp("finished") / "run"
    done = ccsim(folder.parent, *ONE, f"hydra.run.dir={folder}")
    assert done.returncode == 0, done.output
    return folder


def _copy(finished: Path, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copytree(finished, where / "run", symlinks=True))


# --- the cases, prepared then run together ---------------------------------------------------


def _corrupt_part(text: str):
    def setup(run: Path, tmp: Path) -> tuple[str, ...]:
        (run / "parts" / "none-r00001.json").write_text(text, encoding="utf-8")
        return (*ONE, "run.replications=3", f"run.resume={run}", f"hydra.run.dir={tmp / 'h'}")

    return setup


def _corrupt_manifest(text: str | None):
    def setup(run: Path, tmp: Path) -> tuple[str, ...]:
        if text is None:
            (run / "manifest.json").unlink()
        else:
            (run / "manifest.json").write_text(text, encoding="utf-8")
        return (*ONE, f"run.resume={run}", f"hydra.run.dir={tmp / 'h'}")

    return setup


def _second_run(run: Path, tmp: Path) -> tuple[str, ...]:
    return (*ONE, f"hydra.run.dir={run}")


def _old_temp_names_planted(run: Path, tmp: Path) -> tuple[str, ...]:
    for name in (
        "parts/none-r00002.json.tmp",
        "manifest.json.tmp",
        "summary.csv.tmp",
        "report.md.tmp",
        "complete.tmp",
        "figures/service_level.png.tmp",
        f".summary.csv.{os.getpid()}.tmp",
    ):
        (run / name).symlink_to(tmp / "victim.txt")
    return (*ONE, "run.replications=3", f"run.resume={run}", f"hydra.run.dir={tmp / 'h'}")


def _symlinked_target(run: Path, tmp: Path) -> tuple[str, ...]:
    (run / "summary.csv").unlink()
    (run / "summary.csv").symlink_to(tmp / "victim.txt")
    return (*ONE, f"run.resume={run}", f"hydra.run.dir={tmp / 'h'}")


def _symlinked_parts(run: Path, tmp: Path) -> tuple[str, ...]:
    (run / "parts").rename(tmp / "real_parts")
    (run / "parts").symlink_to(tmp / "real_parts", target_is_directory=True)
    return (*ONE, "run.replications=3", f"run.resume={run}", f"hydra.run.dir={tmp / 'h'}")


def _symlinked_figures_new_run(run: Path, tmp: Path) -> tuple[str, ...]:
    fresh = tmp / "fresh"
    (tmp / "real_figures").mkdir()
    fresh.mkdir()
    (fresh / "figures").symlink_to(tmp / "real_figures", target_is_directory=True)
    return (*ONE, f"hydra.run.dir={fresh}")


def _live_lock(run: Path, tmp: Path) -> tuple[str, ...]:
    (run / "run.lock").write_text(f"{os.getpid()}\n")  # this test process: alive
    return (*ONE, "run.replications=3", f"run.resume={run}", f"hydra.run.dir={tmp / 'h'}")


def _stale_lock(run: Path, tmp: Path) -> tuple[str, ...]:
    fresh = tmp / "fresh"
    fresh.mkdir()
    (fresh / "run.lock").write_text(f"{DEAD_PID}\n")
    return (*ONE, f"hydra.run.dir={fresh}")


def _empty_run_dir(run: Path, tmp: Path) -> tuple[str, ...]:
    return (*ONE, "hydra.run.dir=")


CASES = {
    "truncated part": (_corrupt_part('{"policy": "none", "repl'), None),
    "empty part": (_corrupt_part(""), None),
    "wrong shape part": (_corrupt_part("[1, 2, 3]"), None),
    "corrupt manifest": (_corrupt_manifest("{not json"), None),
    "empty manifest": (_corrupt_manifest(""), None),
    "missing manifest": (_corrupt_manifest(None), None),
    "second run": (_second_run, None),
    "old temp names planted": (_old_temp_names_planted, None),
    "symlinked target": (_symlinked_target, None),
    "symlinked parts": (_symlinked_parts, None),
    "symlinked figures": (_symlinked_figures_new_run, None),
    "live lock": (_live_lock, None),
    "stale lock": (_stale_lock, None),
    "empty run dir": (_empty_run_dir, None),
    "interrupted": (
        lambda run, tmp: (*ONE, f"hydra.run.dir={tmp / 'new'}"),
        INTERRUPT_AFTER_FIRST_PART,
    ),
    "no space": (lambda run, tmp: (*ONE, f"hydra.run.dir={tmp / 'new'}"), NO_SPACE_FOR_SUMMARY),
    "out of memory": (lambda run, tmp: (*ONE, f"hydra.run.dir={tmp / 'new'}"), OUT_OF_MEMORY),
}


@dataclass(frozen=True)
class Case:
    tmp: Path
    run: Path  # a copy of the finished run
    done: Run

    @property
    def victim(self) -> str:
        return (self.tmp / "victim.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cases(finished, tmp_path_factory) -> dict[str, Case]:
    """Every case of ``CASES``, each in its own temp folder, run in parallel."""
    jobs = {}
    for name, (setup, inject) in CASES.items():
        tmp = tmp_path_factory.mktemp("case")
        (tmp / "victim.txt").write_text("untouched", encoding="utf-8")
        run = _copy(finished, tmp / "copy")
        jobs[name] = (tmp, run, setup(run, tmp), inject)
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {
            name: pool.submit(ccsim, tmp, *args, inject=inject)
            for name, (tmp, run, args, inject) in jobs.items()
        }
        return {
            name: Case(jobs[name][0], jobs[name][1], future.result())
            for name, future in futures.items()
        }


# --- a normal run, an interrupted one --------------------------------------------------------


def test_a_finished_run_is_complete_unlocked_and_clean(finished):
    assert (finished / "complete").is_file()
    assert not (finished / "run.lock").exists()
    assert _leftovers(finished) == []
    assert (finished / "summary.csv").is_file() and (finished / "report.md").is_file()


def test_an_interrupted_run_writes_its_tables_but_is_not_complete(cases):
    case = cases["interrupted"]
    assert case.done.returncode == 130, case.done.output
    assert "Traceback" not in case.done.output
    new = case.tmp / "new"
    assert (new / "summary.csv").is_file()
    assert not (new / "complete").exists()
    assert not (new / "run.lock").exists()


# --- symbolic links --------------------------------------------------------------------------


def test_symlinks_planted_under_old_temp_names_are_not_followed(cases):
    case = cases["old temp names planted"]
    assert case.done.returncode == 0, case.done.output
    assert case.victim == "untouched"
    assert (case.run / "parts" / "none-r00002.json").is_file()
    assert not (case.run / "parts" / "none-r00002.json").is_symlink()
    assert (case.run / "parts" / "none-r00002.json.tmp").is_symlink()
    assert (case.run / "complete").is_file()


def test_a_symlinked_output_file_is_refused(cases):
    case = cases["symlinked target"]
    line = case.done.refused(2)
    assert line.startswith(f"ccsim: {case.run / 'summary.csv'} is a symbolic link")
    assert case.victim == "untouched"
    assert not (case.run / "complete").exists()  # the folder was being rewritten


@pytest.mark.parametrize("name", ["symlinked parts", "symlinked figures"])
def test_a_symlinked_parts_or_figures_folder_is_refused(cases, name):
    case = cases[name]
    line = case.done.refused(2)
    assert "is a symbolic link: ccsim never writes through one" in line
    real = case.tmp / ("real_parts" if name == "symlinked parts" else "real_figures")
    assert sorted(p.name for p in real.iterdir()) == (
        ["none-r00000.json", "none-r00001.json"] if name == "symlinked parts" else []
    )


# --- the lock --------------------------------------------------------------------------------


def test_a_resume_while_a_run_is_live_is_refused(cases):
    case = cases["live lock"]
    line = case.done.refused(2)
    assert line == f"ccsim: another run (pid {os.getpid()}) is writing {case.run}"
    assert (case.run / "run.lock").read_text() == f"{os.getpid()}\n"
    assert sorted(p.name for p in (case.run / "parts").iterdir()) == [
        "none-r00000.json",
        "none-r00001.json",
    ]


def test_a_stale_lock_is_taken_over_with_a_warning(cases):
    case = cases["stale lock"]
    assert case.done.returncode == 0, case.done.output
    assert f"taking over the stale lock of run pid {DEAD_PID}" in case.done.output
    fresh = case.tmp / "fresh"
    assert (fresh / "complete").is_file()
    assert not (fresh / "run.lock").exists()


def test_two_writers_at_once_the_second_is_refused(finished, tmp_path):
    """A run holds its folder; a second run into it, or a resume of it, is refused until
    it finishes."""
    run, go = tmp_path / "run", tmp_path / "go"
    first = subprocess.Popen(
        _command((*ONE, f"hydra.run.dir={run}"), WAIT_AFTER_FIRST_PART),
        cwd=tmp_path,
        env=_env(CCSIM_TEST_GO=str(go)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list((run / "parts").glob("*.json")):
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline, "no replication finished in time"
            time.sleep(0.05)
        with ThreadPoolExecutor(2) as pool:
            again = pool.submit(ccsim, tmp_path, *ONE, f"hydra.run.dir={run}")
            resume = pool.submit(
                ccsim, tmp_path, *ONE, f"run.resume={run}", f"hydra.run.dir={tmp_path / 'h'}"
            )
            for second in (again.result(), resume.result()):
                line = second.refused(2)
                assert line == f"ccsim: another run (pid {first.pid}) is writing {run}"
    finally:
        go.touch()
        output, _ = first.communicate(timeout=120)
    assert first.returncode == 0, output
    assert (run / "complete").is_file()
    assert not (run / "run.lock").exists()


# --- folders that already hold a run ---------------------------------------------------------


def test_a_second_run_into_a_finished_folder_is_refused(cases):
    case = cases["second run"]
    line = case.done.refused(2)
    assert line == (
        f"ccsim: {case.run} already holds a run: resume it with run.resume={case.run} "
        "or choose another hydra.run.dir"
    )
    assert (case.run / "complete").is_file()
    assert not (case.run / "run.lock").exists()


def test_an_empty_run_dir_is_refused(cases):
    case = cases["empty run dir"]
    assert case.done.returncode == 2 and "Traceback" not in case.done.output
    assert (
        f"hydra.run.dir = '': the run folder would be the current folder ({case.tmp})"
        in case.done.stderr
    )
    # Refused before Hydra starts: not even Hydra's own files are written there.
    assert not (case.tmp / ".hydra").exists() and not (case.tmp / "ccsim.log").exists()
    assert not (case.tmp / "manifest.json").exists()
    assert not (case.tmp / "parts").exists()
    assert not (case.tmp / "run.lock").exists()


# --- corrupt files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["truncated part", "empty part", "wrong shape part"])
def test_a_corrupt_part_is_named(cases, name):
    case = cases[name]
    line = case.done.refused(2)
    part = case.run / "parts" / "none-r00001.json"
    assert line == f"ccsim: {part} is corrupt: delete it and resume with run.resume={case.run}"
    assert not (case.run / "parts" / "none-r00002.json").exists()  # nothing simulated
    assert not (case.run / "run.lock").exists()


@pytest.mark.parametrize("name", ["corrupt manifest", "empty manifest"])
def test_a_corrupt_manifest_is_named(cases, name):
    case = cases[name]
    line = case.done.refused(2)
    manifest = case.run / "manifest.json"
    assert line == (
        f"ccsim: {manifest} is corrupt: the run in {case.run} cannot be resumed; start a new run"
    )


def test_a_missing_manifest_is_named(cases):
    case = cases["missing manifest"]
    assert case.done.returncode == 2 and "Traceback" not in case.done.output
    assert "run.resume" in case.done.stderr and "manifest.json" in case.done.stderr


# --- failed writes ---------------------------------------------------------------------------


def test_no_space_left_is_one_line_naming_the_file(cases):
    case = cases["no space"]
    line = case.done.refused(1)
    assert (
        line == f"ccsim: cannot write {case.tmp / 'new' / 'summary.csv'}: No space left on device"
    )
    assert not (case.tmp / "new" / "complete").exists()
    assert not (case.tmp / "new" / "run.lock").exists()
    assert _leftovers(case.tmp / "new") == []


def test_out_of_memory_is_one_line(cases):
    line = cases["out of memory"].done.refused(1)
    assert line.startswith("ccsim: out of memory:")
    assert not (cases["out of memory"].tmp / "new" / "run.lock").exists()


def _bound_by_permissions(folder: Path) -> list[str] | None:
    """A command prefix under which ``folder`` (read-only) cannot be written: none needed for
    a user; for root, ``setpriv`` without the capabilities that override permission bits.
    None when there is no such way (the test is skipped)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    caps = "-dac_override,-dac_read_search"
    prefix = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}"]
    probe = subprocess.run([*prefix, "test", "-w", str(folder)], capture_output=True)
    return prefix if probe.returncode == 1 else None


def test_a_read_only_run_folder_is_one_line(finished, tmp_path):
    run = _copy(finished, tmp_path)
    for folder in (run, run / "parts"):
        folder.chmod(0o555)
    try:
        prefix = _bound_by_permissions(run)
        if prefix is None:
            pytest.skip("root writes into read-only folders, and setpriv cannot stop it here")
        args = (*ONE, "run.replications=3", f"run.resume={run}", f"hydra.run.dir={tmp_path / 'h'}")
        done = subprocess.run(
            [*prefix, *_command(args)],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        for folder in (run, run / "parts"):
            folder.chmod(0o755)
    line = Run(done.returncode, done.stdout, done.stderr).refused(1)
    assert line == f"ccsim: cannot write {run / 'run.lock'}: Permission denied"
    assert sorted(p.name for p in (run / "parts").iterdir()) == [
        "none-r00000.json",
        "none-r00001.json",
    ]
