"""The run folder's safety: atomic writes that never follow a symbolic link, the lock, the
refusal of a folder that already holds a run, the ``complete`` marker and corrupt files."""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.experiment import run_folder as rf
from sim.experiment.replications import ReplicationResult
from sim.experiment.run_folder import (
    COMPLETE,
    LOCK,
    RunFolder,
    RunFolderError,
    atomic_write,
)
from sim.kpi.definitions import KPI_NAMES

DEAD_PID = 4_194_305  # above Linux's largest pid_max (2**22): never a live process


def _result(policy: str = "none", replication: int = 0) -> ReplicationResult:
    row = {"contact_type": "all", "group": "all", **{k: 1.0 for k in KPI_NAMES}}
    intervals = {k: [v, v] for k, v in row.items()} | {"interval": [0, 1]}
    action = {c: 0.0 for c in rf.ACTION_COLUMNS}
    return ReplicationResult(policy, replication, [row], intervals, [], [action])


@pytest.fixture
def victim(tmp_path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_text("untouched", encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".stale"))]


# --- atomic writes -------------------------------------------------------------------------


def test_atomic_write_text_bytes_and_writer(tmp_path):
    atomic_write(tmp_path / "a.txt", "é\n")
    atomic_write(tmp_path / "b.bin", b"\x00\x01")
    atomic_write(tmp_path / "c.bin", lambda file: file.write(b"xyz"))
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "é\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "c.bin").read_bytes() == b"xyz"
    atomic_write(tmp_path / "a.txt", "replaced")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "replaced"
    assert _leftovers(tmp_path) == []


def test_old_style_temp_names_planted_as_symlinks_are_not_followed(tmp_path, victim):
    folder = RunFolder(tmp_path / "run")
    planted = [
        folder.parts / "none-r00000.json.tmp",
        folder.path / "manifest.json.tmp",
        folder.path / "report.md.tmp",
        folder.path / f".manifest.json.{os.getpid()}.tmp",
    ]
    for link in planted:
        link.symlink_to(victim)
    folder.save_part(_result())
    folder.write_manifest("f", "erlang", 1, ["none"])
    folder.write_text("report.md", "# report\n")
    assert victim.read_text(encoding="utf-8") == "untouched"
    assert all(link.is_symlink() for link in planted)
    assert not (folder.parts / "none-r00000.json").is_symlink()
    assert folder.load_parts()[0].policy == "none"


def test_a_symlink_planted_at_the_very_temp_name_is_not_followed(tmp_path, victim, monkeypatch):
    """O_EXCL | O_NOFOLLOW: even a symlink at the exact random name is never written through."""
    names = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(rf.secrets, "token_hex", lambda n: next(names))
    (tmp_path / f".x.csv.{os.getpid()}.aaaa.tmp").symlink_to(victim)
    atomic_write(tmp_path / "x.csv", "a,b\n")
    assert (tmp_path / "x.csv").read_text(encoding="utf-8") == "a,b\n"
    assert victim.read_text(encoding="utf-8") == "untouched"


def test_a_symlinked_target_is_refused(tmp_path, victim):
    (tmp_path / "summary.csv").symlink_to(victim)
    with pytest.raises(RunFolderError, match="summary.csv is a symbolic link") as info:
        atomic_write(tmp_path / "summary.csv", "x")
    assert info.value.code == 2
    assert victim.read_text(encoding="utf-8") == "untouched"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["parts", "figures"])
