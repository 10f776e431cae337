"""The package layout and its one-way import rule (DESIGN.md), read from the source (AST).

core <- policies <- model <- kpi <- experiment <- report <- cli; ``calibration`` (statistics on
a contact log) sits beside kpi: core and the model's outcome below it, report and cli above.
``sim.config`` imports core and the policy registry only, and only the CLI and the public API
import it. Every import counts: at module level, inside functions and under
``TYPE_CHECKING``. No module imports another that (directly or not) imports it back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"

PACKAGES = (
    "core",
    "policies",
    "model",
    "kpi",
    "calibration",
    "experiment",
    "report",
    "config",
    "cli",
)
TOP_LEVEL = {"__init__", "__main__", "analytic", "units"}

#: What each package may import from ``sim`` besides itself (prefixes of module names).
ALLOWED: dict[str, tuple[str, ...]] = {
    "core": ("sim.units",),
    "policies": ("sim.core", "sim.analytic", "sim.units"),
    "model": ("sim.core", "sim.policies.api", "sim.analytic", "sim.units"),
    "kpi": ("sim.core", "sim.model.outcome", "sim.model.states", "sim.analytic", "sim.units"),
    # Statistics on a contact log (core data), like kpi beside the experiment layer: it reads
    # the model's outcome only to turn simulated days into a log; report and cli use it.
    "calibration": ("sim.core", "sim.model.outcome", "sim.model.states", "sim.units"),
    "experiment": (
        "sim.core",
        "sim.policies",
        "sim.model",
        "sim.kpi",
        "sim.analytic",
        "sim.units",
    ),
    "report": (
        "sim.core",
        "sim.policies",
        "sim.model",
        "sim.kpi",
        "sim.experiment",
        "sim.calibration",
        "sim.analytic",
        "sim.units",
    ),
    "config": (
        "sim.core",
        "sim.policies.registry",
        "sim.policies.base",
        "sim.policies.api",
        "sim.analytic",
        "sim.units",
    ),
    "cli": ("sim",),
    "analytic": (),
    "units": (),
    "__main__": ("sim.cli",),
    "__init__": ("sim",),
}

#: Third-party packages a layer must not import (the model core knows nothing of tables,
#: plots, files or Hydra; pandas starts at the experiment layer).
HEAVY = ("pandas", "scipy", "matplotlib", "hydra", "omegaconf", "yaml")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": HEAVY,
    "policies": HEAVY,
    "model": HEAVY,
    "kpi": HEAVY,
    "calibration": ("pandas", "matplotlib", "hydra", "omegaconf", "yaml"),
    "experiment": ("matplotlib", "hydra", "omegaconf"),
    "report": ("hydra", "omegaconf"),
    "config": ("hydra", "pandas", "scipy", "matplotlib"),
    "units": HEAVY,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, wherever it stands."""
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # ``from sim.x import y`` may import module sim.x.y
                submodule = f"{target}.{alias.name}"
                found.append((node.lineno, submodule if submodule in MODULES else target))
    return found


def _resolve(target: str) -> str | None:
    """The ``sim`` module ``target`` names (itself or its parent for ``from m import name``)."""
    if target in MODULES:
        return target
    parent = target.rpartition(".")[0]
    return parent if parent in MODULES else None


def test_layout_has_the_agreed_packages_and_few_top_level_modules():
    assert sorted(
        p.name for p in SIM.iterdir() if p.is_dir() and p.name != "__pycache__"
    ) == sorted(PACKAGES)
    top = {p.stem for p in SIM.glob("*.py")}
    assert top <= TOP_LEVEL and len(top) <= 8, top
    for package in PACKAGES:
        assert (SIM / package / "__init__.py").exists(), package


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_one_way(module):
    layer = _layer(module)
    allowed = ALLOWED[layer]
    own = module if layer in ("analytic", "units", "__main__", "__init__") else f"sim.{layer}"
    wrong = []
    for line, target in _imports(MODULES[module]):
        top = target.split(".")[0]
        if top in FORBIDDEN.get(layer, ()):
            wrong.append(f"line {line}: {target} (a {layer} module must not import {top})")
            continue
        resolved = _resolve(target)
        if resolved is None or resolved == own or resolved.startswith(own + "."):
            continue
        if not any(resolved == a or resolved.startswith(a + ".") for a in allowed):
            wrong.append(f"line {line}: {resolved}")
    assert not wrong, f"{module} imports upward or sideways: {wrong}"


def test_only_the_cli_and_the_public_api_import_config():
    importers = {
        module
        for module, path in MODULES.items()
        for _, target in _imports(path)
        if (_resolve(target) or "").startswith("sim.config") and _layer(module) != "config"
    }
    assert importers <= {"sim"} | {m for m in MODULES if _layer(m) == "cli"}, importers


def test_no_import_circles():
    graph = {
        module: {
            r
            for _, target in _imports(path)
            if (r := _resolve(target)) is not None and r != module and r != "sim"
        }
        for module, path in MODULES.items()
    }
    # a package's __init__ is imported with each of its modules: its imports count for them
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not circles, circles


def test_no_reexport_shims():
    """A module's ``__all__`` names only what it defines itself (the public API excepted)."""
    shims = []
    for module, path in MODULES.items():
        if module == "sim":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = set()
        exported: list[str] = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        defined.add(t.id)
                        if t.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
                            exported = [ast.literal_eval(e) for e in node.value.elts]
        shims += [f"{module}.{name}" for name in exported if name not in defined]
    assert not shims, shims
