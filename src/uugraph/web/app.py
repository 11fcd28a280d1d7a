"""The HTTP application: the routes of the server, each wired to one method of :class:`Server`.

Static first. ``create_app(dist)`` serves what ``build`` wrote into ``dist/``
(the dumps, ``void.ttl``) and, once it exists, the static site of
``dist/site/`` (``site/doc/<path>.html|.ttl|.jsonld``, ``site/index.html``);
a document the site does not have yet is rendered from the published graph
(:mod:`uugraph.web.graph`, :mod:`uugraph.web.pages`), so the server works
before and after the site is there. The graph is the store the build left in
``dist/store/``, opened read-only (nothing is parsed at start-up), or, for a
``dist/`` without one, ``dist/graph.nt`` loaded into memory.

* ``/id/<path>`` is a thing, ``/doc/<path>`` the document about it: the thing
  answers ``303 See Other`` (``/def/<term>`` goes to ``/doc/def/<term>``). A
  document negotiates HTML, Turtle, JSON-LD and N-Triples by ``Accept``
  (:mod:`uugraph.web.conneg`) or by suffix (``/doc/org/leru.ttl``), with
  ``Vary: Accept`` and ``Link`` headers for the alternates and the licence.
  A document exists when the store has triples whose subject is its thing
  (or a fragment of it, ``…#period``).
* ``/sparql`` speaks the SPARQL 1.1 Protocol (:mod:`uugraph.web.sparql`);
  queries run in forked workers within a time and a memory limit
  (:mod:`uugraph.web.workers`), their answers are cached
  (:mod:`uugraph.web.cache`), and results are cut at ``max_rows`` rows and
  ``max_answer`` bytes (``X-Result-Truncated: true``).
* Every request counts against its client and the total while it is in
  progress, and a client whose query ran out of time or memory has its
  queries run one at a time for a while (:mod:`uugraph.web.limits`); the
  connection bounds a request's head and how long an answer waits for its
  reader (:mod:`uugraph.web.protocol`).

* A new build swapped into ``dist/`` (``build`` renames a complete folder in)
  is noticed within ``reload_every`` seconds and opened beside the graph being
  served: once its store is open and its workers are forked, requests go to
  it, and the previous workers are closed when their queries are done. A build
  that cannot be opened is reported on stderr and the previous graph stays.

The settings, their defaults and the command line's options are declared once,
in :mod:`uugraph.web.settings`.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from uugraph.config import base_iri
from uugraph.errors import InputError, UugraphError
from uugraph.iris import document_path, thing_iri
from uugraph.outputs.site.on_demand import StorePages
from uugraph.rdf.namespaces import uuo
from uugraph.web.cache import LRU, ResultCache
from uugraph.web.conneg import negotiate_cached
from uugraph.web.graph import Graph
from uugraph.web.limits import ClientLimits, LimitsMiddleware, client_of
from uugraph.web.media import (
    DESCRIPTION_TYPES,
    DOCUMENT_TYPES,
    DUMPS,
    HTML,
    JSONLD,
    LICENSE,
    NTRIPLES,
    SUFFIX_OF,
    SUFFIXES,
    TURTLE,
    content_type,
    link_header,
    plain,
)
from uugraph.web.pages import CSP, QUERY_PAGE_CSP, index_page, load_examples, query_page
from uugraph.web.serialize import graph_bytes
from uugraph.web.settings import Settings
from uugraph.web.sparql import Refused, answer, check_query_text, description_turtle, read_query, service_description
from uugraph.web.static import file_response, resolve_static
from uugraph.web.workers import PoolBusy, QueryTimeout, WorkerDied, WorkerPool

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The short writer names of uugraph.web.serialize, for the representations of a document.
DOCUMENT_FORMAT = {TURTLE: "ttl", JSONLD: "jsonld", NTRIPLES: "nt"}


class CorsMiddleware:
    """``Access-Control-Allow-Origin: *`` on every answer, and preflight (OPTIONS) answered here."""

    EXPOSE = "Link, Content-Location, Vary, X-Result-Truncated, X-Result-Rows, X-Cache"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", self.EXPOSE.encode()),
                    (b"x-content-type-options", b"nosniff"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class Server:
    """What the routes share (the graph, the workers, the caches) and one handler per route.

    Built before the application starts, so the store is loaded before any
    worker is forked; the workers start with the application (:meth:`lifespan`).
    What belongs to one build (the graph, its workers, the pages and answers
    made from it) is replaced as a whole by :meth:`reload`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dist = settings.dist
        self.site = settings.dist / "site"
        self.build_seen = build_identity(settings.dist)
        self.build_refused: tuple[int, ...] | None = None  # a build that could not be opened: not tried again
        graph = Graph.open(settings.dist, settings.in_memory_below)
        self._take(graph, _void_triples(settings.dist), self._pool_of(graph))
        self.limits = ClientLimits(settings.client_requests, settings.total_requests, settings.expensive_for)
        self.examples = load_examples(settings.queries_dir)
        self._retiring: set[asyncio.Task[None]] = set()

    def _pool_of(self, graph: Graph) -> WorkerPool:
        return WorkerPool(graph.store, self.settings.worker_count, self.settings.worker_memory, store_path=graph.path)

    def _take(self, graph: Graph, void_triples: list[ox.Triple], pool: WorkerPool) -> None:
        """Serve ``graph`` with its workers; the pages and answers made from the previous one are dropped."""
        self.graph, self.void_triples, self.pool = graph, void_triples, pool
        self._pages: StorePages | None = None
        self.rendered = LRU(4096)
        self.making = asyncio.Lock()  # documents written from the store: one at a time, in a thread
        self.answers = ResultCache(self.settings.cache_bytes)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await self.pool.start()
        watcher = asyncio.create_task(self._watch()) if self.settings.reload_every > 0 else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            retiring = list(self._retiring)
            for task in retiring:
                task.cancel()  # each closes its pool on the way out: wait for that, so no worker outlives the server
            await asyncio.gather(*retiring, return_exceptions=True)
            await self.pool.close()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reload_every)
            try:
                if await self.reload():
                    print(f"[uugraph] serve: now serving the new build in {self.dist} ({self.graph.triples} triples)", file=sys.stderr, flush=True)
            except Exception as exc:  # a build that cannot be opened: the one being served stays
                print(f"[uugraph] serve: the new build in {self.dist} cannot be opened ({exc}); still serving the previous one", file=sys.stderr, flush=True)

    async def reload(self) -> bool:
        """Serve the build now in ``dist/`` if it is another one than the build served; True if it changed.

        The new graph is opened in a thread (loading ``graph.nt`` into memory
        takes seconds at a million triples) while the old one goes on
        answering; its workers are forked on the event loop's thread, as every
        fork is (the loading thread has finished by then). The old workers are
        closed once their queries are done, or when those would have timed out.
        """
        identity = build_identity(self.dist)
        if identity is None or identity in (self.build_seen, self.build_refused) or not Graph.can_open(self.dist):
            return False
        try:
            graph = await asyncio.to_thread(Graph.open, self.dist, self.settings.in_memory_below)
            void_triples = await asyncio.to_thread(_void_triples, self.dist)
            pool = self._pool_of(graph)
            await pool.start()
        except Exception:
            self.build_refused = identity
            raise
        retired = self.pool
        self._take(graph, void_triples, pool)
        self.build_seen = identity
        task = asyncio.create_task(self._retire(retired))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)
        return True

    async def _retire(self, pool: WorkerPool) -> None:
        """Close ``pool`` once the queries it runs are answered (at most a query's timeout after its wait)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.queue_timeout + self.settings.timeout + 1.0
        try:
            while (pool.running or pool.expensive_running) and loop.time() < deadline:
                await asyncio.sleep(0.05)
        finally:
            await pool.close()

    def routes(self) -> list[Route]:
        return [
            Route("/", self.index, methods=["GET"]),
            Route("/id/{path:path}", self.thing, methods=["GET"]),
            Route("/def", self.term, methods=["GET"]),
            Route("/def/{path:path}", self.term, methods=["GET"]),
            Route("/doc/{path:path}", self.document, methods=["GET"]),
            Route("/sparql", self.sparql, methods=["GET", "POST"]),
            Route("/.well-known/void", self.well_known_void, methods=["GET"]),
            *[Route(f"/{name}", self.dump, methods=["GET"]) for name in DUMPS],
            Route("/{path:path}", self.static, methods=["GET"]),
        ]

    def pages(self) -> StorePages:
        """The static site's pages rendered from the served graph, made on the first page the site lacks."""
        if self._pages is None:
            self._pages = self.graph.pages()
        return self._pages

    def site_file(self, relative: str) -> Path | None:
        return resolve_static(self.site, relative) if self.site.is_dir() else None

    # ------------------------------------------------------------ documents

    async def thing(self, request: Request) -> Response:
        rest = request.path_params["path"]
        path = document_path(base_iri() + "id/" + rest)
        if path is None or path not in self.graph.documents:
            return plain(404, f"no resource {base_iri()}id/{rest} in this graph")
        return RedirectResponse("/" + path, status_code=303)

    async def term(self, request: Request) -> Response:
        rest = request.path_params.get("path", "")
        path = document_path(uuo(rest))
        if path is None or path not in self.graph.documents:
            return plain(404, f"no term {uuo(rest)} in this graph")
        return RedirectResponse("/" + path, status_code=303)

    async def representation(self, path: str, media: str) -> Response:
        """One representation of a document: the site's file where it has one, else written from the store.

        A document written from the store is made in a thread, one at a time
        (:attr:`making`): a network's page at millions of triples takes a
        second, and the event loop goes on answering meanwhile. What is made
        is kept in the cache of the build it was made from, so a reload while
        it is made does not put it beside the new build's pages.
        """
        headers = {"Link": link_header(path)}
        if media != NTRIPLES:
            static = self.site_file(f"{path}.{SUFFIX_OF[media]}")
            if static is not None:
                return file_response(static, media, headers)
        graph, rendered, key = self.graph, self.rendered, (path, media)

        def make() -> bytes:  # in the thread: the first page also reads what pages need of the whole graph
            if media == HTML:
                html = self.pages().render(path)
                if html is None:
                    raise LookupError(path)
                return html.encode("utf-8")
            return graph_bytes(graph.describe(path), DOCUMENT_FORMAT[media])

        body = rendered.recall(key)
        if body is None:
            async with self.making:
                body = rendered.recall(key)  # made by a request that waited before this one
                if body is None:
                    body = await asyncio.to_thread(make)
                    rendered.get_or(key, lambda: body)
        if media == HTML:
            headers["Content-Security-Policy"] = CSP
        return Response(body, media_type=content_type(media), headers=headers)

    async def document(self, request: Request) -> Response:
        rest: str = request.path_params["path"]
        suffix = None
        for candidate in SUFFIXES:
            if rest.endswith("." + candidate):
                rest, suffix = rest[: -len(candidate) - 1], candidate
                break
        path = "doc/" + rest
        if path not in self.graph.documents:
            return plain(404, f"no document /{path}: {thing_iri(path) or 'that IRI'} is not in this graph")
        if suffix is not None:
            return await self.representation(path, SUFFIXES[suffix])
        media = negotiate_cached(request.headers.get("accept"), tuple(DOCUMENT_TYPES))
        if media is None:
            return plain(406, "this document is available as " + ", ".join(DOCUMENT_TYPES), {"Vary": "Accept", "Link": link_header(path)})
        response = await self.representation(path, media)
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/{path}.{SUFFIX_OF[media]}"
        return response

    # ------------------------------------------------------------ dumps, VoID, index, site

    async def dump(self, request: Request) -> Response:
        name = request.url.path.lstrip("/")
        path = self.dist / name
        # A dump is a file of the build itself: a symlink in dist/ pointing elsewhere is not served.
        if not path.is_file() or not path.resolve().is_relative_to(self.dist.resolve()):
            return plain(404, f"/{name} is not built")
        return file_response(path, DUMPS[name], {"Link": f'<{LICENSE}>; rel="license"'})

    async def well_known_void(self, request: Request) -> Response:
        if not self.void_triples:
            return plain(404, "no void.ttl is built")
        media = negotiate_cached(request.headers.get("accept"), tuple(DESCRIPTION_TYPES))
        headers = {"Vary": "Accept", "Link": f'<{LICENSE}>; rel="license"'}
        if media is None:
            return plain(406, "the dataset description is available as " + ", ".join(DESCRIPTION_TYPES), headers)
        if media == TURTLE:
            return file_response(self.dist / "void.ttl", TURTLE, headers)
        body = self.rendered.get_or(("void", media), lambda: graph_bytes(self.void_triples, "jsonld" if media == JSONLD else "nt"))
        return Response(body, media_type=content_type(media), headers=headers)

    async def index(self, request: Request) -> Response:
        static = self.site_file("index.html")
        if static is not None:
            return file_response(static, HTML)
        page = self.rendered.get_or("index", lambda: index_page(self.graph))
        return Response(page, media_type=content_type(HTML), headers={"Content-Security-Policy": CSP})

    async def static(self, request: Request) -> Response:
        found = self.site_file(request.path_params["path"])
        if found is None:
            return plain(404, "not found")
        media = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return file_response(found, media)

    # ------------------------------------------------------------ SPARQL

    def description(self, request: Request, media: str) -> Response:
        """The service description of this endpoint, in ``media``.

        Its IRIs come from the configured URL (``--public-url``, else the listening
        address), never from the request: a client's ``Host`` header must not put
        another host into the description, nor a new entry into the cache.
        """
        endpoint = self.settings.base_url + "sparql"

        def make() -> bytes:
            void_url = self.settings.base_url + ".well-known/void"
            triples = service_description(endpoint, void_url, self.graph.triples, self.settings)
            if media == TURTLE:
                return description_turtle(triples)
            return graph_bytes(triples, "jsonld" if media == JSONLD else "nt")

        return Response(self.rendered.get_or(("sd", endpoint, media), make), media_type=content_type(media), headers={"Vary": "Accept"})

    async def sparql(self, request: Request) -> Response:
        settings = self.settings
        try:
            query = await read_query(request, settings.max_body)
        except Refused as refused:
            return plain(refused.status, refused.message, refused.headers)
        if query is None:
            media = negotiate_cached(request.headers.get("accept"), (*DESCRIPTION_TYPES, HTML))
            if media is None:
                return plain(406, "the service description is available as " + ", ".join(DESCRIPTION_TYPES), {"Vary": "Accept"})
            if media == HTML:
                page = self.rendered.get_or("query-page", lambda: query_page(self.examples))
                return Response(page, media_type=content_type(HTML), headers={"Vary": "Accept", "Content-Security-Policy": QUERY_PAGE_CSP})
            return self.description(request, media)
        accept = request.headers.get("accept")
        started = time.perf_counter()
        # One build's workers and cache for the whole request: a reload while the query runs must not
        # put the previous graph's answer into the new graph's cache.
        pool, answers = self.pool, self.answers
        cached = answers.get((query, accept))
        if cached is not None:  # only answers of queries that passed every check below are kept
            return answer(cached, started, "hit")
        try:
            check_query_text(query, settings.max_body)
        except Refused as refused:
            return plain(refused.status, refused.message, refused.headers)
        job: dict[str, object] = {"query": query, "accept": accept, "max_rows": settings.max_rows, "max_bytes": settings.max_answer}
        client = client_of(request.scope)
        expensive = self.limits.is_expensive(client)
        if expensive and not self.limits.begin_expensive(client):
            return plain(
                429,
                "a query from this address ran out of time or memory recently, so its queries run one at a time for a while; wait for the one running",
                {"Retry-After": "1", "Vary": "Accept"},
            )
        try:
            reply = await pool.run(job, settings.timeout, wait=settings.queue_timeout, expensive=expensive, lane=max(1, settings.worker_count // 2))
        except QueryTimeout as exc:
            self.limits.mark(client)
            return plain(503, f"{exc}; narrow it down or add a LIMIT", {"Vary": "Accept"})
        except PoolBusy:
            return plain(503, "every query worker is busy; try again shortly", {"Retry-After": "1", "Vary": "Accept"})
        except WorkerDied as exc:
            if exc.out_of_memory:
                self.limits.mark(client)
                return plain(503, f"the query needed more than the {settings.worker_memory >> 20} MiB a query may use and was stopped; narrow it down or add a LIMIT", {"Vary": "Accept"})
            return plain(500, "the query worker stopped unexpectedly; the query was not answered", {"Vary": "Accept"})
        finally:
            if expensive:
                self.limits.end_expensive(client)
        if reply["status"] != 200:
            return plain(cast(int, reply["status"]), str(reply.get("message", "")), {"Vary": "Accept"})
        answers.put((query, accept), reply)
        return answer(reply, started, "miss")


def create_app(dist: Path | str | None = None, settings: Settings | None = None, **changes: Any) -> CorsMiddleware:
    """The ASGI application serving a built ``dist/`` folder (its ``store/`` or ``graph.nt`` must exist).

    ``settings`` (default: :class:`~uugraph.web.settings.Settings`), with
    ``dist`` and any of its fields given by name changed (``timeout=2``).
    The store is opened (or loaded) here, before any worker is forked (at startup).
    ``cache_bytes`` bounds the cache of query answers (0: every query runs);
    ``worker_memory`` is the memory a query may take beyond the worker's size
    at fork (0: no cap).
    """
    if dist is not None:
        changes["dist"] = dist
    settings = (settings or Settings()).replace(**changes)
    settings = settings.replace(dist=Path(settings.dist).resolve())
    if not Graph.can_open(settings.dist):
        raise InputError(str(settings.dist), None, None, "no graph.nt here: run `python -m uugraph build --out DIR` first")
    if settings.queries_dir is None:
        from uugraph.config import project_root

        settings = settings.replace(queries_dir=project_root() / "queries")
    server = Server(settings)
    app = Starlette(routes=server.routes(), lifespan=server.lifespan)
    app.state.server = server
    app.state.settings = settings
    return CorsMiddleware(LimitsMiddleware(app, server.limits))


def build_identity(dist: Path) -> tuple[int, ...] | None:
    """What tells one build in ``dist`` from the next: the folder (``build`` renames a new one in), its ``graph.nt`` and store.

    None while there is no folder (between the two renames of a swap).
    """
    try:
        folder = dist.stat()
    except OSError:
        return None
    identity = [folder.st_dev, folder.st_ino]
    for name in ("graph.nt", "store"):
        try:
            found = (dist / name).stat()
        except OSError:
            identity += [0, 0, 0]
        else:
            identity += [found.st_ino, found.st_mtime_ns, found.st_size]
    return tuple(identity)


def _void_triples(dist: Path) -> list[ox.Triple]:
    void = dist / "void.ttl"
    return [q.triple for q in ox.parse(path=str(void), format=ox.RdfFormat.TURTLE)] if void.is_file() else []


def run_serve(settings: Settings, announce: Callable[[str], None] | None = None) -> None:
    """Serve ``settings.dist`` with uvicorn until interrupted (SIGINT/SIGTERM end it cleanly)."""
    import uvicorn

    from uugraph.web.protocol import LimitedHttpToolsProtocol

    host, port = settings.host, settings.port
    app = create_app(settings=settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info" if settings.access_log else "warning",
        access_log=settings.access_log,
        lifespan="on",
        server_header=False,
        http=LimitedHttpToolsProtocol.with_limits(settings.max_head, settings.max_headers, settings.send_timeout),
    )
    server = uvicorn.Server(config)
    served: Server = app.app.app.state.server  # type: ignore[attr-defined]

    original_startup = server.startup

    async def startup(sockets: list[Any] | None = None) -> None:
        await original_startup(sockets=sockets)
        if server.started and announce is not None:
            workers = list(served.pool.workers.values())
            isolation = "each in a network namespace of its own" if all(w.isolated for w in workers) else "without network isolation (not permitted here)"
            announce(f"serving http://{host}:{port}/ (SPARQL at /sparql); {len(workers)} query workers, {isolation}")

    server.startup = startup  # type: ignore[method-assign]
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits when it cannot bind the port
        raise UugraphError(f"cannot serve on {host}:{port} (is the port in use?)") from exc
    if not server.started:
        raise UugraphError(f"cannot serve on {host}:{port} (is the port in use?)")
