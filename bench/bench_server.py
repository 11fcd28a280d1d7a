#!/usr/bin/env python3
"""Load the HTTP server on loopback: concurrent clients, a mix of entity pages and SPARQL queries.

Starts ``python -m uugraph serve`` itself on a free 127.0.0.1 port (serving
``--dist``, or a fresh build in a temporary folder), waits until it answers,
then runs ``--clients`` concurrent keep-alive connections (default 16) for
``--duration`` seconds (default 20). Each client loops over a shuffled mix of

* entity pages: ``GET /doc/…`` of every network and membership of the graph,
  alternately as HTML and as Turtle (``Accept``), and
* queries: every ``queries/*.rq``, ``POST /sparql`` as ``application/sparql-query``
  with ``Accept: application/sparql-results+json``,

one request at a time per connection, and stops by itself when the time is up.
Prints throughput, p50 / p90 / p99 / max latency per kind and the error count
(any status other than 200, or a broken connection); ``--check`` exits 1 when
there are errors or a p50 is over the target (10 ms). Only loopback is ever
contacted. Usage::

    .venv/bin/python bench/bench_server.py [--clients 16] [--duration 20] [--dist DIR] [--workers N] [--cache-mb MB] [--check]

The server caches query answers by default (the store never changes while it
runs), so repeated queries are answered from memory after the warm-up;
``--cache-mb 0`` makes every query run in a worker.

The client is a minimal HTTP/1.1 client on asyncio streams (no client library
in the hot loop), so the numbers measure the server more than the client; on a
2-core machine both still share the CPUs.

``--hostile`` runs the hostile loads of issue 11 instead, each against a fresh
server with its default limits (``--duration`` seconds each):

* **runaway**: two clients loop a query that runs into the 5 s timeout while
  ``--cheap-clients`` (default 4) loop cheap queries the cache has never seen
  (the properties of one subject of the graph, each with a fresh comment;
  first without the runaway clients, then beside them); prints throughput,
  p50/p99 and the share of 200 and of 503 among the cheap ones (the target:
  at least 95 % 200, p99 under 1 s);
* **slow readers**: 30 clients ask for a large answer (a cross join cut by the
  answer-size cap, 16 MiB, served from the cache) and never read it; the
  resident memory of the server and its workers is sampled throughout (the
  target: a peak under 1 GB), and the connections must be closed by the send
  timeout;
* **big header**: one client keeps sending requests with a 1 MiB header while
  four clients load the ordinary mix; prints the 431's latency and the others'
  p50/p99 beside a run without it.

Each simulated client connects from its own loopback address (127.0.0.2 …,
all of 127.0.0.0/8 is loopback on Linux), so the per-client limits see them as
the distinct clients they stand for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_P50_MS = 10.0


@dataclass
class Request:
    kind: str
    raw: bytes


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_requests(dist: Path) -> list[Request]:
    """Entity pages of every network and membership (HTML and Turtle) and every query of queries/."""
    sys.path.insert(0, str(ROOT / "src"))
    from uugraph.config import base_iri
    from uugraph.iris import document_path

    base = base_iri()
    documents = set()
    for line in (dist / "graph.nt").read_text(encoding="utf-8").splitlines():
        subject = line.split(" ", 1)[0].strip("<>")
        if subject.startswith((base + "id/org/", base + "id/membership/")):
            path = document_path(subject)
            if path:
                documents.add(path)
    requests = []
    for path in sorted(documents):
        for accept, kind in (("text/html", "page html"), ("text/turtle", "page ttl")):
            raw = f"GET /{path} HTTP/1.1\r\nHost: bench\r\nAccept: {accept}\r\n\r\n".encode()
            requests.append(Request(kind, raw))
    queries = []
    for rq in sorted((ROOT / "queries").glob("*.rq")):
        body = rq.read_bytes()
        head = (f"POST /sparql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/sparql-query\r\nAccept: application/sparql-results+json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        queries.append(Request("query", head + body))
    # As many query requests as page requests in the mix: both kinds are measured on equal terms.
    repeat = max(1, len(requests) // max(1, len(queries)))
    return requests + queries * repeat


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise ConnectionError("response without Content-Length")
    await reader.readexactly(length)
    return status


async def client(port: int, requests: list[Request], deadline: float, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    order = list(requests)
    reader = writer = None
    while time.perf_counter() < deadline:
        rng.shuffle(order)
        for request in order:
            if time.perf_counter() >= deadline:
                break
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
                started = time.perf_counter()
                writer.write(request.raw)
                status = await asyncio.wait_for(read_response(reader), 10)
                elapsed = time.perf_counter() - started
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError, ConnectionError):
                stats.errors[request.kind] = stats.errors.get(request.kind, 0) + 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            if status != 200:
                stats.errors[request.kind] = stats.errors.get(request.kind, 0) + 1
            stats.latencies.setdefault(request.kind, []).append(elapsed)
    if writer is not None:
        writer.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def warm_up(port: int, requests: list[Request]) -> None:
    """Each distinct request once, so the run measures the steady state (caches, page cache, workers)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for request in {r.raw: r for r in requests}.values():
        writer.write(request.raw)
        await asyncio.wait_for(read_response(reader), 10)
    writer.close()


