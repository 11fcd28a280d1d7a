"""A real ``oxigraph serve`` (the PyPI package's binary) for tests: a free 127.0.0.1 port, its own store, stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from uugraph.remote.client import Client
from uugraph.remote.publish import Endpoints

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OxigraphServer:
    """``oxigraph serve`` on a free loopback port with its own store folder."""

    def __init__(self, location: Path) -> None:
        assert OXIGRAPH.exists(), f"the oxigraph server is installed with the test extras ({OXIGRAPH})"
        self.location = location
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query(self) -> str:
        return self.base + "/query"

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints.from_preset("oxigraph", self.base)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(OXIGRAPH), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("oxigraph serve did not start within 20 s")

    def kill(self) -> None:
        """Kill -9 by pid: no chance to finish anything."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def load_default_graph(self, turtle: bytes) -> None:
        request = urllib.request.Request(f"{self.base}/store?default", data=turtle, method="POST", headers={"Content-Type": "text/turtle"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 201, 204)

    def count(self, graph: str) -> int:
        rows = Client(retries=0).select(self.endpoints.query, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"])

    def update(self, text: str) -> None:
        Client(retries=0).update(self.endpoints.update, text)
