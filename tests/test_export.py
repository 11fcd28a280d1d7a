"""The published files: JSON-LD equals Turtle for a JSON-LD 1.1 processor, builds are deterministic and atomic."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import to_isomorphic

from uugraph.build import NonConforming, build
from uugraph.config import Layout


def _no_network(url, options=None):  # pragma: no cover - called only if something tries to fetch
    raise AssertionError(f"JSON-LD processing tried to fetch {url}")


def _pyld_graph(document: dict) -> rdflib.Graph:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": _no_network})
    return rdflib.Graph().parse(data=nquads, format="nt")


def test_jsonld_expands_to_exactly_the_turtle_triples(built_dist: Path) -> None:
    document = json.loads((built_dist / "graph.jsonld").read_text(encoding="utf-8"))
    from_jsonld = _pyld_graph(document)
    from_turtle = rdflib.Graph().parse(built_dist / "graph.ttl", format="turtle")
    assert len(from_jsonld) == len(from_turtle) > 1000
    assert to_isomorphic(from_jsonld) == to_isomorphic(from_turtle)


def test_ntriples_and_turtle_hold_the_same_graph(built_dist: Path) -> None:
    nt = rdflib.Graph().parse(built_dist / "graph.nt", format="nt")
    ttl = rdflib.Graph().parse(built_dist / "graph.ttl", format="turtle")
    assert to_isomorphic(nt) == to_isomorphic(ttl)


def test_context_is_compact_and_used_by_the_graph(built_dist: Path) -> None:
    context = json.loads((built_dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    document = json.loads((built_dist / "graph.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == context
    # Short terms for the properties, coerced where every value is an IRI.
    assert context["memberOf"] == {"@id": "org:memberOf", "@type": "@id"}
    assert context["prefLabel"] == {"@id": "skos:prefLabel"}
    # Only the prefixes the project declares: not every namespace rdflib knows.
    prefixes = {k for k, v in context.items() if isinstance(v, str)}
    assert "brick" not in prefixes and "sosa" not in prefixes and len(prefixes) < 20
    # The same context applied alone gives the same triples (a harvester may fetch it separately).
    separate = {"@context": context, "@graph": document["@graph"]}
    assert to_isomorphic(_pyld_graph(separate)) == to_isomorphic(_pyld_graph(document))


def test_published_graph_has_derived_links_and_no_reasoner_noise(built_dist: Path) -> None:
    graph = rdflib.Graph().parse(built_dist / "graph.nt", format="nt")
    uu = rdflib.URIRef("https://w3id.org/uugraph/id/org/utrecht-university")
    leru = rdflib.URIRef("https://w3id.org/uugraph/id/org/leru")
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    schema = rdflib.Namespace("https://schema.org/")
    assert (uu, org.memberOf, leru) in graph
    assert (leru, org.hasMember, uu) in graph
    assert (uu, schema.memberOf, leru) in graph
    assert (leru, schema.member, uu) in graph
    assert (None, rdflib.OWL.sameAs, None) not in graph
    assert (None, rdflib.RDF.type, rdflib.OWL.Thing) not in graph
    assert not any(str(p).startswith(str(rdflib.RDF) + "_") for p in graph.predicates())
    # No shapes leak into the published graph.
    assert (None, rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape")) not in graph


def test_void_description_counts_the_published_triples(built_dist: Path) -> None:
    void = rdflib.Graph().parse(built_dist / "void.ttl", format="turtle")
    graph = rdflib.Graph().parse(built_dist / "graph.nt", format="nt")
    ns = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = rdflib.URIRef("https://w3id.org/uugraph/id/dataset/uugraph")
    assert int(void.value(dataset, ns.triples)) == len(graph)
    # Counted by the JSON-LD writer as it reads the sorted lines, without a set of subjects: rdflib's own count here.
    subjects = set(graph.subjects())
    assert int(void.value(dataset, ns.distinctSubjects)) == len(subjects)
    entities = {s for s in subjects if str(s).startswith("https://w3id.org/uugraph/id/")}
    assert 0 < len(entities) < len(subjects)
    assert int(void.value(dataset, ns.entities)) == len(entities)
    assert len(list(void.objects(dataset, rdflib.URIRef("http://www.w3.org/ns/dcat#distribution")))) == 3
    assert void.value(dataset, rdflib.DCTERMS.license) is not None


def _published(folder: Path) -> list[str]:
    """The files of a build but its store (``store/``: RocksDB names and logs its files as it likes)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).parts[0] != "store")


