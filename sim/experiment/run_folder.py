"""The run folder: part files per finished replication, then the tables.

Every finished replication is written at once to ``parts/`` (atomically), so an
interrupted run loses no finished work: the tables can be rebuilt from what is there.

Every file is written by :func:`atomic_write` (a fresh temp file that never follows a
symbolic link, then a rename); one writer at a time holds ``run.lock``; ``complete`` is
written last, when the tables, figures and report all are. A folder ccsim refuses, a
corrupt file in it or a failed write raise :class:`RunFolderError`, whose message is one
line for the user.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import IO

import pandas as pd

from sim.core.day_state import DayState
from sim.core.provenance import Provenance
from sim.core.scenario import Scenario
from sim.experiment.comparison import compare_policies
from sim.experiment.replications import ReplicationResult
from sim.experiment.snapshots import snapshot_document
from sim.experiment.tables import AGENT_KPIS, KEY_COLUMNS, TableBuilder, summarize
from sim.kpi.definitions import ALL, INTERVAL_KPI_NAMES, KPI_NAMES
from sim.policies.api import ACTION_COLUMNS

__all__ = ["COMPLETE", "LOCK", "RunFolder", "RunFolderError", "atomic_write", "run_tables"]

log = logging.getLogger("ccsim")

LOCK = "run.lock"
"""Held (holding its pid) by the one process writing a run folder."""
COMPLETE = "complete"
"""Written last, once the tables, figures and report all are: a folder without it is incomplete."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_DIR_FD = {os.open, os.replace, os.unlink, os.stat} <= os.supports_dir_fd and bool(_DIRECTORY)
_STALE_EMPTY_LOCK_SECONDS = 5.0  # a lock file still without a pid after this is stale
_HELD: set[Path] = set()  # the locks this process holds


class RunFolderError(Exception):
    """A run folder ccsim refuses, or could not read or write.

    ``str(error)`` is one line for the user; ``code`` the exit status: 2 when the folder is
    refused as it stands (another writer, an earlier run, a symbolic link, a corrupt file),
    1 when the system failed a read or write (read-only, no space, permission).
    """

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _os_error(verb: str, path: Path, exc: OSError) -> RunFolderError:
    return RunFolderError(f"cannot {verb} {path}: {exc.strerror or exc}", code=1)


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise RunFolderError(
            f"{path} is a symbolic link: ccsim never writes through one; "
            "remove it or choose another folder"
        )


