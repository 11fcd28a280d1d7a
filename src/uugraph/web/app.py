"""The HTTP server: Cool-URI documents, a read-only SPARQL 1.1 endpoint and the dumps.

Static first. ``create_app(dist)`` serves what ``build`` wrote into ``dist/``
(the dumps, ``void.ttl``) and, once it exists, the static site of
``dist/site/`` (``site/doc/<path>.html|.ttl|.jsonld``, ``site/index.html``);
a document the site does not have yet is rendered from an in-memory Oxigraph
store loaded from ``dist/graph.nt``, so the server works before and after the
site is there.

* ``/id/<path>`` is a thing, ``/doc/<path>`` the document about it: the thing
  answers ``303 See Other`` (``/def/<term>`` goes to ``/doc/def/<term>``). A
  document negotiates HTML, Turtle, JSON-LD and N-Triples by ``Accept``
  (:mod:`uugraph.web.conneg`) or by suffix (``/doc/org/leru.ttl``), with
  ``Vary: Accept`` and ``Link`` headers for the alternates and the licence.
  A document exists when the store has triples whose subject is its thing
  (or a fragment of it, ``…#period``).
* ``/sparql`` speaks the SPARQL 1.1 Protocol (GET ``?query=``, POST
  ``application/sparql-query`` and form posts). Without a query it answers
  the service description, or a small query page for a browser.
* The endpoint is safe to expose. It is read-only: an update is refused
  before anything parses it. ``SERVICE`` is refused before the query runs
  (:func:`uugraph.sparql_text.service_position`, which
  also sees the forms that slip past a simple scan), and the worker processes
  run in a network namespace of their own where the kernel allows it, so no
  query makes the server send a request anywhere. Each query runs in a
  worker process forked from the server after the store is loaded (the store
  is shared copy-on-write); Oxigraph cannot cancel a query, so a query that
  outlives ``timeout`` has its worker killed (SIGKILL) and replaced by a fresh
  fork, and the client gets 503. Results are cut at ``max_rows`` rows
  (``X-Result-Truncated: true``); a request body over ``max_body`` bytes is
  refused with 413 before more than that is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import html
import json
import mimetypes
import os
import pickle
import signal
import socket
import struct
import sys
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from uugraph.config import base_iri, version
from uugraph.errors import InputError, UugraphError
from uugraph.iris import document_path, thing_iri
from uugraph.pipeline.load import check_query
from uugraph.rdf.compact import Compactor
from uugraph.rdf.namespaces import DCTERMS, RDF_TYPE, RDFS, SD, VOID, XSD, prefixes, uuo
from uugraph.rdf.results import Table, Value, value_of
from uugraph.rdf.sparql_text import UPDATE_KEYWORDS, is_update, query_form, service_position  # noqa: F401  (re-exported for tests)
from uugraph.web.conneg import negotiate

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BODY = 1_048_576

HTML = "text/html"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

# A document's representations, in the server's order of preference; the suffix of each.
DOCUMENT_TYPES = [HTML, TURTLE, JSONLD, NTRIPLES]
SUFFIXES = {"html": HTML, "ttl": TURTLE, "jsonld": JSONLD, "nt": NTRIPLES}
SUFFIX_OF = {media: suffix for suffix, media in SUFFIXES.items()}

# SELECT / ASK results: the registered types first, then aliases clients send (SPARQLWrapper asks
# for application/json beside the registered JSON type, and application/xml for XML).
RESULT_TYPES = [RESULTS_JSON, RESULTS_XML, CSV, TSV, "application/json", "application/xml", "text/xml"]
RESULT_FORMAT = {
    RESULTS_JSON: "json", "application/json": "json",
    RESULTS_XML: "xml", "application/xml": "xml", "text/xml": "xml",
    CSV: "csv", TSV: "tsv",
}
# CONSTRUCT / DESCRIBE results.
GRAPH_TYPES = [TURTLE, JSONLD, NTRIPLES, RDFXML, "application/turtle"]
GRAPH_FORMAT = {TURTLE: "ttl", "application/turtle": "ttl", JSONLD: "jsonld", NTRIPLES: "nt", RDFXML: "rdfxml"}
# The service description and /.well-known/void.
DESCRIPTION_TYPES = [TURTLE, JSONLD, NTRIPLES]

DUMPS = {
    "graph.ttl": TURTLE,
    "graph.nt": NTRIPLES,
    "graph.jsonld": JSONLD,
    "context.jsonld": JSONLD,
    "void.ttl": TURTLE,
}

LABELS = [
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "https://schema.org/name",
]
FORMATS = "http://www.w3.org/ns/formats/"

mimetypes.add_type(TURTLE, ".ttl")
mimetypes.add_type(JSONLD, ".jsonld")
mimetypes.add_type(NTRIPLES, ".nt")


def _text_type(media: str) -> str:
    """The Content-Type header value: UTF-8 spelled out for the text formats."""
    if media.startswith("text/") or media in (JSONLD, NTRIPLES, RESULTS_JSON, RESULTS_XML, RDFXML, "application/json", "application/xml", "application/turtle"):
        return f"{media}; charset=utf-8"
    return media


# ---------------------------------------------------------------- safety checks (pure functions)


def resolve_static(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` names, or None: safe against path traversal.

    Refuses ``..`` and ``.`` segments (also when percent-encoded, even twice),
    empty segments, hidden files, backslashes, NUL bytes and drive letters,
    and any path whose real location (symlinks followed) is outside ``root``.
    A folder serves its ``index.html``.
    """
    if not url_path or "\x00" in url_path:
        return None
    decoded = url_path
    for _ in range(4):  # "%252e%252e" is "%2e%2e" is ".."
        again = unquote(decoded)
        if again == decoded:
            break
        decoded = again
    for text in {url_path, decoded}:
        if "\\" in text or "\x00" in text:
            return None
    parts = url_path.strip("/").split("/") if url_path.strip("/") else []
    decoded_parts = decoded.strip("/").split("/") if decoded.strip("/") else []
    for part in parts + decoded_parts:
        if part in ("", ".", "..") or part.startswith(".") or ":" in part:
            return None
    try:
        real_root = root.resolve(strict=True)
        candidate = real_root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if candidate.is_dir():
        candidate = (candidate / "index.html").resolve()
    if not candidate.is_relative_to(real_root) or not candidate.is_file():
        return None
    return candidate


