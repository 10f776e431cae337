"""The docs run and say what the code does.

* Every ``python -m sim`` line of a ``bash`` block in ``docs/*.md`` composes and validates
  (Hydra's compose API and ``sim.config.run.build_run``, in this process: fast). Those that
  name their run folder (``hydra.run.dir=...``: the runs the docs discuss) also run in
  full, with ``run.replications=2 run.workers=1`` and a temporary folder appended (and,
  but for the run whose figures are checked, ``report.figures=false``).
* Every ``python docs/examples/<script>.py OUTPUT [RUN ...]`` line runs, in quick mode,
  with a temporary ``OUTPUT`` and the folders of the runs above in place of ``RUN``.
* Every ``python`` block runs in a fresh namespace, in an empty folder, in a process of its
  own (all blocks in one: one import of ``sim``).
* Every ``yaml`` block without a ``defaults`` list, merged into a shipped day scenario's
  ``scenario`` node, passes validation.
* ``docs/reference.md``: every dotted key it names (``run.*``, ``service_level.*``,
  ``policies``, ``scenario.*``) exists in the config schema, every schema field is named,
  every KPI of ``sim.kpi.definitions.KPI_NAMES`` has the README's definition, and every column
  and figure a run writes is named.

Subprocesses run two at a time; the module takes about half a minute on two idle cores. Each
``python -m sim`` run is a process of its own forked from one that has already imported what
a run needs (:mod:`ccsim_process`): the documented command, without the imports' 2 s; so is
each ``python docs/examples/<script>.py`` run, and the script running the python blocks.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import types
import typing
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass
from pathlib import Path

import ccsim_process
import pytest
from omegaconf import OmegaConf

from sim.config.run import build_run
from sim.config.schema import Config, DayScenarioConfig, ErlangScenarioConfig
from sim.kpi.definitions import KPI_NAMES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
REFERENCE = DOCS / "reference.md"
FENCE = re.compile(r"^[ \t]*```(\w+)[ \t]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
TIMEOUT = 180


def _blocks(language: str) -> list[tuple[str, str]]:
    """(page name, text) of every fenced block in ``language``, in page order."""
    found = []
    for page in PAGES:
        for lang, body in FENCE.findall(page.read_text(encoding="utf-8")):
            if lang == language:
                found.append((page.name, body))
    return found


def _commands() -> list[list[str]]:
    """Every distinct ``python ...`` line of the bash blocks, as argument lists."""
    seen: dict[tuple[str, ...], None] = {}
    for _, body in _blocks("bash"):
        for line in body.splitlines():
            if line.strip().startswith("python "):
                seen.setdefault(tuple(shlex.split(line, comments=True)), None)
    return [list(c) for c in seen]


def _run_dir_of(command: list[str]) -> str | None:
    for arg in command:
        if arg.startswith("hydra.run.dir="):
            return arg.split("=", 1)[1]
    return None


COMMANDS = _commands()
SIM_COMMANDS = [c for c in COMMANDS if c[:3] == ["python", "-m", "sim"]]
FULL_RUNS = [c for c in SIM_COMMANDS if _run_dir_of(c) is not None]
SCRIPT_COMMANDS = [c for c in COMMANDS if c not in SIM_COMMANDS]
PYTHON_BLOCKS = _blocks("python")
#: The documented runs whose figures are drawn (the reference must name each figure); the
#: others run with report.figures=false, a few seconds less each.
DRAWN = {"results/tutorial/default"}
#: Full runs cost a few seconds each: name a run folder only where the docs read it.
MAX_FULL_RUNS = 8


def _run(args: list[str], cwd: Path, quick: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if quick:
        env["CCSIM_EXAMPLE_QUICK"] = "1"
    if args[1:3] == ["-m", "sim"]:
        return ccsim_process.run(args[3:], cwd=cwd, env=env, timeout=TIMEOUT)
    if args[1].endswith(".py"):
        return ccsim_process.run_script(args[1], args[2:], cwd=cwd, env=env, timeout=TIMEOUT)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Run every documented command and python block, two at a time; results by key."""
    base = tmp_path_factory.mktemp("docs")
    jobs: dict[str, tuple] = {}
    folders: dict[str, Path] = {}  # a run folder named in the docs -> where it was written
    for k, command in enumerate(FULL_RUNS):
        out = base / f"sim{k}"
        args = [sys.executable, *command[1:], "run.replications=2", "run.workers=1"]
        if _run_dir_of(command) not in DRAWN:  # figures are checked on one run: DRAWN
            args.append("report.figures=false")
        args += [f"hydra.run.dir={out}", f"hydra.sweep.dir={out}"]
        folders[_run_dir_of(command)] = out
        jobs[" ".join(command)] = (args, ROOT, False)
    blocks = base / "blocks.json"  # all python blocks in one interpreter: one import of sim
    blocks.write_text(json.dumps([code for _, code in PYTHON_BLOCKS]), encoding="utf-8")
    runner = base / "run_blocks.py"
    runner.write_text(BLOCK_RUNNER, encoding="utf-8")
    jobs["python blocks"] = ([sys.executable, str(runner), str(blocks)], base, False)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(jobs, pool.map(lambda job: _run(*job), jobs.values()), strict=True))
        # Scripts read the run folders written above: they go second.
        scripts = {}
        for k, command in enumerate(SCRIPT_COMMANDS):
            args = [sys.executable, command[1], str(base / f"script{k}")]
            for arg in command[3:]:
                args.append(str(folders.get(arg, arg)))
            scripts[" ".join(command)] = (args, ROOT, True)
        done.update(zip(scripts, pool.map(lambda job: _run(*job), scripts.values()), strict=True))
    return {"results": done, "folders": folders, "base": base}


