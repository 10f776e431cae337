"""The report's "How this run was made" section and the line under its title.

Built from a :class:`sim.core.provenance.Provenance` (the CLI fills it in): the ccsim
version, scenario, seed and replications, the command-line overrides as typed, and every
data file read with its size and a short checksum, so that two reports of different plans
can be told apart. Overrides and paths are shown as code, never as Markdown: a shared
config's file name or a typed value cannot add headings, links or table cells.
"""

from __future__ import annotations

import re

from sim.core.provenance import Provenance

__all__ = ["SUBTITLE_CHARS", "code", "provenance_section", "subtitle"]

#: The longest list of overrides shown in full under the title (all are in the section).
SUBTITLE_CHARS = 160

_TICKS = re.compile(r"`+")


def code(text: str, in_table: bool = False) -> str:
    """``text`` as a Markdown code span: control characters escaped (``\\n``), a fence longer
    than any run of backticks in it, and (``in_table``) ``|`` escaped as GitHub tables need."""
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)
    if in_table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(m) for m in _TICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def subtitle(provenance: Provenance | None) -> list[str]:
    """The line under the report's title that tells this run from others of the same
    scenario: its command-line overrides (shortened past :data:`SUBTITLE_CHARS`), or
    nothing when none were given."""
    if provenance is None or not provenance.overrides:
        return []
    shown: list[str] = []
    for override in provenance.overrides:
        if shown and sum(len(s) + 1 for s in [*shown, override]) > SUBTITLE_CHARS:
            rest = len(provenance.overrides) - len(shown)
            more = f"{rest} more override{'s' if rest > 1 else ''}"
            return [f"Run with {' '.join(code(s) for s in shown)} and {more}.", ""]
        shown.append(override)
    return [f"Run with {' '.join(code(s) for s in shown)}.", ""]


def provenance_section(provenance: Provenance | None) -> list[str]:
    """ "How this run was made": version, scenario, seed, replications, the command-line
    overrides and the data files (path as the config gives it, bytes, first 12 hex digits of
    the SHA-256); nothing without ``provenance``."""
    if provenance is None:
        return []
    p = provenance
    lines = [
        "## How this run was made",
        f"- ccsim {code(p.version)}, scenario {code(p.scenario)}, seed {p.seed}, "
        f"{p.replications} replication{'s' if p.replications != 1 else ''} asked for.",
    ]
    if p.overrides:
        lines.append("- Command-line overrides: " + " ".join(code(o) for o in p.overrides) + ".")
    else:
        lines.append("- Command-line overrides: none (every value from the config files).")
    if p.data_files:
        lines += [
            "- Data files read (SHA-256: its first 12 hex digits):",
            "",
            "| config key | path | bytes | SHA-256 |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {code(f.key, True)} | {code(f.path, True)} | {f.size_bytes:,} | {code(f.sha256)} |"
            for f in p.data_files
        ]
    else:
        lines.append("- Data files read: none (the scenario is defined by its config alone).")
    return [*lines, ""]
