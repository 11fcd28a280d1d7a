"""The query workers: forked processes that run SPARQL on the shared store, each within time and memory.

Each query runs in a worker process forked from the server after the store is
loaded (the store is shared copy-on-write). Oxigraph cannot cancel a query,
so a query that outlives its timeout has its worker killed (SIGKILL) and
replaced by a fresh fork (:class:`QueryTimeout`, the client gets 503). A
worker's address space is capped (:func:`limit_memory`), so a query that
needs too much aborts its worker instead of the machine running out of
memory (:class:`WorkerDied` with ``out_of_memory``). Where the kernel allows
it, each worker lives in a network namespace of its own
(:func:`isolate_network`), so no query can make the server send a request.

A worker answers a job with the serialised body (:func:`execute`): the
result's bytes are written in the worker, by the one writer per format of
:mod:`uugraph.rdf.results` (SELECT, ASK) or :mod:`uugraph.web.serialize`
(CONSTRUCT, DESCRIBE).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import pickle
import signal
import socket
import struct
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError, UugraphError
from uugraph.pipeline import sandbox
from uugraph.pipeline.load import check_query
from uugraph.rdf.results import Table, Value, value_of, write
from uugraph.rdf.sparql_text import QueryRefused, check_parsed
from uugraph.web.conneg import negotiate
from uugraph.web.media import GRAPH_FORMAT, GRAPH_TYPES, RESULT_FORMAT, RESULT_TYPES
from uugraph.web.serialize import graph_bytes


def results_bytes(table: Table, fmt: str) -> bytes:
    """The result in ``fmt`` as UTF-8: the same bytes ``uugraph query --format`` prints."""
    return write(table, fmt).encode("utf-8")


def _parsed_by_the_query_itself(text: str, base: str | None) -> None:
    """Oxigraph's part of the check is left to ``store.query``, which parses the text before it runs."""


def _estimate(value: Value | None) -> int:
    """A lower bound of the bytes a value takes in every result format: its text and a separator (CSV writes no more)."""
    return 1 if value is None else 1 + len(value.value)


Row = TypeVar("Row")


def within_bytes(rows: list[Row], write_rows: Callable[[list[Row]], bytes], max_bytes: int) -> tuple[bytes, int]:
    """The answer of as many of ``rows`` as fit in ``max_bytes`` when written, and how many that is.

    The written size grows about evenly with the rows: each try keeps a share
    of the rows in proportion to the overshoot (2 % fewer, so that one or two
    tries do), until the answer fits.
    """
    body = write_rows(rows)
    keep = len(rows)
    while len(body) > max_bytes and keep > 0:
        keep = max(0, min(keep - 1, int(keep * max_bytes / len(body) * 0.98)))
        body = write_rows(rows[:keep])
    return body, keep


def execute(store: ox.Store, job: dict[str, object]) -> dict[str, object]:
    """Run one query job on the store and serialise its answer (in a worker process).

    The answer is cut at ``max_rows`` rows and at ``max_bytes`` bytes
    (at a row boundary, flagged as truncated either way); rows are only
    collected while their estimated size fits, so a worker's memory for an
    answer stays near ``max_bytes`` however large the values are.
    """
    text = str(job["query"])
    accept = job.get("accept")
    max_rows = cast(int, job["max_rows"])
    max_bytes = cast(int, job.get("max_bytes") or 1 << 62)
    try:
        # The decision on the parsed query, as everywhere (CLI, checks): nesting, both parsers, no SERVICE in
        # rdflib's algebra. Oxigraph parses it once more in store.query just below, so it is not asked twice.
        check_parsed(text, base_iri(), oxigraph=_parsed_by_the_query_itself)
    except QueryRefused as refused:
        where = f"query:{refused.line}:{refused.column}: " if refused.line else ""
        return {"status": 400, "message": f"malformed query: {where}{refused.cause}"}
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
            estimate = 0
            for solution in result:
                if len(rows) >= max_rows or estimate > max_bytes:
                    truncated = True
                    break
                row = [value_of(solution[v]) for v in variables]
                estimate += sum(_estimate(v) for v in row)
                rows.append(row)
            fmt = RESULT_FORMAT[media]
            body, kept = within_bytes(rows, lambda some: results_bytes(Table(variables, some), fmt), max_bytes)
            return {"status": 200, "type": media, "body": body, "rows": kept, "truncated": truncated or kept < len(rows)}
        media = negotiate(accept, GRAPH_TYPES)  # type: ignore[arg-type]
        if media is None:
            return {"status": 406, "message": "CONSTRUCT and DESCRIBE results are available as " + ", ".join(GRAPH_TYPES[:4])}
        triples: list[ox.Triple] = []
        truncated = False
        estimate = 0
        for triple in result:
            if len(triples) >= max_rows or estimate > max_bytes:
                truncated = True
                break
            estimate += len(str(triple))
            triples.append(triple)
        graph_format = GRAPH_FORMAT[media]
        body, kept = within_bytes(triples, lambda some: graph_bytes(some, graph_format), max_bytes)
        return {"status": 200, "type": media, "body": body, "rows": kept, "truncated": truncated or kept < len(triples)}
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


