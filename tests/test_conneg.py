"""Content negotiation (uugraph.web.conneg) and the server's pure safety checks, without a server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from uugraph.rdf.sparql_text import is_update, query_form, service_position
from uugraph.web.conneg import negotiate, parse_accept, quality
from uugraph.web.static import resolve_static

DOCS = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("*/*", "text/html"),
        (BROWSER, "text/html"),
        ("text/turtle", "text/turtle"),
        ("TEXT/Turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"', "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("text/turtle;q=0.4, application/ld+json;q=0.5", "application/ld+json"),
        ("application/ld+json;q=0.5, text/turtle;q=0.9", "text/turtle"),
        # q=0 excludes, even when a wildcard would accept
        ("*/*;q=0.1, text/html;q=0", "text/turtle"),
        ("text/*;q=0.5, text/turtle;q=0", "text/html"),
        ("text/*, text/html;q=0", "text/turtle"),
        # type/* and specificity
        ("application/*", "application/ld+json"),
        ("application/*;q=0.3, application/n-triples", "application/n-triples"),
        ("text/turtle, */*", "text/turtle"),
        ("*/*;q=0.9, application/n-triples;q=0.9", "application/n-triples"),
        ("text/turtle;q=0.2, */*;q=0.1", "text/turtle"),
        # nothing fits
        ("image/png", None),
        ("text/html;q=0, text/turtle;q=0, application/ld+json;q=0, application/n-triples;q=0", None),
        ("*/*;q=0", None),
        ("application/*;q=0, text/*;q=0", None),
        # malformed elements are skipped; a header with nothing usable is no header
        ("text/turtle;q=2, application/n-triples", "application/n-triples"),
        ("text/turtle;q=abc, application/ld+json;q=0.1", "application/ld+json"),
        ("garbage", "text/html"),
        ("text/, /turtle, text/turtle", "text/turtle"),
    ],
)
def test_negotiate_documents(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, DOCS) == expected


def test_server_order_breaks_ties() -> None:
    assert negotiate("text/turtle, application/ld+json", DOCS) == "text/turtle"
    assert negotiate("text/turtle, application/ld+json", list(reversed(DOCS))) == "application/ld+json"


def test_parse_accept_details() -> None:
    ranges = parse_accept('text/turtle;charset=utf-8;q=0.7;ext=1, application/ld+json;profile="a,b";q=0.3, */*;q=0.001')
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "turtle", 0.7), ("application", "ld+json", 0.3), ("*", "*", 0.001)]
    assert ranges[0].params == (("charset", "utf-8"),)  # ext=1 follows q: an accept-extension, not a parameter
    assert ranges[1].params == (("profile", "a,b"),)  # a quoted comma does not split the header
    assert quality(ranges, "image/png") == (0.001, 0)
    assert parse_accept("*/html") == []  # not a media range


def test_sparql_result_negotiation() -> None:
    from uugraph.web.media import GRAPH_TYPES, RESULT_TYPES

    assert negotiate("*/*", RESULT_TYPES) == "application/sparql-results+json"
    assert negotiate("application/sparql-results+xml, application/rdf+xml, */*", RESULT_TYPES) == "application/sparql-results+xml"
    assert negotiate("text/csv", RESULT_TYPES) == "text/csv"
    assert negotiate("text/tab-separated-values", RESULT_TYPES) == "text/tab-separated-values"
    assert negotiate("application/json", RESULT_TYPES) == "application/json"
    assert negotiate("application/sparql-results+xml, application/rdf+xml, */*", GRAPH_TYPES) == "application/rdf+xml"
    assert negotiate("application/turtle,text/turtle", GRAPH_TYPES) == "text/turtle"
    assert negotiate("text/csv", GRAPH_TYPES) is None


# ---------------------------------------------------------------- SERVICE, updates, static paths

U = "<http://127.0.0.1:9/sparql>"


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ SERVICE {U} {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent {U} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o.SERVICE {U} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p $o.SERVICE {U} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p true.SERVICE {U} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p 'x'@en.SERVICE {U} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p 1e5SERVICE {U} {{ ?a ?b ?c }} }}",
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ ?s ex:a\\#b ?o SERVICE {U} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE {U} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{?s ?p ?o}}SERVICE{U}{{ ?a ?b ?c }} }}",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { " + U + " } }",
    ],
)
def test_service_is_found_in_every_form(query: str) -> None:
    assert service_position(query) is not None


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?service WHERE { ?s <http://x/SERVICE> "SERVICE" } # SERVICE',
        "PREFIX ex: <http://e/> SELECT ?service { ?s ex:service ?o . ?o ex:SERVICE _:service }",
        'SELECT * { ?s ?p ?o FILTER(CONTAINS(?o, """a "service" here""")) }',
    ],
)
def test_service_as_a_name_is_allowed(query: str) -> None:
    assert service_position(query) is None


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("INSERT DATA { <a:b> <a:c> <a:d> }", "INSERT"),
        ("PREFIX ex: <http://e/>\nDELETE WHERE { ?s ?p ?o }", "DELETE"),
        ("BASE <http://b/> # comment\n load <http://example.org/x>", "LOAD"),
        ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("CLEAR ALL", "CLEAR"),
        ("DROP SILENT GRAPH <g>", "DROP"),
        ("SELECT * { ?s ?p ?o }", "SELECT"),
        ("PREFIX insert: <http://e/> ASK { ?s insert:x ?o }", "ASK"),
    ],
)
def test_query_form(text: str, form: str) -> None:
    assert query_form(text) == form
    assert is_update(text) == (form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"))


@pytest.fixture
def static_root(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "doc" / "org").mkdir(parents=True)
    (root / "index.html").write_text("index", encoding="utf-8")
    (root / "doc" / "org" / "leru.html").write_text("leru", encoding="utf-8")
    (root / ".hidden").write_text("hidden", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", root / "escape.txt")
    os.symlink(tmp_path, root / "up")
    os.symlink(root / "doc" / "org" / "leru.html", root / "inside.html")
    return root


@pytest.mark.parametrize(
    "url_path",
    [
        "../secret.txt",
        "doc/../../secret.txt",
        "%2e%2e/secret.txt",
        "%2E%2E/secret.txt",
        "%252e%252e/secret.txt",
        "doc/%2e%2e/%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "..\\secret.txt",
        "/etc/passwd",
        "//etc/passwd",
        "C:/Windows/win.ini",
        "escape.txt",
        "up/secret.txt",
        ".hidden",
        "doc//org/leru.html",
        "doc/org/leru.html\x00.png",
        "doc/./org/leru.html",
        "missing.html",
    ],
)
def test_static_resolver_refuses(static_root: Path, url_path: str) -> None:
    assert resolve_static(static_root, url_path) is None


def test_static_resolver_serves_inside(static_root: Path) -> None:
    assert resolve_static(static_root, "doc/org/leru.html") == (static_root / "doc/org/leru.html").resolve()
    assert resolve_static(static_root, "/doc/org/leru.html") == (static_root / "doc/org/leru.html").resolve()
    assert resolve_static(static_root, "") is None
    assert resolve_static(static_root, "doc/../index.html") is None  # no dot segments at all, even harmless ones
    assert resolve_static(static_root, "inside.html") == (static_root / "doc/org/leru.html").resolve()  # a symlink inside is fine