def test_docs_have_commands_and_blocks():
    assert len(PAGES) >= 5, [p.name for p in PAGES]
    assert SIM_COMMANDS and SCRIPT_COMMANDS and PYTHON_BLOCKS
    assert len(FULL_RUNS) <= MAX_FULL_RUNS, (
        f"{len(FULL_RUNS)} documented commands name a run folder (hydra.run.dir): each runs "
        f"in full; keep them to {MAX_FULL_RUNS} so that this module stays fast"
    )


def _compose_jobs(command: list[str]) -> list[list[str]]:
    """The override lists Hydra would compose for ``python -m sim ARGS`` (one per sweep job)."""
    overrides, search, multirun = [], [], False
    args = iter(command[3:])
    for arg in args:
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in ("--cfg", "-c"):
            next(args)
        elif arg in ("--config-dir", "-cd"):
            search.append(f"file://{(ROOT / next(args)).resolve()}")
        elif not arg.startswith(("hydra.", "-")):
            overrides.append(arg)
    jobs: list[list[str]] = [[f"hydra.searchpath=[{','.join(search)}]"] if search else []]
    for override in overrides:
        key, _, value = override.partition("=")
        sweep = multirun and "," in value and value[:1] not in "[{'\""
        values = value.split(",") if sweep else [value]
        jobs = [job + [f"{key}={v}"] for job in jobs for v in values]
    return jobs


@pytest.mark.parametrize("command", [" ".join(c) for c in SIM_COMMANDS])
def test_sim_command_is_a_valid_config(command):
    """Each documented ``python -m sim`` command composes and passes validation."""
    for overrides in _compose_jobs(shlex.split(command)):
        build_run(_composed(overrides))


@pytest.mark.parametrize("command", [" ".join(c) for c in FULL_RUNS + SCRIPT_COMMANDS])
def test_command_runs(runs, command):
    """Each documented run (and script) exits 0 (small replications, a temporary folder)."""
    done = runs["results"][command]
    assert done.returncode == 0, done.stderr[-3000:]


def test_script_inputs_come_from_documented_runs(runs):
    """A run folder a script reads is written by a documented command."""
    for command in SCRIPT_COMMANDS:
        for arg in command[3:]:
            assert arg in runs["folders"], f"{' '.join(command)}: no command writes {arg}"


#: Runs each block of a JSON list in a fresh namespace and an empty folder of its own;
#: prints one JSON list: None for a block that ran, else its traceback.
BLOCK_RUNNER = """
import json, os, sys, traceback
from pathlib import Path
source = Path(sys.argv[1]).resolve()
outcomes = []
for k, code in enumerate(json.loads(source.read_text(encoding="utf-8"))):
    folder = source.parent / f"block{k}"
    folder.mkdir()
    os.chdir(folder)
    try:
        exec(compile(code, f"<python block {k}>", "exec"), {"__name__": "__main__"})
        outcomes.append(None)
    except BaseException:
        outcomes.append(traceback.format_exc())
sys.stdout.write("\\n" + json.dumps(outcomes))
"""


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_block_runs(runs, index):
    page, code = PYTHON_BLOCKS[index]
    done = runs["results"]["python blocks"]
    assert done.returncode == 0, done.stderr[-3000:]
    failure = json.loads(done.stdout.splitlines()[-1])[index]
    assert failure is None, f"{page}:\n{code}\n{failure[-3000:]}"


# -- yaml blocks ----------------------------------------------------------------------------


def _composed(overrides: list[str]):
    """The config ``python -m sim OVERRIDES`` would run, composed in this process."""
    from hydra import compose, initialize_config_dir
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()  # the schema nodes sim.cli registers
    store.store(name="base_config", node=Config)
    store.store(group="scenario", name="day_schema", node=DayScenarioConfig)
    store.store(group="scenario", name="erlang_schema", node=ErlangScenarioConfig)
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        return compose("config", overrides=overrides)


YAML_BLOCKS = [(page, body) for page, body in _blocks("yaml") if "defaults:" not in body]


@pytest.mark.parametrize("index", range(len(YAML_BLOCKS)))
def test_yaml_block_is_a_valid_scenario_fragment(index):
    """Merged into `default` (or `monday_no_show`, which has groups on a schedule), it validates."""
    page, body = YAML_BLOCKS[index]
    fragment = OmegaConf.create(body)
    problems = []
    for base in ("default", "monday_no_show"):
        cfg = _composed([f"scenario={base}"])
        try:
            cfg.scenario = OmegaConf.merge(cfg.scenario, fragment)
            build_run(cfg)
            return
        except Exception as exc:  # noqa: BLE001 - every failure is reported below
            problems.append(f"{base}: {exc}")
    pytest.fail(f"{page}:\n{body}\n" + "\n".join(problems))