async def run(port: int, requests: list[Request], clients: int, duration: float) -> tuple[Stats, float]:
    await warm_up(port, requests)
    stats = Stats()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(client(port, requests, deadline, stats, seed) for seed in range(clients)))
    return stats, time.perf_counter() - started


def wait_until_up(process: subprocess.Popen, port: int, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /sparql HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer in time")


# ---------------------------------------------------------------- hostile loads (issue 11)

RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l .
  FILTER (STRLEN(STR(?c)) + STRLEN(STR(?f)) + STRLEN(STR(?i)) + STRLEN(STR(?l)) = 1)
}"""
LARGE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # cut by the answer-size cap, not by rows
SLOW_READERS = 30
BIG_HEADER = 1 << 20
TARGET_CHEAP_OK = 0.95
TARGET_CHEAP_P99_S = 1.0
TARGET_PEAK_RSS = 1 << 30
PHASES = frozenset({"runaway", "readers", "header"})


def sparql_post(query: str, accept: str = "application/sparql-results+json") -> bytes:
    body = query.encode()
    head = f"POST /sparql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/sparql-query\r\nAccept: {accept}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def loopback(n: int) -> str:
    """The n-th loopback address after 127.0.0.1 (127.0.0.2, …, 127.0.1.0, …): one per simulated client."""
    i = n + 1
    return f"127.0.{i // 250}.{i % 250 + 1}"


def tree_pss(pid: int) -> int:
    """Proportional resident bytes of ``pid`` and its children (a page shared by n processes counts 1/n in each)."""
    total = 0
    for one in [pid, *children(pid)]:
        try:
            rollup = Path(f"/proc/{one}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return total


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry))
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its children (shared pages counted in each: an upper bound)."""
    total = 0
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                pids.append(int(entry))
    for one in pids:
        try:
            status = Path(f"/proc/{one}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


async def loop_requests(port: int, address: str, make: Callable[[], bytes], deadline: float, out: list[tuple[int, float]]) -> None:
    """One client from ``address``: a request at a time until ``deadline``, each answer's status and seconds kept (status 0: broken)."""
    reader = writer = None
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0)), 5)
            assert reader is not None
            writer.write(make())
            status = await asyncio.wait_for(read_response(reader), 15)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError, ConnectionError):
            out.append((0, time.perf_counter() - started))
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.05)
            continue
        out.append((status, time.perf_counter() - started))
    if writer is not None:
        writer.close()


def summary(label: str, results: list[tuple[int, float]], elapsed: float) -> dict[str, float]:
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    times = [t for _, t in results] or [0.0]
    n = max(1, len(results))
    figures = {
        "requests": len(results),
        "rps": len(results) / elapsed,
        "ok": statuses.get(200, 0) / n,
        "busy": statuses.get(503, 0) / n,
        "p50": percentile(times, 50),
        "p99": percentile(times, 99),
        "max": max(times),
    }
    print(
        f"| {label} | {len(results)} | {figures['rps']:.1f} | {figures['ok'] * 100:.1f} % | {figures['busy'] * 100:.1f} % | "
        f"{figures['p50'] * 1000:.0f} | {figures['p99'] * 1000:.0f} | {figures['max'] * 1000:.0f} | {dict(sorted(statuses.items()))} |"
    )
    return figures


def subjects(dist: Path) -> list[str]:
    """The IRIs of the graph's subjects, for the cheap lookups."""
    found = {line.split(" ", 1)[0] for line in (dist / "graph.nt").read_text(encoding="utf-8").splitlines() if line.startswith("<")}
    return sorted(found)


