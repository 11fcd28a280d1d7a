"""A real Virtuoso (Debian's ``virtuoso-t``) for tests: loopback ports only, a throw-away database, stopped by its pid.

The packaged service is never used: it would listen on every interface. The
server here gets its own virtuoso.ini in a temporary folder, binds 127.0.0.1
only, and is allowed to read and write that folder alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.oxigraph_server import free_port

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
PASSWORD = "dba"  # a fresh database's dba password; the database is thrown away with its folder

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
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


class VirtuosoServer:
    """``virtuoso-t -f`` on free loopback ports with its own database folder."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = free_port()
        self.http = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http}"

    def start(self, timeout: float = 60) -> None:
        self.location.mkdir(parents=True, exist_ok=True)
        (self.location / "virtuoso.ini").write_text(INI.format(dir=self.location, port=self.port, http=self.http))
        self.process = subprocess.Popen(
            [VIRTUOSO, "-f", "-c", str(self.location / "virtuoso.ini")],
            cwd=self.location,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.http), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"virtuoso-t did not answer on 127.0.0.1:{self.http} within {timeout:.0f} s")

    def sql(self, statements: str, timeout: float = 30) -> str:
        """Run SQL through isql on the loopback SQL port (bounded)."""
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.port}", "dba", PASSWORD, f"EXEC={statements}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return done.stdout + done.stderr

    def grant_update(self, user: str = "dba") -> None:
        self.sql(f'GRANT SPARQL_UPDATE TO "{user}"; GRANT SPARQL_UPDATE TO "SPARQL";')

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
