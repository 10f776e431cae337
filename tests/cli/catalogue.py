"""A catalogue of bad inputs, faults and load cases, each run through the real command line.

Not a pytest module (the tests check each group on its own, faster): a survey a developer
runs to see how the whole program meets a hostile or careless user::

    python tests/cli/catalogue.py            # every case, two at a time; a table at the end
    python tests/cli/catalogue.py --group files

A case passes when ccsim refuses it cleanly: a non-zero exit, a message on stderr, no Python
traceback, nothing simulated (no ``parts/`` written) and no file touched outside the run
folder. Each case runs in a fresh temporary folder holding a copy of ``configs/`` (so planted
files never touch the project) and is killed after 120 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ERLANG = ["scenario=erlang", "scenario.hours=1", "run.replications=2", "run.workers=1"]


@dataclass
class Case:
    group: str
    name: str
    args: list[str]
    setup: Callable[[Path], list[str]] | None = None  # may add args (e.g. --config-dir)
    check: Callable[[Path, subprocess.CompletedProcess], str | None] | None = None
    expect_exit: tuple[int, ...] = (1, 2)
    signal_after_part: int | None = None  # send this signal once a part file exists
    extra: dict = field(default_factory=dict)


def _configs(tmp: Path) -> Path:
    target = tmp / "configs"
    shutil.copytree(ROOT / "configs", target, ignore=shutil.ignore_patterns("local"))
    (target / "local").mkdir()
    return target


def planted(name: str, text: str, group: str = "scenario") -> Callable[[Path], list[str]]:
    """A scenario (or other group) file written into a copy of the config tree."""

    def setup(tmp: Path) -> list[str]:
        configs = _configs(tmp)
        (configs / group / f"{name}.yaml").write_text(text, encoding="utf-8")
        return ["--config-dir", str(configs), f"{group}={name}"]

    return setup


def data_folder(files: dict[str, str], yaml_extra: str = "") -> Callable[[Path], list[str]]:
    """A copy of the default scenario whose data files are replaced by ``files``."""

    def setup(tmp: Path) -> list[str]:
        configs = _configs(tmp)
        data = tmp / "data"
        shutil.copytree(ROOT / "scenarios" / "default", data)
        for name, text in files.items():
            (data / name).write_text(text, encoding="utf-8")
        default = (configs / "scenario" / "default.yaml").read_text(encoding="utf-8")
        lines = [
            f"data_dir: {data}" if line.startswith("data_dir:") else line
            for line in default.splitlines()
        ]
        (configs / "scenario" / "shared.yaml").write_text(
            "\n".join(lines) + "\n" + yaml_extra, encoding="utf-8"
        )
        return [
            "--config-dir",
            str(configs),
            "scenario=shared",
            "scenario.allow_outside_paths=true",
        ]

    return setup


MARKER = "ccsim-catalogue-marker"


def _marker_absent(tmp: Path, done: subprocess.CompletedProcess) -> str | None:
    return "planted code ran" if (tmp / MARKER).exists() else None


def callback_case(tmp: Path) -> list[str]:
    """A scenario file that asks Hydra to call a function (here: create a marker file)."""
    text = (
        "# @package _global_\nhydra:\n  callbacks:\n    evil:\n      _target_: pathlib.Path.touch\n"
        f"      _args_: ['{tmp / MARKER}']\n"
    )
    return planted("evil", text)(tmp)


def cases() -> list[Case]:
    found: list[Case] = []

    def add(group: str, name: str, *args: str, **kw) -> None:
        found.append(Case(group, name, list(args), **kw))

    # -- values: types and ranges --------------------------------------------------------
    g = "values"
    for key, value in [
        ("scenario.agents", "0"),
        ("scenario.agents", "-3"),
        ("scenario.agents", "1.5"),
        ("scenario.agents", "abc"),
        ("scenario.calls_per_hour", "-5"),
        ("scenario.calls_per_hour", "nan"),
        ("scenario.calls_per_hour", "inf"),
        ("scenario.aht_seconds", "0"),
        ("scenario.aht_seconds", "-1"),
        ("scenario.patience_seconds", "-1"),
        ("scenario.hours", "0"),
        ("scenario.warmup_hours", "-1"),
        ("scenario.interval_minutes", "7"),
        ("run.replications", "0"),
        ("run.replications", "-3"),
        ("run.replications", "2.5"),
        ("run.seed", "-1"),
        ("run.workers", "-1"),
        ("run.executor", "spark"),
        ("run.dask_address", "tcp://host:8786"),  # without run.executor=dask
        ("service_level.threshold_seconds", "-1"),
        ("service_level.target", "1.5"),
        ("service_level.short_abandon_seconds", "-1"),
        ("costs.hourly_cost", "-1"),
        ("costs.overtime_premium", "-0.5"),
        ("run.target_precision", "0"),
        ("run.resume", "/nonexistent/run"),
    ]:
        add(g, f"{key}={value}", *ERLANG, f"{key}={value}")
    add(g, "unknown key", *ERLANG, "scenario.agentz=3")
    add(g, "smuggled key", *ERLANG, "+scenario.foo=1")
    add(g, "empty value", *ERLANG, "run.replications=")
    add(g, "precision with one policy", *ERLANG, "policies=[none]", "run.target_precision=0.01")
    add(
        g,
        "max below replications",
        *ERLANG,
        "policies=[none,overtime]",
        "run.target_precision=0.01",
        "run.max_replications=1",
    )
    add(g, "unknown scenario", "scenario=nope")
    add(g, "day key on erlang", *ERLANG, "scenario.data_dir=x")
    add(g, "bad interval on default", "run.replications=1", "scenario.interval_minutes=7")
    # -- policies ------------------------------------------------------------------------
    g = "policies"
    add(g, "unknown policy", *ERLANG, "policies=[nope]")
    add(g, "no policy", *ERLANG, "policies=[]")
    add(g, "policy twice", *ERLANG, "policies=[none,none]")
    add(
        g,
        "probability 2",
        *ERLANG,
        "policies=[none,overtime]",
        "policy.overtime.call_in_acceptance=2",
    )
    add(g, "unknown parameter", *ERLANG, "policies=[none,overtime]", "policy.overtime.bogus=1")
    add(
        g,
        "unknown contact type",
        *ERLANG,
        "policies=[none,callback]",
        "policy.callback.contact_types=[nope]",
    )
    add(
        g,
        "chat for a voice-only lever",
        "run.replications=1",
        "policies=[none,callback]",
        "policy.callback.contact_types=[chat]",
    )
    add(
        g,
        "check interval 0",
        *ERLANG,
        "policies=[none,overtime]",
        "policy.overtime.check_interval_minutes=0",
    )
    add(
        g,
        "negative latency",
        *ERLANG,
        "policies=[none,overtime]",
        "policy.overtime.latency_minutes=-1",
    )
    add(
        g,
        "unknown group",
        "run.replications=1",
        "policies=[none,overtime]",
        "+policy.overtime.groups=[nope]",
    )
    # -- sizes ---------------------------------------------------------------------------
    g = "sizes"
    add(g, "10 million agents", *ERLANG, "scenario.agents=10000000")
    add(g, "a billion replications", "scenario=erlang", "run.replications=1000000000")
    add(g, "1e9 hours", "scenario=erlang", "scenario.hours=1e9", "run.replications=1")
    add(
        g,
        "1e12 calls per hour",
        "scenario=erlang",
        "scenario.calls_per_hour=1e12",
        "run.replications=1",
    )
    add(
        g,
        "1e308 calls per hour",
        "scenario=erlang",
        "scenario.calls_per_hour=1e308",
        "run.replications=1",
    )
    add(
        g,
        "forecast cell 1e12",
        "run.replications=1",
        setup=data_folder({"forecast.csv": _forecast_with("1e12")}),
    )
    # -- data files ----------------------------------------------------------------------
    g = "files"
    add(g, "data_dir outside", "scenario.data_dir=/etc", "run.replications=1")
    add(g, "data_dir up and out", "scenario.data_dir=../../..", "run.replications=1")
    add(g, "absolute forecast file", "scenario.forecast_file=/etc/passwd", "run.replications=1")
    add(g, "missing forecast", "scenario.forecast_file=nope.csv", "run.replications=1")
    for name, text in [
        ("empty forecast", ""),
        ("header only", "interval_start,sales\n"),
        ("non-numeric cell", None),
        ("negative cell", None),
        ("ragged row", None),
        ("bad clock", None),
        ("secret first line", "TOP-SECRET-TOKEN-12345\n"),
        ("binary", "\x00\x01\x02\xff"),
    ]:
        files = {"forecast.csv": text if text is not None else _forecast_broken(name)}
        add(
            g,
            name,
            "run.replications=1",
            setup=data_folder(files),
            check=_no_secret if name == "secret first line" else None,
        )
    add(
        g,
        "skills naming unknown group",
        "run.replications=1",
        setup=data_folder({"skills.csv": "group,contact_type,proficiency,level\nnope,sales,1,1\n"}),
    )
    add(
        g,
        "staffing negative",
        "run.replications=1",
        setup=data_folder({"staffing.csv": _staffing_with("-3")}),
    )
    # -- shared config files -------------------------------------------------------------
    g = "shared configs"
    found.append(Case(g, "planted hydra callback", [], setup=callback_case, check=_marker_absent))
    add(g, "hydra key without package", setup=planted("h", "hydra:\n  run:\n    dir: /tmp/x\n"))
    add(g, "_target_ in a scenario", setup=planted("t", "x:\n  _target_: os.system\n"))
    add(g, "env interpolation", setup=planted("e", "description: ${oc.env:HOME}\n"))
    add(g, "yaml syntax error", setup=planted("s", "agents: [1, 2\n"))
    add(g, "tab indent", setup=planted("tab", "contact_types:\n\tsales: 1\n"))
    add(g, "list for a mapping", setup=planted("l", "- a\n- b\n"))
    add(
        g,
        "policy file with package",
        setup=planted("overtime", "# @package _global_\nrun:\n  replications: 1\n", group="policy"),
    )
    # -- run folders ---------------------------------------------------------------------
    g = "run folders"
    for name, text in [
        ("truncated part", '{"policy": "none", "repl'),
        ("empty part", ""),
        ("wrong shape part", "[1, 2, 3]"),
    ]:
        found.append(Case(g, name, [], setup=_corrupt_part(text)))
    found.append(Case(g, "corrupt manifest", [], setup=_corrupt_manifest))
    found.append(Case(g, "second run into a finished folder", [], setup=_finished_folder))
    found.append(Case(g, "symlinked temp file", [], setup=_symlinked_tmp, check=_victim_intact))
    add(g, "empty run dir", *ERLANG, "hydra.run.dir=")
    # -- signals -------------------------------------------------------------------------
    g = "signals"
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        found.append(
            Case(
                g,
                f"{sig.name} with 2 workers",
                [
                    "scenario=erlang",
                    "scenario.hours=8",
                    "run.replications=40",
                    "run.workers=2",
                    "policies=[none]",
                ],
                signal_after_part=sig,
                expect_exit=(129, 130, 143),
            )
        )
    return found


def _forecast_rows() -> list[str]:
    return (ROOT / "scenarios" / "default" / "forecast.csv").read_text().splitlines()


def _forecast_with(value: str) -> str:
    rows = _forecast_rows()
    cells = rows[3].split(",")
    cells[1] = value
    rows[3] = ",".join(cells)
    return "\n".join(rows) + "\n"


def _forecast_broken(kind: str) -> str:
    rows = _forecast_rows()
    cells = rows[3].split(",")
    if kind == "non-numeric cell":
        cells[1] = "lots"
    elif kind == "negative cell":
        cells[1] = "-4"
    elif kind == "ragged row":
        cells = cells[:-1]
    elif kind == "bad clock":
        cells[0] = "25:99"
    rows[3] = ",".join(cells)
    return "\n".join(rows) + "\n"


def _staffing_with(value: str) -> str:
    rows = (ROOT / "scenarios" / "default" / "staffing.csv").read_text().splitlines()
    cells = rows[2].split(",")
    cells[1] = value
    rows[2] = ",".join(cells)
    return "\n".join(rows) + "\n"


def _no_secret(tmp: Path, done: subprocess.CompletedProcess) -> str | None:
    return "file content echoed" if "TOP-SECRET" in done.stderr + done.stdout else None


def _finished_run(tmp: Path) -> Path:
    folder = tmp / "run"
    subprocess.run(
        [sys.executable, "-m", "sim", *ERLANG, f"hydra.run.dir={folder}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return folder


def _corrupt_part(text: str) -> Callable[[Path], list[str]]:
    def setup(tmp: Path) -> list[str]:
        folder = _finished_run(tmp)
        part = sorted((folder / "parts").glob("*.json"))[0]
        part.write_text(text, encoding="utf-8")
        return [
            *ERLANG,
            "run.replications=3",
            f"run.resume={folder}",
            f"hydra.run.dir={tmp / 'resume'}",
        ]

    return setup


def _corrupt_manifest(tmp: Path) -> list[str]:
    folder = _finished_run(tmp)
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    return [*ERLANG, "run.replications=3", f"run.resume={folder}", f"hydra.run.dir={tmp / 'r'}"]


def _finished_folder(tmp: Path) -> list[str]:
    folder = _finished_run(tmp)
    return [*ERLANG, "run.seed=7", f"hydra.run.dir={folder}"]


def _symlinked_tmp(tmp: Path) -> list[str]:
    folder = tmp / "run"
    (folder / "parts").mkdir(parents=True)
    victim = tmp / "victim.txt"
    victim.write_text("untouched", encoding="utf-8")
    for name in ("none-r00000.json.tmp", "manifest.json.tmp", "summary.csv.tmp"):
        target = folder / ("parts" if name.startswith("none") else "") / name
        target.symlink_to(victim)
    return [*ERLANG, f"hydra.run.dir={folder}"]


def _victim_intact(tmp: Path, done: subprocess.CompletedProcess) -> str | None:
    return None if (tmp / "victim.txt").read_text() == "untouched" else "wrote through a symlink"


@dataclass
class Outcome:
    case: Case
    clean: bool
    why: str
    seconds: float


def run_case(case: Case) -> Outcome:
    tmp = Path(tempfile.mkdtemp(prefix="ccsim-cat-"))
    start = time.monotonic()
    try:
        args = list(case.args)
        if case.setup is not None:
            args = case.setup(tmp) + args
        if not any(a.startswith("hydra.run.dir=") for a in args):
            args.append(f"hydra.run.dir={tmp / 'out'}")
        command = [sys.executable, "-m", "sim", *args]
        if case.signal_after_part is None:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        else:
            done = _run_and_signal(command, tmp, case.signal_after_part)
        problems = []
        if done.returncode not in case.expect_exit:
            problems.append(f"exit {done.returncode}")
        if "Traceback" in done.stderr:
            problems.append("traceback")
        if not done.stderr.strip() and case.signal_after_part is None:
            problems.append("no message")
        if case.signal_after_part is None and any((tmp / "out").glob("parts/*.json")):
            problems.append("simulated")
        if case.check is not None and (extra := case.check(tmp, done)):
            problems.append(extra)
        last = (done.stderr.strip().splitlines() or [""])[-1][:150]
        return Outcome(case, not problems, "; ".join(problems) or last, time.monotonic() - start)
    except subprocess.TimeoutExpired:
        return Outcome(case, False, "timed out", time.monotonic() - start)
    except Exception as exc:  # noqa: BLE001 - a survey reports every failure and goes on
        return Outcome(case, False, f"setup failed: {exc!r}", time.monotonic() - start)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run_and_signal(command: list[str], tmp: Path, sig: int) -> subprocess.CompletedProcess:
    with subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        deadline = time.monotonic() + 90
        while not any((tmp / "out").glob("parts/*.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=90)
        pgid = proc.pid
    time.sleep(1.0)
    left = _processes_in_group(pgid)
    done = subprocess.CompletedProcess(command, proc.returncode, out, err)
    if left:
        done.stderr += f"\n{len(left)} process(es) left behind"
        done.returncode = -999
    if not (tmp / "out" / "summary.csv").exists():
        done.stderr += "\nno tables written"
        done.returncode = -998
    return done


def _processes_in_group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    found.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", help="only the cases of this group")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    selected = [c for c in cases() if args.group in (None, c.group)]
    with ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(run_case, selected))
    by_group: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_group.setdefault(outcome.case.group, []).append(outcome)
        mark = "ok  " if outcome.clean else "FAIL"
        print(f"{mark} {outcome.case.group:15s} {outcome.case.name:38s} {outcome.why}")
    print()
    total = sum(o.clean for o in outcomes)
    for group, items in by_group.items():
        print(f"{group:15s} {sum(o.clean for o in items):3d} / {len(items):3d} refused cleanly")
    print(f"{'all':15s} {total:3d} / {len(outcomes):3d} ({100 * total / len(outcomes):.0f}%)")


if __name__ == "__main__":
    main()