async def runaway_load(port: int, duration: float, cheap_clients: int, runaways: int, lookups: list[str]) -> tuple[list[tuple[int, float]], list[tuple[int, float]], float]:
    rng = random.Random(11)

    def cheap() -> bytes:  # one subject's properties, a query the cache has not seen: the comment makes the text new
        return sparql_post(f"SELECT ?p ?o WHERE {{ {rng.choice(lookups)} ?p ?o }}\n# {time.perf_counter_ns()}\n")

    cheap_results: list[tuple[int, float]] = []
    runaway_results: list[tuple[int, float]] = []
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(loop_requests(port, loopback(i), lambda: sparql_post(RUNAWAY), deadline, runaway_results) for i in range(runaways)),
        *(loop_requests(port, loopback(10 + i), cheap, deadline, cheap_results) for i in range(cheap_clients)),
    )
    return cheap_results, runaway_results, time.perf_counter() - started


def slow_readers(server: subprocess.Popen[bytes], port: int, hold: float, distinct: bool) -> dict[str, object]:
    """30 clients ask for the large answer and never read; RSS sampled; then: were they closed, is the server fine?

    ``distinct``: each asks a query of its own (a comment makes it new), so each answer is computed and held apart.
    """
    warm = socket.create_connection(("127.0.0.1", port), timeout=60)
    started = time.perf_counter()
    warm.sendall(sparql_post(LARGE))
    received, head = 0, b""
    while b"\r\n\r\n" not in head:
        head += warm.recv(65536)
    header, _, rest = head.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in header.split(b"\r\n") if line.lower().startswith(b"content-length")))
    truncated = b"x-result-truncated: true" in header.lower()
    received = len(rest)
    while received < length:
        chunk = warm.recv(1 << 20)
        if not chunk:
            break
        received += len(chunk)
    warm.close()
    print(f"large answer: {length / (1 << 20):.1f} MiB, truncated: {truncated}, first fetch {time.perf_counter() - started:.1f} s (then cached)")
    time.sleep(1)
    baseline = tree_rss(server.pid)
    readers = []
    for i in range(SLOW_READERS):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # small kernel buffers: the server's own buffering shows
        s.bind((loopback(100 + i), 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        s.sendall(sparql_post(f"{LARGE} # reader {i} {time.perf_counter_ns()}" if distinct else LARGE))
        readers.append(s)
    peak, peak_pss, t0 = baseline, tree_pss(server.pid), time.perf_counter()
    while time.perf_counter() - t0 < hold:
        peak = max(peak, tree_rss(server.pid))
        peak_pss = max(peak_pss, tree_pss(server.pid))
        time.sleep(0.1)
    closed = 0
    statuses: dict[str, int] = {}
    for s in readers:
        s.settimeout(0.5)
        try:
            line = s.recv(12)
            status = line[9:12].decode() if line.startswith(b"HTTP/1.1 ") else "none"
            statuses[status] = statuses.get(status, 0) + 1
            while s.recv(1 << 16):
                pass
            closed += 1  # orderly end of the connection
        except ConnectionResetError:
            closed += 1  # aborted by the server: its buffer is gone
        except (TimeoutError, OSError):
            pass
        s.close()
    after_started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        ok = s.recv(12).startswith(b"HTTP/1.1 200")
    figures: dict[str, object] = {
        "statuses": dict(sorted(statuses.items())),
        "answer_mib": length / (1 << 20),
        "baseline_mb": baseline / 1e6,
        "peak_mb": peak / 1e6,
        "peak_pss_mb": peak_pss / 1e6,
        "after_mb": tree_rss(server.pid) / 1e6,
        "closed": closed,
        "served_after": float(ok),
        "after_ms": (time.perf_counter() - after_started) * 1000,
    }
    return figures


async def header_load(port: int, requests: list[Request], duration: float, with_header: bool) -> tuple[Stats, list[tuple[int, float]], float]:
    stats = Stats()
    refusals: list[tuple[int, float]] = []
    started = time.perf_counter()
    deadline = started + duration
    big = b"GET /sparql HTTP/1.1\r\nHost: bench\r\nX-Big: " + b"a" * BIG_HEADER + b"\r\n\r\n"

    async def header_client() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=(loopback(50), 0)), 5)
                writer.write(big)
                line = await asyncio.wait_for(reader.readline(), 10)
                refusals.append((int(line.split(b" ")[1]), time.perf_counter() - began))
                writer.close()
            except (OSError, TimeoutError, ValueError, IndexError):
                refusals.append((0, time.perf_counter() - began))
            await asyncio.sleep(0.05)

    tasks = [client(port, requests, deadline, stats, seed) for seed in range(4)]
    if with_header:
        tasks.append(header_client())
    await asyncio.gather(*tasks)
    return stats, refusals, time.perf_counter() - started


