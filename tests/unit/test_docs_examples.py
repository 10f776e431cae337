"""Every script in docs/examples runs to the end and writes its figure.

Each example is run as students would run it (``python SCRIPT OUTPUT``), in a fresh process
with an empty output folder as its argument, in quick mode (``CCSIM_EXAMPLE_QUICK=1``: few,
short replications). The process is forked from one that has already imported ``sim``,
pandas and matplotlib (:mod:`ccsim_process`), which saves each run 2 s of imports.
"""

from __future__ import annotations

import os
from pathlib import Path

import ccsim_process
import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.py"))


def test_examples_exist():
    assert EXAMPLES, "no scripts found in docs/examples"


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_and_writes_png(script, tmp_path):
    """The script exits 0, prints something, and writes its PNG figure(s) into the folder given."""
    env = {**os.environ, "CCSIM_EXAMPLE_QUICK": "1", "MPLBACKEND": "Agg"}
    done = ccsim_process.run_script(script, [tmp_path / "out"], cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    pngs = sorted((tmp_path / "out").glob("*.png"))
    assert pngs, f"{script.name} wrote {sorted(p.name for p in tmp_path.rglob('*'))}"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("*.png"))  # written where asked, not in the working folder
