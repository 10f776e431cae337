"""The data files a scenario config names, each with its size and a short checksum.

Read once the config is valid (:func:`sim.config.run.build_run` has read the same files),
for the run's provenance (:class:`sim.core.provenance.Provenance`): ``report.md`` and
``manifest.json`` list them, so two runs on different data can be told apart.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sim.config.data_files import DataFileError
from sim.config.safety import distribution_files, named_files
from sim.config.schema import DayScenarioConfig
from sim.core.provenance import DataFile

__all__ = ["CHECKSUM_DIGITS", "checksum", "data_files"]

#: Hex digits of SHA-256 kept as a file's checksum.
CHECKSUM_DIGITS = 12

_CHUNK = 1 << 20


def checksum(path: Path) -> tuple[int, str]:
    """The size in bytes and the first :data:`CHECKSUM_DIGITS` hex digits of the SHA-256 of
    the file at ``path`` (read in chunks; ``OSError`` if it cannot be read)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()[:CHECKSUM_DIGITS]


def data_files(scenario: Any, root: Path) -> tuple[DataFile, ...]:
    """Every data file the (valid) scenario config ``scenario`` reads, in config order:
    forecast, staffing, skills, schedule, activities, WFM export (which replaces the
    forecast), snapshot, the days' own forecast and staffing files (``scenario.days``),
    then the files of empirical distributions. Paths are shown as given
    (``data_dir`` joined with the file name) and read relative to ``root`` like
    :func:`sim.config.day.build_day` reads them. An Erlang scenario reads none.

    Raises :class:`DataFileError` naming each file that cannot be read any more.
    """
    if not isinstance(scenario, DayScenarioConfig):
        return ()
    named = named_files(scenario) + list(distribution_files(scenario, "scenario"))
    given_dir = Path(scenario.data_dir)
    data_dir = given_dir if given_dir.is_absolute() else root / given_dir
    found, problems = [], []
    for key, name in named:
        if not isinstance(name, str) or not name:
            continue
        try:
            size, digest = checksum(data_dir / name)
        except OSError as exc:
            problems.append(f"{key}: {given_dir / name}: cannot be read ({exc.strerror or exc})")
            continue
        found.append(DataFile(key, str(given_dir / name), size, digest))
    if problems:
        raise DataFileError(problems)
    return tuple(found)