# ---------------------------------------------------------------- RDF writers


def _sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def turtle_bytes(triples: Iterable[ox.Triple]) -> bytes:
    used = {k: v for k, v in prefixes().items() if k != "id"}
    return ox.serialize(list(triples), format=ox.RdfFormat.TURTLE, prefixes=used)


def ntriples_bytes(triples: Iterable[ox.Triple]) -> bytes:
    return ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)


def rdfxml_bytes(triples: Iterable[ox.Triple]) -> bytes:
    return ox.serialize(list(triples), format=ox.RdfFormat.RDF_XML)


def jsonld_document(triples: Iterable[ox.Triple]) -> dict[str, object]:
    """Compact JSON-LD with an embedded ``@context``, written by :class:`uugraph.rdf.compact.Compactor`.

    The same term choices and value forms as ``graph.jsonld``, so it expands to
    exactly the given triples with any JSON-LD 1.1 processor, offline.
    """
    triples = _sorted_triples(triples)
    compactor = Compactor(triples)
    nodes: dict[str, dict[str, object]] = {}
    for t in triples:
        node = nodes.setdefault(str(t.subject), {"@id": compactor.node_id(t.subject)})
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(compactor.iri(t.object.value))  # type: ignore[union-attr]
            continue
        node.setdefault(compactor.key(t.predicate.value), []).append(compactor.value(t.predicate.value, t.object))  # type: ignore[union-attr]
    graph = []
    for node in nodes.values():
        for key, values in list(node.items()):
            if key != "@id" and isinstance(values, list) and len(values) == 1:
                node[key] = values[0]
        graph.append(node)
    return {"@context": compactor.context(), "@graph": graph}