# -- reference --------------------------------------------------------------------------------

KEY = re.compile(r"`((?:run|service_level|scenario)\.[A-Za-z0-9_.<>\[\]]+|policies)(?:=[^`]*)?`")


def _hints(tp) -> dict:
    """The dataclass's field types; a ``dict[str, Any]`` whose field metadata names its
    ``values`` type (``scenario.groups``: checked in sim.config, not by OmegaConf) reads as
    ``dict[str, values]``."""
    hints = typing.get_type_hints(tp)
    for f in fields(tp):
        value_type = f.metadata.get("values")
        if value_type is not None:
            hints[f.name] = dict[str, value_type]
    return hints


def _unwrap(tp):
    """``X | None`` -> ``X``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _resolves(tp, parts: list[str]) -> bool:
    """Whether the dotted ``parts`` name a field below the dataclass ``tp``."""
    for part in parts:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if origin is dict:  # a name of the user's choice: <type>, <group>, or a real one
            tp = typing.get_args(tp)[1]
            continue
        name = part.split("[")[0]  # scenario.outages[0].kind: the list's items
        if not is_dataclass(tp) or name not in _hints(tp):
            return False
        tp = _unwrap(_hints(tp)[name])
        if typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
    return True


def _reference() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def test_reference_keys_exist_in_the_schema():
    keys = sorted({m.group(1).rstrip(".") for m in KEY.finditer(_reference())})
    assert len(keys) > 40, keys
    bad = []
    for key in keys:
        head, *rest = key.split(".")
        if head == "scenario":
            ok = _resolves(DayScenarioConfig, rest) or _resolves(ErlangScenarioConfig, rest)
        else:
            ok = _resolves(Config, [head, *rest])
        if not ok:
            bad.append(key)
    assert not bad, f"keys in docs/reference.md that the schema lacks: {bad}"


def _schema_fields(tp, seen=None) -> set[str]:
    seen = set() if seen is None else seen
    names = set()
    for f in fields(tp):
        names.add(f.name)
        inner = _unwrap(_hints(tp)[f.name])
        for candidate in (inner, *typing.get_args(inner)):
            candidate = _unwrap(candidate)
            if is_dataclass(candidate) and candidate not in seen:
                seen.add(candidate)
                names |= _schema_fields(candidate, seen)
    return names


def test_reference_names_every_schema_field():
    text = _reference()
    names = (
        _schema_fields(Config)
        | _schema_fields(DayScenarioConfig)
        | _schema_fields(ErlangScenarioConfig)
    )
    missing = sorted(n for n in names if not re.search(rf"`[^`\n]*\b{n}\b[^`\n]*`", text))
    assert not missing, f"config fields not documented in docs/reference.md: {missing}"


def _kpi_rows(text: str) -> dict[str, str]:
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\|\s*`(\w+)`\s*\|(.*)\|\s*$", line)
        if m and m.group(1) in KPI_NAMES:
            rows.setdefault(m.group(1), m.group(2).strip())
    return rows


def test_reference_defines_every_kpi_as_the_readme_does():
    ours = _kpi_rows(_reference())
    assert sorted(ours) == sorted(KPI_NAMES), set(KPI_NAMES) ^ set(ours)
    readme = _kpi_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    differ = [k for k in KPI_NAMES if k in readme and readme[k] != ours[k]]
    assert not differ, f"KPI definitions differ from README.md: {differ}"


def test_reference_names_every_output_column_and_figure(runs):
    """Columns and figures of a real run (the tutorial's first) are all in the reference."""
    text = _reference()
    out = runs["folders"]["results/tutorial/default"]
    missing = []
    for table in ("summary", "replications", "intervals"):
        header = (out / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        if f"`{table}.csv`" not in text:
            missing.append(f"{table}.csv")
        for column in header:
            if column.endswith(("_ci_low", "_ci_high")):
                column = "_ci_low" if column.endswith("_low") else "_ci_high"
            if not re.search(rf"`[^`\n]*{re.escape(column)}[^`\n]*`", text):
                missing.append(f"{table}.csv: {column}")
    for figure in sorted((out / "figures").glob("*.png")):
        if f"`figures/{figure.name}`" not in text:
            missing.append(f"figures/{figure.name}")
    for name in ("report.md", "parts/", ".hydra/config.yaml", "ccsim.log"):
        if name not in text:
            missing.append(name)
    assert not missing, f"outputs not documented in docs/reference.md: {missing}"


# -- links ------------------------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown page."""
    slugs = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#+\s+(.*)", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            slugs.add(text.replace(" ", "-"))
    return slugs


def test_relative_links_resolve():
    """Every relative link of the docs names an existing file, and heading if it has an anchor."""
    bad = []
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                bad.append(f"{page.name}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
                bad.append(f"{page.name}: {target} (no such heading)")
    assert not bad, bad