def isolate_network() -> bool:
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


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this worker when the server dies, so no worker outlives it."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def limit_memory(headroom: int) -> None:
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


def worker_main(sock: socket.socket, store: ox.Store, parent: int, memory: int = 0, store_path: Path | None = None) -> None:
    """The loop of a forked worker: read a job, run it, write the answer; exit when the server goes.

    With ``store_path`` (an on-disk store), the worker opens a read-only handle
    of its own once the server's files are closed, and never touches the one
    it inherited: RocksDB runs threads and holds locks, which a fork does not
    carry over consistently, so a handle is only safe in the process that
    opened it. An in-memory store has neither and is shared copy-on-write.
    """
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    if os.getppid() != parent:
        return
    keep = sock.fileno()
    os.closerange(3, keep)
    top = max(1 << 16, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 0)
    os.closerange(keep + 1, top)  # the listening socket and the event loop's files are the server's
    if store_path is not None:
        store = ox.Store.read_only(str(store_path))
    isolated = isolate_network()
    # Beside the namespace (where the kernel allows one), a filter under which socket() fails for all but
    # Unix sockets: a SERVICE that got past every check still cannot connect anywhere.
    if sandbox.available():
        with contextlib.suppress(OSError):
            sandbox.forbid_network()
            isolated = True
    limit_memory(memory)
    sock.setblocking(True)
    _send_blocking(sock, {"ready": True, "isolated": isolated})
    while True:
        job = _recv_blocking(sock)
        if job is None:
            return
        _send_blocking(sock, execute(store, job))  # type: ignore[arg-type]


GRACE = 0.5  # seconds after which a running query counts as long
LONG_NICENESS = 10  # the CPU priority of a worker running a long query (higher: it yields to the others)


class QueryTimeout(Exception):
    """The query outlived its time; its worker was killed and replaced."""

    def __init__(self, pid: int, seconds: float) -> None:
        self.pid = pid
        super().__init__(f"the query ran longer than {seconds:g} s and was stopped")


class PoolBusy(Exception):
    """No worker became free within the query's time: the client should try again (503, Retry-After)."""


class WorkerDied(Exception):
    """The worker exited while it ran a query; ``out_of_memory`` when it aborted (a failed allocation)."""

    def __init__(self, message: str, out_of_memory: bool = False) -> None:
        self.out_of_memory = out_of_memory
        super().__init__(message)


@dataclass
class Worker:
    """One forked worker: its pid, the server's end of its socket, and whether its network is cut off."""

    pid: int
    sock: socket.socket
    isolated: bool = False
    niced: bool = False


