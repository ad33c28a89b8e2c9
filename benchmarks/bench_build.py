"""Build synthetic plans of growing size and measure monplan against the serialisation floor.

    python benchmarks/bench_build.py                 # 100, 1,000, 10,000 and 50,000 rows
    python benchmarks/bench_build.py 100 50000       # any sizes
    python benchmarks/bench_build.py --dir /dev/shm  # in memory: without the disk's noise
    python benchmarks/bench_build.py --code ../old --code . 10000 100000   # two checkouts, side by side
    PROMTOOL_FROM=999999 python benchmarks/bench_build.py   # without the (slow) promtool timing

Each size runs in a fresh interpreter so peak memory (ru_maxrss) belongs to that build
alone; sizes up to 10,000 rows are built three times (each into a new folder) and the best
time counts, as the disks of shared machines are noisy. "start s" is a 20-row build run
first, which also imports monplan's libraries: paid once by every `monplan build` from a
shell, it is kept out of the per-size figures. Printed per size: wall time of load + check +
generate + write, rows per second, peak memory, output bytes, and the serialisation floor: the time to dump the very same
output objects with PyYAML's C dumper and json.dumps and write them to disk. monplan's
time divided by the floor is the figure to watch. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS_PER_SECTION = 20
KINDS = [
    ('"<99.9%"', 'avg(avg_over_time(probe_success{{job="svc{i}"}}[5m]))', "Critical"),
    ('">1% failure rate"', 'sum(rate(errors_total{{svc="s{i}"}}[5m])) / sum(rate(requests_total{{svc="s{i}"}}[5m]))', "High"),
    ('">500ms avg"', 'histogram_quantile(0.95, sum by (le) (rate(latency_seconds_bucket{{svc="s{i}"}}[5m])))', "Medium"),
    ('">70% sustained"', '1 - avg(rate(node_cpu_seconds_total{{mode="idle",svc="s{i}"}}[5m]))', "High"),
    ('"<80% of baseline"', 'sum(rate(orders_total{{svc="s{i}"}}[1h]))', "Medium"),
    ("Any occurrence", 'sum(increase(violations_total{{svc="s{i}"}}[5m]))', "Critical"),
]


def synthetic_plan(rows: int) -> str:
    out = ["version: 1", "system: Benchmark", "sections:"]
    for start in range(0, rows, ROWS_PER_SECTION):
        out.append(f"  - title: Section {start // ROWS_PER_SECTION:05d}")
        out.append("    metrics:")
        for i in range(start, min(start + ROWS_PER_SECTION, rows)):
            threshold, query, priority = KINDS[i % len(KINDS)]
            # One flow mapping a row: 100,000 rows are about 12 MB, within the 16 MiB plan limit.
            out.append(f"      - {{metric: Metric {i:06d} Rate, threshold: {threshold}, priority: {priority}, "
                       f"query: '{query.format(i=i)}'}}")
    return "\n".join(out) + "\n"


FLOOR_UP_TO = int(os.environ.get("FLOOR_UP_TO", 10_000))  # rows up to which the floor is measured (it loads every file)


def _measure(rows: int, repeats: int, where: str | None) -> dict[str, float | None]:
    """Runs inside the child interpreter: the best of `repeats` builds, each into a new folder."""
    import yaml

    import monplan
    from monplan.app.pipeline import build

    assert monplan.__file__.startswith(os.environ["PYTHONPATH"]), (monplan.__file__, "is not the checkout asked for")

    with tempfile.TemporaryDirectory(dir=where) as tmp:
        root = Path(tmp)
        os.environ["MONPLAN_CACHE_DIR"] = str(root / "cache")  # build records of this run only
        plan = root / "plan.yaml"
        plan.write_text(synthetic_plan(rows))
        # Imports and first-use costs are paid once per process, whatever the plan's size:
        # time them apart, with a 20-row build, so every size compares builds alone.
        warm_up = root / "warm-up.yaml"
        warm_up.write_text(synthetic_plan(20))
        started = time.perf_counter()
        assert build(warm_up, root / "warm-up", use_cache=False).ok
        start_up = time.perf_counter() - started
        elapsed = cpu = float("inf")
        for attempt in range(repeats):
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            # as `monplan build` does (a new folder has no build record: everything is rendered)
            result = build(plan, root / f"out{attempt}")
            elapsed = min(elapsed, time.perf_counter() - started)
            cpu = min(cpu, _cpu_seconds() - cpu_started)
            assert result.ok, result.problems[:3]
        # The builds' peak, before the floor loads every output file: this process, or its
        # forked worker if that grew larger.
        peak_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
        out = root / "out0"
        out_bytes = sum(len(data) for data in result.files.values())
        files, result = result.files if rows <= FLOOR_UP_TO else {}, None

        # The floor: the same output objects, dumped by C code and written to disk.
        objects = {}
        for rel, data in files.items():
            if rel.endswith((".yml", ".yaml")):
                objects[rel] = ("yaml", yaml.load(data, Loader=yaml.CSafeLoader))
            elif rel.endswith(".json"):
                objects[rel] = ("json", json.loads(data))
        floor = float("inf") if files else 0.0
        for attempt in range(repeats if files else 0):
            floor_dir = root / f"floor{attempt}"
            started = time.perf_counter()
            for rel, (kind, value) in objects.items():
                text = (yaml.dump(value, Dumper=yaml.CSafeDumper, sort_keys=False) if kind == "yaml"
                        else json.dumps(value, indent=2))
                target = floor_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            floor = min(floor, time.perf_counter() - started)

        started = time.perf_counter()
        check = build(plan, out, check=True)
        check_time = time.perf_counter() - started
        assert check.cached or check.changes.clean
        # One row changed (a threshold), built into the tree just built: what an edit costs.
        text = plan.read_text()
        plan.write_text(text.replace('threshold: ">1% failure rate"', 'threshold: ">2% failure rate"', 1))
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        rebuilt = build(plan, out)
        rebuild_time, rebuild_cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
        assert rebuilt.ok and len(rebuilt.changes.changed) >= 2, rebuilt.changes.changed[:5]
        # And the next edit, another row's: the tree the last rebuild switched out is now there
        # to be staged in (the spare, monplan/output/writer.py), as in every edit after the first.
        plan.write_text(plan.read_text().replace('threshold: ">70% sustained"', 'threshold: ">75% sustained"', 1))
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        rebuilt = build(plan, out)
        next_time, next_cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
        assert rebuilt.ok and len(rebuilt.changes.changed) >= 2, rebuilt.changes.changed[:5]
        promtool_time = _promtool(out) if rows >= PROMTOOL_FROM else None
    return {"rows": rows, "seconds": elapsed, "cpu_seconds": cpu, "start_seconds": start_up, "rows_per_second": rows / elapsed, "peak_mb": peak_mb,
            "output_mb": out_bytes / 1e6, "floor_seconds": floor, "ratio_to_floor": elapsed / floor if floor else 0,
            "check_seconds": check_time, "rebuild_seconds": rebuild_time, "rebuild_cpu_seconds": rebuild_cpu,
            "next_seconds": next_time, "next_cpu_seconds": next_cpu, "promtool_seconds": promtool_time}


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the forked worker): unlike wall time,
    hardly changed by other work on a shared machine."""
    mine, theirs = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + theirs.ru_utime + theirs.ru_stime


