"""How a run was made: its command-line overrides and the data files it read.

Plain data, filled in at the edge (the config layer checksums the files, the CLI adds the
overrides Hydra was given) and written into ``report.md`` and ``manifest.json``, so that two
runs of different plans can be told apart. The model never sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DataFile", "Provenance"]


@dataclass(frozen=True)
class DataFile:
    """One data file a run read.

    ``key``: the config key naming it (``scenario.forecast_file``); ``path``: the path as the
    config gives it (``data_dir`` joined with the file name); ``size_bytes``; ``sha256``: the
    first 12 hex digits of its SHA-256.
    """

    key: str
    path: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class Provenance:
    """What makes a run what it is, beyond its config files.

    ``overrides``: the command-line overrides (Hydra's task overrides, as typed, in order);
    ``data_files``: every data file read; ``version``: the ccsim version that ran.
    """

    scenario: str
    seed: int
    replications: int
    version: str
    overrides: tuple[str, ...] = ()
    data_files: tuple[DataFile, ...] = ()
