"""Stage 6, publish: put a build into a SPARQL server through the standard protocols only.

The graph goes up in chunks into a *staging* named graph, with the SPARQL 1.1
Graph Store HTTP Protocol when the store offers it (``--store-endpoint``) or
with SPARQL Update ``INSERT DATA`` otherwise, all through the one client of
:mod:`uugraph.remote.client` (its timeouts, retries, credentials and errors). Only when
every chunk is in does one SPARQL Update request ``MOVE`` the staging graph
onto the live one and record what was published, so a reader never sees half
a graph and a failed or interrupted upload leaves the previous graph intact.
Publishing the same build twice changes nothing: the record's checksum is
compared first and an unchanged build is not uploaded again.

Nothing outside the publication's own graphs is touched: the live graph, its
staging graph and its record graph (``<graph>#publication``).

Credentials come from the environment, never from the command line, and are
never printed: ``UUGRAPH_SPARQL_USER`` and ``UUGRAPH_SPARQL_PASSWORD`` (HTTP
Basic or Digest, as the server asks) or ``UUGRAPH_SPARQL_TOKEN`` (Bearer).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from uugraph.errors import InputError, Rejected, Unreachable, UugraphError
from uugraph.outputs.describe import dataset_iri
from uugraph.rdf.namespaces import SPDX, VOID
from uugraph.remote.client import Client, ServerFailed

__all__ = ["PRESETS", "Client", "Endpoints", "PublishResult", "publish", "published_checksum", "record_graph", "staging_graph"]

# How stores lay out their endpoints, for --preset NAME BASE_URL.
PRESETS: dict[str, tuple[str, str, str | None]] = {
    "oxigraph": ("{base}/query", "{base}/update", "{base}/store"),
    "fuseki": ("{base}/query", "{base}/update", "{base}/data"),  # BASE_URL = http://host:3030/DATASET
    "virtuoso": ("{base}/sparql", "{base}/sparql-auth", "{base}/sparql-graph-crud-auth"),  # the -auth endpoints take Digest
    "graphdb": ("{base}", "{base}/statements", "{base}/rdf-graphs/service"),  # BASE_URL = http://host:7200/repositories/REPO
    "qlever": ("{base}", "{base}", None),  # QLever takes updates on its one endpoint, with an access token
}

SPDX_CHECKSUM = SPDX + "checksumValue"
VOID_TRIPLES = VOID + "triples"


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    store: str | None = None

    @classmethod
    def from_preset(cls, name: str, base_url: str) -> Endpoints:
        if name not in PRESETS:
            raise InputError("--preset", None, None, f"unknown preset {name!r}; known: {', '.join(sorted(PRESETS))}")
        query, update, store = PRESETS[name]
        base = base_url.rstrip("/")
        return cls(query.format(base=base), update.format(base=base), store.format(base=base) if store else None)


@dataclass
class PublishResult:
    graph: str
    triples: int
    checksum: str
    changed: bool
    chunks: int


# Request sizes. The Graph Store Protocol sends N-Triples, which every store streams: big chunks.
# SPARQL Update text goes through the store's SPARQL parser, which has limits of its own: Virtuoso 7.2
# refuses an INSERT DATA past about 4,990 triples (SP030, "memory exhausted") and compiles an
# INSERT {...} WHERE {} to SQL it refuses past about 1,400 triples (SP031, "SQL text has exceeded
# 10000 lines"), measured on the real build; the defaults stay well inside both.
GSP_CHUNK_TRIPLES = 50_000
UPDATE_CHUNK_TRIPLES = 2_000
BLANK_CHUNK_TRIPLES = 500

_LABEL = re.compile(rb"(?:^|\s)_:([^\s]+)")
_IRI = re.compile(r"<([^<>\s]*)>")
_PLAIN_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"(?=\s*\.\s*$)', re.MULTILINE)


def insert_where(graph: str, ntriples: str) -> str:
    """``INSERT { GRAPH <graph> { ntriples } } WHERE {}``: SPARQL Update for lines with blank nodes.

    Virtuoso 7.2 folds equal constants of an INSERT template together, so a
    plain literal spelled like an IRI of the same request (``<x> vann:
    preferredNamespaceUri "x"``) would be stored as that IRI. Such literals are
    bound by VALUES instead (one row: one solution, the same triples), which no
    store folds.
    """
    iris = set(_IRI.findall(ntriples))
    bound: list[str] = []

    def bind(match: re.Match[str]) -> str:
        if match.group(1) not in iris:
            return match.group(0)
        bound.append(match.group(0))
        return f"?uugraph_v{len(bound) - 1}"

    template = _PLAIN_LITERAL.sub(bind, ntriples)
    where = ""
    if bound:
        names = " ".join(f"?uugraph_v{i}" for i in range(len(bound)))
        where = f" VALUES ({names}) {{ ({' '.join(bound)}) }} "
    return f"INSERT {{ GRAPH <{graph}> {{\n{template}}} }} WHERE {{{where}}}"


def _blank_groups(lines: list[bytes]) -> list[list[bytes]]:
    """The lines with blank nodes, grouped so that every line naming a blank node is in that node's group.

    Each request is its own document, so a blank node split across two
    requests would become two nodes; a group (a list, a restriction with its
    members) is never split.
    """
    parent: dict[bytes, bytes] = {}

    def root(label: bytes) -> bytes:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    labelled = [(line, _LABEL.findall(line)) for line in lines]
    for _, labels in labelled:
        for other in labels[1:]:
            parent[root(other)] = root(labels[0])
    groups: dict[bytes, list[bytes]] = {}
    for line, labels in labelled:
        groups.setdefault(root(labels[0]) if labels else b"", []).append(line)
    return list(groups.values())


def _chunks(ntriples: bytes, size: int, blank_size: int | None = None) -> Iterator[tuple[bytes, bool]]:
    """N-Triples in chunks of at most ``size`` lines, each with whether it holds blank nodes.

    The lines with blank nodes come first, their groups (:func:`_blank_groups`)
    packed whole into chunks of at most ``blank_size`` lines (a bigger group
    goes alone), the last of them filled up with plain lines.
    """
    limit = min(size, blank_size or size)
    lines = [line for line in ntriples.splitlines() if line.strip()]
    plain = [line for line in lines if b"_:" not in line]
    current: list[bytes] = []
    for group in _blank_groups([line for line in lines if b"_:" in line]):
        if current and len(current) + len(group) > limit:
            yield b"\n".join(current) + b"\n", True
            current = []
        current += group
    start = 0
    if current:
        start = max(0, limit - len(current))
        yield b"\n".join(current + plain[:start]) + b"\n", True
    for at in range(start, len(plain), size):
        yield b"\n".join(plain[at : at + size]) + b"\n", False
    if not lines:
        yield b"\n", False


def staging_graph(graph: str) -> str:
    return "urn:uugraph:staging:" + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:16]


def record_graph(graph: str) -> str:
    return graph.split("#", 1)[0] + "#publication"


def published_checksum(client: Client, endpoints: Endpoints, graph: str) -> str | None:
    rows = client.select(
        endpoints.query,
        f"SELECT ?sum WHERE {{ GRAPH <{record_graph(graph)}> {{ <{graph}> <{SPDX_CHECKSUM}> ?sum }} }}",
    )
    return rows[0]["sum"]["value"] if rows else None


def publish(
    dist: Path,
    endpoints: Endpoints,
    graph: str | None = None,
    *,
    chunk_triples: int | None = None,
    client: Client | None = None,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
    swap_timeout: float = 3600.0,
) -> PublishResult:
    """Upload ``dist/graph.nt`` into ``graph`` on the server, atomically and idempotently.

    ``chunk_triples`` is the number of triples per request (default
    :data:`GSP_CHUNK_TRIPLES` with the Graph Store Protocol,
    :data:`UPDATE_CHUNK_TRIPLES` with SPARQL Update); lines with blank nodes go
    in SPARQL Update requests of at most :data:`BLANK_CHUNK_TRIPLES`.
    """
    source = dist / "graph.nt"
    if not source.is_file():
        raise InputError(str(source), None, None, "no built graph here: run `uugraph build` first")
    graph = graph or dataset_iri()
    ntriples = source.read_bytes()
    checksum = "sha256:" + hashlib.sha256(ntriples).hexdigest()
    total = sum(1 for line in ntriples.splitlines() if line.strip())
    client = client or Client()
    if not force and published_checksum(client, endpoints, graph) == checksum:
        return PublishResult(graph, total, checksum, changed=False, chunks=0)

    staging = staging_graph(graph)
    chunks = 0
    sent = 0
    if endpoints.store:
        for chunk, _ in _chunks(ntriples, chunk_triples or GSP_CHUNK_TRIPLES):
            # PUT the first chunk (replacing any staging left by an interrupted run), POST the rest.
            client.graph("PUT" if chunks == 0 else "POST", endpoints.store, staging, chunk)
            chunks += 1
            sent += chunk.count(b"\n")
            if progress:
                progress(sent, total)
    else:
        client.update(endpoints.update, f"DROP SILENT GRAPH <{staging}>")
        for chunk, blank in _chunks(ntriples, chunk_triples or UPDATE_CHUNK_TRIPLES, BLANK_CHUNK_TRIPLES):
            # Virtuoso 7.2 refuses blank nodes in INSERT DATA (SP031, "not allowed in a constant
            # clause"), which SPARQL 1.1 allows; INSERT {...} WHERE {} has the same meaning (one
            # solution, so each blank node label is one fresh node) and every store accepts it.
            body = chunk.decode("utf-8")
            text = insert_where(staging, body) if blank else f"INSERT DATA {{ GRAPH <{staging}> {{\n{body}}} }}"
            client.update(endpoints.update, text)
            chunks += 1
            sent += chunk.count(b"\n")
            if progress:
                progress(sent, total)
    record = record_graph(graph)
    # One update request: the store applies it as one transaction, so the swap is all or nothing.
    # Not SILENT: should the staging graph be missing, the store refuses rather than emptying the
    # live graph. Never retried: a swap that timed out may still be running; its outcome is read back.
    swap = (
        f"MOVE GRAPH <{staging}> TO GRAPH <{graph}> ;\n"
        f"DROP SILENT GRAPH <{record}> ;\n"
        f'INSERT DATA {{ GRAPH <{record}> {{ <{graph}> <{SPDX_CHECKSUM}> "{checksum}" ; '
        f'<{VOID_TRIPLES}> "{total}"^^<http://www.w3.org/2001/XMLSchema#integer> . }} }}'
    )
    try:
        client.update(endpoints.update, swap, timeout=swap_timeout, retry=False)
    except ServerFailed as exc:
        # The store answered: it refused the swap (for Virtuoso, SR325 when one transaction would
        # change more than its TransactionAfterImageLimit). Its transaction was rolled back.
        try:
            recorded = published_checksum(client, endpoints, graph)
        except UugraphError:
            recorded = None
        if recorded != checksum:
            raise Rejected(f"{exc}; the store refused the swap into <{graph}>: the previous graph stays") from None
    except Unreachable as exc:
        # The swap's answer was lost: only the record tells whether it committed. Should reading
        # it fail too, the outcome is unknown; say so rather than report the read-back's error.
        try:
            recorded = published_checksum(client, endpoints, graph)
        except UugraphError as again:
            raise Unreachable(f"{exc}; the swap into <{graph}> may or may not have completed, and reading back its record failed ({again}): run publish again to check") from None
        if recorded != checksum:
            raise Unreachable(
                f"{exc}; the swap into <{graph}> did not complete within {swap_timeout:.0f} s (the store may still be applying it; the previous graph stays until it does): run publish again to check"
            ) from None
    return PublishResult(graph, total, checksum, changed=True, chunks=chunks)
