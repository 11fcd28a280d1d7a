#!/usr/bin/env python3
"""Our pipeline against the naive rdflib / owlrl / pySHACL stack at 10k, 100k and 1M triples.

For each size (``--sizes``, default 10000,100000,1000000) a synthetic data
folder is generated once (``python -m uugraph synth --triples N``, no
violations) into a temporary folder, then:

(a) **ours**, as whole processes the way a user runs them:
    ``python -m uugraph validate --data DIR`` and ``python -m uugraph build --no-site --data DIR
    --out TMP`` (the work the naive stack does too: reason, SHACL, the dumps), then ``build`` with
    the static site once more, to measure what the site adds. Wall time includes Python start-up. Peak memory is that of the whole
    process tree (``build`` forks a child that writes the files while the parent
    runs SHACL): every ~50 ms the RSS of the process and all its descendants is
    read from ``/proc`` and summed; the peak is the largest sum (or the child's
    own ``ru_maxrss`` if that is larger). Per-step times come from the
    ``[uugraph] STEP 1.2 s`` lines on stderr (the CLI prints only steps that
    take at least 1 s), and a step's peak is the tree's peak during that step.

(b) **the naive stack**, one child process per step (``bench/naive_stack.py``):
    rdflib parse of the same Turtle files (the synthetic folder plus
    ``ontology/``), owlrl full closure, pySHACL (``inference='none'``,
    ``advanced=True``) with ``shapes/``, rdflib serialisation to Turtle and to
    JSON-LD. Each step loads what the previous one wrote (N-Triples) outside its
    timed region; the time reported is the timed region, measured by the child.
    Peak memory is the child's (tree) peak, loading included. A step whose timed
    region runs past ``--cap`` seconds (default 600) is killed and reported
    "over cap"; if the closure is over cap, the later steps run on the
    un-reasoned graph and say so. A step whose memory passes ``--mem-cap`` MB is
    killed too (a guard for the shared machine).

(c) **lookups and queries on the embedded store**, in a child process: load and
    reason the synthetic graph once with the library, then time 200 lookups of
    a random university's triples (``quads_for_pattern``) and 200 of its
    memberships (a SPARQL SELECT), and every query of ``queries/`` once, as a
    user runs it: a ``network`` parameter bound to the synthetic network with
    the most memberships, the other parameters to their defaults.

Finally ``python -m uugraph validate`` on the real data, 1 warm-up and 5 runs.

Everything is printed as Markdown tables on stdout; progress goes to stderr.
Usage::

    .venv/bin/python bench/bench_scale.py [--sizes 10000,100000,1000000] [--cap 600] [--json results.json]
        [--snapshot [REV]]   measure a clean `git archive` of REV (default HEAD), not the working tree
        [--pss]              sum PSS instead of RSS (a forked child's shared pages counted once)
        [--skip-naive]       only our pipeline, the lookups and the queries

Memory is in MB of 10^6 bytes; 4 GB is 4000 MB. Results: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout measured; --root or --snapshot changes it
NAIVE = Path(__file__).resolve().with_name("naive_stack.py")
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1_000_000
SAMPLE_EVERY = 0.05
# A sample of a process of several GB (PSS above all: the kernel walks its page tables, holding its memory
# lock) takes tens of milliseconds of system time: every 50 ms, the sampler took most of a core from the
# run it measured (10M: 69% system time). So the pause after a sample is at least this many times its cost:
# the sampling takes at most 5% of one core.
SAMPLE_PAUSE_FACTOR = 19
SAMPLING = f"sampled every {SAMPLE_EVERY * 1000:.0f} ms or {SAMPLE_PAUSE_FACTOR + 1} times a sample's own cost, whichever is longer"
MEMORY = "rss"  # what is summed over the process tree: "rss", or "pss" (--pss) to count shared pages once

TARGET_1M_WALL = 60.0  # ours validate + build at 1M, seconds
TARGET_1M_PEAK = 4_000 * MB  # ours peak at 1M
TARGET_1M_RATIO = 20.0  # naive / ours at 1M
TARGET_LOOKUP_MS = 10.0
TARGET_QUERY_S = 1.5  # every query at 1M
TARGET_REAL_VALIDATE = 1.0  # median wall, python start included
TARGET_SITE_EXTRA = 120.0  # the static site at 1M, seconds on top of build

STEP_LINE = re.compile(r"^\[uugraph\] (.+?) (\d+(?:\.\d+)?) s$")


def log(message: str) -> None:
    print(f"[bench] {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- process tree measurement


def child_env() -> dict[str, str]:
    """The environment of every measured process: the package imported from ROOT/src, the default base IRI."""
    env = dict(os.environ)
    env.pop("UUGRAPH_BASE_IRI", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ")".
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _pss(pid: int) -> int:
    """Proportional set size in bytes: shared pages divided among the processes that share them."""
    with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
        for line in f:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def tree_rss(root: int) -> int:
    """Sum of the resident set sizes (bytes) of ``root`` and all its descendants (or of their PSS, with --pss).

    Summing RSS counts a page shared by a forked child and its parent (copy-on-write)
    twice, so for ``build`` it is an upper bound; PSS counts each page once.
    """
    children = _children_map()
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            if MEMORY == "pss":
                total += _pss(pid)
            else:
                with open(f"/proc/{pid}/statm", "rb") as f:
                    total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, ()))
    return total


@dataclass
class Run:
    argv: list[str]
    wall: float = 0.0
    peak: int = 0  # bytes, whole process tree
    returncode: int | None = None
    killed: str = ""  # "" or why it was killed: "over cap", "over memory cap"
    stdout: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, line)
    stderr: list[tuple[float, str]] = field(default_factory=list)
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, tree RSS)

    def events(self) -> list[dict]:
        out = []
        for _, line in self.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and "event" in obj:
                out.append(obj)
        return out

    def peak_between(self, start: float, end: float) -> int | None:
        inside = [rss for t, rss in self.samples if start - SAMPLE_EVERY <= t <= end + SAMPLE_EVERY]
        return max(inside) if inside else None

    def stderr_text(self) -> str:
        return "\n".join(line for _, line in self.stderr)


def run(argv: list[str], *, cap: float | None = None, mem_cap: int | None = None, timed_region: bool = False) -> Run:
    """Run ``argv``; sample its process tree's RSS; kill it past the caps.

    With ``timed_region`` the cap applies from the child's ``{"event": "start"}``
    line to its ``{"event": "end"}`` line (untimed loading is allowed up to
    three caps more); otherwise it applies to the whole process.
    """
    result = Run(argv)
    env = child_env()
    start = time.perf_counter()
    child = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    state = {"start": None, "end": None}

    def reader(stream, sink: list[tuple[float, str]], watch: bool) -> None:
        for raw in stream:
            now = time.perf_counter() - start
            line = raw.decode("utf-8", "replace").rstrip("\n")
            sink.append((now, line))
            if watch and line.startswith("{"):
                try:
                    event = json.loads(line).get("event")
                except ValueError:
                    continue
                if event == "start" and state["start"] is None:
                    state["start"] = now
                elif event == "end":
                    state["end"] = now
        stream.close()

    threads = [
        threading.Thread(target=reader, args=(child.stdout, result.stdout, True), daemon=True),
        threading.Thread(target=reader, args=(child.stderr, result.stderr, False), daemon=True),
    ]
    for t in threads:
        t.start()
    usage = None
    status = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        now = time.perf_counter() - start
        if pid == child.pid:
            break
        rss = tree_rss(child.pid)
        cost = time.perf_counter() - start - now
        result.samples.append((now, rss))
        result.peak = max(result.peak, rss)
        reason = ""
        if cap is not None:
            if timed_region:
                if state["start"] is not None and state["end"] is None and now - state["start"] > cap:
                    reason = "over cap"
                elif now > 4 * cap:
                    reason = "over cap"
            elif now > cap:
                reason = "over cap"
        if mem_cap is not None and rss > mem_cap:
            reason = "over memory cap"
        if reason:
            result.killed = reason
            try:
                os.killpg(child.pid, signal.SIGKILL)  # the session this run started, and nothing else
            except ProcessLookupError:
                pass
            _, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(max(SAMPLE_EVERY, SAMPLE_PAUSE_FACTOR * cost))
    result.wall = time.perf_counter() - start
    child.returncode = result.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join(timeout=10)
    if usage is not None and MEMORY == "rss":
        result.peak = max(result.peak, usage.ru_maxrss * 1024)
    return result


# ---------------------------------------------------------------- (a) ours


@dataclass
class Ours:
    validate: Run
    build: Run  # build --no-site: the work the naive stack also does
    validate_steps: dict[str, float]
    build_steps: dict[str, tuple[float, int | None]]  # step -> (seconds, peak bytes during the step)
    site: Run | None = None  # build with the static site, measured separately

    @property
    def site_extra(self) -> float | None:
        return None if self.site is None else self.site.wall - self.build.wall


def steps_of(result: Run) -> dict[str, tuple[float, int | None]]:
    steps = {}
    for t, line in result.stderr:
        match = STEP_LINE.match(line.strip())
        if match:
            name, seconds = match.group(1), float(match.group(2))
            steps[name] = (seconds, result.peak_between(t - seconds, t))
    return steps


def run_ours(py: str, data: Path, out: Path, cap: float) -> Ours:
    log(f"ours: validate --data {data.name}")
    validate = run([py, "-m", "uugraph", "validate", "--data", str(data)], cap=cap)
    _check_ours(validate)
    log(f"ours: validate {validate.wall:.1f} s, {validate.peak / MB:.0f} MB; build --no-site --data {data.name}")
    build = run([py, "-m", "uugraph", "build", "--no-site", "--data", str(data), "--out", str(out)], cap=cap)
    _check_ours(build)
    log(f"ours: build --no-site {build.wall:.1f} s, {build.peak / MB:.0f} MB; build (with the site) --data {data.name}")
    site = run([py, "-m", "uugraph", "build", "--data", str(data), "--out", str(out.with_name(out.name + "-site"))], cap=cap)
    _check_ours(site)
    log(f"ours: build with the site {site.wall:.1f} s, {site.peak / MB:.0f} MB")
    return Ours(validate, build, {k: v[0] for k, v in steps_of(validate).items()}, steps_of(build), site)


def _check_ours(result: Run) -> None:
    if result.killed or result.returncode != 0:
        sys.stderr.write(result.stderr_text() + "\n")
        raise SystemExit(f"error: {' '.join(result.argv)}: {result.killed or f'exit code {result.returncode}'}")


# ---------------------------------------------------------------- (b) the naive stack


@dataclass
class NaiveStep:
    name: str
    run: Run | None
    seconds: float | None  # the timed region, None when over cap or failed
    note: str = ""  # "over cap", "(on unreasoned graph)" …
    details: dict = field(default_factory=dict)


def run_naive(py: str, data: Path, work: Path, cap: float, mem_cap: int, base: str) -> list[NaiveStep]:
    turtle = sorted(str(p) for p in data.rglob("*.ttl")) + sorted(str(p) for p in (ROOT / "ontology").glob("*.ttl"))
    shapes = sorted(str(p) for p in (ROOT / "shapes").glob("*.ttl"))
    parsed, closure = work / "parsed.nt", work / "closure.nt"
    steps: list[NaiveStep] = []

    def one(name: str, args: list[str], note: str = "") -> NaiveStep:
        log(f"naive: {name} {note}".rstrip())
        result = run([py, str(NAIVE), *args], cap=cap, mem_cap=mem_cap, timed_region=True)
        events = result.events()
        end = next((e for e in events if e["event"] == "end"), None)
        if result.killed:
            step = NaiveStep(name, result, None, result.killed + (f" {note}" if note else ""))
        elif result.returncode != 0 or end is None:
            tail = "\n".join(result.stderr_text().splitlines()[-5:])
            log(f"naive: {name} failed (exit code {result.returncode}):\n{tail}")
            step = NaiveStep(name, result, None, f"failed (exit {result.returncode})" + (f" {note}" if note else ""))
        else:
            details = {k: v for k, v in end.items() if k not in ("event", "seconds")}
            for e in events:
                if e["event"] == "wrote":
                    details.update({k: v for k, v in e.items() if k != "event"})
            step = NaiveStep(name, result, float(end["seconds"]), note, details)
        shown = f"{step.seconds:.1f} s" if step.seconds is not None else step.note
        log(f"naive: {name}: {shown}, peak {result.peak / MB:.0f} MB, process {result.wall:.1f} s")
        steps.append(step)
        return step

    first = one("parse", ["parse", "--base", base, "--out", str(parsed), *turtle])
    if first.seconds is None:
        for name in ("closure", "shacl", "turtle", "jsonld"):
            steps.append(NaiveStep(name, None, None, "not run (parse did not finish)"))
        return steps
    reasoned = one("closure", ["closure", "--in", str(parsed), "--out", str(closure)])
    source, note = (closure, "") if reasoned.seconds is not None and closure.exists() else (parsed, "(on unreasoned graph)")
    one("shacl", ["shacl", "--in", str(source), "--base", base, *shapes], note)
    one("turtle", ["turtle", "--in", str(source), "--out", str(work / "graph.ttl")], note)
    one("jsonld", ["jsonld", "--in", str(source), "--out", str(work / "graph.jsonld")], note)
    for path in work.iterdir():
        path.unlink()
    return steps


# ---------------------------------------------------------------- (c) lookups and queries (child process)

MEMBERSHIPS = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?membership ?organization ?start WHERE {
  ?membership a org:Membership ;
      org:member <%s> ;
      org:organization ?organization .
  OPTIONAL { ?membership org:memberDuring/time:hasBeginning/time:inXSDgYear ?start }
}"""


