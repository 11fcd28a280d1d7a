"""One SPARQL results writer per format: the CLI, the library and /sparql give the same bytes.

The same query goes three ways: ``python -m uugraph query FILE --format F`` as
a subprocess, the library (:func:`uugraph.pipeline.query.run_embedded` and
:meth:`Table.render`), and a real server's ``/sparql`` on a loopback port.
TSV and CSV must be byte-identical, JSON the same document; the values chosen
are the ones writers get wrong (tabs, line breaks, quotes, backslashes,
commas, language tags, datatypes, blank nodes, unbound cells, ASK).

Blank node labels are scoped to one result (SPARQL 1.1 Query, 18.5), and
each engine loads the data with labels of its own, so answers that hold blank
nodes are compared after renaming the labels in order of first appearance.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.uugraph_server import serve
from uugraph.pipeline.query import run_embedded
from uugraph.rdf.results import Table, Value, write

ROOT = Path(__file__).resolve().parents[1]
ACCEPT = {"tsv": "text/tab-separated-values", "csv": "text/csv", "json": "application/sparql-results+json"}

# The issue's example: a tab inside a literal.
TAB = r'SELECT ?x WHERE { VALUES ?x { "a\tb" } }'
LITERALS = r"""PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?text ?other WHERE {
  VALUES (?text ?other) {
    ("a\tb" <http://example.org/a>)
    ("line one\nline two" "chat"@fr)
    ("carriage\rreturn" "colour"@en-GB)
    ("say \"hi\", then go" "42"^^xsd:integer)
    ("back\\slash" "2024-01-31"^^xsd:date)
    ("comma, and space " UNDEF)
    (UNDEF "x"^^<http://example.org/datatype>)
    ("plain" "")
  }
}"""
BLANK_NODES = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?property ?chain ?first WHERE { ?property owl:propertyChainAxiom ?chain . ?chain rdf:first ?first } ORDER BY ?property"""
ASK_TRUE = "ASK { ?s ?p ?o }"
ASK_FALSE = "ASK { <http://example.org/nothing> ?p ?o }"
QUERIES = {"tab": TAB, "literals": LITERALS, "blank-nodes": BLANK_NODES, "ask-true": ASK_TRUE, "ask-false": ASK_FALSE}


@pytest.fixture(scope="module")
def server(built_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m uugraph serve`` of the build on a free loopback port; stopped in teardown."""
    with serve(built_dist, log=tmp_path_factory.mktemp("results-server") / "server.log") as served:
        yield served.url


@pytest.fixture(scope="module")
def query_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("results-queries")
    files = {}
    for name, text in QUERIES.items():
        path = folder / f"{name}.rq"
        path.write_text(f"#+ summary: {name}\n{text}\n", encoding="utf-8")
        files[name] = path
    return files


def _cli(path: Path, fmt: str) -> bytes:
    env = dict(os.environ)
    env.pop("UUGRAPH_BASE_IRI", None)
    done = subprocess.run(
        [sys.executable, "-m", "uugraph", "query", str(path), "--format", fmt, "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def _server(url: str, query: str, fmt: str) -> bytes:
    r = httpx.post(url + "/sparql", content=query.encode("utf-8"), headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT[fmt]}, timeout=15.0)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == ACCEPT[fmt]
    return r.content


def _relabel(text: str) -> str:
    """Blank node labels renamed b0, b1, … in order of first appearance (labels are local to one result)."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return "_:" + names.setdefault(match.group(1), f"b{len(names)}")

    return re.sub(r"_:([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])", rename, text)


def _relabel_json(document: dict) -> dict:
    names: dict[str, str] = {}
    for binding in document.get("results", {}).get("bindings", []):
        for cell in binding.values():
            if cell["type"] == "bnode":
                cell["value"] = names.setdefault(cell["value"], f"b{len(names)}")
    return document


@pytest.mark.parametrize("name", list(QUERIES))
def test_cli_library_and_server_write_the_same_results(name: str, query_files: dict[str, Path], prepared, server: str) -> None:
    query = QUERIES[name]
    library = run_embedded(prepared, query)
    if name == "blank-nodes":  # the ontology's property chains are RDF lists: blank nodes
        assert library.rows and all(row[1] is not None and row[1].kind == "bnode" for row in library.rows)
    for fmt in ("tsv", "csv", "json"):
        from_cli = _cli(query_files[name], fmt)
        from_library = library.render(fmt).encode("utf-8")
        from_server = _server(server, query, fmt)
        if fmt == "json":
            cli_doc, library_doc, server_doc = (_relabel_json(json.loads(body)) for body in (from_cli, from_library, from_server))
            assert cli_doc == library_doc == server_doc, f"{name} as JSON"
            continue
        if name == "blank-nodes":
            from_cli, from_library, from_server = (_relabel(body.decode("utf-8")).encode("utf-8") for body in (from_cli, from_library, from_server))
        assert from_cli == from_library, f"{name} as {fmt}: CLI and library differ"
        assert from_server == from_cli, f"{name} as {fmt}: server and CLI differ:\n{from_server!r}\n{from_cli!r}"


def test_the_tab_example_of_the_issue(query_files: dict[str, Path], server: str) -> None:
    expected = b'?x\n"a\\tb"\n'
    assert _cli(query_files["tab"], "tsv") == expected
    assert _server(server, TAB, "tsv") == expected


def test_tsv_is_the_sparql_tsv_format(query_files: dict[str, Path], prepared) -> None:
    """One line per row with one tab per column boundary, and a TSV parser reads the very terms back."""
    body = _cli(query_files["literals"], "tsv")
    lines = body.decode("utf-8").split("\n")
    assert lines[0] == "?text\t?other" and lines[-1] == ""
    rows = lines[1:-1]
    expected = run_embedded(prepared, LITERALS)
    assert len(rows) == len(expected.rows) == 8
    assert all(row.count("\t") == 1 for row in rows)
    assert "\r" not in body.decode("utf-8")
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
    from uugraph.rdf.results import value_of

    assert [[value_of(s[v]) for v in ("text", "other")] for s in parsed] == expected.rows
    assert rows[3] == '"say \\"hi\\", then go"\t"42"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert rows[4] == '"back\\\\slash"\t"2024-01-31"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert rows[1] == '"line one\\nline two"\t"chat"@fr'
    assert rows[5] == '"comma, and space "\t'  # unbound: an empty cell
    assert rows[6] == '\t"x"^^<http://example.org/datatype>'


def test_csv_is_the_sparql_csv_format(query_files: dict[str, Path]) -> None:
    """CRLF line ends, quoted fields where needed, and a CSV reader gets the plain values back."""
    body = _cli(query_files["literals"], "csv").decode("utf-8")
    assert body.startswith("text,other\r\n") and body.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["text", "other"]
    assert rows[1:] == [
        ["a\tb", "http://example.org/a"],
        ["line one\nline two", "chat"],
        ["carriage\rreturn", "colour"],
        ['say "hi", then go', "42"],
        ["back\\slash", "2024-01-31"],
        ["comma, and space ", ""],
        ["", "x"],
        ["plain", ""],
    ]
    assert '"say ""hi"", then go"' in body


def test_json_keeps_language_datatype_and_unbound(prepared) -> None:
    document = json.loads(run_embedded(prepared, LITERALS).render("json"))
    assert document["head"]["vars"] == ["text", "other"]
    bindings = document["results"]["bindings"]
    assert bindings[1]["other"] == {"type": "literal", "value": "chat", "xml:lang": "fr"}
    assert bindings[3]["other"] == {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert bindings[0]["text"] == {"type": "literal", "value": "a\tb"}
    assert "other" not in bindings[5] and "text" not in bindings[6]


def test_ask_in_csv_and_tsv_names_one_column(prepared) -> None:
    assert run_embedded(prepared, ASK_TRUE).render("tsv") == "?_askResult\ntrue\n"
    assert run_embedded(prepared, ASK_FALSE).render("csv") == "_askResult\r\nfalse\r\n"
    assert json.loads(run_embedded(prepared, ASK_TRUE).render("json")) == {"head": {}, "boolean": True}


def test_blank_nodes_are_written_as_labels() -> None:
    table = Table(["b"], [[Value("bnode", "n1")], [None]])
    assert write(table, "tsv") == "?b\n_:n1\n\n"
    # a row of one empty field is written "" (RFC 4180), so a reader that skips blank lines keeps it
    assert write(table, "csv") == 'b\r\n_:n1\r\n""\r\n'
    assert json.loads(write(table, "json"))["results"]["bindings"] == [{"b": {"type": "bnode", "value": "n1"}}, {}]
    assert "<bnode>n1</bnode>" in write(table, "xml")
