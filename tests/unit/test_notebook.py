"""``docs/examples/notebook.ipynb`` runs from top to bottom in a fresh Jupyter kernel (nbclient
and ipykernel, this interpreter), in an empty working folder, and shows its figures.

The kernel is declared in a temporary Jupyter path, so that no kernel installed on the
machine (another Python without ccsim) is picked up, and the kernel's files stay there too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "notebook.ipynb"
KERNEL = "ccsim-test"


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_notebook_is_valid_and_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    cells = _code_cells(notebook)
    assert len(cells) >= 3
    assert all(not cell.outputs and cell.execution_count is None for cell in cells)
    source = "\n".join(cell.source for cell in cells)
    assert 'sim.load("erlang"' in source and 'sim.load(\n        "default"' in source


@pytest.mark.slow
def test_notebook_runs_in_a_fresh_kernel(tmp_path, monkeypatch):
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "ccsim test", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    work = tmp_path / "work"
    work.mkdir()

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=180, kernel_name=KERNEL, resources={"metadata": {"path": str(work)}}
    )
    client.execute()  # a cell that raises fails the test (CellExecutionError, with its cell)

    outputs = [output for cell in _code_cells(notebook) for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the service-level figure and the heatmap, drawn inline
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) == 2 and "service_level" in tables[0]["data"]["text/html"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "run.replications = 0: must be a whole number >= 1" in printed
    assert not list(work.iterdir())  # the notebook writes nothing where it runs
