"""Time publishing into a local Oxigraph server, and query latency against it.

Starts `oxigraph serve` (the PyPI package's binary) on a free 127.0.0.1 port
with a fresh store folder, builds the real data and a synthetic graph
(`uugraph synth`), publishes each with `uugraph publish --preset oxigraph`
as a whole process, then runs every query of queries/ against the published
graph (`run_remote`, with the graph named by default-graph-uri) a few times.
Prints Markdown tables. Only loopback traffic; the server is stopped by its pid.

    python bench/bench_publish.py [--synthetic-triples 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from uugraph.outputs.describe import dataset_iri  # noqa: E402
from uugraph.pipeline.load import load_queries  # noqa: E402
from uugraph.pipeline.query import run_remote  # noqa: E402

PYTHON = sys.executable
OXIGRAPH = Path(PYTHON).with_name("oxigraph")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(*args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "uugraph", *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"uugraph {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic-triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each query (default 5)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="uugraph-bench-publish-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(work / "store"), "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("oxigraph serve did not start") from None
                time.sleep(0.05)

        rows = []
        real = work / "real"
        timed("build", "-q", "--out", str(real))
        lines = sum(1 for _ in (real / "graph.nt").open("rb"))
        rows.append(("real data", lines, timed("publish", "-q", "--dist", str(real), "--preset", "oxigraph", base), "first publish"))
        rows.append(("real data", lines, timed("publish", "-q", "--dist", str(real), "--preset", "oxigraph", base), "again (unchanged: nothing sent)"))

        synthetic = work / "synthetic"
        timed("synth", "-q", "--triples", str(args.synthetic_triples), "--out", str(work / "synthetic-data"))
        timed("build", "-q", "--data", str(work / "synthetic-data"), "--out", str(synthetic))
        big = sum(1 for _ in (synthetic / "graph.nt").open("rb"))
        graph = "https://w3id.org/uugraph/id/dataset/synthetic"
        rows.append(("synthetic", big, timed("publish", "-q", "--dist", str(synthetic), "--preset", "oxigraph", base, "--graph", graph), "first publish"))

        print(f"\n## Publishing into oxigraph serve (127.0.0.1), {time.strftime('%Y-%m-%d')}\n")
        print("| graph | triples | wall s | note |\n| --- | ---: | ---: | --- |")
        for name, count, seconds, note in rows:
            print(f"| {name} | {count:,} | {seconds:.2f} | {note} |")

        print("\n## Queries of queries/ against the published real graph (SPARQLWrapper, default-graph-uri)\n")
        print("| query | rows | median ms | max ms |\n| --- | ---: | ---: | ---: |")
        endpoint = f"{base}/query"
        for name, query in load_queries(ROOT / "queries").items():
            times = []
            table = None
            for _ in range(args.runs):
                start = time.perf_counter()
                table = run_remote(endpoint, query.text, graph=dataset_iri())
                times.append((time.perf_counter() - start) * 1000)
            count = len(table.rows) if table and table.boolean is None else 1
            print(f"| {name} | {count} | {statistics.median(times):.1f} | {max(times):.1f} |")
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
