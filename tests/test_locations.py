"""Every SHACL result at file:line:column (issue 14), and the report formats CI systems read.

* the position reader (:mod:`uugraph.pipeline.locate`) reads every triple Oxigraph reads, at the
  right line and column, however the Turtle is formatted: several triples on a line, ``;`` and
  ``,`` lists, blank-node property lists, collections, long literals, comments, Windows line
  ends, ``@prefix``/``PREFIX``/``@base``/``BASE``, escaped local names;
* a large file is read statement by statement and gives the same positions as a whole read;
* each kind of shape the project uses gives a located result (a value, a missing property, a
  count, a node-level IRI rule, a SPARQL constraint, a complex path, warnings and infos), a
  derived triple points to the asserted one, a generated file names its CSV row;
* ``--format github|junit|sarif`` write what GitHub, GitLab and SARIF viewers read: the SARIF
  output is checked against the SARIF 2.1.0 schema committed in ``tests/fixtures/``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pyoxigraph as ox
import pytest
from conftest import ROOT, run_cli

from uugraph.build import check
from uugraph.config import Layout
from uugraph.pipeline import locate
from uugraph.pipeline.validate import Report, Result, to_github, to_junit, to_sarif

BASE = "http://base.example/"
EXAMPLES = Path(__file__).resolve().parent / "examples"
SARIF_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "sarif-schema-2.1.0.json"
XSD = "http://www.w3.org/2001/XMLSchema#"


# ---------------------------------------------------------------- the position reader


def _named(term: locate.Term) -> bool:
    return term[0] != "B"


def _ox_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> locate.Term:
    if isinstance(term, ox.NamedNode):
        return ("I", term.value)
    if isinstance(term, ox.BlankNode):
        return ("B", "")
    if term.language:
        return ("L", term.value, "", term.language.lower())
    datatype = term.datatype.value
    return ("L", term.value, "" if datatype == XSD + "string" else datatype, "")


def _same_as_oxigraph(text: str) -> locate.Scan:
    """Scan ``text`` and check it reads the same triples as Oxigraph (blank nodes by kind only)."""
    scan = locate.scan(text, BASE)
    ours = sorted((t.subject if _named(t.subject) else ("B", ""), t.predicate, t.object if _named(t.object) else ("B", "")) for t in scan.triples)
    theirs = sorted(
        (_ox_term(q.subject), q.predicate.value, _ox_term(q.object))  # type: ignore[arg-type]
        for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    )
    assert ours == theirs
    return scan


def _at(scan: locate.Scan, predicate: str, obj: locate.Term | None = None) -> tuple[int, int]:
    hits = [(t.line, t.column) for t in scan.triples if t.predicate == predicate and (obj is None or t.object == obj)]
    assert len(hits) == 1, hits
    return hits[0]


def test_several_triples_on_one_line_with_lists() -> None:
    text = "@prefix ex: <http://e/> .\nex:a ex:p ex:b , ex:c ; ex:q 1 . ex:d ex:p ex:e ; .\n"
    scan = _same_as_oxigraph(text)
    assert _at(scan, "http://e/p", ("I", "http://e/b")) == (2, 11)
    assert _at(scan, "http://e/p", ("I", "http://e/c")) == (2, 18)
    assert _at(scan, "http://e/q") == (2, 30)
    assert _at(scan, "http://e/p", ("I", "http://e/e")) == (2, 44)
    assert [(s.subject[1], s.line, s.column) for s in scan.statements] == [("http://e/a", 2, 1), ("http://e/d", 2, 34)]


def test_blank_node_property_lists_and_collections() -> None:
    text = (
        "@prefix ex: <http://e/> .\n"
        "ex:a ex:period [\n"
        "    ex:start 2001 ;\n"
        "    ex:end [ ex:year 2002 ]\n"
        "] ;\n"
        "  ex:list ( ex:x\n"
        '    ( ex:y ) "z" ) .\n'
        "[ ex:lone true ] ex:then ex:b .\n"
        "( 1 2 ) ex:listed ex:c .\n"
        "[] ex:empty () .\n"
    )
    scan = _same_as_oxigraph(text)
    assert _at(scan, "http://e/period") == (2, 16)
    assert _at(scan, "http://e/start") == (3, 14)
    assert _at(scan, "http://e/year") == (4, 22)
    assert _at(scan, "http://e/list") == (6, 11)
    first = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
    assert _at(scan, first, ("I", "http://e/x")) == (6, 13)
    assert _at(scan, first, ("I", "http://e/y")) == (7, 7)
    assert _at(scan, first, ("L", "z", "", "")) == (7, 14)
    assert _at(scan, "http://e/lone") == (8, 11)
    assert _at(scan, "http://e/then") == (8, 26)
    assert _at(scan, "http://e/empty") == (10, 13)


def test_multi_line_literals_and_comments() -> None:
    text = (
        "# a comment with ex:a ex:p ex:fake .\n"
        "@prefix ex: <http://e/> .   # trailing comment\n"
        'ex:a ex:note """one\n'
        "two . ex:b ex:p ex:c .\n"
        'three "quoted" ""\\"""" ;\n'
        "  ex:other '''single\n"
        "quoted''' , 'x#y' ;  # not a comment start inside the string above\n"
        '  ex:iri <http://e/with#hash> , "a \\"b\\" c"@en-GB .\n'
    )
    scan = _same_as_oxigraph(text)
    assert _at(scan, "http://e/note") == (3, 14)
    assert _at(scan, "http://e/other", ("L", "single\nquoted", "", "")) == (6, 12)
    assert _at(scan, "http://e/other", ("L", "x#y", "", "")) == (7, 13)
    assert _at(scan, "http://e/iri", ("I", "http://e/with#hash")) == (8, 10)
    assert _at(scan, "http://e/iri", ("L", 'a "b" c', "", "en-gb")) == (8, 33)
    assert not [t for t in scan.triples if t.subject == ("I", "http://e/b")]