def _store_holds_its_dump(folder: Path) -> None:
    """A build's store holds exactly the triples of its graph.nt (the dumps of two builds are byte-identical)."""
    from uugraph.outputs.store import store_path

    store = ox.Store.read_only(str(store_path(folder)))
    lines = (store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b"").splitlines()
    assert len(lines) == (folder / "graph.nt").read_bytes().count(b"\n")
    named = sorted(line for line in lines if b"_:" not in line)
    assert named == sorted(line for line in (folder / "graph.nt").read_bytes().splitlines() if b"_:" not in line)


def test_two_builds_are_byte_identical(layout: Layout, built_dist: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build(layout, again, store="always")  # the first, by default, has none: the real graph is small
    assert not (built_dist / "store").exists()
    first = _published(built_dist)
    assert first == _published(again)
    assert len(first) > 10
    for name in first:
        assert (built_dist / name).read_bytes() == (again / name).read_bytes(), name
    _store_holds_its_dump(again)


def test_failed_build_leaves_previous_dist_untouched(project_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(Layout(root=project_copy), out)
    before = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # A membership with two members: a SHACL violation, so nothing may be published.
    (project_copy / "data" / "broken.ttl").write_text(
        "@prefix org: <http://www.w3.org/ns/org#> .\n<id/membership/leru/utrecht-university> org:member <id/org/leru> .\n",
        encoding="utf-8",
    )
    with pytest.raises(NonConforming):
        build(Layout(root=project_copy), out)
    assert {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist.")], "staging folders were left behind"


def test_base_iri_is_configurable(project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UUGRAPH_BASE_IRI", "https://example.org/networks/")
    out = tmp_path / "dist"
    build(Layout(root=project_copy), out)
    text = (out / "graph.nt").read_text(encoding="utf-8")
    assert "<https://example.org/networks/id/org/utrecht-university>" in text
    assert "w3id.org/uugraph" not in text


def test_the_parallel_writers_of_a_large_graph_write_the_same_bytes(layout: Layout, built_dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the threshold, a forked writer (and its JSON-LD child) overlap SHACL: same files, byte for byte."""
    import uugraph.build

    monkeypatch.setattr(uugraph.build, "PARALLEL_EXPORT_THRESHOLD", 0)
    parallel = tmp_path / "parallel"
    build(layout, parallel, store="always")  # the forked writer starts a new interpreter for the store
    names = _published(built_dist)
    assert names == _published(parallel)
    for name in names:
        assert (built_dist / name).read_bytes() == (parallel / name).read_bytes(), name
    _store_holds_its_dump(parallel)


def test_a_violation_stops_the_parallel_writers_and_publishes_nothing(project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer is killed on a violation, and its JSON-LD child dies with it (it would sleep a minute)."""
    import os
    import time

    import uugraph.build

    pid_file = tmp_path / "jsonld.pid"
    real_validate = uugraph.build.validate_graph

    def slow_jsonld(ntriples, folder, progress):  # runs in the writer's forked child
        pid_file.write_text(str(os.getpid()))
        time.sleep(60)

    def validate_once_the_child_runs(*args, **kwargs):
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(uugraph.build, "PARALLEL_EXPORT_THRESHOLD", 0)
    monkeypatch.setattr(uugraph.build, "_write_jsonld", slow_jsonld)
    monkeypatch.setattr(uugraph.build, "validate_graph", validate_once_the_child_runs)
    out = tmp_path / "dist"
    (project_copy / "data" / "broken.ttl").write_text(
        "@prefix org: <http://www.w3.org/ns/org#> .\n<id/membership/leru/utrecht-university> org:member <id/org/leru> .\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    with pytest.raises(NonConforming):
        build(Layout(root=project_copy), out)
    assert time.monotonic() - started < 30, "build waited for the writer instead of stopping it"
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist.")], "staging folders were left behind"
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), "the JSON-LD writer outlived the build"


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_the_context_read_from_lines_is_the_context_read_from_terms(built_dist: Path) -> None:
    """Build reads N-Triples lines, the server reads terms: both must choose the same terms and coercions."""
    from uugraph.rdf.compact import Compactor
    from uugraph.rdf.terms import parse_ntriples

    ntriples = (built_dist / "graph.nt").read_bytes() + (
        b'<urn:x:a> <urn:x:p> "say \\"hi\\"@en"@en-GB .\n<urn:x:a> <urn:x:q> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .\n<urn:x:a> <urn:x:r> _:b0 .\n'
    )
    from_terms, from_lines = Compactor(parse_ntriples(ntriples)), Compactor.from_ntriples(ntriples)
    assert from_lines.context() == from_terms.context()
    assert from_lines.stats == from_terms.stats


def test_membership_periods_are_visible_to_schema_org_harvesters(built_dist: Path) -> None:
    """The schema.org Role pattern, derived at build: network → schema:member → OrganizationRole → schema:member → member.

    A harvester that reads only schema.org finds each membership's period as the
    role's startDate/endDate, at the precision the sources give (2002, 2011 are years).
    """
    document = json.loads((built_dist / "graph.jsonld").read_text(encoding="utf-8"))
    base = "https://w3id.org/uugraph/"
    frame = {
        "@context": {"schema": "https://schema.org/", "xsd": "http://www.w3.org/2001/XMLSchema#"},
        "@id": base + "id/org/leru",
        "schema:member": {"@type": "schema:OrganizationRole", "@explicit": True, "schema:member": {"@explicit": True}, "schema:startDate": {}, "schema:endDate": {}},
        "@explicit": True,
    }
    framed = jsonld.frame(document, frame, {"documentLoader": _no_network, "embed": "@always"})
    node = framed["@graph"][0] if "@graph" in framed else framed
    roles = {r["@id"]: r for r in node["schema:member"] if isinstance(r, dict) and "schema:OrganizationRole" in str(r.get("@type"))}
    karolinska = roles[base + "id/membership/leru/karolinska-institutet"]
    assert karolinska["schema:member"]["@id"] == base + "id/org/karolinska-institutet"
    assert karolinska["schema:startDate"] == {"@type": "xsd:gYear", "@value": "2002"}
    assert karolinska["schema:endDate"] == {"@type": "xsd:gYear", "@value": "2011"}
    eth = roles[base + "id/membership/leru/eth-zurich"]
    assert eth["schema:startDate"] == {"@type": "xsd:date", "@value": "2024-01-01"} and eth.get("schema:endDate") is None  # open: the frame says null
    assert len(roles) == 25  # the 24 members and the one former member


@pytest.mark.parametrize("sorter", ["auto", "python"])
def test_the_bounded_sort_writes_the_same_canonical_ntriples(layout: Layout, monkeypatch: pytest.MonkeyPatch, sorter: str) -> None:
    """Sorted by the system's sort, or in runs of a few lines merged in Python: the bytes of sorting every line in memory."""
    from uugraph.build import prepare
    from uugraph.rdf import terms

    loaded = prepare(layout)
    in_memory = terms.canonical_ntriples(loaded.ntriples(loaded.published_graphs))
    assert in_memory.count(b"_:c14n") > 10  # the ontology's lists: the blank-node lines are taken out and put back
    monkeypatch.setattr(terms, "SORT_RUN_LINES", 97)
    if sorter == "auto" and b"GNU coreutils" in subprocess.run(["sort", "--version"], capture_output=True, check=False).stdout:
        monkeypatch.setattr(terms, "_python_sort", None)  # where GNU sort exists, auto must take it
    assert terms.canonical_ntriples_of(loaded.store, loaded.published_graphs, sorter=sorter) == in_memory
    quad = next(iter(loaded.store.quads_for_pattern(None, None, None, loaded.data_graphs[0])))
    loaded.store.add(ox.Quad(quad.subject, quad.predicate, quad.object, loaded.ontology_graphs[0]))  # stated twice
    assert terms.canonical_ntriples_of(loaded.store, loaded.published_graphs, sorter=sorter) == in_memory
    assert terms.canonical_ntriples_of(ox.Store(), [ox.DefaultGraph()], sorter=sorter) == terms.canonical_ntriples(b"")


@pytest.mark.parametrize("sorter", ["auto", "python"])
def test_the_bounded_sort_puts_blank_node_lines_where_they_belong(sorter: str) -> None:
    """Blank-node lines first, last, between and beside look-alike lines (a literal holding "_:"), and only those."""
    from uugraph.rdf import terms

    lines = [
        b'_:first <http://e/p> "a" .\n',
        b'<http://a/s> <http://e/p> "_: not a node" .\n',
        b"<http://a/s> <http://e/p> _:middle .\n",
        b"<http://m/s> <http://e/p> <http://m/o> .\n",
        b'<http://m/s> <http://e/p> "caf\xc3\xa9" .\n',
        b"<http://m/s> <http://e/p> <http://m/o> .\n",
        b"<http://z/s> <http://e/p> _:last .\n",
        b"<http://zz/s> <http://e/q> <http://z/o> .\n",
    ]
    ntriples = b"".join(lines)
    store = ox.Store()
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:g:1"))
    store.load(b"".join(lines[3:6]), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:g:2"))  # in both graphs
    graphs = [ox.NamedNode("urn:g:1"), ox.NamedNode("urn:g:2")]
    expected = terms.canonical_ntriples(ntriples)
    assert expected.count(b"\n") == 7 and expected.startswith(b"<http://a/s>") and b"_:c14n" in expected.splitlines()[-1]
    assert terms.canonical_ntriples_of(store, graphs, sorter=sorter) == expected
    only_blank = b"_:a <http://e/p> _:b .\n"
    store = ox.Store()
    store.load(only_blank, format=ox.RdfFormat.N_TRIPLES)
    assert terms.canonical_ntriples_of(store, [ox.DefaultGraph()], sorter=sorter) == terms.canonical_ntriples(only_blank)


@pytest.mark.parametrize("chunk", [1, 40, 97, 1 << 24])
def test_the_canonical_file_is_written_in_chunks_with_the_same_bytes(layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Copied in chunks of a line, a few lines or the whole file, blank-node lines put back in whichever chunk they fall: the same bytes, size and digest."""
    import hashlib

    from uugraph.build import prepare
    from uugraph.rdf import terms

    loaded = prepare(layout)
    expected = terms.canonical_ntriples(loaded.ntriples(loaded.published_graphs))
    monkeypatch.setattr(terms, "CANONICAL_CHUNK", chunk)
    out = tmp_path / "published.nt"
    size, sha256 = terms.write_canonical_ntriples_of(loaded.store, loaded.published_graphs, out)
    assert out.read_bytes() == expected
    assert (size, sha256) == (len(expected), hashlib.sha256(expected).hexdigest())
    assert [p.name for p in tmp_path.iterdir()] == ["published.nt"]  # the sort's temporary folder is gone
    only_blank = b'_:a <http://e/p> _:b .\n_:b <http://e/p> "x" .\n'
    store = ox.Store()
    store.load(only_blank, format=ox.RdfFormat.N_TRIPLES)
    terms.write_canonical_ntriples_of(store, [ox.DefaultGraph()], out)
    assert out.read_bytes() == terms.canonical_ntriples(only_blank)
    terms.write_canonical_ntriples_of(ox.Store(), [ox.DefaultGraph()], out)
    assert out.read_bytes() == terms.canonical_ntriples(b"") == b"\n"


def test_an_unknown_sorter_is_refused() -> None:
    from uugraph.rdf import terms

    with pytest.raises(ValueError, match="unknown sorter"):
        terms.canonical_ntriples_of(ox.Store(), [ox.DefaultGraph()], sorter="quick")
