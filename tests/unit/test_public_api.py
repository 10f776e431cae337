"""The public API (``sim/__init__.py``): its names, its laziness, and the README's layout table."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[2]
SIM = ROOT / "sim"

#: The documented public API: what ``from sim import ...`` offers, nothing else.
PUBLIC = {
    # scenario data
    "Scenario",
    "ContactType",
    "AgentGroup",
    "Skill",
    "ServiceLevel",
    "Distribution",
    "DemandShocks",
    "Outage",
    "erlang_scenario",
    "single_queue",
    # one replication
    "simulate",
    "ReplicationOutcome",
    "replication_kpis",
    "KPI_NAMES",
    "make_policy",
    # experiments and tables
    "run_replications",
    "replication_table",
    "interval_table",
    "summarize",
    "compare_policies",
    "confidence_interval",
    # queueing formulas
    "analytic",
    # whole runs, as the command line composes them (the notebook API)
    "load",
    "run",
}

#: Internals that used to be exported and must now be imported from their own modules.
INTERNALS = ("ContactCenter", "Streams", "draw_contacts", "ContactDraws", "breakdown")

#: Imported by neither ``import sim`` nor anything it loads on its own.
HEAVY = ("pandas", "scipy", "matplotlib", "hydra", "omegaconf")


def test_all_is_exactly_the_documented_set():
    assert len(sim.__all__) == len(set(sim.__all__))
    assert set(sim.__all__) == PUBLIC
    assert set(sim._HOMES) == PUBLIC


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_name_resolves_to_its_home(name):
    value = getattr(sim, name)
    home = importlib.import_module(sim._HOMES[name])
    assert value is (home if home.__name__ == f"sim.{name}" else getattr(home, name))


def test_from_sim_import_works_and_internals_are_not_exported():
    namespace: dict = {}
    exec("from sim import *", namespace)
    assert PUBLIC <= set(namespace)
    for name in INTERNALS:
        assert not hasattr(sim, name), name
    with pytest.raises(AttributeError, match="no attribute 'ContactCenter'"):
        sim.ContactCenter  # noqa: B018


def test_version_comes_from_the_package_metadata():
    assert sim.__version__ == importlib.metadata.version("ccsim")


def test_dir_lists_the_public_api():
    assert set(sim.__all__) | {"__version__"} <= set(dir(sim))


def test_type_checking_imports_match_the_lazy_table():
    """The ``if TYPE_CHECKING:`` imports (for type checkers) name the same homes."""
    tree = ast.parse((SIM / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    static: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            submodule = f"{node.module}.{alias.name}"
            static[alias.name] = submodule if node.module == "sim" else node.module
    assert static == sim._HOMES


def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_sim_loads_no_heavy_package():
    loaded = _fresh(
        "import sys, sim\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sim.simulate, sim.analytic, sim.Scenario\n"  # the model layer stays light too
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib') if m in sys.modules))\n"
    )
    assert loaded.split("\n")[:2] == ["[]", "[]"], loaded


def test_docstring_examples_run():
    """The usage examples of ``sim.__doc__`` (``::`` blocks) run, in order, in one namespace."""
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", sim.__doc__ or "")
    assert len(blocks) >= 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(textwrap.dedent(block), "<sim docstring>", "exec"), namespace)
    kpis = namespace["replication_kpis"](namespace["outcome"], namespace["scenario"])
    assert 0 <= kpis["service_level"] <= 1


# -- the README's layout table ----------------------------------------------------------------


def _readme_layout_paths() -> list[str]:
    """The first-column paths under ``sim/`` of the README's ``## Layout`` tables."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\|\s*`(sim/[^`]+)`\s*\|", section, flags=re.MULTILINE)


def test_readme_layout_names_every_package_and_nothing_else():
    named = [p for p in _readme_layout_paths() if p != "sim/"]
    packages = sorted(
        f"sim/{p.name}/" for p in SIM.iterdir() if p.is_dir() and p.name != "__pycache__"
    )
    assert sorted(p for p in named if p.endswith("/")) == packages
    missing = [p for p in named if not (ROOT / p).exists()]
    assert not missing, f"README.md's layout table names what does not exist: {missing}"
    top_level = sorted(f"sim/{p.name}" for p in SIM.glob("*.py"))
    assert sorted(p for p in named if not p.endswith("/")) == top_level