def test_a_symlinked_parts_or_figures_folder_is_refused(tmp_path, name):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    (run / name).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(RunFolderError, match=f"{name} is a symbolic link"):
        RunFolder(run)
    with pytest.raises(RunFolderError, match=f"{name} is a symbolic link"):
        atomic_write(run / name / "x.png", b"png")
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_part_file_is_refused_when_read(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.save_part(_result())
    real = tmp_path / "real.json"
    (folder.parts / "none-r00000.json").rename(real)
    (folder.parts / "none-r00000.json").symlink_to(real)
    with pytest.raises(RunFolderError, match="none-r00000.json is a symbolic link"):
        folder.load_parts()


def test_no_space_names_the_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    def full(file):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(RunFolderError) as info:
        atomic_write(tmp_path / "summary.csv", full)
    assert info.value.code == 1
    assert str(info.value) == f"cannot write {tmp_path / 'summary.csv'}: No space left on device"
    assert list(tmp_path.iterdir()) == []

    real_open = os.open

    def no_space(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(rf.os, "open", no_space)
    with pytest.raises(RunFolderError, match="summary.csv: No space left on device"):
        atomic_write(tmp_path / "summary.csv", "x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_a_read_only_folder_names_the_file(tmp_path):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(RunFolderError, match="x.csv: Permission denied") as info:
            atomic_write(tmp_path / "x.csv", "x")
        assert info.value.code == 1
    finally:
        tmp_path.chmod(0o755)


# --- the lock --------------------------------------------------------------------------------


def test_the_lock_holds_the_pid_refuses_a_second_writer_and_is_released(tmp_path):
    run = tmp_path / "run"
    with RunFolder.create(run) as folder:
        assert (run / LOCK).read_text().strip() == str(os.getpid())
        folder.write_manifest("f", "erlang", 1, ["none"])
        with pytest.raises(RunFolderError) as info:
            RunFolder.resume(run)
        assert str(info.value) == f"another run (pid {os.getpid()}) is writing {run}"
        assert info.value.code == 2
    assert not (run / LOCK).exists()
    RunFolder.resume(run).close()
    assert not (run / LOCK).exists()


def test_a_live_process_lock_refuses(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run / LOCK).write_text(f"{other.pid}\n")
        with pytest.raises(RunFolderError, match=f"another run \\(pid {other.pid}\\) is writing"):
            RunFolder.create(run)
    finally:
        other.kill()
        other.wait()
    assert (run / LOCK).read_text() == f"{other.pid}\n"


@pytest.mark.parametrize("content", [f"{DEAD_PID}\n", "garbage", ""])
def test_a_stale_lock_is_taken_over_with_a_warning(tmp_path, caplog, content):
    run = tmp_path / "run"
    run.mkdir()
    (run / LOCK).write_text(content)
    old = 1_000_000_000
    os.utime(run / LOCK, (old, old))  # a lock without a pid, old: its writer died
    with caplog.at_level(logging.WARNING, logger="ccsim"):
        folder = RunFolder.create(run)
    assert "taking over the stale lock" in caplog.text
    if content.strip().isdigit():
        assert f"pid {DEAD_PID}" in caplog.text
    assert (run / LOCK).read_text().strip() == str(os.getpid())
    folder.close()
    assert not (run / LOCK).exists()
    assert _leftovers(tmp_path) == []


def test_a_symlinked_lock_is_refused(tmp_path, victim):
    run = tmp_path / "run"
    run.mkdir()
    (run / LOCK).symlink_to(victim)
    with pytest.raises(RunFolderError, match="run.lock is a symbolic link"):
        RunFolder.create(run)
    assert victim.read_text(encoding="utf-8") == "untouched"


def test_close_never_removes_another_process_lock(tmp_path):
    run = tmp_path / "run"
    folder = RunFolder.create(run)
    (run / LOCK).write_text(f"{DEAD_PID}\n")  # taken over meanwhile by someone else
    folder.close()
    assert (run / LOCK).exists()


# --- folders that already hold a run, protected folders ---------------------------------------


@pytest.mark.parametrize("existing", ["manifest.json", "parts"])
def test_a_folder_holding_a_run_is_refused_and_left_unlocked(tmp_path, existing):
    run = tmp_path / "run"
    run.mkdir()
    if existing == "parts":
        (run / "parts").mkdir()
    else:
        (run / existing).write_text("{}")
    with pytest.raises(RunFolderError) as info:
        RunFolder.create(run)
    assert str(info.value) == (
        f"{run} already holds a run: resume it with run.resume={run} "
        "or choose another hydra.run.dir"
    )
    assert not (run / LOCK).exists()


def test_hydra_files_alone_do_not_make_a_run(tmp_path):
    run = tmp_path / "run"
    (run / ".hydra").mkdir(parents=True)
    (run / "ccsim.log").write_text("")
    RunFolder.create(run).close()


@pytest.mark.parametrize("where", ["same", "above"])
def test_protected_folders_are_refused(tmp_path, where):
    project = tmp_path / "project"
    project.mkdir()
    target = project if where == "same" else tmp_path
    with pytest.raises(RunFolderError, match="the run folder .* is .*the project root") as info:
        RunFolder.create(target, protected={project: "the project root"})
    assert "hydra.run.dir=" in str(info.value)
    assert not (target / LOCK).exists() and not (target / "parts").exists()
    RunFolder.create(project / "results" / "x", protected={project: "the project root"}).close()


# --- the complete marker ---------------------------------------------------------------------


def test_complete_is_removed_by_the_first_write_only(tmp_path):
    run = tmp_path / "run"
    with RunFolder.create(run) as folder:
        folder.write_manifest("f", "erlang", 1, ["none"])
        assert not folder.complete
        folder.mark_complete()
        assert folder.complete and (run / COMPLETE).is_file()
    with RunFolder.resume(run) as folder:  # opened (e.g. a resume then refused): still complete
        assert folder.complete
        folder.save_part(_result())
        assert not folder.complete
        folder.mark_complete()
    assert (run / COMPLETE).is_file()


# --- corrupt files ---------------------------------------------------------------------------


def _corrupt_cases() -> dict[str, str]:
    good = {
        "policy": "none",
        "replication": 3,
        "rows": _result().rows,
        "intervals": _result().intervals,
        "agents": [],
        "actions": _result().actions,
    }
    row_without_kpi = {k: v for k, v in good["rows"][0].items() if k != "service_level"}
    return {
        "truncated": json.dumps(good)[:40],
        "empty": "",
        "binary": "\udcff",
        "a list": "[1, 2, 3]",
        "null": "null",
        "no rows": json.dumps({k: v for k, v in good.items() if k != "rows"}),
        "no intervals": json.dumps({k: v for k, v in good.items() if k != "intervals"}),
        "empty rows": json.dumps(good | {"rows": []}),
        "row without a KPI": json.dumps(good | {"rows": [row_without_kpi]}),
        "text KPI value": json.dumps(good | {"rows": [good["rows"][0] | {"offered": [1]}]}),
        "ragged intervals": json.dumps(good | {"intervals": good["intervals"] | {"offered": [1]}}),
        "another replication": json.dumps(good | {"replication": 4}),
        "another policy": json.dumps(good | {"policy": "overtime"}),
        "replication as text": json.dumps(good | {"replication": "3"}),
        "actions not records": json.dumps(good | {"actions": [1]}),
        "action without a time": json.dumps(good | {"actions": [{"action": "x"}]}),
        "agents not a list": json.dumps(good | {"agents": {}}),
    }


def test_a_good_part_loads(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.save_part(_result(replication=3))
    (loaded,) = folder.load_parts()
    assert (loaded.policy, loaded.replication) == ("none", 3)


@pytest.mark.parametrize("case", list(_corrupt_cases()))
def test_a_corrupt_part_is_named(tmp_path, case):
    folder = RunFolder(tmp_path / "run")
    folder.save_part(_result(replication=0))
    text = _corrupt_cases()[case]
    (folder.parts / "none-r00003.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(RunFolderError) as info:
        folder.load_parts()
    assert str(info.value) == (
        f"{folder.parts / 'none-r00003.json'} is corrupt: delete it and resume "
        f"with run.resume={folder.path}"
    )
    assert info.value.code == 2


@pytest.mark.parametrize(
    "text", ["", "{not json", "[]", '{"scenario": "erlang"}', '{"fingerprint": 7}']
)
def test_a_corrupt_manifest_is_named(tmp_path, text):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(text)
    with pytest.raises(RunFolderError) as info:
        RunFolder.resume(run)
    assert str(info.value) == (
        f"{run / 'manifest.json'} is corrupt: the run in {run} cannot be resumed; start a new run"
    )
    assert not (run / LOCK).exists()


def test_a_missing_manifest_is_named(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(RunFolderError, match="manifest.json is missing"):
        RunFolder.resume(run)
    assert list(run.iterdir()) == []
