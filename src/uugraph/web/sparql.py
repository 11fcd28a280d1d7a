"""The SPARQL 1.1 Protocol at ``/sparql``: reading the query from a request, the refusals, the service description.

GET ``?query=``, POST ``application/sparql-query`` and form posts
(``application/x-www-form-urlencoded``) carry a query; without one the
endpoint describes itself (SPARQL 1.1 Service Description) or, for a browser,
shows the query page. The endpoint is read-only and never reaches out: an
update is refused before anything parses it, ``SERVICE`` before the query runs
(:func:`uugraph.rdf.sparql_text.service_position`, which also sees the forms
that slip past a simple scan), and a request body over the limit is refused
with 413 before more than that is read. Every refusal is a :class:`Refused`,
which the application answers as a short text.
"""

from __future__ import annotations

import time
from typing import cast
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from uugraph.config import base_iri
from uugraph.rdf.namespaces import DCTERMS, FORMATS, RDF_TYPE, RDFS, SD, VOID, XSD
from uugraph.rdf.sparql_text import QueryRefused, check_text, is_update
from uugraph.rdf.terms import serialized
from uugraph.web.media import LICENSE, content_type
from uugraph.web.settings import MIB, Settings

READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"
# The result formats the service description names (W3C's unique URIs for file formats).
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "JSON-LD", "N-Triples", "RDF_XML")


class Refused(Exception):
    """A request the endpoint does not run: the status and the one line that says why."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.message = message
        self.headers = headers
        super().__init__(message)


class BodyTooLarge(Exception):
    """The request body is (or says it is) larger than the endpoint takes."""


async def read_body(request: Request, cap: int) -> bytes:
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


async def read_query(request: Request, max_body: int) -> str | None:
    """The one query a request carries (None: it carries none); :class:`Refused` for anything else.

    Updates are refused here, by parameter or content type, before a body is
    parsed; the body is read up to ``max_body`` bytes.
    """
    params = request.query_params
    if "update" in params:
        raise Refused(403, READ_ONLY)
    queries = params.getlist("query")
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media == "application/sparql-update":
            raise Refused(403, READ_ONLY)
        try:
            body = await read_body(request, max_body)
        except BodyTooLarge:
            raise Refused(413, f"the request body is larger than {max_body} bytes", {"Connection": "close"}) from None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the request body is not UTF-8") from None
        if media == "application/sparql-query":
            if queries:
                raise Refused(400, "a query in the body and in the URL: send one")
            queries = [text]
        elif media == "application/x-www-form-urlencoded":
            form = parse_qsl(text, keep_blank_values=True)
            if any(name == "update" for name, _ in form):
                raise Refused(403, READ_ONLY)
            queries = queries + [value for name, value in form if name == "query"]
        else:
            raise Refused(415, "POST a query as application/sparql-query or as the form field query= (application/x-www-form-urlencoded)")
    if not queries:
        return None
    if len(queries) > 1:
        raise Refused(400, "more than one query in one request")
    return queries[0]


def check_query_text(query: str, max_body: int) -> None:
    """Refuse, before any worker sees it, a query that is too large, an update, nested too deep, or one with ``SERVICE``."""
    if len(query.encode("utf-8")) > max_body:
        raise Refused(413, f"the query is larger than {max_body} bytes")
    if is_update(query):
        raise Refused(403, READ_ONLY)
    try:
        check_text(query)
    except QueryRefused as refused:
        raise Refused(400, f"malformed query: query:{refused.line}:{refused.column}: {refused.cause}") from None


def service_description(endpoint: str, void_url: str, triples: int, settings: Settings) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``: its language, limits and formats."""
    s = ox.NamedNode(endpoint)
    a = ox.NamedNode(RDF_TYPE)
    dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("default")
    n = ox.NamedNode
    out = [
        ox.Triple(s, a, n(SD + "Service")),
        ox.Triple(s, n(SD + "endpoint"), s),
        ox.Triple(s, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(s, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, n(SD + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default_graph),
        ox.Triple(default_graph, a, n(SD + "Graph")),
        ox.Triple(default_graph, n(VOID + "triples"), ox.Literal(str(triples), datatype=n(XSD + "integer"))),
        ox.Triple(dataset, n(RDFS + "seeAlso"), n(void_url)),
        ox.Triple(s, n(DCTERMS + "license"), n(LICENSE)),
        ox.Triple(
            s,
            n(DCTERMS + "description"),
            ox.Literal(
                f"Read-only SPARQL 1.1 endpoint over uugraph. Queries run at most {settings.timeout:g} s and return at most "
                f"{settings.max_rows} rows; SERVICE and updates are refused; relative IRIs resolve against {base_iri()}. "
                f"Limits: answers are cut at {settings.max_answer / MIB:g} MiB (X-Result-Truncated: true, as for rows); request bodies "
                f"over {settings.max_body} bytes get 413; a request line and headers over {settings.max_head} bytes, or more than "
                f"{settings.max_headers} header fields, get 431; a client that reads nothing of its answer for {settings.send_timeout:g} s "
                f"is disconnected; one address may have {settings.client_requests} requests in progress (429 beyond) and the server "
                f"{settings.total_requests} (503 beyond); a query waits at most {settings.queue_timeout:g} s for a worker (503, "
                f"Retry-After); after a query of a client runs out of time or memory, that client's queries run one at a time for "
                f"{settings.expensive_for:g} s (429 for a second one).",
                language="en",
            ),
        ),
    ]
    for fmt in RESULT_FORMATS:
        out.append(ox.Triple(s, n(SD + "resultFormat"), n(FORMATS + fmt)))
    return out


def description_turtle(triples: list[ox.Triple]) -> bytes:
    """The service description in Turtle, with the few prefixes it uses."""
    used = {"sd": SD, "void": VOID, "rdfs": RDFS, "dcterms": DCTERMS, "formats": FORMATS}
    return serialized(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used))


def answer(reply: dict[str, object], started: float, cache: str) -> Response:
    """A worker's reply (or a cached one) as the response, with the row count, truncation and timing headers."""
    headers = {
        "Vary": "Accept",
        "X-Result-Truncated": "true" if reply["truncated"] else "false",
        "X-Result-Rows": str(reply["rows"]),
        "X-Cache": cache,
        "Server-Timing": f"query;dur={(time.perf_counter() - started) * 1000:.1f}",
    }
    return Response(cast(bytes, reply["body"]), media_type=content_type(str(reply["type"])), headers=headers)