PROMTOOL_FROM = int(os.environ.get("PROMTOOL_FROM", 10_000))  # rows from which the promtool run is timed too


def _promtool(out: Path) -> float | None:
    """`promtool check rules` and `promtool test rules` on the output, one process per core."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    promtool = shutil.which("promtool")
    if promtool is None:
        return None
    rules = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/rules/**/*.yml"))
    tests = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/tests/**/*.yml"))
    cores = os.cpu_count() or 1
    jobs = [[promtool, "check", "rules", "--lint=all", "--lint-fatal", *rules[i::cores]] for i in range(cores)]
    jobs += [[promtool, "test", "rules", *tests[i::cores]] for i in range(cores)]
    started = time.perf_counter()
    with ThreadPoolExecutor(cores) as pool:
        results = list(pool.map(lambda args: subprocess.run(args, cwd=out, capture_output=True), jobs))
    assert all(r.returncode == 0 for r in results), [r.stdout[-500:] for r in results if r.returncode]
    return time.perf_counter() - started


def _help_startup(code: str) -> float:
    """Best of 5, with byte code cached as an installed package has it (pip compiles it): in a
    folder of the run's own, so that PYTHONDONTWRITEBYTECODE (set on some machines, where
    every start compiles monplan's modules again) does not decide the figure."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as cache:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        subprocess.run([sys.executable, "-m", "monplan", "--help"], capture_output=True, check=True, cwd=code, env=env)
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "monplan", "--help"], capture_output=True, check=True, cwd=code, env=env)
            best = min(best, time.perf_counter() - started)
    return best


