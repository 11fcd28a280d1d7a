"""Checking queries/ with both parsers made `validate` on the real data take over a second (from 0.36 s).

A pass is remembered on disk, keyed by the text, the base IRI, the parsers' versions
and the checking code; a refusal never is, so it is reported every time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from uugraph.errors import InputError
from uugraph.pipeline import load

QUERY = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?x WHERE { ?x skos:prefLabel ?l }\n"


@pytest.fixture
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> load.RememberedPasses:
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    fresh = load.RememberedPasses()
    monkeypatch.setattr(load, "_checked_queries", fresh)
    return fresh


def _parsers_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("the parsers ran for a query checked before")

    monkeypatch.setattr(load, "check_parsed", refuse)


def test_a_passed_query_is_not_parsed_again(memory: load.RememberedPasses, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load.check_query(Path("q.rq"), QUERY) == "SelectQuery"
    _parsers_must_not_run(monkeypatch)
    assert load.check_query(Path("q.rq"), QUERY) == "SelectQuery"


def test_another_text_or_base_is_checked_again(memory: load.RememberedPasses, monkeypatch: pytest.MonkeyPatch) -> None:
    load.check_query(Path("q.rq"), QUERY)
    assert memory.key(QUERY, "https://example.org/") != memory.key(QUERY + " ", "https://example.org/")
    assert memory.key(QUERY, "https://example.org/") != memory.key(QUERY, "https://example.net/")
    with pytest.raises(InputError, match="SERVICE"):
        load.check_query(Path("q.rq"), QUERY.replace("?x skos:prefLabel ?l", "SERVICE <http://127.0.0.1:9/> { ?x ?p ?l }"))


def test_a_refused_query_is_never_remembered(memory: load.RememberedPasses) -> None:
    bad = "SELECT ?x WHERE { SERVICE <http://127.0.0.1:9/> { ?x ?p ?o } }"
    for _ in range(2):
        with pytest.raises(InputError, match="SERVICE"):
            load.check_query(Path("q.rq"), bad)
    folder = memory.folder()
    assert folder is not None
    assert not folder.exists() or not any(folder.iterdir())


def test_the_memory_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", "off")
    fresh = load.RememberedPasses()
    monkeypatch.setattr(load, "_checked_queries", fresh)
    load.check_query(Path("q.rq"), QUERY)
    calls: list[str] = []
    real = load.check_parsed
    monkeypatch.setattr(load, "check_parsed", lambda *a, **k: calls.append("parsed") or real(*a, **k))
    load.check_query(Path("q.rq"), QUERY)
    assert calls == ["parsed"] and fresh.folder() is None


# ---------------------------------------------------------------- the shapes graph's SHACL-SHACL check


@pytest.fixture
def shapes_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> load.RememberedPasses:
    from uugraph.pipeline import validate

    monkeypatch.setenv("UUGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    fresh = load.RememberedPasses("checked-shapes", code=(validate.__name__,), versions=("pyshacl", "pyshacl-turbo"))
    monkeypatch.setattr(validate, "_checked_shapes", fresh)
    return fresh


def test_unchanged_shapes_are_not_checked_against_shacl_shacl_again(shapes_memory: load.RememberedPasses, monkeypatch: pytest.MonkeyPatch) -> None:
    from uugraph.config import Layout
    from uugraph.pipeline import validate

    loaded = load.load(Layout(), with_queries=False)
    validate.check_shapes(loaded)
    calls: list[str] = []
    monkeypatch.setattr(validate, "_run_shacl", lambda *a, **k: calls.append("ran") or (True, None, ""))
    validate.check_shapes(load.load(Layout(), with_queries=False))  # loaded anew: other blank node labels, same files
    assert calls == []
    validate.check_shapes(loaded, "pyshacl")  # another checker: its own verdict
    assert calls == ["ran"]


def test_a_broken_shapes_file_is_reported_every_time(shapes_memory: load.RememberedPasses, tmp_path: Path) -> None:
    import shutil

    from uugraph.config import Layout
    from uugraph.pipeline import validate

    root = tmp_path / "project"
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(Path(__file__).resolve().parents[2] / name, root / name)
    membership = root / "shapes" / "membership.ttl"
    membership.write_text(membership.read_text(encoding="utf-8").replace("sh:minCount 1 ;", 'sh:minCount "one" ;', 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError, match="SHACL-SHACL"):
            validate.check_shapes(load.load(Layout(root=root), with_queries=False))
    folder = shapes_memory.folder()
    assert folder is not None and (not folder.exists() or not any(folder.iterdir()))
