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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20; at most 300)")
    parser.add_argument("--dist", type=Path, help="a built folder to serve (default: build into a temporary folder)")
    parser.add_argument("--workers", type=int, help="the server's query workers (default: its own default)")
    parser.add_argument("--cache-mb", type=float, help="the server's cache of query answers in MiB (0: every query runs; default: its own)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the server")
    parser.add_argument("--check", action="store_true", help=f"exit 1 on any error or a p50 over {TARGET_P50_MS:g} ms")
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), 300.0)
    clients = min(max(args.clients, 1), 256)

    with tempfile.TemporaryDirectory(prefix="uugraph-bench-") as tmp:
        dist = args.dist
        if dist is None:
            dist = Path(tmp) / "dist"
            subprocess.run([args.python, "-m", "uugraph", "build", "--quiet", "--out", str(dist)], cwd=ROOT, check=True, timeout=300)
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
