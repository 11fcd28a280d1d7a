"""``uugraph serve`` as a real subprocess on a free loopback port, for the server's regression tests of issue 11.

Clients of these tests connect from addresses of their own (127.0.0.2, …: all
of 127.0.0.0/8 is loopback on Linux), so the server's per-client limits see
distinct clients; nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

from tests.uugraph_server import Served, free_port, serve  # noqa: F401  (re-exported for the tests of this folder)

ROOT = Path(__file__).resolve().parents[2]


def connect(port: int, client: int, timeout: float = 10.0, receive_buffer: int | None = None) -> socket.socket:
    """A connection to the server from loopback address 127.0.0.``client``."""
    s = socket.socket()
    if receive_buffer is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.settimeout(timeout)
    s.bind((f"127.0.0.{client}", 0))
    s.connect(("127.0.0.1", port))
    return s


def request(port: int, client: int, raw: bytes, timeout: float = 15.0) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` (one request) from 127.0.0.``client`` and read its whole answer."""
    with connect(port, client, timeout) as s:
        s.sendall(raw)
        return read_answer(s)


def read_answer(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One answer with a Content-Length from ``s``: status, headers (lower-case names) and body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split(" ")[1]), headers, body[:length]


def sparql_post(query: str, accept: str = "application/sparql-results+json", close: bool = True) -> bytes:
    body = query.encode()
    head = f"POST /sparql HTTP/1.1\r\nHost: test\r\nContent-Type: application/sparql-query\r\nAccept: {accept}\r\nContent-Length: {len(body)}\r\n"
    return (head + ("Connection: close\r\n" if close else "") + "\r\n").encode() + body


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its children (the query workers)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                pids.append(int(entry))
    total = 0
    for one in pids:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{one}/status").read_text()
            total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total