def start_server(python: str, dist: Path, flags: list[str]) -> tuple[subprocess.Popen[bytes], int, list[str]]:
    port = free_port()
    command = [python, "-m", "uugraph", "serve", "--quiet", "--host", "127.0.0.1", "--port", str(port), "--dist", str(dist), *flags]
    env = dict(os.environ)
    env.pop("UUGRAPH_BASE_IRI", None)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(server, port)
    except BaseException:
        stop_server(server)
        raise
    return server, port, command


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def hostile(python: str, dist: Path, duration: float, cheap_clients: int, phases: Collection[str] = PHASES) -> bool:
    """The hostile loads of issue 11 (of ``phases``), each on a fresh server; True when every target is met."""
    print(f"Machine: nproc {os.cpu_count()}; Python {platform.python_version()} ({platform.system()} {platform.release()}); load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    met = True

    if "runaway" in phases:
        met = runaway_phase(python, dist, duration, cheap_clients) and met
    if "readers" in phases:
        met = readers_phase(python, dist) and met
    if "header" in phases:
        met = header_phase(python, dist, duration) and met
    return met


def runaway_phase(python: str, dist: Path, duration: float, cheap_clients: int) -> bool:
    met = True
    server, port, command = start_server(python, dist, [])
    try:
        print(f"\n### Runaway clients\n\nserver: {' '.join(command[2:])}\n")
        print("| load | requests | req/s | 200 | 503 | p50 ms | p99 ms | max ms | statuses |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        lookups = subjects(dist)
        alone, _, elapsed = asyncio.run(runaway_load(port, duration, cheap_clients, 0, lookups))
        summary(f"{cheap_clients} cheap clients alone", alone, elapsed)
        cheap, runaway, elapsed = asyncio.run(runaway_load(port, duration, cheap_clients, 2, lookups))
        figures = summary(f"{cheap_clients} cheap clients beside 2 runaway ones", cheap, elapsed)
        summary("the 2 runaway clients", runaway, elapsed)
        ok = figures["ok"] >= TARGET_CHEAP_OK and figures["p99"] < TARGET_CHEAP_P99_S
        met = met and ok
        print(f"\ntarget: at least {TARGET_CHEAP_OK:.0%} of the cheap queries 200, p99 under {TARGET_CHEAP_P99_S:g} s: {'met' if ok else 'NOT met'}")
    finally:
        stop_server(server)

    return met


def readers_phase(python: str, dist: Path) -> bool:
    met = True
    print(f"\n### {SLOW_READERS} slow readers")
    cases = [
        # rows unbounded, so the 16 MiB answer cap cuts the answer; cached, so the readers share one copy
        (["--max-rows", "1000000", "--cache-mb", "256", "--timeout", "60"], False),
        # the defaults: the answer cut at the row cap; a query each, so each answer is computed (or refused) apart
        ([], True),
    ]
    for flags, distinct in cases:
        server, port, command = start_server(python, dist, flags)
        try:
            print(f"\nserver: {' '.join(command[2:])}\n")
            hold = 18.0  # past the 5 s query timeout and the 10 s send timeout
            f = slow_readers(server, port, hold, distinct)
            ok = float(f["peak_mb"]) * 1e6 < TARGET_PEAK_RSS and f["closed"] == SLOW_READERS and bool(f["served_after"])
            met = met and ok
            print(
                f"{'each its own query (computed apart)' if distinct else 'one query (its answer cached, shared)'}: RSS of the server and its workers "
                f"{f['baseline_mb']:.0f} MB before, peak {f['peak_mb']:.0f} MB (PSS {f['peak_pss_mb']:.0f} MB) over {hold:g} s with {SLOW_READERS} readers "
                f"of a {f['answer_mib']:.1f} MiB answer, {f['after_mb']:.0f} MB after; statuses {f['statuses']}; connections closed by the server: "
                f"{f['closed']}/{SLOW_READERS}; a request after them: {'200' if f['served_after'] else 'FAILED'} in {f['after_ms']:.0f} ms"
            )
            print(f"target: peak under 1 GB, every slow reader's connection closed: {'met' if ok else 'NOT met'}")
        finally:
            stop_server(server)

    return met


def header_phase(python: str, dist: Path, duration: float) -> bool:
    met = True
    server, port, command = start_server(python, dist, [])
    try:
        print(f"\n### A 1 MiB header\n\nserver: {' '.join(command[2:])}; 4 clients load the mix of pages and queries\n")
        requests = build_requests(dist)
        asyncio.run(warm_up(port, requests))
        print("| load | responses | req/s | p50 ms | p99 ms | max ms | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        refusals: list[tuple[int, float]] = []
        for with_header in (False, True):
            stats, refusals_now, elapsed = asyncio.run(header_load(port, requests, min(duration, 10.0), with_header))
            values = [v for vs in stats.latencies.values() for v in vs]
            label = "mix, with one client sending 1 MiB headers" if with_header else "mix alone"
            print(
                f"| {label} | {len(values)} | {len(values) / elapsed:.0f} | {percentile(values, 50) * 1000:.2f} | {percentile(values, 99) * 1000:.2f} | "
                f"{max(values) * 1000:.1f} | {sum(stats.errors.values())} |"
            )
            refusals = refusals_now or refusals
        statuses = sorted({status for status, _ in refusals})
        times = [t for _, t in refusals] or [0.0]
        ok = statuses == [431]
        met = met and ok
        print(f"\n1 MiB headers: {len(refusals)} sent, statuses {statuses}, answered after p50 {percentile(times, 50) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
        print(f"target: every 1 MiB header answered 431: {'met' if ok else 'NOT met'}")
    finally:
        stop_server(server)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20; at most 300)")
    parser.add_argument("--dist", type=Path, help="a built folder to serve (default: build into a temporary folder)")
    parser.add_argument("--workers", type=int, help="the server's query workers (default: its own default)")
    parser.add_argument("--cache-mb", type=float, help="the server's cache of query answers in MiB (0: every query runs; default: its own)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the server")
    parser.add_argument("--check", action="store_true", help=f"exit 1 on any error or a p50 over {TARGET_P50_MS:g} ms (with --hostile: a target not met)")
    parser.add_argument("--hostile", action="store_true", help="run the hostile loads of issue 11 (runaway clients, slow readers, a 1 MiB header) instead")
    parser.add_argument("--phases", help="with --hostile: which loads, of runaway,readers,header (default: all)")
    parser.add_argument("--cheap-clients", type=int, default=4, help="with --hostile: clients looping cheap queries beside the runaway ones (default 4)")
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), 300.0)
    clients = min(max(args.clients, 1), 256)

    with tempfile.TemporaryDirectory(prefix="uugraph-bench-") as tmp:
        dist = args.dist
        if dist is None:
            dist = Path(tmp) / "dist"
            subprocess.run([args.python, "-m", "uugraph", "build", "--quiet", "--out", str(dist)], cwd=ROOT, check=True, timeout=300)
        if args.hostile:
            phases = set(args.phases.split(",")) & PHASES if args.phases else set(PHASES)
            met = hostile(args.python, dist, duration, min(max(args.cheap_clients, 1), 64), phases)
            return 0 if met or not args.check else 1
        port = free_port()
        command = [args.python, "-m", "uugraph", "serve", "--quiet", "--host", "127.0.0.1", "--port", str(port), "--dist", str(dist)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        if args.cache_mb is not None:
            command += ["--cache-mb", str(args.cache_mb)]
        env = dict(os.environ)
        env.pop("UUGRAPH_BASE_IRI", None)
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until_up(server, port)
            requests = build_requests(dist)
            load_before = os.getloadavg()
            try:  # the client's own overhead counts against the server on a shared machine: keep it small
                import uvloop

                stats, elapsed = uvloop.run(run(port, requests, clients, duration))
            except ImportError:
                stats, elapsed = asyncio.run(run(port, requests, clients, duration))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)

    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    print(f"Machine: nproc {os.cpu_count()}; Python {platform.python_version()} ({platform.system()} {platform.release()}); load average at start {' '.join(f'{x:.2f}' for x in load_before)}")
    print(f"server: {' '.join(command[2:])}")
    print(f"{clients} clients for {elapsed:.1f} s on loopback: {total} responses, {total / elapsed:.0f} req/s, {errors} errors")
    print(f"statuses: {dict(sorted(stats.statuses.items()))}")
    print()
    print("| kind | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | mean ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ok = errors == 0
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        p50 = percentile(values, 50) * 1000
        ok = ok and p50 <= TARGET_P50_MS
        print(
            f"| {kind} | {len(values)} | {len(values) / elapsed:.0f} | {p50:.2f} | {percentile(values, 90) * 1000:.2f} | "
            f"{percentile(values, 99) * 1000:.2f} | {max(values) * 1000:.2f} | {statistics.fmean(values) * 1000:.2f} | {stats.errors.get(kind, 0)} |"
        )
    print()
    print(f"target: zero errors and p50 under {TARGET_P50_MS:g} ms per kind: {'met' if ok else 'NOT met'}")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
