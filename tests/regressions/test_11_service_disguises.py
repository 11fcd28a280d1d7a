"""Issue 11: SERVICE never leaves the box, whatever its spelling, from any verb.

A canary socket on 127.0.0.1 counts the connections it accepts. Generated
disguises of SERVICE (comments ended by \\r, \\n or \\r\\n; prefixed names and
dots; \\u escapes; nested groups, subqueries, OPTIONAL, UNION; variable
endpoints; SILENT) go through the embedded query, the checks of validate and
build (a copy of queries/), and query --endpoint against a real local
Oxigraph server: the canary must see no connection. The embedded engine is
also given SERVICE with the check bypassed: its worker cannot open a socket.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from oxigraph_server import OxigraphServer  # noqa: E402

from uugraph.errors import InputError, UugraphError  # noqa: E402
from uugraph.pipeline import sandbox  # noqa: E402
from uugraph.pipeline.load import check_query, load_queries  # noqa: E402
from uugraph.pipeline.query import _evaluate, run_embedded  # noqa: E402
from uugraph.remote.query import run_remote  # noqa: E402


class Canary:
    """A listening socket on loopback that counts accepted connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


KEYWORDS = ["SERVICE", "service", "Service", r"\u0053ERVICE", r"SERV\u0049CE", r"\U00000053ERVICE"]
BEFORE = [" ", "\n", "# note\r", "# note\n", "# note\r\n", "?s ?p uuo:.", "?s ?p ?o.", "?s ?p <urn:x>.", "?s ?p uuo:x .", "?s ?p 1.", "?s ?p true."]
WRAP = ["{0}", "{{ {0} }}", "OPTIONAL {{ {0} }}", "{{ ?a ?b ?c }} UNION {{ {0} }}", "{{ SELECT * WHERE {{ {0} }} }}", "{{ {{ OPTIONAL {{ {0} }} }} }}", "MINUS {{ {0} }}"]


@st.composite
def disguises(draw: st.DrawFn, port: int) -> str:
    keyword = draw(st.sampled_from(KEYWORDS))
    silent = draw(st.sampled_from(["", " SILENT", " silent"]))
    target = draw(st.sampled_from([f"<http://127.0.0.1:{port}/sparql>", "?endpoint", f"<http://127.0.0.1:{port}/x#>"]))
    clause = f"{keyword}{silent} {target} {{ ?s ?p ?o }}"
    body = draw(st.sampled_from(WRAP)).format(draw(st.sampled_from(BEFORE)) + clause)
    binding = f"VALUES ?endpoint {{ <http://127.0.0.1:{port}/v> }} " if "?endpoint" in target else ""
    return f"PREFIX uuo: <http://example.org/def/>\nSELECT * WHERE {{ {binding}{body} }}"


ISSUE_SPELLINGS = [
    "SELECT * WHERE {{ # x\rSERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
    "PREFIX uuo: <http://example.org/def/>\nSELECT * WHERE {{ ?s ?p uuo:.SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
]

SETTINGS = settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("template", ISSUE_SPELLINGS)
def test_the_two_spellings_of_the_issue_are_refused(template: str, canary: Canary) -> None:
    text = template.format(port=canary.port)
    with pytest.raises(InputError):
        check_query(Path("q.rq"), text)
    assert canary.accepted == 0


@given(data=st.data())
@SETTINGS
def test_every_disguise_is_refused_by_the_check(data: st.DataObject, canary: Canary) -> None:
    text = data.draw(disguises(canary.port))
    with pytest.raises(InputError):
        check_query(Path("q.rq"), text)
    assert canary.accepted == 0


@given(data=st.data())
@settings(max_examples=25, deadline=10000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_embedded_query_never_connects(data: st.DataObject, canary: Canary, prepared) -> None:
    text = data.draw(disguises(canary.port))
    with pytest.raises(InputError):
        run_embedded(prepared, text, timeout=10)
    assert canary.accepted == 0


@pytest.mark.skipif(not sandbox.available(), reason="the network-less worker needs Linux")
@pytest.mark.parametrize("silent", ["", " SILENT"])
def test_the_engine_cannot_connect_even_when_the_check_is_bypassed(silent: str, canary: Canary, prepared) -> None:
    """Oxigraph would follow SERVICE over HTTP; in the worker socket() fails, so nothing reaches the canary."""
    text = f"SELECT * WHERE {{ SERVICE{silent} <http://127.0.0.1:{canary.port}/x> {{ ?s ?p ?o }} }}"
    try:
        sandbox.run_isolated(lambda: _evaluate(prepared, text), timeout=10)
    except UugraphError:
        pass
    assert canary.accepted == 0


@given(data=st.data())
@settings(max_examples=25, deadline=10000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_validate_and_build_checks_never_connect(data: st.DataObject, canary: Canary) -> None:
    text = data.draw(disguises(canary.port))
    with tempfile.TemporaryDirectory() as folder:
        queries = Path(folder) / "queries"
        shutil.copytree(ROOT / "queries", queries)
        (queries / "disguised.rq").write_text("#+ summary: a disguise\n" + text, encoding="utf-8")
        with pytest.raises(InputError) as refused:
            load_queries(queries)
        assert "disguised.rq" in str(refused.value)
    assert canary.accepted == 0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    srv = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@given(data=st.data())
@settings(max_examples=25, deadline=10000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_query_endpoint_never_sends_a_disguise(data: st.DataObject, canary: Canary, server: OxigraphServer) -> None:
    text = data.draw(disguises(canary.port))
    with pytest.raises(InputError):
        run_remote(server.query, text, timeout=5)
    assert canary.accepted == 0


@pytest.mark.parametrize("template", ISSUE_SPELLINGS)
def test_each_verb_refuses_the_issue_spellings(template: str, canary: Canary, server: OxigraphServer, project_copy: Path) -> None:
    text = "#+ summary: disguised\n" + template.format(port=canary.port)
    query = project_copy / "queries" / "disguised.rq"
    query.write_text(text, encoding="utf-8")
    runs = [
        run_cli("query", "--quiet", "--root", str(project_copy), str(query), cwd=project_copy),
        run_cli("query", "--root", str(project_copy), "--endpoint", server.query, str(query), cwd=project_copy),
        run_cli("validate", "--quiet", "--root", str(project_copy), cwd=project_copy),
        run_cli("build", "--quiet", "--root", str(project_copy), "--out", str(project_copy / "dist"), cwd=project_copy),
    ]
    for run in runs:
        assert run.returncode == 2, run.stderr
        assert "SERVICE is not allowed" in run.stderr and "Traceback" not in run.stderr
    assert canary.accepted == 0