def test_windows_line_ends() -> None:
    text = '@prefix ex: <http://e/> .\r\n\r\nex:a ex:p ex:b ;\r\n     ex:q "x" .\r\n'
    scan = _same_as_oxigraph(text)
    assert _at(scan, "http://e/p") == (3, 11)
    assert _at(scan, "http://e/q") == (4, 11)


def test_prefix_and_base_forms_escapes_and_numbers() -> None:
    text = (
        "PREFIX ex: <http://e/>\n"
        "@base <http://other.example/dir/> .\n"
        "<rel> ex:p <../up> .\n"
        "BASE <http://third.example/>\n"
        "@prefix : <local#> .\n"
        ":x ex:esc ex:a\\/b , ex:c.d ; ex:num -1 , 2.50 , 1e3 ; a ex:T .\n"
        '_:n ex:typed "2020"^^<http://www.w3.org/2001/XMLSchema#gYear> .\n'
    )
    scan = _same_as_oxigraph(text)
    assert _at(scan, "http://e/p") == (3, 12)
    assert _at(scan, "http://e/esc", ("I", "http://e/a/b")) == (6, 11)
    assert _at(scan, "http://e/esc", ("I", "http://e/c.d")) == (6, 21)
    assert _at(scan, "http://e/num", ("L", "2.50", XSD + "decimal", "")) == (6, 42)
    assert _at(scan, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == (6, 57)
    assert scan.statements[1].subject == ("I", "http://third.example/local#x")


def test_a_large_file_is_read_statement_by_statement_with_the_same_positions(tmp_path: Path) -> None:
    """Above the size limit only the statements of the wanted subjects are read: same answer, less work."""
    path = tmp_path / "big.ttl"
    blocks = [f'<id/x/{i}> a <def/T> ;\n    <def/p> "v{i}" , <id/x/{i + 1}> .\n' for i in range(300)]
    tricky = '<id/x/w> <def/p> """a literal that says .\n<id/x/7> <def/p> <id/fake> .""" .\n'
    path.write_text("@prefix def: <def/> .\n" + "".join(blocks) + tricky + "<id/x/7> def:late 1 .\n", encoding="utf-8")
    wanted = {BASE + "id/x/7", BASE + "id/x/250"}
    whole = locate.index_subjects([path], wanted, BASE)
    parts = locate.index_subjects([path], wanted, BASE, full_scan_bytes=0)
    assert whole == parts
    assert whole.starts[BASE + "id/x/7"].line == 16
    assert [p.line for _, o, p in whole.triples[BASE + "id/x/7"]] == [16, 17, 17, 604]
    assert ("I", BASE + "id/fake") not in {o for _, o, _ in whole.triples[BASE + "id/x/7"]}


def test_spellings_of_an_iri() -> None:
    found = locate.spellings("http://e/org/a-b", [("ex", "http://e/"), ("org", "http://e/org/")], ["http://e/"])
    assert found == {"<http://e/org/a-b>", "<org/a-b>", "ex:org\\/a-b", "org:a-b"}


# ---------------------------------------------------------------- located results, per kind of shape


def _project(folder: Path, extra: dict[str, str] | None = None, examples: list[str] | None = None) -> Path:
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    for name in examples or []:
        shutil.copy(EXAMPLES / "invalid" / name, folder / "data" / name)
    for relative, text in (extra or {}).items():
        (folder / relative).write_text(text, encoding="utf-8", newline="")
    return folder


#: One invalid example per kind of shape the project uses, and where its result must point.
KINDS = {
    "sh:pattern on a value": ("IdentifierShape--bad-ror.ttl", "uuo:ror", 13, 13),
    "sh:nodeKind": ("OrganisationShape--url-as-string.ttl", "schema:url", 13, 16),
    "sh:datatype": ("FigureShape--as-of-string.ttl", "uuo:asOf", 14, 14),
    "sh:class": ("MembershipShape--organisation-not-in-graph.ttl", "org:organization", 12, 22),
    "sh:in / sh:hasValue": ("MembershipShape--unconfirmed.ttl", "uuo:confidence", 14, 20),
    "sh:minInclusive": ("FigureShape--negative-value.ttl", "schema:value", 13, 18),
    "sh:minCount (missing: the description)": ("OrganisationShape--no-name.ttl", "skos:prefLabel", 10, 1),
    "sh:maxCount (the path's first triple)": ("MembershipShape--two-members.ttl", "org:member", 11, 16),
    "sh:uniqueLang": ("OrganisationShape--two-english-names.ttl", "skos:prefLabel", 11, 20),
    "node-level sh:pattern (IRI rule)": ("OrganisationIriShape--uppercase-slug.ttl", "", 10, 1),
    "sh:or / sh:xone": ("InstantShape--wrong-datatype.ttl", "", 10, 1),
    "SPARQL constraint": ("PeriodShape--start-after-end.ttl", "", 17, 1),
    "complex path (sh:alternativePath)": ("UniversityCountryShape--no-country.ttl", "(complex path)", 10, 1),
}


@pytest.fixture(scope="module")
def kinds_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = _project(tmp_path_factory.mktemp("kinds") / "project", examples=[e for e, *_ in KINDS.values()])
    return check(Layout(root=root)).report


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_shape_gives_a_located_result(kinds_report: Report, kind: str) -> None:
    example, path, line, column = KINDS[kind]
    mine = [r for r in kinds_report.violations if r.file == f"data/{example}"]
    assert [(r.path, r.lineno, r.column) for r in mine] == [(path, line, column)], "\n".join(r.line() for r in mine)
    assert mine[0].line().startswith(f"[Violation] data/{example}:{line}:{column} ")


def test_every_result_of_every_invalid_example_has_a_line(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", examples=[p.name for p in sorted((EXAMPLES / "invalid").glob("*.ttl"))])
    report = check(Layout(root=root)).report
    assert report.results
    for r in report.results:
        assert r.file and r.lineno >= 1 and r.column >= 1, r.line()
        lines = (root / r.file).read_text(encoding="utf-8").splitlines()
        assert r.lineno <= len(lines) and r.column <= len(lines[r.lineno - 1]), r.line()


def test_every_result_on_the_real_data_has_a_line(layout: Layout) -> None:
    report = check(layout).report
    assert report.results, "the real data has warnings and infos to locate"
    assert {r.severity for r in report.results} >= {"Warning", "Info"}
    for r in report.results:
        assert r.file and r.lineno >= 1 and r.column >= 1, r.line()


def test_a_generated_file_names_its_csv_row(layout: Layout) -> None:
    """data/reference/ is imported from CSV: a result there says which row (``# row N of FILE``)."""
    report = check(layout).report
    generated = [r for r in report.results if r.file.startswith("data/reference/")]
    assert generated, "the real data has a warning in a generated file"
    for r in generated:
        assert r.note.startswith("row ") and r.note.endswith(".csv"), r.line()
        number = int(r.note.split()[1])
        csv = r.note.split(" of ", 1)[1]
        lines = (ROOT / r.file).read_text(encoding="utf-8").splitlines()
        heading = next(line for line in reversed(lines[: r.lineno]) if line.startswith("# row "))
        assert heading == f"# {r.note}"
        assert number >= 2 and (ROOT.parent / "shared" / "reference" / csv).name == csv


DERIVED_SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix org: <http://www.w3.org/ns/org#> .

<shapes/ShortLabelShape> a sh:NodeShape ;
    rdfs:comment "A test shape on derived triples."@en ;
    sh:targetNode <id/org/leru> ;
    sh:property [ sh:path rdfs:label ; sh:maxLength 3 ; sh:message "Labels are short." ; sh:severity sh:Info ] ;
    sh:property [ sh:path org:hasMember ; sh:maxCount 0 ; sh:message "No members." ; sh:severity sh:Info ] .

<shapes/MemberOfShape> a sh:NodeShape ;
    rdfs:comment "A test shape on a triple derived through a chain."@en ;
    sh:targetNode <id/org/utrecht-university> ;
    sh:property [ sh:path org:memberOf ; sh:in () ; sh:message "Not a member." ; sh:severity sh:Info ] .
"""


def test_derived_triples_point_to_what_they_were_derived_from(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", {"shapes/zz-derived.ttl": DERIVED_SHAPE})
    report = check(Layout(root=root)).report
    labels = [r for r in report.results if r.path == "rdfs:label"]
    assert labels, "rdfs:label is derived from skos:prefLabel"
    for r in labels:
        assert r.note == "derived by reasoning from the triple at this line", r.line()
        line = (root / r.file).read_text(encoding="utf-8").splitlines()[r.lineno - 1]
        assert "skos:prefLabel" in line or line[r.column - 1 :].startswith('"'), r.line()
    chained = [r for r in report.results if r.path == "org:memberOf"]
    assert chained and all(r.note.startswith("derived by reasoning") and r.lineno for r in chained)


# ---------------------------------------------------------------- the formats


def _results() -> Report:
    results = [
        Result("Violation", "data/a b.ttl", "id:org/x", "uuo:ror", "Bad, really: 100%", "<https://w3id.org/uugraph/shapes/IdentifierShape>", 6, 13),
        Result("Warning", "data/b.ttl", "id:org/y", "", "Missing\nthing", "<https://w3id.org/uugraph/shapes/UniversityRorShape>", 2, 1, "row 3 of members.csv"),
        Result("Info", "", "id:org/z", "", "Just so", ""),
    ]
    return Report(conforms=False, results=results, triples=3)


def test_github_workflow_commands_escape_what_github_parses() -> None:
    lines = to_github(_results()).splitlines()
    assert lines[0] == "::error file=data/a b.ttl,line=6,col=13,title=IdentifierShape::id:org/x uuo:ror: Bad, really: 100%25"
    assert lines[1] == "::warning file=data/b.ttl,line=2,col=1,title=UniversityRorShape::id:org/y: Missing%0Athing (row 3 of members.csv)"
    assert lines[2] == "::notice title=(unnamed shape)::id:org/z: Just so"


def test_junit_has_the_structure_gitlab_reads() -> None:
    tree = ET.fromstring(to_junit(_results()))
    assert tree.tag == "testsuites"
    (suite,) = tree.findall("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests", "0")) == len(cases) and int(suite.get("failures", "0")) == 1
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["IdentifierShape"]
    failure = failed[0].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("data/a b.ttl:6:13: ") and failure.get("file") == "data/a b.ttl"
    assert failed[0].get("file") == "data/a b.ttl"


def _sarif_errors(document: object) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def test_sarif_is_valid_against_the_schema() -> None:
    document = json.loads(to_sarif(_results(), "1.2.3"))
    assert _sarif_errors(document) == []
    run = document["runs"][0]
    assert run["tool"]["driver"]["version"] == "1.2.3"
    levels = [r["level"] for r in run["results"]]
    assert levels == ["error", "warning", "note"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 6, "startColumn": 13}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["<https://w3id.org/uugraph/shapes/IdentifierShape>"]["name"] == "IdentifierShape"


def test_validate_formats_on_the_real_data() -> None:
    """Each format of the CLI on the real data: parses, validates, exit 0, and every finding has a line."""
    for fmt in ("json", "github", "junit", "sarif"):
        done = run_cli("validate", "--quiet", "--format", fmt, timeout=300)
        assert done.returncode == 0, done.stderr
        if fmt == "json":
            results = json.loads(done.stdout)["results"]
            assert results and all(r["file"] and r["line"] and r["column"] for r in results)
        elif fmt == "github":
            assert done.stdout.strip() and all(",line=" in line for line in done.stdout.splitlines())
        elif fmt == "junit":
            tree = ET.fromstring(done.stdout)
            assert tree.find("testsuite") is not None and not tree.findall(".//failure")
        else:
            document = json.loads(done.stdout)
            assert _sarif_errors(document) == []
            rules = document["runs"][0]["tool"]["driver"]["rules"]
            assert all(r["shortDescription"]["text"] and r["helpUri"].startswith("https://") for r in rules)


ESCAPED = """@prefix uuo: <def/> .
@prefix prov: <http://www.w3.org/ns/prov#> .

<id/org/\\u0065scaped-network> a uuo:Network ;
    uuo:country <id/country/nl> ;
    prov:wasDerivedFrom <id/source/uu-international-networks> .
"""


def test_a_subject_the_reader_cannot_spell_still_names_its_file(tmp_path: Path) -> None:
    """An IRI written with a \\u escape is not searched for: the result names the file, without a line."""
    root = _project(tmp_path / "project", {"data/zz-escaped.ttl": ESCAPED})
    report = check(Layout(root=root)).report
    mine = [r for r in report.violations if r.focus == "id:org/escaped-network"]
    assert mine and all(r.file == "data/zz-escaped.ttl" and r.lineno == 0 for r in mine), "\n".join(r.line() for r in mine)
    assert mine[0].line().startswith("[Violation] data/zz-escaped.ttl id:org/escaped-network ")
