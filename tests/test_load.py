"""Loading: strict, offline, and faithful to the curator's literals."""

from __future__ import annotations

from pathlib import Path

import pytest

from uugraph.config import Layout
from uugraph.errors import InputError
from uugraph.pipeline.load import find_service, load


def test_literal_the_store_would_rewrite_is_refused_with_its_line(project_copy: Path) -> None:
    (project_copy / "data" / "count.ttl").write_text(
        '@prefix schema: <https://schema.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<id/figure/leru/member-universities/2030> schema:value "24"^^xsd:nonNegativeInteger .\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load(Layout(root=project_copy))
    assert caught.value.path.endswith("count.ttl")
    assert caught.value.line == 3
    assert "xsd:integer" in caught.value.cause or "integer" in caught.value.cause


def test_relative_iris_resolve_against_the_base(project_copy: Path) -> None:
    loaded = load(Layout(root=project_copy), with_queries=False)
    subjects = {q.subject.value for q in loaded.quads(loaded.data_graphs)}
    assert "https://w3id.org/uugraph/id/org/utrecht-university" in subjects
    assert all(s.startswith("https://w3id.org/uugraph/") for s in subjects if "://" in s)


def test_owl_imports_is_not_followed(project_copy: Path) -> None:
    # An import of an address nothing listens on: loading must neither fetch nor fail.
    ontology = project_copy / "ontology" / "uugraph.ttl"
    ontology.write_text(
        ontology.read_text(encoding="utf-8") + "\n<def/> owl:imports <http://127.0.0.1:9/never.ttl> .\n",
        encoding="utf-8",
    )
    loaded = load(Layout(root=project_copy), with_queries=False)
    assert loaded.file_of("https://w3id.org/uugraph/def/") == project_copy / "ontology" / "uugraph.ttl"


@pytest.mark.parametrize(
    "query, found",
    [
        ("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", True),
        ("select * { service silent <http://127.0.0.1:1/> { ?s ?p ?o } }", True),
        ("SELECT ?service { ?s <http://x/SERVICE> 'SERVICE' }", False),
        ("# SERVICE\nSELECT * { ?s ?p ?o }", False),
    ],
)
def test_service_keyword_is_found_only_where_it_is_a_keyword(query: str, found: bool) -> None:
    assert (find_service(query) is not None) is found


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o.SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
        "SELECT * { ?s ?p true.SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
        "PREFIX ex: <http://e/>\nSELECT * { ?s ?p ex:a\\#b SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
    ],
)
def test_query_files_with_hidden_service_are_refused(query: str, tmp_path: Path) -> None:
    """Regression: forms the simple scan missed, which Oxigraph runs as SERVICE, are refused for query files too."""
    from uugraph.pipeline.load import check_query

    with pytest.raises(InputError, match="SERVICE"):
        check_query(tmp_path / "q.rq", query)


# ---------------------------------------------------------------- the query header


def test_queries_folder_file_without_summary_is_refused(project_copy: Path) -> None:
    """The files of queries/ are documented assets: no ``#+ summary:`` is an input error naming the file."""
    from uugraph.pipeline.load import load_queries

    (project_copy / "queries" / "bare.rq").write_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_queries(project_copy / "queries")
    assert caught.value.path.endswith("bare.rq") and "summary" in caught.value.cause


def test_ad_hoc_query_file_without_summary_is_run_with_a_warning(tmp_path: Path) -> None:
    from uugraph.pipeline.load import parse_query_file

    path = tmp_path / "mine.rq"
    path.write_text("# counting\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    warnings: list[str] = []
    parsed = parse_query_file(path, require_summary=False, warn=warnings.append)
    assert parsed.summary == "" and parsed.name == "mine"
    assert len(warnings) == 1 and str(path) in warnings[0] and "summary" in warnings[0]
    with pytest.raises(InputError):
        parse_query_file(path)  # required by default


def test_ad_hoc_query_file_with_summary_warns_nothing(tmp_path: Path) -> None:
    from uugraph.pipeline.load import parse_query_file

    path = tmp_path / "mine.rq"
    path.write_text("#+ summary: Count\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    warnings: list[str] = []
    assert parse_query_file(path, require_summary=False, warn=warnings.append).summary == "Count"
    assert warnings == []