BUSIEST_NETWORK = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?network (COUNT(*) AS ?n) WHERE { ?m a org:Membership ; org:organization ?network } GROUP BY ?network ORDER BY DESC(?n) STR(?network) LIMIT 1"""


def busiest_network(query: Callable[[str], object]) -> str:
    """The IRI of the network with the most memberships: what a query's ``network`` parameter is bound to."""
    for row in query(BUSIEST_NETWORK):  # type: ignore[attr-defined]
        return str(row["network"].value)
    return ""


def as_a_user_runs_it(path: Path, network: str) -> str:
    """The query with its parameters bound (a network parameter to ``network``, the others to their defaults).

    Left unbound, a parameter's variable matches everything and its filters
    fail: the engine does the work of every network for no row, which no
    user asks for. Bound as ``uugraph query NAME --param network=…`` binds them.
    """
    text = path.read_text(encoding="utf-8")
    try:
        from uugraph.pipeline.query import bind_parameters, query_parameters, with_values
    except ImportError:  # a snapshot from before queries had parameters
        return text
    parameters = query_parameters(path, text)
    if not parameters:
        return text
    given = {p.name: network for p in parameters if p.slug_kind == "org" and network}
    return with_values(text, bind_parameters(parameters, given))


def lookups_child(data: Path, count: int, seed: int) -> int:
    """Load and reason once, then time lookups and queries; print one JSON object."""
    import pyoxigraph as ox

    from uugraph.build import prepare
    from uugraph.config import Layout, base_iri
    from uugraph.pipeline.query import run_embedded

    start = time.perf_counter()
    loaded = prepare(Layout(root=ROOT, data=data), with_queries=False)
    load_seconds = time.perf_counter() - start
    published = set(loaded.published_graphs)
    universities = json.loads((data / "manifest.json").read_text())["universities"]
    rng = random.Random(seed)
    iris = [f"{base_iri()}id/org/synthetic-university-{rng.randrange(universities):07d}" for _ in range(count)]

    def triples(iri: str) -> int:
        return sum(1 for q in loaded.store.quads_for_pattern(ox.NamedNode(iri), None, None, None) if q.graph_name in published)

    def memberships(iri: str) -> int:
        solutions = loaded.store.query(MEMBERSHIPS % iri, default_graph=loaded.published_graphs)
        return sum(1 for s in solutions if s["organization"] is not None)

    out = {"load_reason_seconds": load_seconds, "store_quads": len(loaded.store), "lookups": {}}
    for name, lookup in (("triples", triples), ("memberships", memberships)):
        for iri in iris[:5]:  # warm-up, untimed
            lookup(iri)
        times, found = [], []
        for iri in iris:
            t0 = time.perf_counter()
            n = lookup(iri)
            times.append((time.perf_counter() - t0) * 1000)
            found.append(n)
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        out["lookups"][name] = {
            "count": len(times),
            "p50_ms": statistics.median(times),
            "p99_ms": cuts[98],
            "max_ms": max(times),
            "min_results": min(found),
            "mean_results": statistics.fmean(found),
        }
    queries = {}
    network = busiest_network(lambda q: loaded.store.query(q, default_graph=loaded.published_graphs))
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = as_a_user_runs_it(path, network)
        t0 = time.perf_counter()
        table = run_embedded(loaded, text)
        queries[path.stem] = {"seconds": time.perf_counter() - t0, "rows": len(table.rows)}
    out["queries"] = queries
    print(json.dumps(out))
    return 0