def jsonld_bytes(triples: Iterable[ox.Triple]) -> bytes:
    return (json.dumps(jsonld_document(triples), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def graph_bytes(triples: list[ox.Triple], fmt: str) -> bytes:
    if fmt == "ttl":
        return turtle_bytes(triples)
    if fmt == "jsonld":
        return jsonld_bytes(triples)
    if fmt == "rdfxml":
        return rdfxml_bytes(triples)
    return ntriples_bytes(triples)


# ---------------------------------------------------------------- SPARQL result writers


def results_xml(table: Table) -> str:
    """SPARQL Query Results XML Format."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if table.boolean is not None:
        out += ["<head/>", f"<boolean>{'true' if table.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in table.variables) + "</head>")
    out.append("<results>")
    for row in table.rows:
        cells = []
        for var, v in zip(table.variables, row, strict=True):
            if v is None:
                continue
            if v.kind == "uri":
                term = f"<uri>{xml_escape(v.value)}</uri>"
            elif v.kind == "bnode":
                term = f"<bnode>{xml_escape(v.value)}</bnode>"
            elif v.language:
                term = f"<literal xml:lang={quoteattr(v.language)}>{xml_escape(v.value)}</literal>"
            elif v.datatype:
                term = f"<literal datatype={quoteattr(v.datatype)}>{xml_escape(v.value)}</literal>"
            else:
                term = f"<literal>{xml_escape(v.value)}</literal>"
            cells.append(f"<binding name={quoteattr(var)}>{term}</binding>")
        out.append("<result>" + "".join(cells) + "</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def _tsv_term(v: Value | None) -> str:
    if v is None:
        return ""
    if v.kind == "uri":
        return f"<{v.value}>"
    if v.kind == "bnode":
        return f"_:{v.value}"
    text = v.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    if v.language:
        return f'"{text}"@{v.language}'
    if v.datatype:
        return f'"{text}"^^<{v.datatype}>'
    return f'"{text}"'


def results_tsv(table: Table) -> str:
    """SPARQL 1.1 TSV: terms in N-Triples syntax, tabs and line breaks escaped inside literals."""
    if table.boolean is not None:
        return "?_askResult\n" + ("true" if table.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in table.variables)]
    lines += ["\t".join(_tsv_term(v) for v in row) for row in table.rows]
    return "\n".join(lines) + "\n"


def results_bytes(table: Table, fmt: str) -> bytes:
    if fmt == "json":
        text = table.to_json()
    elif fmt == "xml":
        text = results_xml(table)
    elif fmt == "csv":
        text = table.to_csv()
    else:
        text = results_tsv(table)
    return text.encode("utf-8")


# ---------------------------------------------------------------- the query workers


def execute(store: ox.Store, job: dict[str, object]) -> dict[str, object]:
    """Run one query job on the store and serialise its answer (in a worker process)."""
    text = str(job["query"])
    accept = job.get("accept")  # type: ignore[assignment]
    max_rows = int(job["max_rows"])  # type: ignore[arg-type]
    try:
        result = store.query(text, base_iri=base_iri())
    except SyntaxError as exc:
        try:  # parse it again the project's way, for a message that reads like every other query error
            check_query(Path("query"), text)
        except InputError as located:
            return {"status": 400, "message": f"malformed query: {located}"}
        return {"status": 400, "message": f"malformed query: {exc}"}
    except (OSError, ValueError, RuntimeError) as exc:
        return {"status": 400, "message": f"the query failed: {exc}"}
    try:
        if isinstance(result, ox.QueryBoolean):
            media = negotiate(accept, RESULT_TYPES)  # type: ignore[arg-type]
            if media is None:
                return {"status": 406, "message": "ASK results are available as " + ", ".join(RESULT_TYPES[:4])}
            table = Table([], [], boolean=bool(result))
            return {"status": 200, "type": media, "body": results_bytes(table, RESULT_FORMAT[media]), "rows": 1, "truncated": False}
        if isinstance(result, ox.QuerySolutions):
            media = negotiate(accept, RESULT_TYPES)  # type: ignore[arg-type]
            if media is None:
                return {"status": 406, "message": "SELECT results are available as " + ", ".join(RESULT_TYPES[:4])}
            variables = [v.value for v in result.variables]
            rows: list[list[Value | None]] = []
            truncated = False
            for solution in result:
                if len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([value_of(solution[v]) for v in variables])
            body = results_bytes(Table(variables, rows), RESULT_FORMAT[media])
            return {"status": 200, "type": media, "body": body, "rows": len(rows), "truncated": truncated}
        media = negotiate(accept, GRAPH_TYPES)  # type: ignore[arg-type]
        if media is None:
            return {"status": 406, "message": "CONSTRUCT and DESCRIBE results are available as " + ", ".join(GRAPH_TYPES[:4])}
        triples: list[ox.Triple] = []
        truncated = False
        for triple in result:
            if len(triples) >= max_rows:
                truncated = True
                break
            triples.append(triple)
        body = graph_bytes(triples, GRAPH_FORMAT[media])
        return {"status": 200, "type": media, "body": body, "rows": len(triples), "truncated": truncated}
    except (OSError, ValueError, RuntimeError, SyntaxError) as exc:
        return {"status": 400, "message": f"the query failed: {exc}"}


_HEADER = struct.Struct("!Q")


def _send_blocking(sock: socket.socket, message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_blocking(sock: socket.socket) -> object | None:
    header = _recv_exactly(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    payload = _recv_exactly(sock, size)
    return None if payload is None else pickle.loads(payload)


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1


def _isolate_network() -> bool:
    """Move this process into a network namespace of its own (no interfaces up): nothing can connect out.

    Works as root, or unprivileged where user namespaces are allowed; where
    neither is, the lexical SERVICE check alone keeps queries from reaching out.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    unshare = getattr(libc, "unshare", None)
    if unshare is None:
        return False
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if unshare(flags) == 0:
            return True
    return False


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _limit_memory(headroom: int) -> None:
    """Cap this worker's address space at its size now plus ``headroom`` bytes (0: no cap).

    A query that needs more fails its allocation; Oxigraph then aborts the
    worker, which the server reports (503) and replaces, instead of the
    machine running out of memory.
    """
    if headroom <= 0:
        return
    import resource

    try:
        status = Path("/proc/self/status").read_text()
        size = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmSize:"))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + headroom
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, StopIteration):
        pass


def _worker_main(sock: socket.socket, store: ox.Store, parent: int, memory: int = 0) -> None:
    """The loop of a forked worker: read a job, run it, write the answer; exit when the server goes."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:
        return
    keep = sock.fileno()
    os.closerange(3, keep)
    top = max(1 << 16, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 0)
    os.closerange(keep + 1, top)  # the listening socket and the event loop's files are the server's
    isolated = _isolate_network()
    _limit_memory(memory)
    sock.setblocking(True)
    _send_blocking(sock, {"ready": True, "isolated": isolated})
    while True:
        job = _recv_blocking(sock)
        if job is None:
            return
        _send_blocking(sock, execute(store, job))  # type: ignore[arg-type]


class QueryTimeout(Exception):
    def __init__(self, pid: int, seconds: float) -> None:
        self.pid = pid
        super().__init__(f"the query ran longer than {seconds:g} s and was stopped")


class PoolBusy(Exception):
    pass


class WorkerDied(Exception):
    """The worker exited while it ran a query; ``out_of_memory`` when it aborted (a failed allocation)."""

    def __init__(self, message: str, out_of_memory: bool = False) -> None:
        self.out_of_memory = out_of_memory
        super().__init__(message)


@dataclass
class Worker:
    pid: int
    sock: socket.socket
    isolated: bool = False


@dataclass
class WorkerPool:
    """Forked query workers sharing the loaded store copy-on-write; a timed-out one is killed and replaced.

    Every fork happens on the event loop's thread, the only thread that ever
    touches the store in the server process, so no lock of the store can be
    held in the parent while a child is forked.
    """

    store: ox.Store
    size: int
    memory: int = 0  # address-space headroom of each worker in bytes (0: no cap)
    idle: asyncio.Queue[Worker] | None = None
    workers: dict[int, Worker] = field(default_factory=dict)
    killed: int = 0
    spawned: int = 0

    async def start(self) -> None:
        self.idle = asyncio.Queue()
        for _ in range(self.size):
            self.idle.put_nowait(await self._spawn())

    async def _spawn(self) -> Worker:
        parent_end, child_end = socket.socketpair()
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                parent_end.close()
                _worker_main(child_end, self.store, parent, self.memory)
            except BaseException:  # noqa: BLE001 - a worker never returns into the server's code
                code = 1
            finally:
                os._exit(code)
        child_end.close()
        worker = Worker(pid, parent_end)
        self.workers[pid] = worker
        self.spawned += 1
        parent_end.setblocking(False)
        try:
            hello = await asyncio.wait_for(self._recv(parent_end), timeout=30)
        except (TimeoutError, WorkerDied) as exc:
            await self._kill(worker)
            raise UugraphError("a query worker did not start") from exc
        worker.isolated = bool(isinstance(hello, dict) and hello.get("isolated"))
        return worker

    async def _recv(self, sock: socket.socket) -> object:
        loop = asyncio.get_running_loop()

        async def exactly(size: int) -> bytes:
            buffer = bytearray()
            while len(buffer) < size:
                chunk = await loop.sock_recv(sock, min(size - len(buffer), 1 << 20))
                if not chunk:
                    raise WorkerDied("the query worker exited")
                buffer += chunk
            return bytes(buffer)

        (size,) = _HEADER.unpack(await exactly(_HEADER.size))
        return pickle.loads(await exactly(size))

    async def _kill(self, worker: Worker) -> int | None:
        """SIGKILL the worker and reap it (bounded wait, without blocking the event loop); its wait status."""
        self.workers.pop(worker.pid, None)
        with contextlib.suppress(OSError):
            worker.sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        self.killed += 1
        for _ in range(500):
            try:
                pid, status = os.waitpid(worker.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                return status
            await asyncio.sleep(0.002)
        return None

    async def run(self, job: dict[str, object], timeout: float) -> dict[str, object]:
        assert self.idle is not None, "the pool is not started"
        try:
            worker = await asyncio.wait_for(self.idle.get(), timeout=timeout)
        except TimeoutError as exc:
            raise PoolBusy() from exc
        loop = asyncio.get_running_loop()
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            await loop.sock_sendall(worker.sock, _HEADER.pack(len(payload)) + payload)
            reply = await asyncio.wait_for(self._recv(worker.sock), timeout=timeout)
        except TimeoutError:
            await self._replace(worker)
            raise QueryTimeout(worker.pid, timeout) from None
        except (WorkerDied, OSError) as exc:
            status = await self._replace(worker)
            aborted = status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT
            raise WorkerDied(str(exc), out_of_memory=aborted) from exc
        except BaseException:  # cancelled (server shutting down): the worker's state is unknown
            await self._replace(worker)
            raise
        self.idle.put_nowait(worker)
        return reply  # type: ignore[return-value]

    async def _replace(self, worker: Worker) -> int | None:
        status = await self._kill(worker)
        assert self.idle is not None
        self.idle.put_nowait(await self._spawn())
        return status

    async def close(self) -> None:
        for worker in list(self.workers.values()):
            await self._kill(worker)


# ---------------------------------------------------------------- the published graph


class Graph:
    """The store loaded from ``graph.nt`` and an index from document paths to the subjects they describe."""

    def __init__(self, ntriples: Path) -> None:
        self.store = ox.Store()
        self.store.load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        self.documents: dict[str, list[str]] = {}
        seen: set[str] = set()
        for quad in self.store.quads_for_pattern(None, None, None, None):
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode) or subject.value in seen:
                continue
            seen.add(subject.value)
            path = document_path(subject.value)
            if path is not None:
                self.documents.setdefault(path, []).append(subject.value)
        for subjects in self.documents.values():
            subjects.sort(key=lambda s: ("#" in s, s))  # the thing first, then its fragments
        self.triples = len(self.store)

    def describe(self, path: str) -> list[ox.Triple]:
        """The triples of a document: its thing's, its fragments', and those of blank nodes they reach."""
        out: list[ox.Triple] = []
        todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(s) for s in self.documents.get(path, [])]
        done: set[str] = set()
        while todo:
            subject = todo.pop()
            if str(subject) in done:
                continue
            done.add(str(subject))
            for quad in self.store.quads_for_pattern(subject, None, None, None):
                out.append(quad.triple)
                if isinstance(quad.object, ox.BlankNode):
                    todo.append(quad.object)
        return _sorted_triples(out)

    def label(self, iri: str) -> str | None:
        node = ox.NamedNode(iri)
        for predicate in LABELS:
            best = None
            for quad in self.store.quads_for_pattern(node, ox.NamedNode(predicate), None, None):
                literal = quad.object
                if not isinstance(literal, ox.Literal):
                    continue
                if literal.language == "en":
                    return literal.value
                if best is None or not literal.language:
                    best = literal.value
            if best is not None:
                return best
        return None


# ---------------------------------------------------------------- HTML

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
a{color:#0645ad}code,pre,textarea{font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.dt{color:#777;font-size:.85em}nav{margin-bottom:1rem}footer{margin-top:2rem;color:#555;font-size:.9em}
"""
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'"


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>{head}<style>{STYLE}</style></head>\n<body>\n"
        "<nav><a href=\"/\">uugraph</a> · <a href=\"/sparql\">SPARQL</a> · <a href=\"/.well-known/void\">VoID</a></nav>\n"
        f"{body}\n<footer>Data: <a rel=\"license\" href=\"{LICENSE}\">CC BY 4.0</a> · uugraph {html.escape(version())}</footer>\n"
        "</body></html>\n"
    ).encode()


