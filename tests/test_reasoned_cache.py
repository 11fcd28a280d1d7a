"""The reasoned store remembered between runs (``uugraph.pipeline.cache``).

``validate`` then ``build`` on unchanged inputs parse and reason once (the
second run does not call the loader at all); any changed input, the base IRI
or ``pyproject.toml`` makes a new key; an entry that is corrupt, truncated or
half-written is ignored and the inputs are read as usual, with the same graph.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import uugraph.build
from uugraph.build import prepare
from uugraph.config import Layout
from uugraph.pipeline import cache
from uugraph.pipeline.load import LoadedGraph


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", str(folder))
    return folder / "reasoned"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The data folders the real loader was called for (a run served by the cache adds none)."""
    calls: list[Path] = []
    real = uugraph.build.load

    def counted(layout: Layout, **options: object) -> LoadedGraph:
        calls.append(layout.data_dir)
        return real(layout, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(uugraph.build, "load", counted)
    return calls


def _quads(loaded: LoadedGraph) -> list[str]:
    """The store's quads with blank node labels made alike (each load names them afresh)."""
    import re

    return sorted(re.sub(r"_:\w+", "_:b", str(q)) for q in loaded.store)


def test_validate_then_build_loads_and_reasons_once(project_copy: Path, cache_dir: Path, loads: list[Path], tmp_path: Path) -> None:
    layout = Layout(root=project_copy)
    checked = uugraph.build.check(layout)
    assert len(loads) == 1 and checked.report.conforms
    assert len(list(cache_dir.glob("*.json"))) == 1
    built = uugraph.build.build(layout, tmp_path / "dist", site="never")
    assert len(loads) == 1, "build parsed the inputs again"
    # With the published graph and the report kept, build recalls only the outline: the ontology and the shapes.
    outline = [*checked.loaded.ontology_graphs, *checked.loaded.shapes_graphs]
    assert not built.loaded.holds_data
    assert _quads(built.loaded) == sorted(q for q in _quads(checked.loaded) if q.endswith(tuple(f" {g}" for g in outline)))
    assert _quads(built.loaded), "the outline holds no quads"
    assert built.loaded.files == checked.loaded.files
    assert set(built.loaded.queries) == set(checked.loaded.queries) and built.loaded.queries
    assert [r.line() for r in built.report.results] == [r.line() for r in checked.report.results]


def test_a_changed_input_is_loaded_again(project_copy: Path, cache_dir: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    layout = Layout(root=project_copy)
    first = prepare(layout)
    prepare(layout)
    assert len(loads) == 1
    networks = project_copy / "data" / "networks.ttl"
    networks.write_text(networks.read_text(encoding="utf-8") + '\n<id/org/leru> <http://www.w3.org/2000/01/rdf-schema#comment> "changed" .\n', encoding="utf-8")
    changed = prepare(layout)
    assert len(loads) == 2
    assert len(changed.store) == len(first.store) + 1
    (project_copy / "pyproject.toml").write_text((project_copy / "pyproject.toml").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    prepare(layout)
    assert len(loads) == 3
    monkeypatch.setenv("UUGRAPH_BASE_IRI", "https://example.org/other/")
    prepare(layout)
    assert len(loads) == 4
    assert len(list(cache_dir.glob("*.json"))) == cache.KEEP, "only the newest entries are kept"


@pytest.mark.parametrize("damage", ["truncated", "flipped", "no-description", "bad-description", "dump-missing"])
def test_a_damaged_entry_is_ignored(project_copy: Path, cache_dir: Path, loads: list[Path], damage: str) -> None:
    layout = Layout(root=project_copy)
    first = prepare(layout)
    key = cache.key(layout)
    dump, meta = cache_dir / f"{key}.nq", cache_dir / f"{key}.json"
    data = dump.read_bytes()
    if damage == "truncated":  # a run killed while writing (the rename makes this unlikely; the size catches it)
        dump.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":  # same size, other bytes: the digest catches it
        dump.write_bytes(data.replace(b"<", b"{", 1))
    elif damage == "no-description":  # killed between the two renames
        meta.unlink()
    elif damage == "bad-description":
        meta.write_text("{not json", encoding="utf-8")
    else:
        dump.unlink()
    again = prepare(layout)
    assert len(loads) == 2, "the damaged entry was used"
    assert _quads(again) == _quads(first)
    prepare(layout)
    assert len(loads) == 2, "the entry written again is used"


def test_off_turns_the_cache_off(project_copy: Path, tmp_path: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", "off")
    layout = Layout(root=project_copy)
    prepare(layout)
    prepare(layout)
    assert len(loads) == 2
    assert cache.folder() is None


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The engines the shapes were run with (a build that takes the kept report adds none)."""
    calls: list[str] = []
    real = uugraph.build.validate_graph

    def counted(loaded: LoadedGraph, root: Path | None = None, engine: str = "store", step: object = None) -> object:
        calls.append(engine)
        return real(loaded, root, engine, step)  # type: ignore[arg-type]

    monkeypatch.setattr(uugraph.build, "validate_graph", counted)
    return calls


def test_build_after_validate_publishes_with_the_report_validate_made(project_copy: Path, cache_dir: Path, validations: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from uugraph.progress import Progress

    layout = Layout(root=project_copy)
    checked = uugraph.build.check(layout)
    assert validations == ["store"]
    built = uugraph.build.build(layout, tmp_path / "dist", Progress(live=False), site="never")
    assert validations == ["store"], "build ran the shapes again on unchanged inputs"
    assert "[uugraph] validate: the report of an earlier run on the same inputs (store engine)" in capsys.readouterr().err
    assert built.report == checked.report
    assert (tmp_path / "dist" / "graph.nt").is_file()
    uugraph.build.build(layout, tmp_path / "dist-pyshacl", engine="pyshacl", site="never")
    assert validations == ["store", "pyshacl"], "a report of one engine stands in for another"


def test_a_changed_shape_is_checked_again(project_copy: Path, cache_dir: Path, validations: list[str], tmp_path: Path) -> None:
    """A shape made stricter after validate: build sees the violation, from a run of its own."""
    layout = Layout(root=project_copy)
    assert uugraph.build.check(layout).report.conforms
    shapes = project_copy / "shapes" / "membership.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8") + "\n<shapes/NoMembershipShape> a sh:NodeShape ; sh:targetClass org:Membership ; sh:maxCount 0 ; sh:path org:member .\n",
        encoding="utf-8",
    )
    with pytest.raises(uugraph.build.NonConforming):
        uugraph.build.build(layout, tmp_path / "dist", site="never")
    assert validations == ["store", "store"]
    assert not (tmp_path / "dist").exists()


def test_a_non_conforming_report_kept_fails_the_build(project_copy: Path, cache_dir: Path, validations: list[str], tmp_path: Path) -> None:
    layout = Layout(root=project_copy)
    networks = project_copy / "data" / "networks.ttl"
    networks.write_text(networks.read_text(encoding="utf-8") + "\n<id/membership/broken> a <http://www.w3.org/ns/org#Membership> .\n", encoding="utf-8")
    checked = uugraph.build.check(layout)
    assert not checked.report.conforms
    with pytest.raises(uugraph.build.NonConforming) as failed:
        uugraph.build.build(layout, tmp_path / "dist", site="never")
    assert validations == ["store"]
    assert failed.value.report.violations == checked.report.violations
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("damage", ["not-json", "missing-field", "other-version"])
def test_a_damaged_report_is_ignored(project_copy: Path, cache_dir: Path, validations: list[str], tmp_path: Path, damage: str) -> None:
    import json

    layout = Layout(root=project_copy)
    checked = uugraph.build.check(layout)
    (report,) = cache_dir.glob("*.store.report")
    if damage == "not-json":
        report.write_text(report.read_text(encoding="utf-8")[:100], encoding="utf-8")
    else:
        described = json.loads(report.read_text(encoding="utf-8"))
        if damage == "missing-field":
            del described["results"]
        else:
            described["engine"] = "store pyoxigraph 0.0.1"
        report.write_text(json.dumps(described), encoding="utf-8")
    built = uugraph.build.build(layout, tmp_path / "dist", site="never")
    assert validations == ["store", "store"], "the damaged report was used"
    assert (built.report.conforms, built.report.results) == (checked.report.conforms, checked.report.results)
    uugraph.build.build(layout, tmp_path / "dist", site="never")
    assert validations == ["store", "store"], "the report written again is used"


def test_evicted_entries_take_their_reports_along(project_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(cache.KEEP + 1):
        monkeypatch.setenv("UUGRAPH_BASE_IRI", f"https://example.org/{n}/")
        uugraph.build.check(Layout(root=project_copy))
    entries = {p.stem for p in cache_dir.glob("*.json")}
    reports = {p.name.split(".")[0] for p in cache_dir.glob("*.report")}
    published = {p.name.split(".")[0] for p in cache_dir.glob("*.published.nt")}
    assert len(entries) == cache.KEEP and reports == entries and published == entries


PUBLISHED_FILES = ("graph.nt", "graph.ttl", "graph.jsonld", "context.jsonld", "void.ttl", "network.svg", "ontology.html")


def _published(dist: Path) -> dict[str, bytes]:
    from uugraph.config import version

    bundle = dist / version()
    return {name: (dist / name).read_bytes() for name in PUBLISHED_FILES} | {name: (bundle / name).read_bytes() for name in ("iris.txt", "shapes.ttl", "validation-report.ttl")}


@pytest.mark.parametrize("forked", [False, True])
def test_build_after_validate_starts_from_the_published_graph_validate_kept(
    project_copy: Path, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], forked: bool
) -> None:
    """The JSON-LD written first (forked, at scale) from the kept N-Triples: the same bytes as a build that serialised."""
    from uugraph.progress import Progress

    if forked:
        monkeypatch.setattr(uugraph.build, "PARALLEL_EXPORT_THRESHOLD", 0)  # as a graph of a million triples would
    layout = Layout(root=project_copy)
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", "off")
    uugraph.build.build(layout, tmp_path / "serialised", site="never")
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", str(cache_dir.parent))
    uugraph.build.check(layout)
    key = cache.key(layout)
    assert (cache_dir / f"{key}.published.nt").read_bytes() == (tmp_path / "serialised" / "graph.nt").read_bytes()
    capsys.readouterr()
    uugraph.build.build(layout, tmp_path / "kept", Progress(live=False), site="never")
    assert "[uugraph] serialise: the published graph of an earlier run on the same inputs" in capsys.readouterr().err
    assert _published(tmp_path / "kept") == _published(tmp_path / "serialised")


def test_a_damaged_published_graph_is_ignored(project_copy: Path, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from uugraph.progress import Progress

    layout = Layout(root=project_copy)
    uugraph.build.check(layout)
    kept = cache_dir / f"{cache.key(layout)}.published.nt"
    data = kept.read_bytes()
    kept.write_bytes(data.replace(b"<", b"{", 1))  # same size, other bytes: the digest catches it
    capsys.readouterr()
    uugraph.build.build(layout, tmp_path / "dist", Progress(live=False), site="never")
    assert "the published graph of an earlier run" not in capsys.readouterr().err
    assert not kept.exists(), "the damaged file was left for the next run"
    assert (tmp_path / "dist" / "graph.nt").read_bytes() == data


def test_build_from_the_outline_loads_no_data_and_writes_the_same_files(
    project_copy: Path, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the published graph and the report kept, the dump is not loaded: every file is the same all the same."""
    from uugraph.progress import Progress

    layout = Layout(root=project_copy)
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", "off")
    uugraph.build.build(layout, tmp_path / "loaded", site="never")
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", str(cache_dir.parent))
    uugraph.build.check(layout)
    recalls: list[str] = []
    real = cache.recall
    monkeypatch.setattr(cache, "recall", lambda *a, **k: recalls.append("dump") or real(*a, **k))
    capsys.readouterr()
    uugraph.build.build(layout, tmp_path / "outlined", Progress(live=False), site="never")
    assert "the data is not loaded" in capsys.readouterr().err
    assert recalls == [], "build loaded the dump of the whole graph"
    assert _published(tmp_path / "outlined") == _published(tmp_path / "loaded")


@pytest.mark.parametrize("damage", ["layers", "picture", "triples", "missing"])
def test_a_damaged_outline_means_the_dump_is_loaded(project_copy: Path, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    import json

    from uugraph.progress import Progress

    layout = Layout(root=project_copy)
    uugraph.build.check(layout)
    meta = cache_dir / f"{cache.key(layout)}.json"
    described = json.loads(meta.read_text(encoding="utf-8"))
    if damage == "layers":
        described["outline"]["layers"] = "<not n-quads"
    elif damage == "picture":
        described["outline"]["picture"] = {"nodes": "not a list"}
    elif damage == "triples":
        described["outline"]["published_triples"] = "many"
    else:
        del described["outline"]
    meta.write_text(json.dumps(described), encoding="utf-8")
    capsys.readouterr()
    built = uugraph.build.build(layout, tmp_path / "dist", Progress(live=False), site="never")
    assert "the data is not loaded" not in capsys.readouterr().err
    assert built.loaded.holds_data and built.report.conforms
    assert (tmp_path / "dist" / "network.svg").is_file()


def test_an_outline_refuses_to_answer_for_the_data(project_copy: Path, cache_dir: Path) -> None:
    """An outline asked for the data raises, rather than giving an empty graph that would be published as such."""
    layout = Layout(root=project_copy)
    uugraph.build.check(layout)
    outline = cache.recall_outline(layout, cache.key(layout))
    assert outline is not None and outline.published_triples > 1000
    assert outline.loaded.ntriples(outline.loaded.shapes_graphs)
    with pytest.raises(RuntimeError, match="without its data"):
        outline.loaded.published_triple_count()
    with pytest.raises(RuntimeError, match="without its data"):
        outline.loaded.ntriples(outline.loaded.published_graphs)