def run_lookups(py: str, data: Path, cap: float) -> tuple[dict | None, Run]:
    log(f"lookups and queries on {data.name}")
    result = run([py, str(Path(__file__).resolve()), "--root", str(ROOT), "--lookups-child", str(data)], cap=cap)
    for _, line in reversed(result.stdout):
        if line.startswith("{"):
            return json.loads(line), result
    sys.stderr.write(result.stderr_text() + "\n")
    log(f"lookups failed: {result.killed or f'exit code {result.returncode}'}")
    return None, result


# ---------------------------------------------------------------- real data


def run_real_validate(py: str, runs: int) -> list[Run]:
    argv = [py, "-m", "uugraph", "validate"]
    log("real data: validate (1 warm-up)")
    run(argv, cap=120)
    results = []
    for i in range(runs):
        r = run(argv, cap=120)
        if r.returncode not in (0, 1) or r.killed:
            sys.stderr.write(r.stderr_text() + "\n")
            raise SystemExit(f"error: validate on the real data: {r.killed or f'exit code {r.returncode}'}")
        log(f"real data: validate run {i + 1}: {r.wall:.2f} s")
        results.append(r)
    return results


# ---------------------------------------------------------------- (d) at scale: the floor, ours, and serve

TARGET_SCALE_WALL = 8 * 60.0  # 10M: validate + build, seconds
TARGET_SCALE_PEAK = 8_000 * MB  # 10M: peak of the process tree
TARGET_1M_FLOOR_RATIO = 8.0  # 1M: build with the site within 8x the floor
TARGET_1M_SITE_PEAK = 2_000 * MB
TARGET_SERVE_READY = 10.0
TARGET_PAGE_P50_MS = 10.0
TARGET_SCALE_QUERY_S = 2.0


