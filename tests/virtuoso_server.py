"""A real Virtuoso (Debian's ``virtuoso-t``) for tests: loopback ports only, a throw-away database, stopped by its pid.

The packaged service is never used: it would listen on every interface. The
server here gets its own virtuoso.ini in a temporary folder, binds 127.0.0.1
only, and is allowed to read and write that folder alone. ``make test``
installs the package (with the service kept from starting); where it is
missing the tests that need it are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from oxigraph_server import free_port

from uugraph.errors import UugraphError
from uugraph.remote.client import Client, Credentials
from uugraph.remote.publish import Endpoints

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
PASSWORD = "dba"  # a fresh database's dba password; the database is thrown away with its folder
USER, USER_PASSWORD = "curator", "pw-not-dba-4c1d"  # the account publish uses: SPARQL_UPDATE only, as the README says
MISSING = f"Virtuoso is not installed ({VIRTUOSO}): `make test` installs Debian's virtuoso-opensource"

INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{port}
DirsAllowed = ., {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
TransactionAfterImageLimit = {after_image}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {max_seconds}
"""


def available() -> bool:
    return os.access(VIRTUOSO, os.X_OK) and os.access(ISQL, os.X_OK)


class VirtuosoServer:
    """``virtuoso-t -f`` on free loopback ports with its own database folder."""

    def __init__(self, location: Path, buffers: int = 10_000, after_image: int = 50_000_000, max_seconds: int = 120) -> None:
        """``buffers``: 8 kB pages of cache (10,000 ≈ 80 MB is plenty for the tests; Virtuoso advises ~2/3 of RAM).

        ``after_image``: TransactionAfterImageLimit, the bytes one transaction may
        change (Virtuoso's default, 50 MB, refuses the MOVE of about a million triples: SR325).
        ``max_seconds``: MaxQueryExecutionTime of [SPARQL], which bounds updates too (0: none);
        the swap of 1.5 million triples ran past 120 s on a busy machine (SR171).
        """
        self.location = location
        self.buffers = buffers
        self.after_image = after_image
        self.max_seconds = max_seconds
        self.port = free_port()
        self.http = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http}"

    @property
    def query(self) -> str:
        return self.base + "/sparql"

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints.from_preset("virtuoso", self.base)

    def start(self, timeout: float = 90) -> None:
        """Start (or restart, on the same folder and ports) and wait until SPARQL answers; bounded."""
        self.location.mkdir(parents=True, exist_ok=True)
        (self.location / "virtuoso.ini").write_text(
            INI.format(dir=self.location, port=self.port, http=self.http, buffers=self.buffers, dirty=self.buffers * 3 // 5, after_image=self.after_image, max_seconds=self.max_seconds)
        )
        (self.location / "virtuoso.lck").unlink(missing_ok=True)  # left by a killed server
        self.process = subprocess.Popen(
            [VIRTUOSO, "-f", "-c", str(self.location / "virtuoso.ini")],
            cwd=self.location,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        client = Client(retries=0, timeout=5, credentials=Credentials())
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.http), timeout=0.2):
                    pass
                client.query(self.query, "ASK { ?s ?p ?o }")
                return
            except (OSError, UugraphError):
                time.sleep(0.2)
        self.stop()
        log = (self.location / "virtuoso.log").read_text(errors="replace")[-1500:] if (self.location / "virtuoso.log").exists() else ""
        raise RuntimeError(f"virtuoso-t did not answer SPARQL on 127.0.0.1:{self.http} within {timeout:.0f} s\n{log}")

    def sql(self, statements: str, timeout: float = 30) -> str:
        """Run SQL through isql on the loopback SQL port (bounded)."""
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.port}", "dba", PASSWORD, f"EXEC={statements}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return done.stdout + done.stderr

    def create_user(self, user: str = USER, password: str = USER_PASSWORD) -> None:
        """A SQL user with the SPARQL_UPDATE role: what publish needs on both -auth endpoints."""
        out = self.sql(f"DB.DBA.USER_CREATE('{user}', '{password}'); GRANT SPARQL_UPDATE TO \"{user}\";")
        assert "Error" not in out, out

    def select(self, text: str) -> list[dict[str, dict[str, str]]]:
        return Client(retries=0, timeout=60, credentials=Credentials()).select(self.query, text)

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"])

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
