"""The HTTP connection, bounded: the size and count of a request's headers, and how long an answer may wait for its reader.

uvicorn's httptools protocol has no limit of its own on a request's head
(``h11_max_incomplete_event_size`` applies to h11 only): a header of 150 MB
was read, and re-joined piece by piece, while every other connection waited.
:class:`LimitedHttpToolsProtocol` counts the bytes of each request head as
they arrive and answers ``431 Request Header Fields Too Large`` as soon as
they pass ``max_head`` (request line and headers together) or the header
fields pass ``max_headers`` in number; it then discards what else the client
sends for a moment, so that the client reads the answer before the connection
closes, and never parses it.

The send timeout: the connection's flow control waits while the client does
not read (the kernel's and the connection's buffers are full); if that wait
passes ``send_timeout`` the connection is aborted, which drops its buffer at
once (a plain close would keep it until the client read it). After the last
piece of an answer the same bound holds: an answer still unsent after
``send_timeout`` ends its connection. The answer goes out in pieces
(:data:`uugraph.web.limits.CHUNK`), so at most a piece or two per connection
waits in the server's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, ClassVar

from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

LINGER = 2.0  # seconds a refused connection reads (and drops) what the client still sends, so it gets the answer


class TimedFlowControl(FlowControl):
    """Flow control whose wait for a non-reading client ends after ``timeout`` seconds by aborting the connection."""

    def __init__(self, transport: asyncio.Transport, timeout: float) -> None:
        super().__init__(transport)
        self.timeout = timeout
        self.aborted = False

    async def drain(self) -> None:
        try:
            await asyncio.wait_for(self._is_writable_event.wait(), self.timeout)
        except TimeoutError:
            self.aborted = True
            self._transport.abort()  # connection_lost follows: the answer's sender sees the client as gone


def _head_too_large(status_line: bytes, message: str) -> bytes:
    body = message.encode()
    return status_line + b"content-type: text/plain; charset=utf-8\r\ncontent-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded request head and a send timeout (limits as class attributes)."""

    max_head: ClassVar[int] = 64 * 1024
    max_headers: ClassVar[int] = 100
    send_timeout: ClassVar[float] = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_head = True  # bytes arriving now belong to a request line or headers
        self.head_bytes = 0
        self.header_count = 0
        self.refused = False
        self.ended_in_chunk = False
        self.unsent_check: asyncio.TimerHandle | None = None

    @classmethod
    def with_limits(cls, max_head: int, max_headers: int, send_timeout: float) -> type[LimitedHttpToolsProtocol]:
        """A subclass with these limits (uvicorn makes one protocol object per connection from a class)."""
        return type(cls.__name__, (cls,), {"max_head": max_head, "max_headers": max_headers, "send_timeout": send_timeout})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.flow = TimedFlowControl(transport, self.send_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.unsent_check is not None:
            self.unsent_check.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # the answer is sent; what still comes is dropped unread
        super().data_received(data)
        if self.in_head and not self.refused:
            # Counted after parsing: a chunk that completed a head (its body follows) is not counted, nor one
            # that ended a request (the next head's start in it is not told apart; a chunk is at most 256 KiB).
            if self.ended_in_chunk:
                self.ended_in_chunk = False
                return
            self.head_bytes += len(data)
            if self.head_bytes > self.max_head:
                self.refuse(f"the request line and headers are larger than {self.max_head} bytes; send a long query in a POST body\n")

    def refuse(self, message: str) -> None:
        """Answer 431 and close: the client's remaining bytes are read and dropped for :data:`LINGER` seconds."""
        self.refused = True
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.abort()  # an answer is still being sent on this connection: no room for another
            return
        self.transport.write(_head_too_large(b"HTTP/1.1 431 Request Header Fields Too Large\r\n", message))
        with contextlib.suppress(OSError, RuntimeError):
            if self.transport.can_write_eof():
                self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.abort)

    def on_message_begin(self) -> None:
        self.header_count = 0
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.refused:
            return
        self.header_count += 1
        if self.header_count > self.max_headers:
            self.refuse(f"the request has more than {self.max_headers} header fields\n")
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        self.in_head = False
        self.head_bytes = 0
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self.refused:
            return
        self.in_head = True
        self.ended_in_chunk = True
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The last piece of an answer may still wait for the client (closing or not): it gets send_timeout to take it.
        if self.transport.get_write_buffer_size() > 0:
            if self.unsent_check is not None:
                self.unsent_check.cancel()
            self.unsent_check = self.loop.call_later(self.send_timeout, self.abort_if_unsent)

    def abort_if_unsent(self) -> None:
        self.unsent_check = None
        if self.transport.get_write_buffer_size() > 0:
            self.transport.abort()