class Renderer:
    """A minimal HTML page for a document the static site does not have: label and a property/value table."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.names = sorted(prefixes().items(), key=lambda kv: -len(kv[1]))

    def short(self, iri: str) -> str:
        for prefix, namespace in self.names:
            if iri.startswith(namespace) and len(iri) > len(namespace) and prefix != "id":
                return f"{prefix}:{iri[len(namespace):]}"
        base = base_iri()
        return iri[len(base):] if iri.startswith(base) else iri

    def href(self, iri: str) -> str:
        path = document_path(iri)
        if path is not None and path in self.graph.documents:
            fragment = iri.split("#", 1)[1] if "#" in iri else ""
            return "/" + path + (f"#{fragment}" if fragment else "")
        return iri

    def term(self, term: ox.Term, depth: int = 0) -> str:
        if isinstance(term, ox.NamedNode):
            label = self.graph.label(term.value) if term.value.startswith(base_iri()) else None
            text = html.escape(label) + f" <span class=\"dt\">{html.escape(self.short(term.value))}</span>" if label else html.escape(self.short(term.value))
            return f"<a href=\"{html.escape(self.href(term.value))}\">{text}</a>"
        if isinstance(term, ox.BlankNode):
            if depth > 3:
                return "[…]"
            rows = "".join(
                f"<tr><td>{html.escape(self.short(q.predicate.value))}</td><td>{self.term(q.object, depth + 1)}</td></tr>"
                for q in self.graph.store.quads_for_pattern(term, None, None, None)
            )
            return f"<table>{rows}</table>"
        if isinstance(term, ox.Literal):
            value = html.escape(term.value)
            if term.language:
                return f"{value} <span class=\"dt\">@{html.escape(term.language)}</span>"
            if term.datatype.value != XSD + "string":
                return f"{value} <span class=\"dt\">{html.escape(self.short(term.datatype.value))}</span>"
            return value
        return html.escape(str(term))

    def document(self, path: str) -> bytes:
        subjects = self.graph.documents[path]
        thing = thing_iri(path) or subjects[0]
        label = self.graph.label(thing) or self.short(thing)
        parts = [f"<h1>{html.escape(label)}</h1>", f"<p><code>{html.escape(thing)}</code></p>"]
        for subject in subjects:
            node = ox.NamedNode(subject)
            if subject != thing:
                fragment = subject.split("#", 1)[1] if "#" in subject else subject
                parts.append(f"<h2 id=\"{html.escape(fragment)}\"><code>#{html.escape(fragment)}</code></h2>")
            rows = []
            for quad in sorted(self.graph.store.quads_for_pattern(node, None, None, None), key=lambda q: (q.predicate.value, str(q.object))):
                p = quad.predicate.value
                rows.append(f"<tr><td><a href=\"{html.escape(self.href(p))}\">{html.escape(self.short(p))}</a></td><td>{self.term(quad.object)}</td></tr>")
            parts.append("<table><thead><tr><th>property</th><th>value</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
        links = " · ".join(f"<a href=\"/{path}.{suffix}\">{name}</a>" for suffix, name in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples")))
        parts.append(f"<p>Also as {links}.</p>")
        head = "".join(f"<link rel=\"alternate\" type=\"{media}\" href=\"/{path}.{SUFFIX_OF[media]}\">" for media in DOCUMENT_TYPES[1:])
        return _page(f"{label} — uugraph", "\n".join(parts), head)


def index_page(graph: Graph) -> bytes:
    dumps = "".join(f"<li><a href=\"/{name}\">{name}</a> <span class=\"dt\">{media}</span></li>" for name, media in DUMPS.items())
    return _page(
        "uugraph",
        "<h1>uugraph</h1><p>Utrecht University's international networks as linked data: "
        f"{graph.triples} triples, {len(graph.documents)} documents.</p>"
        "<ul><li><a href=\"/doc/org/utrecht-university\">Utrecht University</a></li>"
        "<li><a href=\"/sparql\">SPARQL endpoint</a> (a query page for people, the SPARQL 1.1 Protocol for programs)</li>"
        "<li><a href=\"/.well-known/void\">dataset description (VoID)</a></li></ul>"
        f"<h2>Downloads</h2><ul>{dumps}</ul>",
    )


QUERY_PAGE_SCRIPT = r"""
const form = document.getElementById('f'), out = document.getElementById('out'), status = document.getElementById('status');
const examples = JSON.parse(document.getElementById('examples').textContent), base = examples['<base>'];
delete examples['<base>'];
const pick = document.getElementById('pick');
for (const [name, text] of Object.entries(examples)) { const o = document.createElement('option'); o.value = name; o.textContent = name; pick.appendChild(o); }
pick.addEventListener('change', () => { if (examples[pick.value]) form.query.value = examples[pick.value]; });
function cell(b) {
  const td = document.createElement('td');
  if (!b) return td;
  if (b.type === 'uri') {
    // IRIs of this graph open their document on this server; others go where they point
    const a = document.createElement('a');
    a.href = b.value.startsWith(base + 'id/') ? '/doc/' + b.value.slice(base.length + 3).split('#')[0]
           : b.value.startsWith(base + 'def/') ? '/doc/def/' + b.value.slice(base.length + 4) : b.value;
    a.textContent = b.value.startsWith(base) ? b.value.slice(base.length) : b.value; td.appendChild(a);
  }
  else {
    td.textContent = b.type === 'bnode' ? '_:' + b.value : b.value;
    if (b['xml:lang'] || b.datatype) {
      const s = document.createElement('span'); s.className = 'dt';
      s.textContent = ' ' + (b['xml:lang'] ? '@' + b['xml:lang'] : b.datatype.replace('http://www.w3.org/2001/XMLSchema#', 'xsd:'));
      td.appendChild(s);
    }
  }
  return td;
}
form.addEventListener('submit', async (e) => {
  e.preventDefault(); out.replaceChildren(); status.textContent = 'running…';
  const started = performance.now();
  try {
    const r = await fetch('/sparql', {method: 'POST', headers: {'Content-Type': 'application/sparql-query',
      'Accept': 'application/sparql-results+json, text/turtle;q=0.9'}, body: form.query.value});
    const ms = Math.round(performance.now() - started), type = r.headers.get('Content-Type') || '';
    if (!r.ok) { status.textContent = r.status + ' ' + r.statusText + ': ' + await r.text(); return; }
    const cut = r.headers.get('X-Result-Truncated') === 'true' ? ' (cut at the row limit)' : '';
    if (type.startsWith('application/sparql-results+json')) {
      const data = await r.json();
      if ('boolean' in data) { status.textContent = 'answer: ' + data.boolean + ' (' + ms + ' ms)'; return; }
      const vars = data.head.vars, table = document.createElement('table'), head = document.createElement('tr');
      for (const v of vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
      table.appendChild(head);
      for (const row of data.results.bindings) { const tr = document.createElement('tr'); for (const v of vars) tr.appendChild(cell(row[v])); table.appendChild(tr); }
      out.appendChild(table);
      status.textContent = data.results.bindings.length + ' rows' + cut + ' (' + ms + ' ms)';
    } else {
      const pre = document.createElement('pre'); pre.textContent = await r.text(); out.appendChild(pre);
      status.textContent = type.split(';')[0] + cut + ' (' + ms + ' ms)';
    }
  } catch (err) { status.textContent = 'error: ' + err; }
});
"""


def query_page(examples: dict[str, str]) -> bytes:
    first = next(iter(examples.values()), "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    data = json.dumps({"<base>": base_iri(), **examples}, ensure_ascii=False).replace("</", "<\\/")
    body = (
        "<h1>SPARQL</h1><p>Ask the graph a question in "
        "<a href=\"https://www.w3.org/TR/sparql11-query/\">SPARQL 1.1</a>. Relative IRIs resolve against "
        f"<code>{html.escape(base_iri())}</code>. Read-only; <code>SERVICE</code> is not allowed.</p>"
        "<form id=\"f\"><p><label>Example: <select id=\"pick\"><option value=\"\">(choose)</option></select></label></p>"
        f"<textarea name=\"query\" rows=\"16\" style=\"width:100%\">{html.escape(first)}</textarea>"
        "<p><button type=\"submit\">Run query</button> <span id=\"status\"></span></p></form><div id=\"out\"></div>"
        f"<script type=\"application/json\" id=\"examples\">{data}</script><script>{QUERY_PAGE_SCRIPT}</script>"
    )
    return _page("SPARQL — uugraph", body)


# ---------------------------------------------------------------- the application


@dataclass
class Settings:
    dist: Path
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_body: int = DEFAULT_MAX_BODY
    workers: int = 2
    queries_dir: Path | None = None
    cache_bytes: int = 64 << 20
    worker_memory: int = 1 << 30


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key: object, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class ResultCache:
    """Answers by (query, Accept), bounded in bytes: the store never changes while the server runs.

    An entry larger than an eighth of the budget is not kept; the least
    recently used entries go first.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.entries: OrderedDict[tuple[str, str | None], dict[str, object]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: tuple[str, str | None]) -> dict[str, object] | None:
        reply = self.entries.get(key)
        if reply is None:
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return reply

    def put(self, key: tuple[str, str | None], reply: dict[str, object]) -> None:
        size = len(reply["body"]) + len(key[0]) + 256  # type: ignore[arg-type]
        if self.budget <= 0 or size > self.budget // 8 or key in self.entries:
            return
        reply["size"] = size
        self.entries[key] = reply
        self.used += size
        while self.used > self.budget:
            _, old = self.entries.popitem(last=False)
            self.used -= int(old["size"])  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1024)
