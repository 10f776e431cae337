"""Every number ``docs/tutorial.md`` quotes is what the code gives today.

The tutorial's runs are simulated here, in this process, as its own ``python -m sim``
commands ask (their overrides, the documented replications and seed; ``run.workers=1``,
no figures), through ``sim.load`` and ``sim.run``. The tutorial quotes four kinds of text:

* plain fenced blocks are the last lines of the run's log (``console_summary``): each line
  is one the run prints; a line ending in ``...`` is the start of one;
* ``>`` quotes are excerpts of the run's ``report.md``: each piece between ``...`` is in it;
* tables: every row is rebuilt from the run's tables (the compare tables with
  ``docs/examples/compare_runs.py``'s own functions, on the tables in memory) and must read
  exactly so, after the tutorial's rounding;
* prose: each sentence quoting a number is rebuilt here and must be in the text.

:func:`test_every_number_is_checked` fails on any number left in the text that none of these
covers and that is not one of the few listed in :data:`NOT_RESULTS`; so a new number in the
tutorial needs its check here.

Cheap by common random numbers: a replication of a policy is seeded by the run seed and the
replication alone (``sim.core.streams.Streams``), so the baseline ``none`` of step 1's run
(seven policies) is the ``none`` of step 5's run (``none``, ``overtime``, ``analyst``), and
the compare tables of step 4, which quote ``none``'s rows, need ``none`` only.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analytic import erlang_c_metrics
from sim.config.run import RunSpec
from sim.policies import move_agents
from sim.report.console import console_summary
from sim.report.formatting import analytic_reference
from sim.report.results import RunResults

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
TEXT = TUTORIAL.read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

#: Numbers in the text that are not results or inputs to check: the confidence level, the
#: tutorial's cross-references to its own steps, and an example of a replication number.
NOT_RESULTS = (re.compile(r"95%"), re.compile(r"\bsteps? \d\b"), re.compile(r"replication 3\b"))


def _spec_compare_runs():
    """``docs/examples/compare_runs.py`` as a module (it is a script, not a package)."""
    path = ROOT / "docs" / "examples" / "compare_runs.py"
    spec = importlib.util.spec_from_file_location("compare_runs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare_runs = _spec_compare_runs()


def _norm(text: str) -> str:
    return " ".join(text.split())


# -- the tutorial, parsed -----------------------------------------------------------------


def _sections() -> dict[int, str]:
    """The text of each numbered step (``## 5. ...``), by its number."""
    found = {}
    for part in re.split(r"^## ", TEXT, flags=re.MULTILINE)[1:]:
        m = re.match(r"(\d+)\.", part)
        if m:
            found[int(m.group(1))] = part
    return found


SECTIONS = _sections()


def _section_of(position: int) -> int:
    """The step whose text holds the character at ``position`` of the tutorial."""
    step = 0
    for m in re.finditer(r"^## (\d+)\.", TEXT, flags=re.MULTILINE):
        if m.start() <= position:
            step = int(m.group(1))
    return step


def _commands() -> list[list[str]]:
    """The arguments after ``python -m sim`` of every command of the bash blocks."""
    found = []
    for lang, body in FENCE.findall(TEXT):
        if lang == "bash":
            for line in body.splitlines():
                if line.startswith("python -m sim "):
                    found.append(shlex.split(line)[3:])
    return found


def _run_dir(args: list[str]) -> str | None:
    for arg in args:
        if arg.startswith("hydra.run.dir="):
            return arg.split("=", 1)[1]
    return None


def _command(run_dir: str | None = None, args: list[str] | None = None) -> list[str]:
    """The overrides (``hydra.*`` left out) of the documented command writing ``run_dir``,
    or the one whose arguments are exactly ``args``."""
    for command in _commands():
        if (run_dir is not None and _run_dir(command) == run_dir) or command == args:
            return [a for a in command if not a.startswith("hydra.")]
    raise AssertionError(f"the tutorial has no command {run_dir or args}")


def _step_run_dir(step: int) -> str:
    """The run folder the first command of ``step`` writes."""
    for lang, body in FENCE.findall(SECTIONS[step]):
        for line in body.splitlines():
            if lang == "bash" and line.startswith("python -m sim "):
                found = _run_dir(shlex.split(line))
                if found:
                    return found
    raise AssertionError(f"step {step} has no command naming its run folder")


def _output_blocks() -> list[tuple[int, str]]:
    """(step, body) of each plain fenced block: the log's lines."""
    return [(_section_of(m.start()), m.group(2)) for m in FENCE.finditer(TEXT) if m.group(1) == ""]


def _quotes() -> list[tuple[int, str]]:
    """(step, text) of each ``>`` quote: excerpts of a report."""
    found, current, start = [], [], 0
    position = 0
    for line in [*TEXT.splitlines(keepends=True), "\n"]:
        if line.startswith(">"):
            if not current:
                start = position
            current.append(line[1:])
        elif current:
            found.append((_section_of(start), _norm("".join(current))))
            current = []
        position += len(line)
    return found


def _tables() -> list[tuple[int, str, list[list[str]]]]:
    """(step, header, rows as cell lists) of every Markdown table outside fenced blocks."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), TEXT)
    found, lines, position = [], [], 0
    for line in [*text.splitlines(keepends=True), "\n"]:
        if line.startswith("|"):
            if not lines:
                start = position
            lines.append(line.strip())
        elif lines:
            rows = [[c.strip() for c in row.strip("|").split("|")] for row in lines[2:]]
            found.append((_section_of(start), _norm(lines[0]), rows))
            lines = []
        position += len(line)
    return found


# -- the runs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    spec: RunSpec
    results: RunResults | None = None

    @property
    def summary(self) -> pd.DataFrame:
        assert self.results is not None
        return self.results.summary

    @cached_property
    def report(self) -> str:
        """``report.md`` (less what the command line adds: the overrides, the data files)."""
        assert self.results is not None
        return self.results.report()

    def total(self, policy: str = "none", contact_type: str = "all", group: str = "all"):
        s = self.summary
        rows = s[(s.policy == policy) & (s.contact_type == contact_type) & (s.group == group)]
        assert len(rows) == 1, (policy, contact_type, group)
        return rows.iloc[0]


def _load(overrides: list[str], *extra: str) -> RunSpec:
    name, rest = "default", []
    for override in overrides:
        if override.startswith("scenario="):
            name = override.split("=", 1)[1]
        else:
            rest.append(override)
    return sim.load(name, [*rest, *extra, "run.workers=1"])


def _simulate(spec: RunSpec) -> Run:
    return Run(spec, sim.run(spec))


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    """Every run the tutorial quotes, simulated once for the module."""
    default = _command("results/tutorial/default")
    policies = _command("results/tutorial/policies")
    # Step 5's run is step 1's with its policies named: its `none` is step 1's.
    extra = [a for a in policies if a not in default]
    assert len(extra) == 1 and extra[0].startswith("policies=") and "none" in extra[0], extra
    faster = _command("results/tutorial/faster_sales")
    found = {
        "policies": _simulate(_load(policies)),
        # Step 4 quotes the rows of `none` only.
        "faster_sales": _simulate(_load(faster, "policies=[none]")),
        "split": _simulate(_load(_command("results/tutorial/split"))),
        "pooled": _simulate(_load(_command("results/tutorial/pooled"))),
        "erlang": _simulate(_load(_command(args=["scenario=erlang"]))),
        "erlang_a": _simulate(
            _load(
                _command(
                    args=["scenario=erlang", "scenario.agents=15", "scenario.patience_seconds=300"]
                )
            )
        ),
        # Step 6's "try `scenario.agents=11`" (an inline suggestion, not a bash command).
        "erlang_11": _simulate(_load(["scenario=erlang", "scenario.agents=11"])),
        "monday_no_show": Run(_load(["scenario=monday_no_show"])),  # its forecast only
    }
    # The documented replications and seed (what the tutorial says they are is checked below).
    assert len({(run.spec.replications, run.spec.seed) for run in found.values()}) == 1
    return found


# -- formatting as the tutorial rounds --------------------------------------------------------


def _num(value: float, digits: int, sign: bool = False) -> str:
    """``value`` to ``digits`` decimals; what rounds to zero is ``0``; ``sign``: ``+`` too."""
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        return "0"
    return f"+{text}" if sign and value > 0 else text


def _ci(row, kpi: str, digits: int, sep: str = "-") -> str:
    return (
        f"{row[kpi]:.{digits}f} ({row[f'{kpi}_ci_low']:.{digits}f}{sep}"
        f"{row[f'{kpi}_ci_high']:.{digits}f})"
    )


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _cell(value: float, digits: int) -> str:
    return "" if pd.isna(value) else f"{value:.{digits}f}"


# -- tables -------------------------------------------------------------------------------------

#: A table's renderer: the runs and a row's key cells -> the row's cells.
Renderer = Callable[[dict[str, Run], list[str]], list[str]]


def _summary_row(runs: dict[str, Run], key: list[str]) -> list[str]:
    row = runs["policies"].total("none", *key)
    return [
        *key,
        _cell(row["offered"], 0),
        "" if pd.isna(row["service_level"]) else _ci(row, "service_level", 3),
        _cell(row["asa_seconds"], 1),
        _cell(row["abandon_rate"], 3),
        _cell(row["occupancy"], 3),
    ]


def _sales_intervals(runs: dict[str, Run]) -> pd.DataFrame:
    i = runs["policies"].results.intervals  # type: ignore[union-attr]
    return i[(i.policy == "none") & (i.contact_type == "sales") & (i.group == "all")]


def _interval_row(runs: dict[str, Run], key: list[str]) -> list[str]:
    rows = _sales_intervals(runs)
    row = rows[rows.interval_start == key[0]].iloc[0]
    return [key[0], f"{row['forecast']:.1f}", f"{row['offered']:.1f}", _ci(row, "service_level", 3)]


def _compare_cells(row, digits: int) -> list[str]:
    """A, B, B - A, the paired and the unpaired CI, as the compare tables show them."""
    return [
        _num(row["a"], digits),
        _num(row["b"], digits),
        _num(row["b_minus_a"], digits, sign=True),
        f"{_num(row['ci_low'], digits)} to {_num(row['ci_high'], digits)}",
        f"{_num(row['unpaired_ci_low'], digits)} to {_num(row['unpaired_ci_high'], digits)}",
    ]


def _digits(kpi: str) -> int:
    return 3 if kpi in ("service_level", "abandon_rate") else 1


def _pooling(runs: dict[str, Run]) -> pd.DataFrame:
    return compare_runs.compare_tables(
        runs["split"].results.replications,  # type: ignore[union-attr]
        runs["pooled"].results.replications,  # type: ignore[union-attr]
    )


def _faster_sales(runs: dict[str, Run]) -> pd.DataFrame:
    return compare_runs.compare_tables(
        runs["policies"].results.replications,  # type: ignore[union-attr]
        runs["faster_sales"].results.replications,  # type: ignore[union-attr]
    )


def _row(table: pd.DataFrame, **where: str):
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= (table[column] == value).to_numpy()
    assert mask.sum() == 1, where
    return table[mask].iloc[0]


def _pooling_row(runs: dict[str, Run], key: list[str]) -> list[str]:
    row = _row(_pooling(runs), policy="none", contact_type="all", kpi=key[0])
    return [key[0], *_compare_cells(row, _digits(key[0]))]


def _faster_row(runs: dict[str, Run], key: list[str]) -> list[str]:
    row = _row(_faster_sales(runs), policy="none", contact_type=key[0], kpi=key[1])
    return [*key, *_compare_cells(row, _digits(key[1]))]


def _comparison_row(runs: dict[str, Run], key: list[str]) -> list[str]:
    c = runs["policies"].results.comparison  # type: ignore[union-attr]
    row = _row(c, policy=key[0], contact_type=key[1], group=key[2])
    cells = []
    for kpi, digits in (("service_level", 3), ("cost", 0)):
        low, high = (_num(row[f"diff_{kpi}_ci_{end}"], digits) for end in ("low", "high"))
        cells.append(f"{_num(row[f'diff_{kpi}'], digits, sign=True)} ({low} to {high})")
    return [*key, *cells]


def _theory_lines(run: Run) -> dict[str, str]:
    """The report's "Against queueing theory" rows, by KPI."""
    report = run.report
    section = report.split("## Against queueing theory", 1)[1].split("\n## ", 1)[0]
    return {
        m.group(1): _norm(m.group(0))
        for m in re.finditer(r"^\| (\w+) \|.*\|$", section, flags=re.MULTILINE)
        if m.group(1) != "KPI"
    }


def _theory_row(runs: dict[str, Run], key: list[str]) -> list[str]:
    line = _theory_lines(runs["erlang"])[key[0]]
    return [c.strip() for c in line.strip("|").split("|")]


def _table_renderers(runs: dict[str, Run]) -> dict[str, tuple[int, Renderer]]:
    """Each quoted table by its header (built from the runs where it quotes numbers): how
    many key cells a row starts with, and how its row is rebuilt from them."""
    erlang = runs["erlang"].spec
    model = analytic_reference(erlang.scenario)
    assert model is not None
    hours = (
        (erlang.scenario.intervals - erlang.scenario.warmup_intervals)
        * erlang.scenario.interval_seconds
        / 3600
    )
    theory = (
        f"| KPI | theory ({model['model']}) | simulated (95% CI, {erlang.replications} days of "
        f"{hours:g} hours) |"
    )
    return {
        "| contact_type | group | offered | service_level (95% CI) | asa_seconds | abandon_rate "
        "| occupancy |": (2, _summary_row),
        "| interval_start | forecast | offered | service_level (95% CI) |": (1, _interval_row),
        "| kpi | split | pooled | pooled - split | paired 95% CI | unpaired 95% CI |": (
            1,
            _pooling_row,
        ),
        "| contact type | kpi | default | faster sales | difference | paired 95% CI | unpaired "
        "95% CI |": (2, _faster_row),
        "| policy | contact_type | group | diff_service_level (95% CI) | diff_cost (95% CI) |": (
            3,
            _comparison_row,
        ),
        theory: (1, _theory_row),
    }


TABLES = _tables()


@pytest.mark.parametrize("index", range(len(TABLES)))
def test_table_rows_are_the_runs_numbers(runs, index):
    step, header, rows = TABLES[index]
    renderers = _table_renderers(runs)
    if header not in renderers:  # no number but in prose: test_every_number_is_checked
        left = _unchecked_numbers(runs, "\n".join(" ".join(row) for row in rows))
        assert not left, (
            f"step {step}: a table quoting numbers that this test does not rebuild, or whose "
            f"header says other numbers than the run's: {header}\n"
            + "\n".join(left)
            + f"\nheaders rebuilt: {list(renderers)}"
        )
        return
    keys, render = renderers[header]
    wrong = []
    for row in rows:
        expected = render(runs, row[:keys])
        if row != expected:
            wrong.append(f"tutorial: | {' | '.join(row)} |\nthe run:  | {' | '.join(expected)} |")
    assert not wrong, f"step {step}, table {header}:\n" + "\n".join(wrong)


# -- the log's lines and the report's excerpts ------------------------------------------------

OUTPUT_BLOCKS = _output_blocks()
QUOTES = _quotes()


def _console(runs: dict[str, Run], step: int) -> list[str]:
    """The lines step 5's run logs at its end, as written in ``step``'s run folder (step 1's
    run logs the same lines for `none`; its ranking has seven policies)."""
    results = runs["policies"].results
    assert results is not None
    return console_summary(
        runs["policies"].spec.scenario,
        results.summary,
        results.replications,
        results.comparison,
        Path(_step_run_dir(step)) / "report.md",
    )


@pytest.mark.parametrize("index", range(len(OUTPUT_BLOCKS)))
def test_output_block_is_what_the_run_logs(runs, index):
    step, body = OUTPUT_BLOCKS[index]
    assert step in (1, 5), f"step {step}: a block of output this test does not know"
    printed = _console(runs, step)
    wrong = []
    for line in body.rstrip("\n").splitlines():
        if step == 1 and re.match(r"  \d+\. ", line) and not line.endswith("..."):
            wrong.append(f"{line}: step 1's run ranks seven policies, simulated here: three")
            continue
        if line.endswith("..."):
            ok = any(p.startswith(line[:-3]) for p in printed)
        else:
            ok = line in printed
        if not ok:
            near = difflib.get_close_matches(line, printed, n=1, cutoff=0)
            wrong.append(f"tutorial: {line}\nthe run:  {near[0] if near else '(nothing)'}")
    assert not wrong, f"step {step}:\n" + "\n".join(wrong)


def _closest(fragment: str, text: str) -> str:
    """The passage of ``text`` most like ``fragment`` (as many words), for the message."""
    words, n = text.split(), len(fragment.split())
    windows = [" ".join(words[k : k + n]) for k in range(max(1, len(words) - n + 1))]
    return max(windows, key=lambda w: difflib.SequenceMatcher(None, w, fragment).ratio())


@pytest.mark.parametrize("index", range(len(QUOTES)))
def test_quote_is_in_the_report(runs, index):
    step, quote = QUOTES[index]
    assert step == 5, f"step {step}: a quote of a report this test does not know"
    report = _norm(runs["policies"].report)
    pieces = [p.strip() for p in quote.split("...") if p.strip()]
    wrong = [f"tutorial: {p}\nreport:   {_closest(p, report)}" for p in pieces if p not in report]
    assert not wrong, f"step {step}:\n" + "\n".join(wrong)


# -- prose --------------------------------------------------------------------------------------


def _points(value: float, sign: bool = True) -> str:
    return f"{value * 100:+.1f}" if sign else f"{value * 100:.1f}"


def _prose(runs: dict[str, Run]) -> dict[int, list[str]]:
    """Per step, the passages quoting numbers, rebuilt from the runs and configs."""
    policies = runs["policies"]
    scenario = policies.spec.scenario
    reps, seed = policies.spec.replications, policies.spec.seed
    types = {t.name: t for t in scenario.contact_types}
    email = types["email"].service_level
    end = scenario.clock(scenario.intervals * scenario.interval_seconds)
    found: dict[int, list[str]] = {}

    found[1] = [
        f"one weekday ({scenario.interval_label(0)}-{end})",
        f"It is simulated `run.replications` = {reps} times: {reps} independent days",
        f"its goal is {email.target:.0%} within {email.threshold_seconds / 3600:g} hours",
    ]

    schedule = policies.results.intervals  # type: ignore[union-attr]
    sales_agents = schedule[
        (schedule.policy == "none") & (schedule.contact_type == "all") & (schedule.group == "sales")
    ].set_index("interval_start")["scheduled_agents"]
    quoted = [
        row[0]
        for step, header, rows in TABLES
        if header.startswith("| interval_start")
        for row in rows
    ]
    found[2] = [
        f"`interval_start`, {scenario.interval_seconds / 60:g} minutes here",
        f"({reps} days, seed {seed};",
        f"falls from {sales_agents[quoted[0]]:.0f} to {sales_agents[quoted[-1]]:.0f}",
    ]

    faster = {t.name: t for t in runs["faster_sales"].spec.scenario.contact_types}
    shorter = types["sales"].handle_time.mean - faster["sales"].handle_time.mean
    found[3] = [f"sales calls were {shorter:g} seconds shorter"]

    split, pooled = runs["split"].spec.scenario, runs["pooled"].spec.scenario
    per_queue = {f for t in split.contact_types for f in t.forecast}
    teams = {s for g in split.groups for s in g.staffing}
    assert len(per_queue) == 1 and len(teams) == 1 and len(pooled.groups) == 1
    (calls,), (team,) = per_queue, teams
    (pool,) = set(pooled.groups[0].staffing)
    assert len(split.groups) * team == pool
    handle = split.contact_types[0].handle_time.mean
    threshold = split.contact_types[0].service_level.threshold_seconds
    rate = calls / split.interval_seconds
    erlang_split = erlang_c_metrics(int(team), rate, handle, threshold).service_level
    erlang_pooled = erlang_c_metrics(int(pool), 2 * rate, handle, threshold).service_level
    gain = _row(_pooling(runs), policy="none", contact_type="all", kpi="service_level")
    monday = runs["monday_no_show"].spec.scenario
    more = sum(sum(t.forecast) for t in monday.contact_types) / sum(
        sum(t.forecast) for t in scenario.contact_types
    )
    found[4] = [
        f"two queues of {calls:g} calls per {split.interval_seconds / 60:g} minutes, {pool:g} "
        "agents",
        f"two teams of {team:g} each serve one queue, in `pooled` all {pool:g} serve both",
        f"Pooling is worth {gain['b_minus_a'] * 100:.0f} points",
        f"Erlang C says {_pct(erlang_split)} and {_pct(erlang_pooled)}",
        f"`monday_no_show`, {(more - 1) * 100:.0f}% more contacts",
    ]

    reps_table = policies.results.replications  # type: ignore[union-attr]
    day = reps_table[(reps_table.contact_type == "all") & (reps_table.group == "all")]
    by_policy = {p: d.sort_values("replication") for p, d in day.groupby("policy")}
    none = by_policy["none"]["service_level"].to_numpy()
    analyst = by_policy["analyst"]["service_level"].to_numpy()
    overtime = by_policy["overtime"]["service_level"].to_numpy()
    u_low, u_high = compare_runs.unpaired_interval(none, analyst)
    _, p_low, p_high = sim.confidence_interval(analyst - none)
    diff, d_low, d_high = sim.confidence_interval(analyst - overtime)
    cost = {p: d["cost"].to_numpy() for p, d in by_policy.items()}
    c_diff, c_low, c_high = sim.confidence_interval(cost["analyst"] - cost["overtime"])
    a, n, o = (policies.total(p) for p in ("analyst", "none", "overtime"))
    params = policies.spec.policy_params["analyst"]
    calls_at = _overtime_intervals(runs, "overtime")
    found[5] = [
        f"Every policy runs on the same {reps} days",
        f"ranges from {_pct(none.min())} to {_pct(none.max())} over the {reps} days",
        f"({_pct(a['service_level_ci_low'])} to {_pct(a['service_level_ci_high'])} against "
        f"{_pct(n['service_level_ci_low'])} to {_pct(n['service_level_ci_high'])})",
        f"overlap the baseline's ({_pct(o['service_level_ci_low'])} to "
        f"{_pct(o['service_level_ci_high'])})",
        f"between {_points(u_low)} and {_points(u_high)} points",
        f"paired, the gain is {_points(p_low)} to {_points(p_high)} points, and the analyst is "
        f"ahead on {(analyst > none).sum()} of the {reps} days",
        f"call their overtime at {calls_at[0]}, an hour before the short lunch plan, and again "
        f"at {calls_at[1]}",
        f"the analyst is {_points(diff)} points ahead (95% CI {_points(d_low, False)} to "
        f"{_points(d_high, False)}) at the same cost ({c_diff:+.0f} EUR a day, 95% CI "
        f"{c_low:.0f} to {c_high:+.0f})",
        f"with 40 calls, each caller who waits too long costs {100 / 40:g} points",
        f"rolling {move_agents.Params().rolling_minutes:g}-minute windows",
        f"{params['persistence_checks']} checks in a row (one every "
        f"{params['check_interval_minutes']:g} minutes)",
    ]

    erlang = runs["erlang"].spec.scenario.reference
    erlang_a = runs["erlang_a"]
    assert erlang is not None
    theory = analytic_reference(erlang_a.spec.scenario)
    assert theory is not None
    simulated = erlang_a.total()
    threshold = erlang_a.spec.scenario.contact_types[0].service_level.threshold_seconds
    found[6] = [
        f"{erlang.arrival_rate * 3600:g} calls per hour, AHT {erlang.aht_seconds:g} s, "
        f"{erlang.agents} agents",
        f"(theory {_pct(theory['service_level'])} within {threshold:g} s and "
        f"{_pct(theory['abandon_rate'])} abandoned; simulated {_pct(simulated['service_level'])} "
        f"and {_pct(simulated['abandon_rate'])}.)",
        f"`scenario.agents=11`: with {erlang.arrival_rate * erlang.aht_seconds:g} Erlangs offered "
        "and 11 agents",
        f"and {runs['erlang'].spec.replications} simulated days disagree",
    ]
    return found


def _overtime_intervals(runs: dict[str, Run], policy: str) -> list[str]:
    """The intervals (their start) in which ``policy`` calls overtime half a time a day or
    more, as ``figures/actions.png`` draws them (by the interval the call takes effect)."""
    results = runs["policies"].results
    assert results is not None
    scenario = runs["policies"].spec.scenario
    actions = results.actions
    calls = actions[(actions.policy == policy) & (actions.action == "call_overtime")]
    per_day = (calls["applied_at"] // scenario.interval_seconds).astype(int).value_counts()
    per_day = per_day / runs["policies"].spec.replications
    return [scenario.interval_label(int(k)) for k in sorted(per_day[per_day >= 0.5].index)]


@pytest.mark.parametrize("step", sorted(SECTIONS))
def test_prose_numbers_are_the_runs(runs, step):
    text = _norm(SECTIONS[step])
    wrong = [
        f"the run:  {f}\ntutorial: {_closest(f, text)}"
        for f in _prose(runs).get(step, [])
        if _norm(f) not in text
    ]
    assert not wrong, f"step {step}:\n" + "\n".join(wrong)


def test_claims_in_words(runs):
    """What the tutorial says in words about the numbers: "a third as wide", "a fifth of a
    point", "could not even tell the sign", "only just separate", "the same overtime", "at
    the same cost", "disagree with each other much more", the `policy` column."""
    pooling = _row(_pooling(runs), policy="none", contact_type="all", kpi="service_level")
    ratio = (pooling["ci_high"] - pooling["ci_low"]) / (
        pooling["unpaired_ci_high"] - pooling["unpaired_ci_low"]
    )
    assert 0.25 < ratio < 0.42, f"paired / unpaired width {ratio:.2f}: not 'a third as wide'"
    assert "a third as wide" in _norm(SECTIONS[4])
    faster = _row(_faster_sales(runs), policy="none", contact_type="all", kpi="service_level")
    half = (faster["ci_high"] - faster["ci_low"]) / 2 * 100
    assert round(half, 1) == 0.2 and "to a fifth of a point" in _norm(SECTIONS[4]), half
    assert faster["unpaired_ci_low"] < 0 < faster["unpaired_ci_high"]
    # compare_runs.py prints a `policy` column when the runs compared several, not otherwise.
    several = runs["policies"].results.replications  # type: ignore[union-attr]
    assert "policy" in compare_runs.shown(compare_runs.compare_tables(several, several))
    assert "policy" not in compare_runs.shown(_pooling(runs))
    assert "so the script prints a `policy` column" in _norm(SECTIONS[4])
    policies = runs["policies"]
    a, n, o = (policies.total(p) for p in ("analyst", "none", "overtime"))
    assert a["service_level_ci_low"] > n["service_level_ci_high"]  # "only just separate"
    assert o["service_level_ci_low"] < n["service_level_ci_high"]  # "overlap"
    assert _overtime_intervals(runs, "analyst") == _overtime_intervals(runs, "overtime")
    actions = policies.results.actions  # type: ignore[union-attr]
    ours = actions[actions.action == "call_overtime"]
    counts = ours.groupby(["policy", "applied_at"]).size()
    assert counts["analyst"].equals(counts["overtime"]), "the analyst's overtime differs"
    scenario = policies.spec.scenario
    evening = ours[
        (ours.policy == "overtime")
        & (ours.applied_at // scenario.interval_seconds)
        .map(scenario.interval_label)
        .eq(_overtime_intervals(runs, "overtime")[1])
    ]
    assert evening["reason"].str.startswith("bilingual ").all()  # "the bilingual group's evening"
    assert "(the `bilingual` group's evening)" in _norm(SECTIONS[5])
    day = policies.results.replications  # type: ignore[union-attr]
    day = day[(day.contact_type == "all") & (day.group == "all")].sort_values("replication")
    cost = {p: d["cost"].to_numpy() for p, d in day.groupby("policy")}
    _, low, high = sim.confidence_interval(cost["analyst"] - cost["overtime"])
    assert low < 0 < high and "at the same cost" in _norm(SECTIONS[5])
    widths = {
        name: runs[name].total()["service_level_ci_high"]
        - runs[name].total()["service_level_ci_low"]
        for name in ("erlang", "erlang_11")
    }
    assert widths["erlang_11"] > 2 * widths["erlang"], widths  # "disagree ... much more"
    assert "disagree with each other much more" in _norm(SECTIONS[6])


# -- every number is checked --------------------------------------------------------------------


def _unchecked_numbers(runs: dict[str, Run], text: str) -> list[str]:
    """The numbers of ``text`` (with context) that are in no rebuilt passage, no inline code,
    no link, and not in :data:`NOT_RESULTS`."""
    text = _norm(text)
    for fragments in _prose(runs).values():
        for fragment in fragments:
            text = text.replace(_norm(fragment), " ")
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    for pattern in NOT_RESULTS:
        text = pattern.sub(" ", text)
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in re.finditer(r"\d+", text)]


def test_every_number_is_checked(runs):
    """Left after the checked passages are taken out of the text: no number but those of
    :data:`NOT_RESULTS`. Commands and code (fenced blocks, inline code) run in
    tests/unit/test_docs.py; output blocks, quotes and the rebuilt tables are checked above;
    headings only number the steps."""
    text = FENCE.sub(" ", TEXT)
    headers = set(_table_renderers(runs))
    kept, table = [], False
    for line in text.splitlines():
        if line.startswith("|"):
            table = table or _norm(line) in headers
            if table:
                continue
        else:
            table = False
        if line.startswith((">", "#")):
            continue
        kept.append(line)
    left = _unchecked_numbers(runs, "\n".join(kept))
    assert not left, "numbers in docs/tutorial.md that no test checks:\n" + "\n".join(left)
