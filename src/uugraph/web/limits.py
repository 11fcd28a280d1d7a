"""What one client, and all clients together, may hold of the server: requests in progress and expensive queries.

Every request counts against its client's address and against the total
while it is in progress, which includes sending its answer: a client that
opens more than ``client_requests`` at once gets 429, and past
``total_requests`` everyone gets 503, both with ``Retry-After`` and before
any work is done (:class:`LimitsMiddleware`). The address is the one uvicorn
puts into the ASGI scope: the peer's, or the ``X-Forwarded-For`` of a proxy
on 127.0.0.1 (uvicorn trusts only that one by default).

A client whose query ran out of time or memory is *expensive* for
``expensive_for`` seconds (:meth:`ClientLimits.mark`): its queries then run one
at a time and only on the workers set aside for expensive queries, so a client
looping a runaway query holds at most one worker and others' cheap queries
keep theirs.

Answers leave in pieces of :data:`CHUNK` bytes: the connection's flow control
then waits between pieces for a client that reads slowly, instead of the whole
answer being copied into the connection's buffer at once, and the send timeout
of :mod:`uugraph.web.protocol` can end a client that does not read at all.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CHUNK = 64 * 1024  # bytes of an answer handed to the connection at once
MARKS_KEPT = 10_000  # expensive clients remembered at most (the oldest marks go first)


def client_of(scope: Scope) -> str:
    """The client's address as uvicorn reports it ("" when there is none, as in a test client)."""
    client = scope.get("client")
    return str(client[0]) if client else ""


@dataclass
class ClientLimits:
    """Requests in progress per client and in total, and the clients marked expensive until when."""

    client_requests: int
    total_requests: int
    expensive_for: float
    in_progress: dict[str, int] = field(default_factory=dict)
    total: int = 0
    marked: dict[str, float] = field(default_factory=dict)  # address -> monotonic time the mark ends
    expensive_running: set[str] = field(default_factory=set)

    def enter(self, client: str) -> int | None:
        """Count a request in; the status to refuse it with (429 for the client, 503 for everyone) if it is one too many."""
        if self.total >= self.total_requests:
            return 503
        if self.in_progress.get(client, 0) >= self.client_requests:
            return 429
        self.total += 1
        self.in_progress[client] = self.in_progress.get(client, 0) + 1
        return None

    def leave(self, client: str) -> None:
        self.total -= 1
        left = self.in_progress.get(client, 1) - 1
        if left <= 0:
            self.in_progress.pop(client, None)
        else:
            self.in_progress[client] = left

    def mark(self, client: str) -> None:
        """The client's query ran out of time or memory: its queries are expensive for a while."""
        now = time.monotonic()
        self.marked.pop(client, None)
        self.marked[client] = now + self.expensive_for
        if len(self.marked) > MARKS_KEPT:
            for old in [c for c, until in self.marked.items() if until <= now] or list(self.marked)[: len(self.marked) - MARKS_KEPT]:
                del self.marked[old]

    def is_expensive(self, client: str) -> bool:
        until = self.marked.get(client)
        if until is None:
            return False
        if until <= time.monotonic():
            del self.marked[client]
            return False
        return True

    def begin_expensive(self, client: str) -> bool:
        """Start an expensive client's query; False when it already has one running (one at a time)."""
        if client in self.expensive_running:
            return False
        self.expensive_running.add(client)
        return True

    def end_expensive(self, client: str) -> None:
        self.expensive_running.discard(client)


def _refusal(status: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    text = (
        "too many requests from this address at once; wait for the answers you asked for, then try again\n" if status == 429 else "the server has too many requests in progress; try again shortly\n"
    ).encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(text)).encode()),
        (b"retry-after", b"1"),
    ]
    return headers, text


class LimitsMiddleware:
    """Counts each HTTP request against its client and the total (429 / 503 past them) and sends answers in pieces."""

    def __init__(self, app: ASGIApp, limits: ClientLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = client_of(scope)
        refused = self.limits.enter(client)
        if refused is not None:
            headers, text = _refusal(refused)
            await send({"type": "http.response.start", "status": refused, "headers": headers})
            await send({"type": "http.response.body", "body": text})
            return

        async def in_pieces(message: Message) -> None:
            body = message.get("body", b"")
            if message["type"] != "http.response.body" or len(body) <= CHUNK:
                await send(message)
                return
            more = bool(message.get("more_body", False))
            view = memoryview(body)
            for start in range(0, len(body), CHUNK):
                last = start + CHUNK >= len(body)
                await send({"type": "http.response.body", "body": bytes(view[start : start + CHUNK]), "more_body": more or not last})

        try:
            await self.app(scope, receive, in_pieces)
        finally:
            self.limits.leave(client)
