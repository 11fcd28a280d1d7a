#!/usr/bin/env python3
"""Time the pipeline as a user runs it: whole processes, wall time including Python start.

Runs each command N times (``--runs``, default 5) after one untimed warm-up run
(``--warmup``), on the checkout's real ontology/, data/, shapes/ and queries/:

* ``python -c pass``                      the interpreter floor
* ``python -m uugraph --version``         start-up of the package and its CLI
* ``python -m uugraph validate``          load, reason, validate
* ``python -m uugraph build --out TMP``   the same, then write every output

and prints a Markdown table of min / median / max wall seconds, the median CPU
seconds (user + system, which a busy machine inflates less than wall time) and
the peak resident set size of the child (``ru_maxrss`` from ``os.wait4``). Usage::

    .venv/bin/python bench/bench_pipeline.py [--runs 5] [--warmup 1] [--python PY] [--check]

"within target" is "yes" when every run beats the target, "median only" when
the median does, "no" otherwise; ``--check`` exits 1 on a "no".
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    name: str
    argv: list[str]
    target: float | None  # seconds, for the median and every run
    ok_codes: tuple[int, ...] = (0,)


@dataclass
class Result:
    case: Case
    walls: list[float]
    cpus: list[float]
    peak_rss_kib: int


def run_once(argv: list[str], ok_codes: tuple[int, ...]) -> tuple[float, float, int]:
    """Run ``argv`` as a child process; return its wall time, CPU time (user + system) and peak RSS in KiB."""
    env = dict(os.environ)
    env.pop("UUGRAPH_BASE_IRI", None)
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode not in ok_codes:
        sys.stderr.write(stderr.decode("utf-8", "replace"))
        raise SystemExit(f"error: {' '.join(argv)} exited {child.returncode}")
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, usage.ru_utime + usage.ru_stime, rss


def measure(case: Case, runs: int, warmup: int) -> Result:
    for _ in range(warmup):
        run_once(case.argv, case.ok_codes)
    walls: list[float] = []
    cpus: list[float] = []
    peak = 0
    for _ in range(runs):
        wall, cpu, rss = run_once(case.argv, case.ok_codes)
        walls.append(wall)
        cpus.append(cpu)
        peak = max(peak, rss)
    return Result(case, walls, cpus, peak)


def machine(load: tuple[float, float, float] | None = None) -> str:
    """One line: the date, core count, CPU model, RAM, Python version and the load when timing began."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    line = f"{date.today().isoformat()}; nproc {os.cpu_count()}; CPU {cpu}; RAM {ram}; Python {platform.python_version()} ({platform.system()} {platform.release()})"
    if load is not None:
        line += f"; load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    return line


def verdict(result: Result) -> str:
    target = result.case.target
    if target is None:
        return "—"
    if max(result.walls) < target:
        return "yes"
    if statistics.median(result.walls) < target:
        return "median only"
    return "**no**"


def table(results: list[Result], runs: int) -> str:
    lines = [
        f"| command ({runs} runs) | min s | median s | max s | CPU s (median) | peak RSS MiB | target | within target |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        target = f"< {r.case.target:g} s" if r.case.target is not None else "—"
        lines.append(
            f"| `{r.case.name}` | {min(r.walls):.2f} | {statistics.median(r.walls):.2f} | {max(r.walls):.2f} "
            f"| {statistics.median(r.cpus):.2f} | {r.peak_rss_kib / 1024:.0f} | {target} | {verdict(r)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default: 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first, to warm caches (default: 1)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run (default: this one)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed by the median")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    py = args.python
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="uugraph-bench-") as tmp:
        out = str(Path(tmp) / "dist")
        cases = [
            Case("python -c pass", [py, "-c", "pass"], None),
            Case("python -m uugraph --version", [py, "-m", "uugraph", "--version"], None),
            Case("python -m uugraph validate", [py, "-m", "uugraph", "validate", "--quiet"], 3.0),
            Case("python -m uugraph build --out <tmp>", [py, "-m", "uugraph", "build", "--quiet", "--out", out], 3.0),
        ]
        results = []
        for case in cases:
            print(f"timing {case.name} …", file=sys.stderr, flush=True)
            results.append(measure(case, args.runs, args.warmup))
    print(f"Machine: {machine(load)}")
    print()
    print(table(results, args.runs))
    failed = [r for r in results if verdict(r) == "**no**"]
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
