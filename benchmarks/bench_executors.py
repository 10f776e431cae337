"""Executors on the built-in default day: the local process pool against a Dask LocalCluster.

Wall seconds of N replications (``run_replications``, each result saved as a part of a run
folder by the parent, as ``python -m sim`` does) under: the local executor with 1 worker
(in this process) and with 2 worker processes, and ``run.executor=dask`` on a LocalCluster
of 2 worker processes (its start and close included; the start is also shown alone). Then
the parent's peak memory (``VmHWM``, or ``resource.getrusage`` maxrss off Linux; each case
in a fresh process) at N/4 and N replications: of the replications under each executor
(each result saved as a part), then, from the saved parts, of the tables (the parts read
one at a time) and of all the outputs ``python -m sim`` writes (tables, figures, report);
``started`` is that process once its imports are done. Flat means the parent holds none
of what it has saved. A measurement, not a test; needs ``pip install -e '.[dask]'``.

    python benchmarks/bench_executors.py                      # N = 200 (a few minutes)
    python benchmarks/bench_executors.py --replications 40    # smaller
    python benchmarks/bench_executors.py --policies none,analyst
    python benchmarks/bench_executors.py --memory-only        # the peak memory alone
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sim.cli.app import compose_config  # noqa: E402
from sim.config.run import RunSpec, build_run
from sim.experiment.executors import Pool, dask_pool
from sim.experiment.replications import ReplicationResult, run_replications
from sim.experiment.run_folder import RunFolder


def _spec(policies: str) -> RunSpec:
    return build_run(compose_config([f"policies=[{policies}]"]))


def _replicate(
    spec: RunSpec, replications: int, folder: Path, workers: int, pool: Pool | None = None
) -> int:
    """The replications, each saved as a part by this process; how many."""
    saved = []
    with RunFolder.create(folder) as run:

        def save(result: ReplicationResult) -> None:
            run.save_part(result)
            saved.append(None)

        run_replications(
            spec.scenario,
            spec.policies,
            replications,
            spec.seed,
            workers=workers,
            on_result=save,
            params=spec.policy_params,
            pool=pool,
            keep=False,  # as python -m sim: each result is saved, none held
        )
    return len(saved)


def _timed(label: str, spec: RunSpec, n: int, base: Path, executor: str, workers: int) -> dict:
    folder = base / label.replace(" ", "_")
    start = time.perf_counter()
    startup = 0.0
    if executor == "dask":
        with dask_pool(workers) as pool:
            startup = time.perf_counter() - start
            count = _replicate(spec, n, folder, workers, pool)
    else:
        count = _replicate(spec, n, folder, workers)
    seconds = time.perf_counter() - start
    return {"label": label, "seconds": seconds, "startup": startup, "count": count}


def _maxrss_mb() -> float:
    """This process's peak resident memory in MB. On Linux, ``VmHWM`` of /proc/self/status:
    ``ru_maxrss`` keeps the parent's peak across fork and exec, so a child started by a
    parent that has simulated (the timings) would report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return rss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _child(policies: str, n: int, executor: str, workers: int, folder: Path) -> None:
    """The replications of one memory case into ``folder``, in a fresh process: print the
    parent's maxrss."""
    spec = _spec(policies)
    if executor == "dask":
        with dask_pool(workers) as pool:
            _replicate(spec, n, folder, workers, pool)
    else:
        _replicate(spec, n, folder, workers)
    print(json.dumps({"replications": _maxrss_mb()}))


def _child_tables(policies: str, folder: Path) -> None:
    """The table phase of ``python -m sim`` from the parts in ``folder``, in a fresh
    process: print maxrss once started (imports, the scenario), after the tables and after
    all the outputs (tables, figures, report)."""
    from sim.report.results import RunResults  # matplotlib: kept out of the other cases

    spec = _spec(policies)
    started = _maxrss_mb()
    run = RunFolder(folder)
    run.write_tables(spec.scenario, run.iter_parts())  # one part at a time, as the CLI
    after_tables = _maxrss_mb()
    outputs = RunResults.from_replications(
        spec.scenario,
        run.iter_parts(),
        seed=spec.seed,
        policies=spec.policies,
        fingerprint=spec.fingerprint(),
        keep_parts=False,  # as python -m sim
    )
    outputs.write(run)
    print(json.dumps({"started": started, "tables": after_tables, "outputs": _maxrss_mb()}))


def _run_child(args: list[str]) -> dict:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    command = [sys.executable, __file__, *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def _memory(policies: str, n: int, workers: int) -> dict[str, float]:
    """Peak memory (maxrss MB) of each case of ``n`` replications, each in a fresh process:
    the replications under each executor, then the outputs from the saved parts."""
    found: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for executor in ("dask", "local"):  # the local run's parts are kept for the tables
            folder = Path(tmp) / executor
            common = ["--replications", str(n), "--policies", policies]
            args = [
                "--child",
                executor,
                *common,
                "--workers",
                str(workers),
                "--folder",
                str(folder),
            ]
            found[f"{executor} {workers} workers: replications"] = _run_child(args)["replications"]
        phases = _run_child(["--child-tables", "--policies", policies, "--folder", str(folder)])
        found["from the parts: started"] = phases["started"]
        found["from the parts: tables"] = phases["tables"]
        found["from the parts: + figures, report"] = phases["outputs"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200, help="N (default 200)")
    parser.add_argument("--policies", default="none", help="comma-separated (default none)")
    parser.add_argument("--workers", type=int, default=2, help="of the pool and the cluster")
    parser.add_argument("--memory-only", action="store_true", help="skip the timings")
    parser.add_argument("--child", choices=["local", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--child-tables", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.policies, args.replications, args.child, args.workers, args.folder)
        return
    if args.child_tables:
        _child_tables(args.policies, args.folder)
        return
    n, w = args.replications, args.workers
    print(
        f"python {platform.python_version()}, ccsim {version('ccsim')}, "
        f"distributed {version('distributed')}, {os.cpu_count()} cores; default day, "
        f"policies {args.policies}, N = {n} replications per policy"
    )
    if not args.memory_only:
        _timings(_spec(args.policies), n, w)
    small = max(2, n // 4)
    print(f"parent peak memory (MB, each case a fresh process), {small} vs {n} replications:")
    print(f"{'case':38s} {small:>8d} {n:>8d} {'growth':>7s}")
    few, many = _memory(args.policies, small, w), _memory(args.policies, n, w)
    for case, a in few.items():
        b = many[case]
        print(f"{case:38s} {a:8.1f} {b:8.1f} {b / a:7.2f}")


def _timings(spec: RunSpec, n: int, w: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        runs = [
            _timed("local 1 worker", spec, n, base, "local", 1),
            _timed(f"local {w} workers", spec, n, base, "local", w),
            _timed(f"dask {w} workers", spec, n, base, "dask", w),
        ]
    one = runs[0]["seconds"]
    print(f"{'executor':18s} {'wall s':>8s} {'s/rep':>7s} {'x local 1':>9s}  notes")
    for r in runs:
        per = r["seconds"] / r["count"]
        note = f"cluster start {r['startup']:.2f} s included" if r["startup"] else ""
        print(f"{r['label']:18s} {r['seconds']:8.2f} {per:7.3f} {r['seconds'] / one:9.2f}  {note}")
    local, dask = runs[1]["seconds"], runs[2]["seconds"]
    print(
        f"speed-up local {w} vs 1 worker: {one / local:.2f}x; "
        f"dask/local wall with {w} workers: {dask / local:.2f} "
        f"({(dask - runs[2]['startup']) / local:.2f} without the cluster start)"
    )


if __name__ == "__main__":
    main()