def _negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """:func:`uugraph.conneg.negotiate`, remembered: clients send few distinct Accept headers."""
    return negotiate(accept, offered)


def _plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message.rstrip("\n") + "\n", status_code=status, media_type="text/plain; charset=utf-8", headers=headers)


def _link_header(path: str) -> str:
    links = [f'</{path}.{SUFFIX_OF[media]}>; rel="alternate"; type="{media}"' for media in DOCUMENT_TYPES]
    links.append(f'<{LICENSE}>; rel="license"')
    return ", ".join(links)


class CorsMiddleware:
    """``Access-Control-Allow-Origin: *`` on every answer, and preflight (OPTIONS) answered here."""

    EXPOSE = "Link, Content-Location, Vary, X-Result-Truncated, X-Result-Rows, X-Cache"

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            requested = dict(scope["headers"]).get(b"access-control-request-headers", b"Accept, Content-Type")
            headers = [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", b"GET, HEAD, POST, OPTIONS"),
                (b"access-control-allow-headers", requested[:1000]),
                (b"access-control-max-age", b"86400"),
                (b"allow", b"GET, HEAD, POST, OPTIONS"),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", self.EXPOSE.encode()),
                    (b"x-content-type-options", b"nosniff"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, cap: int) -> bytes:
    """The request body, refusing (before reading on) as soon as it passes ``cap`` bytes."""
    length = request.headers.get("content-length")
    if length is not None:
        try:
            if int(length) > cap:
                raise BodyTooLarge()
        except ValueError:
            raise BodyTooLarge() from None
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cap:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _load_examples(queries_dir: Path | None) -> dict[str, str]:
    examples: dict[str, str] = {}
    if queries_dir is None or not queries_dir.is_dir():
        return examples
    for path in sorted(queries_dir.glob("*.rq")):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            lines = path.read_text(encoding="utf-8").splitlines()
            examples[path.stem] = "\n".join(line for line in lines if not line.startswith("#+")).strip() + "\n"
    return examples


def create_app(
    dist: Path | str = "dist",
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_body: int = DEFAULT_MAX_BODY,
    workers: int | None = None,
    queries_dir: Path | None = None,
    cache_bytes: int = 64 << 20,
    worker_memory: int = 1 << 30,
):
    """The ASGI application serving a built ``dist/`` folder (``graph.nt`` must exist).

    The store is loaded here, before any worker is forked (at startup).
    ``cache_bytes`` bounds the cache of query answers (0: every query runs);
    ``worker_memory`` is the memory a query may take beyond the worker's size
    at fork (0: no cap).
    """
    dist = Path(dist).resolve()
    if not (dist / "graph.nt").is_file():
        raise InputError(str(dist), None, None, "no graph.nt here: run `python -m uugraph build --out DIR` first")
    if queries_dir is None:
        from uugraph.config import project_root

        queries_dir = project_root() / "queries"
    settings = Settings(dist, timeout, max_rows, max_body, workers or max(2, os.cpu_count() or 2), queries_dir, cache_bytes, worker_memory)
    graph = Graph(dist / "graph.nt")
    void_triples = [q.triple for q in ox.parse(path=str(dist / "void.ttl"), format=ox.RdfFormat.TURTLE)] if (dist / "void.ttl").is_file() else []
    renderer = Renderer(graph)
    pool = WorkerPool(graph.store, settings.workers, settings.worker_memory)
    rendered = _LRU(4096)
    answers = ResultCache(settings.cache_bytes)
    examples = _load_examples(queries_dir)
    site = dist / "site"

    def site_file(relative: str) -> Path | None:
        return resolve_static(site, relative) if site.is_dir() else None

    def file_response(path: Path, media: str, headers: dict[str, str] | None = None) -> Response:
        size = path.stat().st_size
        if size <= 262_144:  # small files: one read on the loop is cheaper than a thread hop
            return Response(path.read_bytes(), media_type=_text_type(media), headers=headers)
        return FileResponse(path, media_type=_text_type(media), headers=headers)

    # ------------------------------------------------------------ documents

    async def thing(request: Request) -> Response:
        rest = request.path_params["path"]
        path = document_path(base_iri() + "id/" + rest)
        if path is None or path not in graph.documents:
            return _plain(404, f"no resource {base_iri()}id/{rest} in this graph")
        return RedirectResponse("/" + path, status_code=303)

    async def term(request: Request) -> Response:
        rest = request.path_params.get("path", "")
        path = document_path(uuo(rest))
        if path is None or path not in graph.documents:
            return _plain(404, f"no term {uuo(rest)} in this graph")
        return RedirectResponse("/" + path, status_code=303)

    def representation(path: str, media: str) -> Response:
        headers = {"Link": _link_header(path)}
        if media != NTRIPLES:
            static = site_file(f"{path}.{SUFFIX_OF[media]}")
            if static is not None:
                return file_response(static, media, headers)

        def make() -> bytes:
            if media == HTML:
                return renderer.document(path)
            triples = graph.describe(path)
            return graph_bytes(triples, {TURTLE: "ttl", JSONLD: "jsonld", NTRIPLES: "nt"}[media])

        body = rendered.get_or((path, media), make)
        if media == HTML:
            headers["Content-Security-Policy"] = CSP
        return Response(body, media_type=_text_type(media), headers=headers)

    async def document(request: Request) -> Response:
        rest: str = request.path_params["path"]
        suffix = None
        for candidate in SUFFIXES:
            if rest.endswith("." + candidate):
                rest, suffix = rest[: -len(candidate) - 1], candidate
                break
        path = "doc/" + rest
        if path not in graph.documents:
            return _plain(404, f"no document /{path}: {thing_iri(path) or 'that IRI'} is not in this graph")
        if suffix is not None:
            return representation(path, SUFFIXES[suffix])
        media = _negotiate(request.headers.get("accept"), tuple(DOCUMENT_TYPES))
        vary = {"Vary": "Accept"}
        if media is None:
            return _plain(406, "this document is available as " + ", ".join(DOCUMENT_TYPES), {**vary, "Link": _link_header(path)})
        response = representation(path, media)
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/{path}.{SUFFIX_OF[media]}"
        return response

    # ------------------------------------------------------------ dumps, VoID, index, site

    async def dump(request: Request) -> Response:
        name = request.url.path.lstrip("/")
        path = dist / name
        if not path.is_file():
            return _plain(404, f"/{name} is not built")
        return file_response(path, DUMPS[name], {"Link": f'<{LICENSE}>; rel="license"'})

    async def well_known_void(request: Request) -> Response:
        if not void_triples:
            return _plain(404, "no void.ttl is built")
        media = _negotiate(request.headers.get("accept"), tuple(DESCRIPTION_TYPES))
        headers = {"Vary": "Accept", "Link": f'<{LICENSE}>; rel="license"'}
        if media is None:
            return _plain(406, "the dataset description is available as " + ", ".join(DESCRIPTION_TYPES), headers)
        if media == TURTLE:
            return file_response(dist / "void.ttl", TURTLE, headers)
        body = rendered.get_or(("void", media), lambda: graph_bytes(void_triples, "jsonld" if media == JSONLD else "nt"))
        return Response(body, media_type=_text_type(media), headers=headers)

    async def index(request: Request) -> Response:
        static = site_file("index.html")
        if static is not None:
            return file_response(static, HTML)
        return Response(rendered.get_or("index", lambda: index_page(graph)), media_type=_text_type(HTML), headers={"Content-Security-Policy": CSP})

    async def static(request: Request) -> Response:
        relative = request.path_params["path"]
        found = site_file(relative)
        if found is None:
            return _plain(404, "not found")
        media = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return file_response(found, media)

    # ------------------------------------------------------------ SPARQL

    def service_description(request: Request, media: str) -> Response:
        endpoint = str(request.url.replace(query="", fragment=""))
        key = ("sd", endpoint, media)

        def make() -> bytes:
            s = ox.NamedNode(endpoint)
            a = ox.NamedNode(RDF_TYPE)
            dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("default")
            n = ox.NamedNode
            triples = [
                ox.Triple(s, a, n(SD + "Service")),
                ox.Triple(s, n(SD + "endpoint"), s),
                ox.Triple(s, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
                ox.Triple(s, n(SD + "defaultDataset"), dataset),
                ox.Triple(dataset, a, n(SD + "Dataset")),
                ox.Triple(dataset, n(SD + "defaultGraph"), default_graph),
                ox.Triple(default_graph, a, n(SD + "Graph")),
                ox.Triple(default_graph, n("http://rdfs.org/ns/void#triples"), ox.Literal(str(graph.triples), datatype=n(XSD + "integer"))),
                ox.Triple(dataset, n(RDFS + "seeAlso"), n(str(request.url.replace(path="/.well-known/void", query="", fragment="")))),
                ox.Triple(s, n(DCTERMS + "license"), n(LICENSE)),
                ox.Triple(s, n(DCTERMS + "description"), ox.Literal(
                    f"Read-only SPARQL 1.1 endpoint over uugraph. Queries run at most {settings.timeout:g} s and return at most "
                    f"{settings.max_rows} rows; SERVICE and updates are refused; relative IRIs resolve against {base_iri()}.", language="en")),
            ]
            for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "JSON-LD", "N-Triples", "RDF_XML"):
                triples.append(ox.Triple(s, n(SD + "resultFormat"), n(FORMATS + fmt)))
            if media == TURTLE:
                used = {"sd": SD, "void": VOID, "rdfs": RDFS, "dcterms": DCTERMS, "formats": FORMATS}
                return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used)
            return graph_bytes(triples, "jsonld" if media == JSONLD else "nt")

        return Response(rendered.get_or(key, make), media_type=_text_type(media), headers={"Vary": "Accept"})

    async def sparql(request: Request) -> Response:
        params = request.query_params
        if "update" in params:
            return _plain(403, "this endpoint is read-only: SPARQL Update is not accepted")
        queries = params.getlist("query")
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type == "application/sparql-update":
                return _plain(403, "this endpoint is read-only: SPARQL Update is not accepted")
            try:
                body = await _read_body(request, settings.max_body)
            except BodyTooLarge:
                return _plain(413, f"the request body is larger than {settings.max_body} bytes", {"Connection": "close"})
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return _plain(400, "the request body is not UTF-8")
            if content_type == "application/sparql-query":
                if queries:
                    return _plain(400, "a query in the body and in the URL: send one")
                queries = [text]
            elif content_type == "application/x-www-form-urlencoded":
                form = parse_qsl(text, keep_blank_values=True)
                if any(name == "update" for name, _ in form):
                    return _plain(403, "this endpoint is read-only: SPARQL Update is not accepted")
                queries = queries + [value for name, value in form if name == "query"]
            else:
                return _plain(415, "POST a query as application/sparql-query or as the form field query= (application/x-www-form-urlencoded)")
        if not queries:
            media = _negotiate(request.headers.get("accept"), (*DESCRIPTION_TYPES, HTML))
            if media is None:
                return _plain(406, "the service description is available as " + ", ".join(DESCRIPTION_TYPES), {"Vary": "Accept"})
            if media == HTML:
                page = rendered.get_or("query-page", lambda: query_page(examples))
                return Response(page, media_type=_text_type(HTML), headers={"Vary": "Accept", "Content-Security-Policy": CSP})
            return service_description(request, media)
        if len(queries) > 1:
            return _plain(400, "more than one query in one request")
        query = queries[0]
        accept = request.headers.get("accept")
        started = time.perf_counter()
        cached = answers.get((query, accept))
        if cached is not None:  # only answers of queries that passed every check below are kept
            return _answer(cached, started, "hit")
        if len(query.encode("utf-8")) > settings.max_body:
            return _plain(413, f"the query is larger than {settings.max_body} bytes")
        if is_update(query):
            return _plain(403, "this endpoint is read-only: SPARQL Update is not accepted")
        found = service_position(query)
        if found:
            return _plain(400, f"malformed query: query:{found[0]}:{found[1]}: SERVICE is not allowed: queries never reach other endpoints")
        job = {"query": query, "accept": accept, "max_rows": settings.max_rows}
        try:
            reply = await pool.run(job, settings.timeout)
        except QueryTimeout as exc:
            return _plain(503, f"{exc}; narrow it down or add a LIMIT", {"Vary": "Accept"})
        except PoolBusy:
            return _plain(503, "every query worker is busy; try again shortly", {"Retry-After": "1", "Vary": "Accept"})
        except WorkerDied as exc:
            if exc.out_of_memory:
                return _plain(503, f"the query needed more than the {settings.worker_memory >> 20} MiB a query may use and was stopped; narrow it down or add a LIMIT", {"Vary": "Accept"})
            return _plain(500, "the query worker stopped unexpectedly; the query was not answered", {"Vary": "Accept"})
        if reply["status"] != 200:
            return _plain(int(reply["status"]), str(reply.get("message", "")), {"Vary": "Accept"})  # type: ignore[arg-type]
        answers.put((query, accept), reply)
        return _answer(reply, started, "miss")

    def _answer(reply: dict[str, object], started: float, cache: str) -> Response:
        headers = {
            "Vary": "Accept",
            "X-Result-Truncated": "true" if reply["truncated"] else "false",
            "X-Result-Rows": str(reply["rows"]),
            "X-Cache": cache,
            "Server-Timing": f"query;dur={(time.perf_counter() - started) * 1000:.1f}",
        }
        return Response(reply["body"], media_type=_text_type(str(reply["type"])), headers=headers)  # type: ignore[arg-type]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/id/{path:path}", thing, methods=["GET"]),
        Route("/def", term, methods=["GET"]),
        Route("/def/{path:path}", term, methods=["GET"]),
        Route("/doc/{path:path}", document, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/.well-known/void", well_known_void, methods=["GET"]),
        *[Route(f"/{name}", dump, methods=["GET"]) for name in DUMPS],
        Route("/{path:path}", static, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.graph = graph
    app.state.pool = pool
    app.state.settings = settings
    return CorsMiddleware(app)


def run_serve(
    dist: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_body: int = DEFAULT_MAX_BODY,
    workers: int | None = None,
    queries_dir: Path | None = None,
    cache_bytes: int = 64 << 20,
    worker_memory: int = 1 << 30,
    access_log: bool = False,
    announce=None,
) -> None:
    """Serve ``dist`` with uvicorn until interrupted (SIGINT/SIGTERM end it cleanly)."""
    import uvicorn

    app = create_app(dist, timeout=timeout, max_rows=max_rows, max_body=max_body, workers=workers, queries_dir=queries_dir, cache_bytes=cache_bytes, worker_memory=worker_memory)
    config = uvicorn.Config(app, host=host, port=port, log_level="info" if access_log else "warning", access_log=access_log, lifespan="on", server_header=False)
    server = uvicorn.Server(config)

    original_startup = server.startup

    async def startup(sockets=None) -> None:
        await original_startup(sockets=sockets)
        if server.started and announce is not None:
            workers = list(app.app.state.pool.workers.values())
            isolation = "each in a network namespace of its own" if all(w.isolated for w in workers) else "without network isolation (not permitted here)"
            announce(f"serving http://{host}:{port}/ (SPARQL at /sparql); {len(workers)} query workers, {isolation}")

    server.startup = startup  # type: ignore[method-assign]
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits when it cannot bind the port
        raise UugraphError(f"cannot serve on {host}:{port} (is the port in use?)") from exc
    if not server.started:
        raise UugraphError(f"cannot serve on {host}:{port} (is the port in use?)")