def floor_child(data: Path) -> int:
    """Oxigraph alone on the same files: bulk load every Turtle file (into an in-memory store), dump N-Quads."""
    import pyoxigraph as ox

    from uugraph.config import base_iri

    files = sorted(data.rglob("*.ttl")) + sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "shapes").glob("*.ttl"))
    start = time.perf_counter()
    store = ox.Store()
    for index, path in enumerate(files):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_iri(), to_graph=ox.NamedNode(f"urn:floor:{index}"))
    loaded = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".nq") as out:
        store.dump(output=out.name, format=ox.RdfFormat.N_QUADS)
    print(json.dumps({"load": loaded - start, "dump": time.perf_counter() - loaded, "quads": len(store)}))
    return 0


def store_child(data: Path, dist: Path) -> int:
    """A dist/ with graph.nt and store/ made straight from the asserted files (no reasoning, no SHACL), streamed.

    Used when ``build`` did not finish within the memory guard, so that serve
    can still be measured on a store of the same size.
    """
    import pyoxigraph as ox

    from uugraph.config import base_iri
    from uugraph.outputs.store import STORE_FOLDER, write_store

    dist.mkdir(parents=True, exist_ok=True)
    dump = dist / "graph.nt"
    with dump.open("wb") as out:
        for path in sorted(data.rglob("*.ttl")) + sorted((ROOT / "ontology").glob("*.ttl")):
            ox.serialize(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_iri()), out, format=ox.RdfFormat.N_TRIPLES)
    write_store(dump, None, dist / STORE_FOLDER)
    return 0


@dataclass
class ScaleResult:
    size: int
    synth: dict
    floor: Run
    floor_steps: dict
    validate: Run
    build: Run
    site: Run | None
    serve: dict


def _json_line(result: Run) -> dict:
    for _, line in reversed(result.stdout):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def measure_serve(py: str, dist: Path, data: Path, seconds: float, mem_cap: int, in_memory_below: int | None = None) -> dict:
    """Start ``serve`` on the built dist: time to its first answer, page and query times, the tree's peak.

    ``in_memory_below`` is passed to ``serve --in-memory-below`` (0: the on-disk store at any size).
    """
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [py, "-m", "uugraph", "serve", "--quiet", "--port", str(port), "--dist", str(dist), "--timeout", "60", "--workers", "2", "--query-memory-mb", "0"]
    if in_memory_below is not None:
        argv += ["--in-memory-below", str(in_memory_below)]
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    out: dict = {"ready": None, "peak": 0}
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            began = time.perf_counter()
            peak[0] = max(peak[0], tree_rss(child.pid))
            if peak[0] > mem_cap:
                os.killpg(child.pid, signal.SIGKILL)
            time.sleep(max(SAMPLE_EVERY, SAMPLE_PAUSE_FACTOR * (time.perf_counter() - began)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            while time.perf_counter() - started < seconds:
                if child.poll() is not None:
                    out["error"] = f"serve exited with {child.returncode}"
                    return out
                try:
                    if client.get("/sparql", timeout=1).status_code == 200:
                        out["ready"] = time.perf_counter() - started
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.02)
            if out["ready"] is None:
                out["error"] = "not ready"
                return out
            universities = json.loads((data / "manifest.json").read_text())["universities"]
            rng = random.Random(99)
            pages: dict[str, list[float]] = {"html": [], "ttl": []}
            for kind in pages:
                for _ in range(205):
                    path = f"/doc/org/synthetic-university-{rng.randrange(universities):07d}" + (".ttl" if kind == "ttl" else "")
                    t0 = time.perf_counter()
                    r = client.get(path, headers={"Accept": "text/html"} if kind == "html" else {})
                    pages[kind].append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        out.setdefault("page_errors", []).append(f"{path} {r.status_code}")
                out[f"{kind}_p50_ms"] = statistics.median(pages[kind][5:])
                out[f"{kind}_p99_ms"] = statistics.quantiles(pages[kind][5:], n=100, method="inclusive")[98]
            queries = {}
            busiest = client.post("/sparql", data={"query": BUSIEST_NETWORK}, headers={"Accept": "text/csv"}).text.splitlines()
            network = busiest[1].split(",")[0] if len(busiest) > 1 else ""
            for path in sorted((ROOT / "queries").glob("*.rq")):
                t0 = time.perf_counter()
                r = client.post("/sparql", data={"query": as_a_user_runs_it(path, network)}, headers={"Accept": "text/csv"})
                queries[path.stem] = {"seconds": time.perf_counter() - t0, "status": r.status_code, "rows": max(0, r.text.count("\n") - 1)}
            out["queries"] = queries
    finally:
        stop.set()
        sampler.join(timeout=5)
        with __import__("contextlib").suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=15)
        out["peak"] = peak[0]
    return out


def run_scale(py: str, sizes: list[int], tmp_path: Path, cap: float, mem_cap: int, with_site: bool) -> list[ScaleResult]:
    results = []
    for size in sizes:
        data = tmp_path / f"synth-{size}"
        log(f"synth --triples {size}")
        made = subprocess.run(
            [py, "-m", "uugraph", "synth", "--triples", str(size), "--out", str(data), "--format", "json", "--quiet"], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True
        )
        synth = json.loads(made.stdout)
        log("floor: Oxigraph bulk load + N-Quads dump")
        floor = run([py, str(Path(__file__).resolve()), "--root", str(ROOT), "--floor-child", str(data)], cap=cap, mem_cap=mem_cap)
        log(f"floor {floor.wall:.1f} s, {floor.peak / MB:.0f} MB; validate")
        validate = run([py, "-m", "uugraph", "validate", "--quiet", "--data", str(data)], cap=cap, mem_cap=mem_cap)
        log(f"validate {validate.wall:.1f} s, {validate.peak / MB:.0f} MB {validate.killed}; build --no-site")
        dist = tmp_path / f"dist-{size}"
        build = run([py, "-m", "uugraph", "build", "--no-site", "--data", str(data), "--out", str(dist)], cap=cap, mem_cap=mem_cap)
        log(f"build --no-site {build.wall:.1f} s, {build.peak / MB:.0f} MB {build.killed}")
        site = None
        if with_site and not build.killed:
            # --site auto: the static site below 2M published triples, above it the pages on demand from the store
            site = run([py, "-m", "uugraph", "build", "--site", "auto", "--data", str(data), "--out", str(dist)], cap=cap, mem_cap=mem_cap)
            log(f"build --site auto {site.wall:.1f} s, {site.peak / MB:.0f} MB {site.killed}; site written: {(dist / 'site').is_dir()}")
        serve: dict = {}
        if not (dist / "store").is_dir() and not build.killed and build.returncode == 0:
            # Below the size --store auto writes one: the same build with its store, served with no site, so
            # the pages measured are those serve renders from the on-disk store, as at 10M.
            log("build --site never --store always, for serve: the pages on demand from the on-disk store")
            shutil.rmtree(dist, ignore_errors=True)
            with_store = run([py, "-m", "uugraph", "build", "--site", "never", "--store", "always", "--data", str(data), "--out", str(dist)], cap=cap, mem_cap=mem_cap)
            serve["store_built_for_serve"] = {"wall": with_store.wall, "peak": with_store.peak, "ok": with_store.returncode == 0}
            serve["in_memory_below"] = 0
        if not (dist / "store").is_dir():
            log("the build did not finish: a store of the asserted triples, for serve")
            shutil.rmtree(dist, ignore_errors=True)
            made_store = run([py, str(Path(__file__).resolve()), "--root", str(ROOT), "--store-child", str(data), str(dist)], cap=cap, mem_cap=mem_cap)
            serve["store_from_asserted"] = {"wall": made_store.wall, "peak": made_store.peak, "ok": made_store.returncode == 0}
        if (dist / "store").is_dir():
            log("serve the built store")
            serve |= measure_serve(py, dist, data, 120, mem_cap, in_memory_below=serve.get("in_memory_below"))
            log(f"serve ready {serve.get('ready')} s, peak {serve.get('peak', 0) / MB:.0f} MB {serve.get('error', '')}")
        results.append(ScaleResult(size, synth, floor, _json_line(floor), validate, build, site, serve))
        # Each size's tables as soon as it is done: a long run stopped at a larger size keeps what it measured.
        print(f"### {size:,} (done at {time.strftime('%H:%M:%S')}, load average {os.getloadavg()[0]:.2f})\n\n{scale_tables(results[-1:])}\n", flush=True)
        print(json.dumps({"size": size, "serve": serve, "floor": results[-1].floor_steps}), file=sys.stderr, flush=True)
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(dist, ignore_errors=True)
    return results