def atomic_write(
    path: Path,
    data: str | bytes | Callable[[IO[bytes]], object],
    *,
    real_folder: bool = True,
) -> Path:
    """Write ``data`` to ``path`` all at once: the one way ccsim writes a run folder's files.

    ``data`` is text (UTF-8), bytes, or a function writing into a binary file (e.g. a
    figure's ``savefig``). It goes into a new temp file ``.<name>.<pid>.<random>.tmp`` beside
    ``path`` (``O_CREAT | O_EXCL | O_NOFOLLOW``: a symbolic link planted under any temp name
    is never written through), which then replaces ``path``. Refused (:class:`RunFolderError`,
    naming the path) when ``path`` is a symbolic link or, with ``real_folder``, when its folder
    is (``parts/``, ``figures/``); with ``real_folder=False`` the folder is trusted as the user
    named it (a run folder, a sweep folder). A failed write (read-only, no space) raises
    :class:`RunFolderError` with code 1 naming ``path`` and the system's message; the temp
    file is removed.
    """
    path = Path(path)
    folder = path.parent
    if real_folder:
        _refuse_symlink(folder)
    _refuse_symlink(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    dir_fd = None
    try:
        if _DIR_FD:
            flags = os.O_RDONLY | _DIRECTORY | _CLOEXEC | (_NOFOLLOW if real_folder else 0)
            try:
                dir_fd = os.open(folder, flags)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    _refuse_symlink(folder)
                raise
        where = Path() if dir_fd is not None else folder
        for _ in range(100):
            tmp = str(where / f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
            try:
                fd = os.open(
                    tmp,
                    os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW | _CLOEXEC,
                    0o666,
                    dir_fd=dir_fd,
                )
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover - 100 collisions of 48 random bits
            raise FileExistsError(errno.EEXIST, "no free temp file name", str(folder))
        try:
            with os.fdopen(fd, "wb") as file:
                if callable(payload):
                    payload(file)
                else:
                    file.write(payload)
                file.flush()
                os.fsync(file.fileno())
            target = str(where / path.name)
            with suppress(FileNotFoundError):
                if stat.S_ISLNK(os.stat(target, dir_fd=dir_fd, follow_symlinks=False).st_mode):
                    _refuse_symlink(path)  # planted since the check above
            os.replace(tmp, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
    except OSError as exc:
        raise _os_error("write", path, exc) from exc
    finally:
        if dir_fd is not None:
            os.close(dir_fd)
    return path


def _read_text(path: Path) -> str:
    """The text of ``path``, refusing a symbolic link; decoding errors are left to the caller."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _refuse_symlink(path)
        if isinstance(exc, FileNotFoundError):
            raise
        raise _os_error("read", path, exc) from exc
    try:
        with os.fdopen(fd, "rb") as file:
            raw = file.read()
    except OSError as exc:
        raise _os_error("read", path, exc) from exc
    return raw.decode("utf-8")


def _lock_owner(lock: Path) -> int | None:
    """The pid in ``lock``; 0 if it holds none (being written, or garbage); None if gone."""
    try:
        text = _read_text(lock)
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return 0
    text = text.strip()
    return int(text) if text.isdigit() and int(text) > 0 else 0


def _alive(pid: int) -> bool:
    """Whether process ``pid`` (> 0) is running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:  # pid out of range
        return False
    return True


def _take_over(lock: Path, owner: int) -> None:
    """Remove the stale ``lock`` of ``owner`` (0: no pid), unless another process was faster."""
    aside = lock.with_name(f".{lock.name}.{os.getpid()}.{secrets.token_hex(6)}.stale")
    try:
        os.rename(lock, aside)
    except FileNotFoundError:
        return  # taken over (or released) meanwhile
    if _lock_owner(aside) != owner:  # a live lock just taken by another process: put it back
        with suppress(OSError):
            os.link(aside, lock)
    else:
        who = f"run pid {owner}, which is no longer running" if owner else "a run that left no pid"
        log.warning("%s: taking over the stale lock of %s", lock.parent, who)
    with suppress(OSError):
        os.unlink(aside)


def _acquire_lock(folder: Path) -> Path:
    """Create ``folder/run.lock`` holding this process's pid, or refuse: another run is live."""
    lock = folder / LOCK
    _refuse_symlink(lock)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW | _CLOEXEC
    for _ in range(200):
        try:
            fd = os.open(lock, flags, 0o644)
        except FileExistsError:
            pass
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                _refuse_symlink(lock)
            raise _os_error("write", lock, exc) from exc
        else:
            try:
                with os.fdopen(fd, "w", encoding="ascii") as file:
                    file.write(f"{os.getpid()}\n")
            except OSError as exc:
                with suppress(OSError):
                    os.unlink(lock)
                raise _os_error("write", lock, exc) from exc
            _HELD.add(lock)
            return lock
        owner = _lock_owner(lock)
        if owner is None:  # released meanwhile
            continue
        if owner == 0:  # no pid (yet): its owner may be writing it
            with suppress(OSError):
                if time.time() - lock.stat().st_mtime < _STALE_EMPTY_LOCK_SECONDS:
                    time.sleep(0.05)
                    continue
        elif lock in _HELD if owner == os.getpid() else _alive(owner):
            raise RunFolderError(f"another run (pid {owner}) is writing {folder}")
        _take_over(lock, owner)
    raise RunFolderError(f"cannot lock {folder}: {lock} keeps changing")


def _release_lock(lock: Path) -> None:
    """Remove ``lock`` if this process still holds it."""
    _HELD.discard(lock)
    with suppress(OSError, RunFolderError):
        if _lock_owner(lock) == os.getpid():
            os.unlink(lock)


def _jsonable(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _from_json(value):
    if value is None:
        return math.nan
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _refuse_protected(path: Path, protected: Mapping[Path, str]) -> None:
    where = path.resolve()
    for folder, what in protected.items():
        folder = Path(folder).resolve()
        if where == folder or where in folder.parents:
            which = what if where == folder else f"a folder above {what}"
            raise RunFolderError(
                f"the run folder {where} is {which}: give the run a folder of its own, "
                "e.g. hydra.run.dir=results/my_study"
            )


def _part_name(policy: str, replication: int) -> str:
    return f"{policy}-r{replication:05d}.json"


def _part_name_of(doc: object) -> str | None:
    """The file name the part ``doc`` was saved under (None if it names no replication)."""
    if not isinstance(doc, dict):
        return None
    policy, replication = doc.get("policy"), doc.get("replication")
    if not isinstance(policy, str) or type(replication) is not int or replication < 0:
        return None
    return _part_name(policy, replication)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_number_or_none(value: object) -> bool:
    return value is None or _is_number(value)


def _is_value(value: object) -> bool:
    return value is None or isinstance(value, str) or _is_number(value)


def _part(doc: dict) -> ReplicationResult | None:
    """The replication a part file holds, or None if it is not shaped like one."""
    rows, intervals = doc.get("rows"), doc.get("intervals")
    agents, actions = doc.get("agents", []), doc.get("actions", [])
    row_keys = {"contact_type", "group", *KPI_NAMES}
    if not isinstance(rows, list) or not rows:
        return None
    for row in rows:
        if not isinstance(row, dict) or not row_keys <= row.keys():
            return None
        if not all(_is_value(v) for v in row.values()):
            return None
    interval_keys = {"contact_type", "group", "interval", *INTERVAL_KPI_NAMES}
    if not isinstance(intervals, dict) or not interval_keys <= intervals.keys():
        return None
    columns = list(intervals.values())
    if not all(isinstance(c, list) and len(c) == len(columns[0]) for c in columns):
        return None
    if not all(_is_value(v) for c in columns for v in c):
        return None
    if not all(_is_number_or_none(v) for k in INTERVAL_KPI_NAMES for v in intervals[k]):
        return None
    for records in (agents, actions):
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return None
    if not all({"group", "agent", *AGENT_KPIS} <= a.keys() for a in agents):
        return None
    if not all(_is_number_or_none(a[k]) for a in agents for k in AGENT_KPIS):
        return None
    if not all(set(ACTION_COLUMNS) <= a.keys() for a in actions):
        return None
    if not all(_is_number(a["applied_at"]) for a in actions):
        return None
    day_rows = doc.get("day_rows", [])
    if not isinstance(day_rows, list) or not all(
        isinstance(r, dict)
        and {"day", "contact_type", "group", *KPI_NAMES} <= r.keys()
        and all(_is_number_or_none(r[k]) for k in KPI_NAMES)
        for r in day_rows
    ):
        return None
    return ReplicationResult(
        doc["policy"],
        doc["replication"],
        [{k: _from_json(v) for k, v in row.items()} for row in rows],
        {k: _from_json(v) for k, v in intervals.items()},
        agents,
        actions,
        day_rows=[{k: _from_json(v) for k, v in row.items()} for row in day_rows],
    )


def _read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    try:
        doc = json.loads(_read_text(path))
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("fingerprint"), str):
        raise RunFolderError(
            f"{path} is corrupt: the run in {folder} cannot be resumed; start a new run"
        )
    return doc


def run_tables(scenario: Scenario, results: Iterable[ReplicationResult]) -> dict[str, pd.DataFrame]:
    """The tables of a run folder, by name: ``summary``, ``replications``, ``intervals``,
    ``actions``, (with a baseline and another policy) ``comparison`` and (agents on shifts)
    ``agents``; each is written as ``<name>.csv``.

    The baseline of the comparison is ``none`` if it ran, else the first policy run.

    ``results`` are read once, one at a time, and not held (:class:`TableBuilder`): from a
    generator, e.g. :meth:`RunFolder.iter_parts`, memory does not grow with their count.
    """
    builder = TableBuilder()
    for result in results:
        builder.add(result)
    per_rep = builder.replications()
    summary = summarize(per_rep, KEY_COLUMNS)
    intervals = builder.intervals()
    forecasts = {t.name: t.forecast for t in scenario.contact_types}
    forecasts[ALL] = scenario.forecast_total()
    staffing = {g.name: g.staffing for g in scenario.groups}
    staffing[ALL] = scenario.staffing_total()
    nan = math.nan
    rows = list(
        zip(intervals["contact_type"], intervals["group"], intervals["interval"], strict=True)
    )
    intervals.insert(4, "interval_start", [scenario.interval_label(int(k)) for _, _, k in rows])
    intervals.insert(5, "forecast", [forecasts[t][k] if g == ALL else nan for t, g, k in rows])
    intervals.insert(
        6, "scheduled_agents", [staffing[g][k] if t == ALL else nan for t, g, k in rows]
    )
    tables = {"summary": summary, "replications": per_rep, "intervals": intervals}
    policies = list(dict.fromkeys(per_rep["policy"]))
    if len(policies) > 1:
        baseline = "none" if "none" in policies else policies[0]
        tables["comparison"] = compare_policies(per_rep, baseline)
    tables["actions"] = builder.actions(scenario)
    agents = builder.agents()
    if agents is not None:
        tables["agents"] = agents
    days = builder.days()
    if days is not None:
        tables["days"] = days
    return tables


_CSV_CHUNK_ROWS = 500  # pandas formats a table's text this many rows at a time


def _write_csv(frame: pd.DataFrame, file: IO[bytes]) -> None:
    frame.to_csv(file, index=False, lineterminator="\n", chunksize=_CSV_CHUNK_ROWS)


class RunFolder:
    """Writes one run's outputs into ``path`` (created if needed).

    ``RunFolder(path)`` alone takes no lock and checks nothing about earlier runs: the CLI
    opens folders with :meth:`create` or :meth:`resume`, which lock them until :meth:`close`
    (or the end of a ``with`` block).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.parts = self.path / "parts"
        self._lock: Path | None = None
        self._writing = False
        _refuse_symlink(self.parts)
        _refuse_symlink(self.path / "figures")
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error("write", self.parts, exc) from exc

    @classmethod
    def create(cls, path: Path, protected: Mapping[Path, str] | None = None) -> RunFolder:
        """Lock ``path`` for a new run: refused if another run is writing it, if it already
        holds a run (``manifest.json`` or ``parts/``), or if it is (or is above) one of the
        ``protected`` folders (folder -> what it is, e.g. the project root)."""
        path = Path(path)
        _refuse_protected(path, protected or {})
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error("write", path, exc) from exc
        lock = _acquire_lock(path)
        try:
            if os.path.lexists(path / "manifest.json") or os.path.lexists(path / "parts"):
                raise RunFolderError(
                    f"{path} already holds a run: resume it with run.resume={path} "
                    "or choose another hydra.run.dir"
                )
            folder = cls._locked(path, lock)
        except BaseException:
            _release_lock(lock)
            raise
        return folder

    @classmethod
    def resume(cls, path: Path) -> RunFolder:
        """Lock the folder of an earlier run to complete it: refused if another run is
        writing it, or if its ``manifest.json`` is missing or corrupt."""
        path = Path(path)
        if not path.is_dir():
            raise RunFolderError(f"{path} is not a folder: nothing to resume")
        lock = _acquire_lock(path)
        try:
            if not _read_manifest(path):
                raise RunFolderError(
                    f"{path / 'manifest.json'} is missing: {path} is not the folder of a ccsim "
                    "run (or its manifest was deleted), so it cannot be resumed"
                )
            folder = cls._locked(path, lock)
        except BaseException:
            _release_lock(lock)
            raise
        return folder

    @classmethod
    def _locked(cls, path: Path, lock: Path) -> RunFolder:
        folder = cls(path)
        folder._lock = lock
        return folder

    def _write(
        self,
        path: Path,
        data: str | Callable[[IO[bytes]], object],
        real_folder: bool = False,
    ) -> Path:
        """:func:`atomic_write`; the first write removes ``complete``: the folder is being
        written again, incomplete until :meth:`mark_complete`."""
        if not self._writing:
            try:
                os.unlink(self.path / COMPLETE)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise _os_error("write", self.path / COMPLETE, exc) from exc
            self._writing = True
        return atomic_write(path, data, real_folder=real_folder)

    def close(self) -> None:
        """Release the folder's lock (if this object holds it); safe to call twice."""
        if self._lock is not None:
            lock, self._lock = self._lock, None
            _release_lock(lock)

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def complete(self) -> bool:
        """Whether the run finished: its tables, figures and report were all written."""
        return (self.path / COMPLETE).is_file()

    def mark_complete(self) -> None:
        """Write ``complete``, last: the tables, figures and report are all written."""
        self._write(self.path / COMPLETE, "tables, figures and report written\n")

    def write_manifest(
        self,
        fingerprint: str,
        scenario: str,
        seed: int,
        policies,
        provenance: Provenance | None = None,
    ) -> None:
        """Record what this run simulates, so that ``run.resume`` can check it is the same;
        with ``provenance``, also the ccsim version, the command-line overrides and each
        data file read (``key``, ``path``, ``size_bytes``, ``sha256``: its first 12 hex
        digits)."""
        doc: dict[str, object] = {
            "fingerprint": fingerprint,
            "scenario": scenario,
            "seed": seed,
            "policies": list(policies),
        }
        if provenance is not None:
            doc["version"] = provenance.version
            doc["overrides"] = list(provenance.overrides)
            doc["data_files"] = [
                {"key": f.key, "path": f.path, "size_bytes": f.size_bytes, "sha256": f.sha256}
                for f in provenance.data_files
            ]
        self._write(self.path / "manifest.json", json.dumps(doc, indent=2))

    def read_manifest(self) -> dict:
        """The manifest of this run folder ({} if there is none); a corrupt one is refused."""
        return _read_manifest(self.path)

    def save_part(self, result: ReplicationResult) -> None:
        """Record one finished replication (called as each one arrives)."""
        doc = {
            "policy": result.policy,
            "replication": result.replication,
            "rows": [{k: _jsonable(v) for k, v in row.items()} for row in result.rows],
            "agents": result.agents,
            "actions": [{k: _jsonable(v) for k, v in a.items()} for a in result.actions],
            "intervals": {k: _jsonable(v) for k, v in result.intervals.items()},
        }
        if result.day_rows:
            doc["day_rows"] = [{k: _jsonable(v) for k, v in row.items()} for row in result.day_rows]
        name = _part_name(result.policy, result.replication)
        self._write(self.parts / name, json.dumps(doc), real_folder=True)

    def save_snapshot(self, state: DayState, scenario: Scenario, replication: int) -> Path:
        """Write the day's state at ``run.snapshot_at`` of one replication of the baseline
        as ``snapshots/replication-<r>.json`` (a ``scenario.snapshot_file``)."""
        folder = self.path / "snapshots"
        _refuse_symlink(folder)
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise _os_error("write", folder, exc) from exc
        doc = snapshot_document(state, scenario)
        return self._write(
            folder / f"replication-{replication:04d}.json",
            json.dumps(doc, indent=1),
            real_folder=True,
        )

    def _corrupt(self, file: Path) -> RunFolderError:
        return RunFolderError(
            f"{file} is corrupt: delete it and resume with run.resume={self.path}"
        )

    def part_keys(self) -> list[tuple[str, int]]:
        """The (policy, replication) of every replication saved so far, sorted, from the
        part files' names (none is read). A file not named as a part is refused as corrupt
        (:class:`RunFolderError` naming it)."""
        _refuse_symlink(self.parts)
        keys = []
        for file in sorted(self.parts.glob("*.json")):
            policy, _, replication = file.name.removesuffix(".json").rpartition("-r")
            if not (policy and replication.isdigit() and replication.isascii()):
                raise self._corrupt(file)
            key = (policy, int(replication))
            if _part_name(*key) != file.name:
                raise self._corrupt(file)
            keys.append(key)
        keys.sort()
        return keys

    def iter_parts(
        self, keys: Iterable[tuple[str, int]] | None = None
    ) -> Iterator[ReplicationResult]:
        """The replications saved so far (or those of ``keys``, (policy, replication)
        pairs of :meth:`part_keys`), read one at a time, sorted by (policy, replication):
        none is held here, so that reading them all takes the memory of one.

        A part that is not a saved replication (truncated, empty, another shape, named for
        another one, gone) is refused: :class:`RunFolderError` naming it, to be deleted and
        rerun.
        """
        for key in self.part_keys() if keys is None else sorted(keys):
            file = self.parts / _part_name(*key)
            try:
                doc = json.loads(_read_text(file))
                result = _part(doc) if _part_name_of(doc) == file.name else None
            except (UnicodeDecodeError, json.JSONDecodeError, FileNotFoundError):
                result = None
            if result is None:
                raise self._corrupt(file)
            yield result

    def load_parts(self) -> list[ReplicationResult]:
        """Every replication saved so far, sorted by (policy, replication) (all in memory:
        :meth:`iter_parts` reads them one at a time).

        A part that is not a saved replication (truncated, empty, another shape, named for
        another one) is refused: :class:`RunFolderError` naming it, to be deleted and rerun.
        """
        return list(self.iter_parts())

    def write_tables(
        self, scenario: Scenario, results: Iterable[ReplicationResult]
    ) -> dict[str, pd.DataFrame]:
        """Write the tables of ``results`` (:func:`run_tables`) into the folder; return them."""
        tables = run_tables(scenario, results)
        self.write_frames(tables)
        return tables

    def write_frames(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Write each table as ``<name>.csv`` (e.g. the tables of :func:`run_tables`),
        streamed into the file a few rows at a time (no copy of the whole text in memory)."""
        for name, frame in tables.items():
            self._write(self.path / f"{name}.csv", partial(_write_csv, frame))

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file (e.g. ``report.md``) atomically into the run folder."""
        return self._write(self.path / name, text)
