"""Time publishing into a local Oxigraph server and a local Virtuoso, and query latency on each.

Builds the real data and a synthetic graph (`uugraph synth --triples N`, then
`uugraph build --no-site`), starts `oxigraph serve` (the PyPI package's binary)
and Debian's `virtuoso-t` on free 127.0.0.1 ports with fresh stores in a
temporary folder (the test helpers of tests/, so the same loopback-only
settings), publishes each graph into each store with `uugraph publish` as a
whole process, through the Graph Store Protocol and through SPARQL Update,
then runs every query of queries/ against the published real graph on each
store (`run_remote`, the graph named by default-graph-uri). One run; prints
Markdown tables. Only loopback traffic; the servers are stopped by their pids.

    python bench/bench_publish.py [--synthetic-triples 1000000] [--runs 3] [--stores oxigraph,virtuoso]
                                  [--no-update-path-synthetic] [--no-replace]

Each figure is also written to stderr as soon as it is measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from oxigraph_server import OxigraphServer  # noqa: E402
from virtuoso_server import USER, USER_PASSWORD, VirtuosoServer, available  # noqa: E402

from uugraph.outputs.describe import dataset_iri  # noqa: E402
from uugraph.pipeline.load import load_queries  # noqa: E402
from uugraph.remote.client import Client, Credentials  # noqa: E402
from uugraph.remote.query import run_remote  # noqa: E402

PYTHON = sys.executable
SYNTHETIC = "https://w3id.org/uugraph/id/dataset/synthetic"


def timed(*args: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "uugraph", *args], cwd=ROOT, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"uugraph {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic-triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each query (default 3; the median is shown)")
    parser.add_argument("--no-update-path-synthetic", action="store_true", help="skip the synthetic graph through SPARQL Update")
    parser.add_argument("--no-replace", action="store_true", help="skip publishing the synthetic graph again over itself (--force)")
    parser.add_argument("--stores", default="oxigraph,virtuoso", help="which stores (default oxigraph,virtuoso)")
    args = parser.parse_args()
    if not available():
        raise SystemExit("Virtuoso is not installed: `make test` (or apt-get install virtuoso-opensource) installs it")

    work = Path(tempfile.mkdtemp(prefix="uugraph-bench-publish-"))
    real, synthetic = work / "real", work / "synthetic"
    timed("build", "-q", "--no-site", "--out", str(real))
    start = time.perf_counter()
    timed("synth", "-q", "--triples", str(args.synthetic_triples), "--out", str(work / "synthetic-data"))
    timed("build", "-q", "--no-site", "--data", str(work / "synthetic-data"), "--out", str(synthetic))
    print(f"(synthetic build of {lines(synthetic / 'graph.nt'):,} triples: {time.perf_counter() - start:.0f} s, not part of the figures)", file=sys.stderr)

    oxigraph = OxigraphServer(work / "oxigraph")
    # ≈1.3 GB of cache, as a small production set-up; one transaction may change up to 1.5 GB (the default
    # 50 MB refuses the swap of the synthetic graph: SR325, see the README's Virtuoso set-up).
    # No execution time limit: the swap of the synthetic graph ran past the tests' 120 s (SR171).
    virtuoso = VirtuosoServer(work / "virtuoso", buffers=170_000, after_image=1_500_000_000, max_seconds=0)
    env = dict(os.environ, UUGRAPH_SPARQL_USER=USER, UUGRAPH_SPARQL_PASSWORD=USER_PASSWORD)
    env.pop("UUGRAPH_SPARQL_TOKEN", None)
    rows: list[tuple[str, str, str, int, float, str]] = []

    def measure(store: str, name: str, path: str, count: int, note: str, *publish_args: str) -> None:
        seconds = timed("publish", "-q", *publish_args, env=env)
        rows.append((store, name, path, count, seconds, note))
        print(f"{store} | {name} | {path} | {count:,} | {seconds:.1f} s | {note}", file=sys.stderr, flush=True)

    try:
        oxigraph.start()
        virtuoso.start()
        virtuoso.create_user()
        stores = {
            "Oxigraph": (["--preset", "oxigraph", oxigraph.base], ["--endpoint", oxigraph.query, "--update-endpoint", oxigraph.base + "/update"]),
            "Virtuoso": (["--preset", "virtuoso", virtuoso.base], ["--endpoint", virtuoso.query, "--update-endpoint", virtuoso.base + "/sparql-auth"]),
        }
        wanted = {name.strip().lower() for name in args.stores.split(",")}
        for store, (gsp, update) in stores.items():
            if store.lower() not in wanted:
                continue
            size, big = lines(real / "graph.nt"), lines(synthetic / "graph.nt")
            measure(store, "real data", "Graph Store Protocol", size, "first publish", "--dist", str(real), *gsp)
            measure(store, "real data", "Graph Store Protocol", size, "again: unchanged, nothing sent", "--dist", str(real), *gsp)
            measure(store, "real data", "SPARQL Update", size, "first publish", "--dist", str(real), *update, "--graph", dataset_iri() + "-update")
            measure(store, "synthetic", "Graph Store Protocol", big, "first publish", "--dist", str(synthetic), *gsp, "--graph", SYNTHETIC)
            if not args.no_replace:
                measure(store, "synthetic", "Graph Store Protocol", big, "again, --force: replaces it", "--dist", str(synthetic), *gsp, "--graph", SYNTHETIC, "--force")
            if not args.no_update_path_synthetic:
                measure(store, "synthetic", "SPARQL Update", big, "first publish", "--dist", str(synthetic), *update, "--graph", SYNTHETIC + "-update")

        print(f"\n## Publishing into a local Oxigraph server and a local Virtuoso (127.0.0.1), {time.strftime('%Y-%m-%d')}\n")
        print("| store | graph | path | triples | wall s | triples/s | note |\n| --- | --- | --- | ---: | ---: | ---: | --- |")
        for store, name, path, count, seconds, note in rows:
            rate = f"{count / seconds:,.0f}" if note != "again: unchanged, nothing sent" else "–"
            print(f"| {store} | {name} | {path} | {count:,} | {seconds:.1f} | {rate} | {note} |")

        print(f"\n## Queries of queries/ against the published real graph (median of {args.runs}, ms, default-graph-uri)\n")
        endpoints = {store: endpoint for store, endpoint in {"Oxigraph": oxigraph.query, "Virtuoso": virtuoso.query}.items() if store.lower() in wanted}
        print("| query | rows | " + " | ".join(endpoints) + " |\n| --- | ---: |" + " ---: |" * len(endpoints))
        client = Client(retries=0, timeout=60, credentials=Credentials())
        totals = dict.fromkeys(endpoints, 0.0)
        for name, query in load_queries(ROOT / "queries").items():
            cells = []
            count = 0
            for store, endpoint in endpoints.items():
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    table = run_remote(endpoint, query.text, graph=dataset_iri(), client=client)
                    times.append((time.perf_counter() - start) * 1000)
                count = len(table.rows) if table.boolean is None else 1
                totals[store] += statistics.median(times)
                cells.append(f"{statistics.median(times):.1f}")
            print(f"| {name} | {count} | {' | '.join(cells)} |")
        print(f"| **all {len(load_queries(ROOT / 'queries'))} queries** | | " + " | ".join(f"{totals[store]:.0f}" for store in endpoints) + " |")
    finally:
        virtuoso.stop()
        oxigraph.stop()
        shutil.rmtree(work, ignore_errors=True)  # the stores of a 1M run take gigabytes


if __name__ == "__main__":
    main()
