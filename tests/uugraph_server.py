"""``uugraph serve`` as a real subprocess on a free loopback port: the one way the tests start our server.

Beside :mod:`tests.oxigraph_server` and :mod:`tests.virtuoso_server` (the
stores publish goes to), this starts the server the project ships, the way a
user does (``python -m uugraph serve``), waits until ``/sparql`` answers, and
stops it by its pid in teardown: SIGTERM, then SIGKILL after 10 s. It then
checks that no query worker outlived the server. Its output goes to a log file,
which is shown when the server exits early or does not come up within 30 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.oxigraph_server import free_port

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 30.0


@dataclass
class Served:
    """A running server: its base URL, port, process and log file."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def children(pid: int) -> set[int]:
    """The live (not zombie) pids whose parent is ``pid``, from /proc: the server's query workers."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _answers(port: int) -> bool:
    """Whether ``GET /sparql`` on the port answers 200 within a second."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@contextlib.contextmanager
def serve(dist: Path, *flags: str, log: Path | None = None) -> Iterator[Served]:
    """The server over ``dist`` with ``flags`` (two workers unless the flags say otherwise), up within 30 s."""
    port = free_port()
    env = dict(os.environ)
    env.pop("UUGRAPH_BASE_IRI", None)
    workers = [] if "--workers" in flags else ["--workers", "2"]
    command = [sys.executable, "-m", "uugraph", "serve", "--quiet", "--host", "127.0.0.1", "--port", str(port), "--dist", str(dist), *workers, *flags]
    if log is None:
        log = Path(tempfile.mkdtemp(prefix="uugraph-serve-")) / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers(port):
            if process.poll() is not None:
                raise AssertionError(f"the server exited with {process.returncode}: {log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not answer within {START_SECONDS:.0f} s: {log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield Served(f"http://127.0.0.1:{port}", port, process, log)
    finally:
        workers_left = children(process.pid)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers_left) and time.monotonic() < deadline:
            time.sleep(0.05)
        stray = [pid for pid in workers_left if alive(pid)]
        for pid in stray:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        assert not stray, f"query workers outlived the server: {stray}"