def _cell(result: Run | None) -> tuple[str, str]:
    if result is None:
        return "—", "—"
    if result.killed:
        return f"{result.killed} ({result.wall:.0f} s)", mb(result.peak)
    if result.returncode != 0:
        return f"exit {result.returncode}", mb(result.peak)
    return s(result.wall), mb(result.peak)


def scale_tables(results: list[ScaleResult]) -> str:
    rows = [
        "| size (synth) | published triples | floor s (load + dump) | floor peak MB | validate s | validate peak MB | build --no-site s | build peak MB"
        " | validate + build s | build --site auto s | its peak MB | that / floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        fw, fp = _cell(r.floor)
        vw, vp = _cell(r.validate)
        bw, bp = _cell(r.build)
        sw, sp = _cell(r.site)
        total = s(r.validate.wall + r.build.wall) if not (r.validate.killed or r.build.killed) else "—"
        ratio = f"{r.site.wall / r.floor.wall:.1f}x" if r.site is not None and not r.site.killed and r.floor.wall else "—"
        published = re.search(r"(\d[\d,]*) triples", " ".join(line for _, line in r.validate.stdout))
        split = f"{s(r.floor_steps.get('load'))} + {s(r.floor_steps.get('dump'))}"
        triples = published.group(1) if published else "—"
        rows.append(f"| {r.size:,} | {triples} | {fw} ({split}) | {fp} | {vw} | {vp} | {bw} | {bp} | {total} | {sw} | {sp} | {ratio} |")
    rows += ["", "| size | serve ready s | serve peak MB (tree) | page HTML p50 / p99 ms | page Turtle p50 / p99 ms | slowest query s | queries over 2 s |", "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        v = r.serve
        if not v:
            rows.append(f"| {r.size:,} | — | — | — | — | — | — |")
            continue
        queries = v.get("queries", {})
        slowest = max(queries.items(), key=lambda kv: kv[1]["seconds"]) if queries else None
        over = ", ".join(f"{k} ({q['seconds']:.1f} s)" for k, q in queries.items() if q["seconds"] > TARGET_SCALE_QUERY_S) or "none"
        pages = [f"{v[k + '_p50_ms']:.1f} / {v[k + '_p99_ms']:.1f}" if k + "_p50_ms" in v else "—" for k in ("html", "ttl")]
        ready = s(v["ready"]) if v.get("ready") is not None else v.get("error", "—")
        if "store_from_asserted" in v:
            ready += " (a store of the asserted triples: the build did not finish)"
        elif "store_built_for_serve" in v:
            ready += " (built with --site never --store always: pages from the on-disk store)"
        slow = f"{slowest[1]['seconds']:.3f} ({slowest[0]})" if slowest else "—"
        rows.append(f"| {r.size:,} | {ready} | {mb(v.get('peak'))} | {pages[0]} | {pages[1]} | {slow} | {over} |")
    steps = []
    for r in results:
        for name, run_ in (("validate", r.validate), ("build", r.build), ("build --site auto", r.site)):
            if run_ is not None:
                found = ", ".join(f"{k} {v[0]:.1f} s ({mb(v[1])} MB)" for k, v in steps_of(run_).items())
                steps.append(f"* {r.size:,}, {name}: {found or 'no step of 1 s or more'}")
    return "\n".join(rows + ["", "Steps (from the `[uugraph] STEP n s` lines; in brackets the tree's peak during the step):", ""] + steps)


# ---------------------------------------------------------------- reporting


def machine(load: tuple[float, float, float]) -> str:
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.lower().startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
            break
    return (
        f"{date.today().isoformat()}; nproc {os.cpu_count()}; CPU {cpu}; RAM {ram}; "
        f"Python {platform.python_version()} ({platform.system()} {platform.release()}); "
        f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def versions() -> str:
    from importlib import metadata

    parts = []
    for name in ("pyoxigraph", "pyshacl", "pyshacl-turbo", "rdflib", "owlrl"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return ", ".join(parts)


def commit(snapshot: str | None) -> str:
    if snapshot:
        return f"{snapshot} (a clean `git archive` snapshot of it, in a temporary folder)"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "ontology", "shapes", "queries", "data"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes in src/ or the project files)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def take_snapshot(into: Path, rev: str = "HEAD") -> str:
    """Extract ``rev`` of this checkout into ``into`` (git archive): a tree that cannot change while we measure."""
    here = Path(__file__).resolve().parents[1]
    rev = subprocess.run(["git", "rev-parse", "--short", rev], cwd=here, capture_output=True, text=True, check=True).stdout.strip()
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=here, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return rev


def s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}"


def mb(peak: int | None) -> str:
    return "—" if peak is None else f"{peak / MB:,.0f}"


def ratio(naive: float | None, ours: float | None, naive_lower: bool = False, ours_upper: bool = False) -> str:
    """naive / ours; ``naive_lower``: naive is only a lower bound; ``ours_upper``: ours is only an upper bound."""
    if naive is None or ours is None or ours <= 0:
        return "—"
    value = naive / ours
    return f"{'> ' if (naive_lower or ours_upper) else ''}{value:,.1f}x"


@dataclass
class SizeResult:
    size: int
    synth: dict
    ours: Ours
    naive: list[NaiveStep]
    lookups: dict | None
    lookups_run: Run | None
    cap: float


def naive_cell(step: NaiveStep, cap: float) -> tuple[str, float | None, bool]:
    """Display text, seconds to use in a ratio or sum, and whether those seconds are a lower bound."""
    if step.seconds is not None:
        return (s(step.seconds) + (f" {step.note}" if step.note else "")), step.seconds, False
    if step.note.startswith("over cap"):
        return f"over cap (> {cap:g} s){step.note[len('over cap') :]}", cap, True
    return step.note or "—", None, False


def size_table(r: SizeResult) -> str:
    build = r.ours.build_steps
    naive = {step.name: step for step in r.naive}

    def ours_step(*names: str) -> tuple[str, float | None, bool, int | None]:
        """Ours over the named steps: text, seconds, whether the seconds are an upper bound, peak."""
        found = [build[n] for n in names if n in build]
        if not found:
            return "< 1 (not reported)", 1.0, True, None
        seconds = sum(f[0] for f in found)
        peaks = [f[1] for f in found if f[1] is not None]
        missing = len(found) < len(names)
        text = s(seconds) + (" (+ steps < 1 s)" if missing else "")
        return text, seconds + (len(names) - len(found)) * 1.0 if missing else seconds, missing, max(peaks) if peaks else None

    rows = [
        ("parse (ours: load into Oxigraph; naive: rdflib parse)", ("load",), ("parse",)),
        ("reason (ours: compiled rules; naive: owlrl full closure)", ("reason",), ("closure",)),
        ("SHACL (ours: check shapes + validate, store engine; naive: pySHACL)", ("check shapes", "validate"), ("shacl",)),
        ("Turtle (ours: write Turtle; naive: rdflib serialize)", ("write Turtle",), ("turtle",)),
        ("JSON-LD (ours: write JSON-LD; naive: rdflib serialize)", ("write JSON-LD",), ("jsonld",)),
        ("export, all files (ours: serialise + N-Triples + Turtle + JSON-LD; naive: Turtle + JSON-LD)", ("serialise", "write N-Triples", "write Turtle", "write JSON-LD"), ("turtle", "jsonld")),
    ]
    lines = [
        "| step | ours wall s | ours peak MB | naive wall s | naive peak MB | ratio (naive/ours) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, ours_names, naive_names in rows:
        o_text, o_sec, o_upper, o_peak = ours_step(*ours_names)
        texts, secs, lower, peaks = [], 0.0, False, []
        for name in naive_names:
            step = naive[name]
            text, sec, is_lower = naive_cell(step, r.cap)
            texts.append(text)
            if sec is None:
                secs = None
            elif secs is not None:
                secs += sec
            lower = lower or is_lower
            if step.run is not None:
                peaks.append(step.run.peak)
        if len(naive_names) > 1:
            total_text = ("> " if lower else "") + s(secs) if secs is not None else "—"
            notes = {t.split(" ", 1)[1] for t in texts if " " in t and t.split(" ", 1)[1].startswith("(")}
            n_text = total_text + (" " + " ".join(sorted(notes)) if notes else "")
        else:
            n_text = texts[0]
        # ours "< 1 s" is an upper bound on ours, so the ratio is a lower bound only if naive is not also tiny.
        rat = ratio(secs, o_sec, lower, o_upper) if not (o_upper and secs is not None and secs < o_sec) else "—"
        lines.append(f"| {label} | {o_text} | {mb(o_peak)} | {n_text} | {mb(max(peaks) if peaks else None)} | {rat} |")
    return "\n".join(lines)


def naive_total(r: SizeResult) -> tuple[float, bool, int]:
    total, lower, peak = 0.0, False, 0
    for step in r.naive:
        _, sec, is_lower = naive_cell(step, r.cap)
        total += sec or 0.0
        lower = lower or is_lower or sec is None
        if step.run is not None:
            peak = max(peak, step.run.peak)
    return total, lower, peak


def totals_table(results: list[SizeResult]) -> str:
    lines = [
        "| size | ours validate s | ours build s | ours validate+build s | ours peak MB | naive sum of steps s | naive peak MB | ratio (naive/ours) | ours build with site s (site extra) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ours = r.ours.validate.wall + r.ours.build.wall
        peak = max(r.ours.validate.peak, r.ours.build.peak)
        total, lower, npeak = naive_total(r)
        if all(step.run is None for step in r.naive):
            naive_cells = "not run | — | —"
        else:
            naive_cells = f"{'> ' if lower else ''}{s(total)} | {mb(npeak)} | {ratio(total, ours, lower)}"
        site = f"{s(r.ours.site.wall)} (+{s(r.ours.site_extra)})" if r.ours.site is not None else "—"
        lines.append(f"| {r.size:,} | {s(r.ours.validate.wall)} | {s(r.ours.build.wall)} | {s(ours)} | {mb(peak)} | {naive_cells} | {site} |")
    return "\n".join(lines)


def steps_line(r: SizeResult) -> str:
    v = ", ".join(f"{k} {s(x)}" for k, x in r.ours.validate_steps.items()) or "no step took 1 s or more"
    b = ", ".join(f"{k} {s(x[0])}" for k, x in r.ours.build_steps.items()) or "no step took 1 s or more"
    return f"ours per step (stderr; only steps of 1 s or more are printed): validate: {v}; build: {b}"


def naive_details(r: SizeResult) -> str:
    parts = []
    for step in r.naive:
        if step.run is None:
            parts.append(f"{step.name}: {step.note}")
            continue
        d = ", ".join(f"{k} {v}" for k, v in step.details.items())
        parts.append(f"{step.name}: process {s(step.run.wall)} s" + (f", {d}" if d else "") + (f", {step.note}" if step.note else ""))
    return "naive per step: " + "; ".join(parts)


def lookup_table(results: list[SizeResult]) -> str:
    lines = [
        "| size | load+reason s | triples lookup p50 ms | p99 ms | memberships lookup p50 ms | p99 ms | queries, sum s | slowest query s | peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.lookups is None:
            lines.append(f"| {r.size:,} | failed | | | | | | | |")
            continue
        t, m = r.lookups["lookups"]["triples"], r.lookups["lookups"]["memberships"]
        q = r.lookups["queries"]
        slow = max(q, key=lambda k: q[k]["seconds"])
        lines.append(
            f"| {r.size:,} | {s(r.lookups['load_reason_seconds'])} | {t['p50_ms']:.3f} | {t['p99_ms']:.3f} "
            f"| {m['p50_ms']:.3f} | {m['p99_ms']:.3f} | {sum(v['seconds'] for v in q.values()):.3f} "
            f"| {q[slow]['seconds']:.3f} ({slow}) | {mb(r.lookups_run.peak if r.lookups_run else None)} |"
        )
    return "\n".join(lines)


def query_table(results: list[SizeResult]) -> str:
    done = [r for r in results if r.lookups is not None]
    if not done:
        return ""
    names = sorted({n for r in done for n in r.lookups["queries"]})
    head = "| query | " + " | ".join(f"{r.size:,}: s (rows)" for r in done) + " |"
    lines = [head, "|---|" + "---:|" * len(done)]
    for name in names:
        cells = []
        for r in done:
            q = r.lookups["queries"].get(name)
            cells.append("—" if q is None else f"{q['seconds']:.3f} ({q['rows']:,})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| **max** | " + " | ".join(f"**{max(v['seconds'] for v in r.lookups['queries'].values()):.3f}**" for r in done) + " |")
    return "\n".join(lines)


def real_table(runs: list[Run]) -> str:
    walls = [r.wall for r in runs]
    med = statistics.median(walls)
    return "\n".join(
        [
            f"| command ({len(runs)} runs, 1 warm-up) | min s | median s | max s | peak MB | target | met |",
            "|---|---:|---:|---:|---:|---|---|",
            f"| `python -m uugraph validate` (real data) | {min(walls):.2f} | {med:.2f} | {max(walls):.2f} "
            f"| {mb(max(r.peak for r in runs))} | median < {TARGET_REAL_VALIDATE:g} s | {'yes' if med < TARGET_REAL_VALIDATE else '**no**'} |",
        ]
    )


def targets_table(results: list[SizeResult], real: list[Run] | None) -> str:
    lines = ["| target | measured | met |", "|---|---|---|"]
    yes = lambda ok: "yes" if ok else "**no**"  # noqa: E731
    big = next((r for r in results if r.size == 1_000_000), None)
    if big is not None:
        ours = big.ours.validate.wall + big.ours.build.wall
        peak = max(big.ours.validate.peak, big.ours.build.peak)
        total, lower, _ = naive_total(big)
        lines.append(f"| 1M: ours validate + build < {TARGET_1M_WALL:g} s | {s(ours)} s | {yes(ours < TARGET_1M_WALL)} |")
        site_peak = big.ours.site.peak if big.ours.site is not None else 0
        lines.append(f"| 1M: ours peak memory < 4 GB (build with the site: {mb(site_peak)} MB) | {mb(peak)} MB | {yes(max(peak, site_peak) < TARGET_1M_PEAK)} |")
        if big.ours.site_extra is not None:
            extra = big.ours.site_extra
            lines.append(f"| 1M: the static site < {TARGET_SITE_EXTRA:g} s more | {s(extra)} s more | {yes(extra < TARGET_SITE_EXTRA)} |")
    if big is not None and any(step.run is not None for step in big.naive):
        value = total / ours
        met = value >= TARGET_1M_RATIO
        verdict = yes(met) if (met or not lower) else "**no** so far (naive is a lower bound)"
        lines.append(f"| 1M: at least {TARGET_1M_RATIO:g}x faster than naive | {'> ' if lower else ''}{value:.1f}x | {verdict} |")
    for r in results:
        if r.lookups is None:
            continue
        worst = max(r.lookups["lookups"][k]["p99_ms"] for k in ("triples", "memberships"))
        lines.append(f"| {r.size:,}: lookups < {TARGET_LOOKUP_MS:g} ms (p99 of both kinds) | {worst:.2f} ms | {yes(worst < TARGET_LOOKUP_MS)} |")
    if big is not None and big.lookups is not None:
        q = big.lookups["queries"]
        slow = max(q, key=lambda k: q[k]["seconds"])
        lines.append(f"| 1M: every query < {TARGET_QUERY_S:g} s | slowest {q[slow]['seconds']:.3f} s ({slow}) | {yes(q[slow]['seconds'] < TARGET_QUERY_S)} |")
    if real:
        med = statistics.median(r.wall for r in real)
        lines.append(f"| real data: validate median < {TARGET_REAL_VALIDATE:g} s | {med:.2f} s | {yes(med < TARGET_REAL_VALIDATE)} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated triple counts (default: 10000,100000,1000000)")
    parser.add_argument("--cap", type=float, default=600.0, help="time cap per naive step's timed region, seconds (default: 600)")
    parser.add_argument("--mem-cap", type=float, default=12_000, help="kill a naive step whose process tree passes this many MB (default: 12000)")
    parser.add_argument("--real-runs", type=int, default=5, help="runs of validate on the real data (default: 5; 0 skips)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run (default: this one)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw measurements as JSON")
    parser.add_argument("--skip-naive", action="store_true", help="only our pipeline and the lookups")
    parser.add_argument("--root", metavar="DIR", help="the project checkout to measure (default: the one holding this script)")
    parser.add_argument("--snapshot", nargs="?", const="HEAD", metavar="REV", help="measure a clean `git archive` of REV (default HEAD) instead of the working tree")
    parser.add_argument("--pss", action="store_true", help="sum PSS instead of RSS over the process tree (shared pages counted once)")
    parser.add_argument("--lookups-child", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--lookups", type=int, default=200, help="lookups of each kind (default: 200)")
    parser.add_argument("--scale", action="store_true", help="only the scale runs: the floor, validate, build --no-site, build --site auto (unless --no-site), serve")
    parser.add_argument("--no-site", action="store_true", help="with --scale: no build --site auto")
    parser.add_argument("--guard-mb", type=float, default=12_000, help="with --scale: kill a run whose process tree passes this many MB (default: 12000)")
    parser.add_argument("--floor-child", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--store-child", nargs=2, metavar=("DATA", "DIST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global ROOT, MEMORY
    if args.pss:
        MEMORY = "pss"
    if args.root:
        ROOT = Path(args.root).resolve()
    if args.lookups_child:
        return lookups_child(Path(args.lookups_child), args.lookups, seed=1234)
    if args.floor_child:
        return floor_child(Path(args.floor_child))
    if args.store_child:
        return store_child(Path(args.store_child[0]), Path(args.store_child[1]))

    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    py = args.python
    load = os.getloadavg()
    started = time.time()
    results: list[SizeResult] = []
    snapshot = None
    with tempfile.TemporaryDirectory(prefix="uugraph-scale-") as tmp:
        tmp_path = Path(tmp)
        if args.snapshot:
            snapshot = take_snapshot(tmp_path / "checkout", args.snapshot)
            ROOT = tmp_path / "checkout"
        where = subprocess.run(
            [py, "-c", "import uugraph, uugraph.config as c; print(uugraph.__file__); print(c.base_iri())"], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True
        ).stdout.split()
        imported, base = where[0], where[1]
        log(f"measuring {ROOT} (uugraph imported from {imported}; base IRI {base})")
        if not Path(imported).resolve().is_relative_to(ROOT):
            raise SystemExit(f"error: uugraph is imported from {imported}, not from {ROOT}/src")
        # The cache of reasoned stores lives and dies with this run: validate fills it, build uses it.
        os.environ["UUGRAPH_CACHE_DIR"] = str(tmp_path / "cache")
        if args.scale:
            scaled = run_scale(py, sizes, tmp_path, max(args.cap, 600), int(args.guard_mb * MB), not args.no_site)
            end = os.getloadavg()
            print(f"## At scale: the floor, ours and serve\n\nMachine: {machine(load)}\nLoad average at end: {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}; whole run {(time.time() - started) / 60:.0f} min")
            print(f"Versions: {versions()}\nCommit: {commit(snapshot)}")
            print(f"Peak memory: the largest sum of {MEMORY.upper()} over the process tree, {SAMPLING}; MB = 10^6 bytes.\n")
            print(scale_tables(scaled), flush=True)
            if args.json:

                def runs(x: Run | None) -> dict | None:
                    return None if x is None else {"wall": x.wall, "peak": x.peak, "killed": x.killed, "steps": steps_of(x)}

                raw = [
                    {"size": r.size, "synth": r.synth, "floor": r.floor_steps | runs(r.floor), "validate": runs(r.validate), "build": runs(r.build), "site": runs(r.site), "serve": r.serve}
                    for r in scaled
                ]
                Path(args.json).write_text(json.dumps(raw, indent=1) + "\n")
            return 0
        for size in sizes:
            data = tmp_path / f"synth-{size}"
            log(f"synth --triples {size}")
            made = subprocess.run(
                [py, "-m", "uugraph", "synth", "--triples", str(size), "--out", str(data), "--format", "json", "--quiet"], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True
            )
            synth_info = json.loads(made.stdout)
            ours = run_ours(py, data, tmp_path / f"dist-{size}", cap=max(args.cap, 600))
            lookups, lookups_run = run_lookups(py, data, cap=max(args.cap, 600))
            if args.skip_naive:
                naive = [NaiveStep(n, None, None, "not run") for n in ("parse", "closure", "shacl", "turtle", "jsonld")]
            else:
                work = tmp_path / f"naive-{size}"
                work.mkdir()
                naive = run_naive(py, data, work, args.cap, int(args.mem_cap * MB), base)
            results.append(SizeResult(size, synth_info, ours, naive, lookups, lookups_run, args.cap))

            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(tmp_path / f"dist-{size}", ignore_errors=True)
        real = run_real_validate(py, args.real_runs) if args.real_runs > 0 else None
    end_load = os.getloadavg()

    out = []
    out.append("# uugraph at scale: our pipeline against the naive stack")
    out.append("")
    out.append(f"Machine: {machine(load)}")
    out.append(f"Load average at end: {end_load[0]:.2f} {end_load[1]:.2f} {end_load[2]:.2f}; whole run {(time.time() - started) / 60:.0f} min")
    out.append(f"Versions: {versions()}")
    out.append(f"Commit: {commit(snapshot)}")
    out.append(
        f"Naive cap: {args.cap:g} s per step (timed region); memory guard {args.mem_cap:,.0f} MB. MB = 10^6 bytes. Peak memory: the largest sum of {MEMORY.upper()} over the process tree, {SAMPLING}."
    )
    for r in results:
        out.append("")
        info = r.synth
        out.append(f"## {r.size:,} triples (synth: {info['triples']:,} asserted triples, {info['universities']:,} universities, {info['networks']:,} networks, {info['memberships']:,} memberships)")
        out.append("")
        out.append(size_table(r))
        out.append("")
        out.append(steps_line(r))
        out.append("")
        out.append(naive_details(r))
    out.append("")
    out.append("## Totals: validate + build (whole processes) against the sum of the naive steps")
    out.append("")
    out.append(totals_table(results))
    out.append("")
    out.append("## Lookups and queries on the embedded store (load + reason once, in one process)")
    out.append("")
    out.append(lookup_table(results))
    out.append("")
    out.append(query_table(results))
    if real:
        out.append("")
        out.append("## validate on the real data")
        out.append("")
        out.append(real_table(real))
    out.append("")
    out.append("## Targets")
    out.append("")
    out.append(targets_table(results, real))
    print("\n".join(out), flush=True)

    if args.json:
        raw = {
            "machine": machine(load),
            "versions": versions(),
            "sizes": [
                {
                    "size": r.size,
                    "synth": r.synth,
                    "ours": {
                        "validate": {"wall": r.ours.validate.wall, "peak": r.ours.validate.peak, "steps": r.ours.validate_steps},
                        "build": {"wall": r.ours.build.wall, "peak": r.ours.build.peak, "steps": r.ours.build_steps},
                        "build_with_site": None if r.ours.site is None else {"wall": r.ours.site.wall, "peak": r.ours.site.peak, "steps": steps_of(r.ours.site)},
                    },
                    "naive": [
                        {"step": n.name, "seconds": n.seconds, "note": n.note, "details": n.details, "process_wall": n.run.wall if n.run else None, "peak": n.run.peak if n.run else None}
                        for n in r.naive
                    ],
                    "lookups": r.lookups,
                }
                for r in results
            ],
            "real_validate": [x.wall for x in real] if real else None,
        }
        Path(args.json).write_text(json.dumps(raw, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
