"""A multirun's overrides read with Hydra's own override parser, for the sweep summary.

Each job folder of a sweep lists its command-line overrides (``.hydra/overrides.yaml``) and
the sweep folder the sweep's own (``multirun.yaml``). They are in Hydra's override grammar
(``+``/``++``/``~`` prefixes, quoting, lists, ``a,b`` and ``range(...)`` sweeps), which only
Hydra parses right; this module parses them and hands plain data (``key: value`` per job,
and the keys swept) to :func:`sim.report.sweep.write_sweep_summary`, so the layers below the
CLI never import Hydra.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override

from sim.experiment.sweep import declared_overrides, job_overrides
from sim.report.sweep import write_sweep_summary

__all__ = ["parse_overrides", "summarize_sweep", "swept_keys"]


def _key(override: Override) -> str:
    """The override's key without its ``+``/``++``/``~`` prefix (``key@package`` if given)."""
    key = override.key_or_group
    return key if override.package is None else f"{key}@{override.package}"


def _plain(override: Override) -> Any:
    """The override's value as plain data: a number, text or ``None`` (null) as parsed;
    anything else (true/false, a list, a dict) as written in Hydra's canonical form."""
    value = override.value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (str, int, float)):
        return value
    return override.get_value_element_as_str()


def parse_overrides(lines: Iterable[str]) -> dict[str, Any]:
    """``key: value`` of command-line overrides (e.g. ``scenario.agents=12`` gives
    ``{"scenario.agents": 12}``), parsed by Hydra; a later override of a key wins."""
    parsed = OverridesParser.create().parse_overrides(list(lines))
    return {_key(o): _plain(o) for o in parsed}


def swept_keys(lines: Iterable[str]) -> list[str]:
    """The keys of the overrides among ``lines`` that are sweeps (``a,b``, ``range(...)``,
    ``choice(...)``, ``interval(...)``, ``glob(...)``), in order."""
    parsed = OverridesParser.create().parse_overrides(list(lines))
    return list(dict.fromkeys(_key(o) for o in parsed if o.is_sweep_override()))


def summarize_sweep(sweep_dir: Path, target: float | None = None) -> pd.DataFrame | None:
    """Write the sweep summary (``sweep_summary.csv``, ``figures/sweep.png``) of the
    multirun folder ``sweep_dir``: every job's overrides and the sweep's are read and parsed
    here, then :func:`sim.report.sweep.write_sweep_summary` writes. The table, or ``None``
    if no job has finished. Also by hand, e.g. on the folder of an interrupted sweep."""
    sweep_dir = Path(sweep_dir)
    overrides = {num: parse_overrides(lines) for num, lines in job_overrides(sweep_dir).items()}
    swept = swept_keys(declared_overrides(sweep_dir))
    return write_sweep_summary(sweep_dir, overrides, swept, target=target)