@dataclass
class WorkerPool:
    """Forked query workers sharing the loaded store copy-on-write; a timed-out one is killed and replaced.

    With ``store_path``, the store is on disk and each worker opens its own
    read-only handle on it after the fork (see :func:`worker_main`).

    Every fork happens on the event loop's thread, the only thread that ever
    touches the store in the server process, so no lock of the store can be
    held in the parent while a child is forked.

    Fairness, so that cheap queries are not starved by expensive ones:

    * a query waits at most ``wait`` seconds for a worker (:class:`PoolBusy`);
    * a query still running after :data:`GRACE` seconds is *long*: its worker
      runs at a lower CPU priority from then on, and when every worker runs a
      long query a query that is not ``expensive`` gets a spare worker, forked
      then (at most ``spare`` of them, retired once the long queries are over) instead of waiting
      for one that may take the whole timeout;
    * ``expensive`` queries (of clients whose queries ran out of time or
      memory) run on at most ``lane`` workers at once.
    """

    store: ox.Store
    size: int
    memory: int = 0  # address-space headroom of each worker in bytes (0: no cap)
    spare: int | None = None  # workers beyond size when every worker runs a long query (default: half of size, at least 1)
    store_path: Path | None = None  # the on-disk store each worker opens for itself (None: share ``store``)
    idle: list[Worker] = field(default_factory=list)
    workers: dict[int, Worker] = field(default_factory=dict)
    running: dict[int, float] = field(default_factory=dict)  # pid -> when its query started (loop time)
    long: set[int] = field(default_factory=set)  # pids running a query past GRACE
    expensive_running: int = 0
    starting: int = 0
    killed: int = 0
    spawned: int = 0
    spares_made: int = 0
    started: bool = False
    _changed: asyncio.Event | None = None
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self._changed = asyncio.Event()
        # One query in the server itself first: the parsers' lazily built grammars are then part of every
        # fork, so a fresh worker (a spare, or one in place of a killed one) answers its first query as fast.
        execute(self.store, {"query": "ASK { ?s ?p ?o }", "accept": None, "max_rows": 1})
        for _ in range(self.size):
            self.idle.append(await self._spawn())
        self.started = True

    def _signal(self) -> None:
        """Wake every query waiting for a worker (a worker came free, or one's query became long)."""
        assert self._changed is not None
        self._changed.set()
        self._changed = asyncio.Event()

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
                worker_main(child_end, self.store, parent, self.memory, self.store_path)
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

    def _all_long(self) -> bool:
        return not self.idle and bool(self.running) and len(self.long) >= len(self.running)

    async def _acquire(self, wait: float, expensive: bool, lane: int) -> Worker:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        spare = max(1, self.size // 2) if self.spare is None else self.spare
        while True:
            assert self._changed is not None
            changed = self._changed  # taken before the checks: no wake-up is missed between them and the wait
            if self.idle and (not expensive or self.expensive_running < lane):
                return self.idle.pop()
            if not expensive and self._all_long() and len(self.workers) + self.starting < self.size + spare:
                self.starting += 1
                try:
                    worker = await self._spawn()
                finally:
                    self.starting -= 1
                self.spares_made += 1
                return worker
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise PoolBusy()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def run(self, job: dict[str, object], timeout: float, *, wait: float | None = None, expensive: bool = False, lane: int = 1) -> dict[str, object]:
        """Run ``job`` on a worker within ``timeout`` seconds, after waiting at most ``wait`` (default: ``timeout``) for one."""
        assert self.started, "the pool is not started"
        worker = await self._acquire(timeout if wait is None else wait, expensive, lane)
        loop = asyncio.get_running_loop()
        self.running[worker.pid] = loop.time()
        if expensive:
            self.expensive_running += 1
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        reply_task: asyncio.Future[object] | None = None
        try:
            await loop.sock_sendall(worker.sock, _HEADER.pack(len(payload)) + payload)
            reply_task = asyncio.ensure_future(self._recv(worker.sock))
            try:
                reply = await asyncio.wait_for(asyncio.shield(reply_task), min(GRACE, timeout))
            except TimeoutError:
                self._became_long(worker)
                reply = await asyncio.wait_for(reply_task, max(0.0, timeout - GRACE))
        except TimeoutError:
            self._done(worker, expensive)
            await self._replace(worker)
            raise QueryTimeout(worker.pid, timeout) from None
        except (WorkerDied, OSError) as exc:
            self._done(worker, expensive)
            status = await self._replace(worker)
            aborted = status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT
            raise WorkerDied(str(exc), out_of_memory=aborted) from exc
        except BaseException:  # cancelled (server shutting down): the worker's state is unknown
            if reply_task is not None:
                reply_task.cancel()
            self._done(worker, expensive)
            await self._replace(worker)
            raise
        self._done(worker, expensive)
        self._release(worker)
        return reply  # type: ignore[return-value]

    def _became_long(self, worker: Worker) -> None:
        """The worker's query is long: lower its CPU priority, and let waiting queries consider a spare worker."""
        self.long.add(worker.pid)
        worker.niced = True
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, worker.pid, LONG_NICENESS)
        self._signal()

    def _done(self, worker: Worker, expensive: bool) -> None:
        self.running.pop(worker.pid, None)
        self.long.discard(worker.pid)
        if expensive:
            self.expensive_running -= 1

    def _release(self, worker: Worker) -> None:
        """Back to the idle workers, or retired: one more than ``size`` besides the long queries, or one whose priority cannot be raised again."""
        if worker.niced:
            try:
                os.setpriority(os.PRIO_PROCESS, worker.pid, 0)
                worker.niced = False
            except OSError:  # only a privileged server may raise a priority again: a fresh worker instead
                self._in_background(self._replace(worker))
                return
        if len(self.workers) - len(self.long) > self.size:  # the spares stand in for workers held by long queries only
            self._in_background(self._retire(worker))
            return
        self.idle.append(worker)
        self._signal()

    def _in_background(self, step: Coroutine[object, object, object]) -> None:
        async def run() -> None:
            with contextlib.suppress(UugraphError):
                await step
            if self._changed is not None:
                self._signal()

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _retire(self, worker: Worker) -> None:
        await self._kill(worker)

    async def _replace(self, worker: Worker) -> int | None:
        """Kill the worker and, unless spares keep the pool at its size, fork one in its place."""
        status = await self._kill(worker)
        if len(self.workers) + self.starting < self.size:
            self.starting += 1
            try:
                fresh = await self._spawn()
            finally:
                self.starting -= 1
            self.idle.append(fresh)
        self._signal()
        return status

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        for worker in list(self.workers.values()):
            await self._kill(worker)
