"""Shared scenario files are data: they never run code, read outside the project, or leak.

Planners share project folders (configs and scenario data). Two checks keep such a folder
from doing more than describe a scenario:

- :func:`scan_config_tree` reads the YAML files of the config tree before Hydra does (Hydra
  instantiates ``hydra.callbacks`` before ccsim validates anything). A group file (every
  file below ``configs/`` except the root-level files and ``configs/hydra/**``) may not
  carry a ``# @package`` line (files of ``configs/experiment/`` may say ``_global_``),
  Hydra's settings (a top-level ``hydra`` key, a defaults entry selecting or filling
  ``hydra``), a ``_target_`` key, a resolver call (``${oc.env:...}``: plain references such
  as ``${run.seed}`` are fine), ``allow_outside_paths`` or ``run.resume``, YAML merge keys or tags, a key
  twice; it must parse as YAML and hold a mapping. No file's defaults list may leave the
  tree (``..``: Hydra would load a file this scan never saw). The project's own files
  (``configs/config.yaml`` and the other root-level files, ``configs/hydra/**``) may set
  only the Hydra keys of :data:`PROJECT_HYDRA_KEYS`, callbacks only from
  :data:`ALLOWED_CALLBACKS`, and call only the resolvers of :data:`PROJECT_RESOLVERS`. The
  command line is the user's own and is not checked. :func:`unsafe_start` runs the scan
  for ``python -m sim`` (on the config dirs its command line names as well).
- :func:`folder_label` makes a scenario's name (a shared file's, or the command line's) safe
  as part of the run folder's name: no ``/``, no ``..``, no spaces or other characters.
- :func:`paths_inside` checks that ``scenario.data_dir`` and every file a day scenario
  names resolve (symlinks followed) inside the project folder, unless
  ``scenario.allow_outside_paths=true`` is given on the command line.

Problems name the file and line (or the config key and value), never a file's content.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.config.checks import Checker
from sim.config.schema import DayScenarioConfig, DistributionConfig

__all__ = [
    "ALLOWED_CALLBACKS",
    "DAY_FILE_KEYS",
    "FILE_KEYS",
    "LABEL_CHARS",
    "OUTSIDE",
    "PROJECT_HYDRA_KEYS",
    "config_dirs",
    "distribution_files",
    "folder_label",
    "named_files",
    "output_dir_problems",
    "paths_inside",
    "scan_config_tree",
    "unsafe_start",
]

#: The only ``hydra.callbacks.<name>._target_`` values the project's own files may name.
ALLOWED_CALLBACKS = frozenset({"sim.cli.sweep_callback.SweepSummary"})
#: The Hydra settings (under ``hydra.``) the project's own files may set; anything else
#: (logging config, ``job.env_set``, ``searchpath``, launchers, sweepers) is refused.
PROJECT_HYDRA_KEYS = (
    "job.name",
    "job.chdir",
    "run.dir",
    "sweep.dir",
    "sweep.subdir",
    "output_subdir",
    "verbose",
    "callbacks",
)
#: Resolvers the project's own files may call (the run-dir name uses ``now``, ``pid`` and
#: ``scenario_folder``: the scenario's name made safe by :func:`folder_label`).
PROJECT_RESOLVERS = frozenset({"now", "pid", "hydra", "scenario_folder"})
#: Group folders whose files may say ``# @package _global_`` (a pinned setup of many keys).
GLOBAL_PACKAGE_GROUPS = frozenset({"experiment"})
#: What a path outside the project folder is told.
OUTSIDE = (
    "must stay inside the project folder (or set scenario.allow_outside_paths=true on the "
    "command line)"
)
#: A config file larger than this is refused unread (config files are a few kB).
MAX_BYTES = 1_000_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_RESOLVER = re.compile(r"\$\{\s*([A-Za-z_][\w.\-]*)\s*:")
_HEADER = re.compile(r"^\s*#\s*@")
_PLAIN = re.compile(r"[\w.\-\[\]/@ ]{1,60}")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_TOKEN = re.compile(r"'(<[a-z ]+>|.|\\.|\\x[0-9a-f]{2})'")


# --- the config tree ---------------------------------------------------------------------


def scan_config_tree(config_dir: Path) -> list[str]:
    """Every problem of the YAML files under ``config_dir``, one ``file:line: ...`` each."""
    problems: list[str] = []
    for path, parts in _yaml_files(config_dir):
        project = len(parts) == 1 or parts[0] == "hydra"
        problems.extend(_scan_file(path, parts, project))
    return problems


def config_dirs(argv: Sequence[str], default: Path) -> list[Path]:
    """The config dirs Hydra reads for this command line: ``default`` and the folders of
    ``--config-dir``/``-cd``, ``--config-path``/``-cp`` and ``hydra.searchpath=[file://...]``."""
    found = [default]
    args = list(argv)
    for i, arg in enumerate(args):
        option, eq, value = arg.partition("=")
        kind = _path_option(option)
        if kind is not None:
            if not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
            if value and not value.startswith("pkg://"):
                path = Path(value.removeprefix("file://"))
                if kind == "path" and not path.is_absolute():
                    path = Path(__file__).resolve().parents[1] / "cli" / path
                found.append(path)
        elif option.lstrip("+") == "hydra.searchpath" and eq:
            for entry in value.strip("[]").split(","):
                entry = entry.strip().strip("'\"")
                if entry.startswith("file://"):
                    found.append(Path(entry.removeprefix("file://")))
    unique: list[Path] = []
    for path in found:
        if path.is_dir() and all(not _same(path, p) for p in unique):
            unique.append(path)
    return unique


def unsafe_start(argv: Sequence[str], config_dir: Path) -> list[str]:
    """What makes this command line unsafe to hand to Hydra: every problem of the config
    dirs it reads, and a run or sweep folder that is the current folder or the project.

    Checked before Hydra composes anything, so that nothing a file names is instantiated and
    Hydra writes nothing where it must not.
    """
    problems = [p for d in config_dirs(argv, config_dir) for p in scan_config_tree(d)]
    return problems + output_dir_problems(argv, config_dir.parent)


def output_dir_problems(argv: Sequence[str], project_root: Path) -> list[str]:
    """The run or sweep folder given on the command line, if it is the current folder, the
    project root or a folder above it (an empty ``hydra.run.dir=`` is the current folder):
    Hydra would write its files there before ccsim could refuse it."""
    problems = []
    cwd = Path.cwd()
    for arg in argv:
        key, sep, value = arg.lstrip("+~").partition("=")
        if not sep or key not in ("hydra.run.dir", "hydra.sweep.dir"):
            continue
        folder = (cwd / value.strip().strip("'\"")).resolve()
        if folder == cwd.resolve():
            what = "the current folder"
        elif folder == project_root.resolve() or folder in project_root.resolve().parents:
            what = "the project root" if folder == project_root.resolve() else "above the project"
        else:
            continue
        problems.append(
            f"{key} = {value!r}: the run folder would be {what} ({folder}); give the run a "
            "folder of its own, e.g. hydra.run.dir=results/my_study"
        )
    return problems


def _path_option(option: str) -> str | None:
    if option in ("-cd", "-cp"):
        return "dir" if option == "-cd" else "path"
    # argparse accepts unambiguous prefixes: --config-d, --config-di, ...
    if len(option) > len("--config-") and "--config-dir".startswith(option):
        return "dir"
    if len(option) > len("--config-") and "--config-path".startswith(option):
        return "path"
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False


def _yaml_files(config_dir: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """Every ``.yaml`` file (Hydra reads no other) under ``config_dir``, symlinks followed
    (each folder once), with its path parts relative to ``config_dir``."""
    seen: set[str] = set()
    for folder, dirs, files in os.walk(config_dir, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        rel = Path(folder).relative_to(config_dir).parts
        for name in sorted(files):
            if name.endswith(".yaml"):
                yield Path(folder) / name, (*rel, name)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _plain(text: object) -> str:
    """A key or name for a message: as written if short and plain, else '?'."""
    return str(text) if isinstance(text, str) and _PLAIN.fullmatch(text) else "?"


class _Scan:
    """The problems of one file, as ``file:line: what``."""

    def __init__(self, path: Path, project: bool, package: list[str]) -> None:
        self.where = _shown(path)
        self.project = project
        self.package = package
        self.problems: list[str] = []
        self.seen: set[int] = set()

    def add(self, node_or_line: Any, what: str) -> None:
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.start_mark.line + 1
        self.problems.append(f"{self.where}:{line}: {what}")

    def walk(self, node: yaml.Node, path: list[str], key_node: yaml.Node | None) -> None:
        """Check ``node`` at key ``path`` (within the file's package)."""
        at = key_node if key_node is not None else node
        full = self.package + path
        if id(node) in self.seen:  # a YAML alias: checked where its anchor is
            if self.project and full[:1] == ["hydra"]:
                self.add(at, f"{_dotted(full)}: a YAML alias is not allowed in Hydra's settings")
            return
        self.seen.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            self.add(node, f"{_dotted(full) or 'the file'}: YAML tags are not allowed here")
            return
        leaf = not isinstance(node, yaml.MappingNode)
        if leaf and self.project and full[:1] == ["hydra"] and not self._project_hydra(at, full):
            return
        if isinstance(node, yaml.ScalarNode):
            self._scalar(node, full)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self.walk(item, [*path, "[]"], None)
        elif isinstance(node, yaml.MappingNode):
            lines: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value in lines:
                    self.add(
                        k,
                        f"{_dotted([*full, k.value])}: the key appears twice in the same "
                        f"mapping (first on line {lines[k.value]})",
                    )
                    continue
                lines.setdefault(getattr(k, "value", ""), k.start_mark.line + 1)
                self._pair(k, v, path)

    def _pair(self, k: yaml.Node, v: yaml.Node, path: list[str]) -> None:
        if k.tag == _MERGE_TAG:
            self.add(k, "YAML merge keys (<<) are not allowed in config files")
            return
        if not isinstance(k, yaml.ScalarNode) or k.tag not in _STANDARD_TAGS:
            self.add(k, "keys must be plain names")
            return
        key = k.value
        self._scalar(k, self.package + path)
        parts = key.split(".")
        full = [*self.package, *path, *parts]
        name = _dotted(full)
        if "_target_" in parts:
            target = v.value if isinstance(v, yaml.ScalarNode) else None
            callback = (
                len(full) == 4 and full[:2] == ["hydra", "callbacks"] and full[3] == "_target_"
            )
            if not (self.project and callback and target in ALLOWED_CALLBACKS):
                allowed = (
                    f"allowed: {sorted(ALLOWED_CALLBACKS)} as a hydra.callbacks entry"
                    if self.project
                    else "ccsim never builds objects named in a config file (policies and "
                    "distributions are chosen by name)"
                )
                self.add(k, f"{name}: a _target_ is not allowed here; {allowed}")
                return
        if parts[-1] == "allow_outside_paths" or full[-2:] == ["run", "resume"]:
            # A file must not lift the path check, nor point a run at another run's folder
            # (a resume writes its tables there).
            self.add(k, f"{name}: allowed on the command line only")
            return
        if not self.project and not path and parts[0] == "hydra":
            self.add(
                k,
                "hydra: Hydra's own settings are not allowed in a shared config file; give "
                "them on the command line (e.g. hydra.run.dir=...)",
            )
            return
        if not path and key == "defaults":
            self._defaults(v)
        self.walk(v, [*path, *parts], k)

    def _scalar(self, node: yaml.ScalarNode, full: list[str]) -> None:
        if not isinstance(node.value, str) or "${" not in node.value:
            return
        for match in _RESOLVER.finditer(node.value):
            resolver = match.group(1)
            if self.project and resolver in PROJECT_RESOLVERS:
                continue
            self.add(
                node,
                f"{_dotted(full) or 'a key'}: the resolver call ${{{_plain(resolver)}:...}} is not "
                "allowed in a config file (it could read the environment or other files); plain "
                "references such as ${run.seed} are fine",
            )
            return

    def _project_hydra(self, at: yaml.Node, full: list[str]) -> bool:
        dotted = ".".join(full[1:])
        ok = any(dotted == k or dotted.startswith(k + ".") for k in PROJECT_HYDRA_KEYS)
        if not ok:
            self.add(
                at,
                f"{_dotted(full)}: not a Hydra setting a config file may set; allowed: "
                f"{['hydra.' + k for k in PROJECT_HYDRA_KEYS]} (others on the command line)",
            )
        return ok

    def _defaults(self, node: yaml.Node) -> None:
        if not isinstance(node, yaml.SequenceNode):
            self.add(node, "defaults: must be a list")
            return
        for item in node.value:
            keys: list[str] = []
            names: list[str] = []  # config names: the option(s) chosen
            if isinstance(item, yaml.ScalarNode):
                keys = [str(item.value)]
            elif isinstance(item, yaml.MappingNode):
                for k, v in item.value:
                    keys.append(str(k.value) if isinstance(k, yaml.ScalarNode) else "")
                    options = v.value if isinstance(v, yaml.SequenceNode) else [v]
                    names += [str(o.value) for o in options if isinstance(o, yaml.ScalarNode)]
            entries = [k.split()[-1] if k.split() else "" for k in keys]
            if any(".." in n.split("/") for n in [*entries, *names]):
                self.add(
                    item,
                    "defaults: an entry may not leave the config folder ('..'); name a config "
                    "of this tree, or give it on the command line",
                )
            elif not self.project and any(_fills_hydra(e) for e in entries):
                self.add(
                    item,
                    "defaults: an entry may not select or fill Hydra's own settings "
                    "(hydra); give them on the command line",
                )


def _fills_hydra(entry: str) -> bool:
    """A defaults entry (``group@package``) that selects a ``hydra`` group or fills ``hydra``."""
    group, _, package = entry.partition("@")
    return "hydra" in group.strip("/").split("/") or "hydra" in package.split(".")


def _dotted(parts: list[str]) -> str:
    return ".".join(_plain(p) for p in parts).replace(".[]", "[]")


def _header(text: str) -> list[tuple[int, str | None]]:
    """Hydra's header: ``(line, package or None if malformed)`` per ``# @`` line."""
    found: list[tuple[int, str | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if not _HEADER.match(line):
            break
        words = line.lstrip("#").split()
        if words[0] == "@package":
            found.append((number, words[1] if len(words) == 2 else None))
        elif len(words) != 2:
            found.append((number, None))
    return found


def _scan_file(path: Path, parts: tuple[str, ...], project: bool) -> list[str]:
    where = _shown(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            return [f"{where}:1: larger than {MAX_BYTES // 1000} kB: not a config file"]
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return [f"{where}:1: cannot be read ({exc.strerror or type(exc).__name__})"]
    except UnicodeDecodeError:
        return [f"{where}:1: not UTF-8 text"]
    groups = list(parts[:-1])
    package = groups
    problems: list[str] = []
    for line, value in _header(text):
        if value is None:
            problems.append(f"{where}:{line}: a '# @' header line must read '# @package <name>'")
        elif not project and not (
            value == "_global_" and groups[:1] and groups[0] in GLOBAL_PACKAGE_GROUPS
        ):
            problems.append(
                f"{where}:{line}: '# @package {_plain(value)}' is not allowed in a shared config "
                "file (it can place the file's keys anywhere, Hydra's settings included); only "
                f"files of configs/{'/, configs/'.join(sorted(GLOBAL_PACKAGE_GROUPS))}/ may say "
                "'# @package _global_'"
            )
        else:
            package = _package(value, groups)
    if len(parts) == 1:
        package = []
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        return [*problems, f"{where}:{line}: not valid YAML: {_yaml_problem(exc)}"]
    except yaml.YAMLError:
        return [*problems, f"{where}:1: not valid YAML: special characters (a binary file?)"]
    if root is None:
        return problems
    if not isinstance(root, yaml.MappingNode) or root.tag != "tag:yaml.org,2002:map":
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        return [
            *problems,
            f"{where}:{root.start_mark.line + 1}: the file must hold a mapping (key: value "
            f"lines), not {kind}",
        ]
    scan = _Scan(path, project, package)
    scan.walk(root, [], None)
    return problems + scan.problems


def _package(value: str, groups: list[str]) -> list[str]:
    parts = [p for p in value.split(".") if p]
    if parts[:1] == ["_global_"]:
        parts = parts[1:]
    elif parts[:1] == ["_group_"]:
        parts = groups + parts[1:]
    return parts


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """YAML's own words for a problem, with quoted file content left out."""
    problem = exc.problem or exc.context or "cannot be parsed"

    def keep(match: re.Match[str]) -> str:
        return match.group(0) if _TOKEN.fullmatch(match.group(0)) else "'...'"

    return _QUOTED.sub(keep, problem)


# --- data paths ---------------------------------------------------------------------------

#: The data-file keys of a day scenario (besides the files of empirical distributions).
FILE_KEYS = (
    "forecast_file",
    "staffing_file",
    "skills_file",
    "schedule_file",
    "activities_file",
    "export_file",
    "snapshot_file",
)


#: The data-file keys of a day of ``scenario.days`` (``scenario.days[<i>].<key>``).
DAY_FILE_KEYS = ("forecast_file", "staffing_file")


def named_files(s: Any) -> list[tuple[str, Any]]:
    """``(key, file)`` of the :data:`FILE_KEYS` files the day scenario config ``s`` reads:
    with an ``export_file``, the forecast file is not read (the export replaces it); then
    the :data:`DAY_FILE_KEYS` files of each day of ``scenario.days`` (``s.days``, as given:
    mappings or :class:`~sim.config.schema.DayProfileConfig`) that names one."""
    skip = "forecast_file" if getattr(s, "export_file", None) else None
    found = [(f"scenario.{k}", getattr(s, k, None)) for k in FILE_KEYS if k != skip]
    days = getattr(s, "days", None)
    if isinstance(days, (list, tuple)):
        for i, day in enumerate(days):
            for k in DAY_FILE_KEYS:
                value = day.get(k) if isinstance(day, dict) else getattr(day, k, None)
                if value is not None:
                    found.append((f"scenario.days[{i}].{k}", value))
    return found


def paths_inside(c: Checker, s: DayScenarioConfig, data_dir: Path | None, root: Path) -> bool:
    """Check that the data folder and every file ``s`` names stay inside ``root``.

    ``data_dir``: the data folder as resolved against ``root`` (``None`` if not set); the
    files are relative to it. Symlinks are followed. Problems go to ``c``; ``False`` if there
    is one (then no file may be read). ``s.allow_outside_paths`` turns the check off.
    """
    if s.allow_outside_paths is True:
        return True
    n_before = len(c.problems)
    folders = [root.resolve()]
    base = root
    if data_dir is not None:
        inside = _inside(data_dir, folders)
        if inside is None:
            c.fail("scenario.data_dir", s.data_dir, OUTSIDE)
            return False
        folders.append(inside)
        base = data_dir
    for key, value in [*named_files(s), *distribution_files(s, "scenario")]:
        if isinstance(value, str) and value and _inside(base / value, folders) is None:
            c.fail(key, value, OUTSIDE)
    return len(c.problems) == n_before


def _inside(path: Path, folders: list[Path]) -> Path | None:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return resolved if any(resolved.is_relative_to(f) for f in folders) else None


def distribution_files(value: Any, key: str) -> Iterator[tuple[str, Any]]:
    """``(key, file)`` of every distribution in ``value`` that names a file."""
    if isinstance(value, DistributionConfig):
        if value.file is not None:
            yield f"{key}.file", value.file
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from distribution_files(getattr(value, f.name), f"{key}.{f.name}")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from distribution_files(v, f"{key}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from distribution_files(v, f"{key}[{i}]")


#: The longest scenario name kept in a run folder's name.
LABEL_CHARS = 40
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def folder_label(name: object, fallback: str = "scenario") -> str:
    """``name`` as one safe component of a folder name: each run of characters other than
    ASCII letters, digits, ``_``, ``-`` and ``.`` becomes ``_``, leading and trailing dots,
    dashes and underscores go, at most :data:`LABEL_CHARS` characters are kept; ``fallback``
    if nothing is left (``..`` or an empty name). ``default`` stays ``default``."""
    label = _UNSAFE.sub("_", str(name) if isinstance(name, str) else "")
    label = label[:LABEL_CHARS].strip("._-")
    return label or fallback