def _settle() -> None:
    """Wait until the disks are idle. On a file system mounted with `discard` (common on cloud
    VMs) the disk keeps working for many seconds after a size's files are deleted, and
    creating files meanwhile is several times slower: that would be charged to the next size."""
    os.sync()
    quiet, deadline = 0, time.monotonic() + SETTLE_MAX_SECONDS
    busy = _busy_ms()
    while quiet < 3 and time.monotonic() < deadline:
        time.sleep(1)
        now = _busy_ms()
        quiet = quiet + 1 if now - busy < 20 else 0  # under 2% busy in the last second
        busy = now


SETTLE_MAX_SECONDS = int(os.environ.get("SETTLE_MAX_SECONDS", 120))


def _busy_ms() -> int:
    """Milliseconds the block devices have spent doing I/O (/proc/diskstats, field 13)."""
    try:
        lines = Path("/proc/diskstats").read_text().splitlines()
    except OSError:
        return 0
    return sum(int(fields[12]) for fields in (line.split() for line in lines) if len(fields) > 12)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1_000, 10_000, 50_000], help="alert rows per plan")
    parser.add_argument("--repeats", type=int, default=3, help="builds per size up to 10,000 rows; the best counts")
    parser.add_argument("--dir", help="where to build (default: the system's temporary folder)")
    parser.add_argument("--code", action="append", help="the checkout whose monplan to time (repeatable: each size is "
                        "measured with each, one after the other; default: this one)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        rows, repeats, where = int(args.child[0]), int(args.child[1]), args.child[2] or None
        print(json.dumps(_measure(rows, repeats, where)))
        return
    codes = [str(Path(code).resolve()) for code in args.code or [ROOT]]
    label = max(len(Path(code).name) for code in codes)
    print(f"{'code':<{label}} {'rows':>8} {'seconds':>8} {'cpu s':>8} {'start s':>7} {'rows/s':>9} {'peak MB':>8} {'out MB':>7} {'floor s':>8} "
          f"{'x floor':>8} {'check s':>8} {'1-row s':>8} {'1-row cpu':>9} {'next s':>7} {'next %':>6} {'promtool s':>10}")
    for rows in args.sizes:
        for code in codes:
            _settle()
            repeats = args.repeats if rows <= 10_000 else 1
            proc = subprocess.run([sys.executable, __file__, "--child", str(rows), str(repeats), args.dir or ""],
                                  capture_output=True, text=True, env={**os.environ, "PYTHONPATH": code})
            name = Path(code).name
            if proc.returncode != 0:
                print(f"{name:<{label}} {rows:>8} failed: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            r = json.loads(proc.stdout)
            floor = f"{r['floor_seconds']:>8.2f} {r['ratio_to_floor']:>8.1f}" if r["floor_seconds"] else f"{'':>8} {'':>8}"
            print(f"{name:<{label}} {r['rows']:>8} {r['seconds']:>8.2f} {r['cpu_seconds']:>8.2f} {r['start_seconds']:>7.2f} {r['rows_per_second']:>9.0f} "
                  f"{r['peak_mb']:>8.0f} {r['output_mb']:>7.1f} {floor} {r['check_seconds']:>8.2f} {r['rebuild_seconds']:>8.2f} {r['rebuild_cpu_seconds']:>9.2f} "
                  f"{r['next_seconds']:>7.2f} {100 * r['next_seconds'] / r['seconds']:>6.0f} "
                  f"{'' if r['promtool_seconds'] is None else format(r['promtool_seconds'], '.1f'):>10}", flush=True)
    for code in codes:
        print(f"{Path(code).name}: monplan --help: {_help_startup(code) * 1000:.0f} ms (best of 5)")


if __name__ == "__main__":
    main(sys.argv[1:])
