"""``uugraph diff``: two builds of the real data, one with known changes, compared in words and as patches."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import rdflib
from conftest import ROOT, run_cli
from rdflib.compare import isomorphic

from uugraph.build import build
from uugraph.config import Layout
from uugraph.curation.diff import apply_patch, diff, read_canonical
from uugraph.errors import InputError

ETH_MEMBERSHIP = re.compile(r"<id/membership/leru/eth-zurich(#period|#start)?> a .*?\.\n\n", re.S)


def _change_data(root: Path) -> None:
    """The edits a curator might make: a figure, a new and an ended membership, a rename, an identifier."""
    figures = root / "data" / "figures.ttl"
    text = figures.read_text(encoding="utf-8")
    assert text.count('schema:value "23"^^xsd:integer') == 1
    figures.write_text(text.replace('schema:value "23"^^xsd:integer', 'schema:value "24"^^xsd:integer'), encoding="utf-8")

    networks = root / "data" / "networks.ttl"
    text = networks.read_text(encoding="utf-8")
    assert text.count('skos:prefLabel "Utrecht Network"@en') == 1
    text = text.replace('skos:prefLabel "Utrecht Network"@en', 'skos:prefLabel "The Utrecht Network"@en')
    text += """
# Added for the diff test: Bergen joins LERU in March 2027.
<id/membership/leru/university-of-bergen> a org:Membership ;
    org:member <id/org/university-of-bergen> ;
    org:organization <id/org/leru> ;
    org:role <id/concept/role/member> ;
    org:memberDuring <id/membership/leru/university-of-bergen#period> ;
    prov:wasDerivedFrom <id/source/uu-international-networks> ;
    uuo:lastChecked "2026-11-25"^^xsd:date .

<id/membership/leru/university-of-bergen#period> a time:Interval ;
    time:hasBeginning <id/membership/leru/university-of-bergen#start> .

<id/membership/leru/university-of-bergen#start> a time:Instant ;
    time:inXSDgYearMonth "2027-03"^^xsd:gYearMonth .
"""
    networks.write_text(text, encoding="utf-8")

    # EUA's Wikidata item: the old build is made without it (_before_the_qid_was_confirmed), as the data was.

    leru = root / "data" / "reference" / "members-leru.ttl"
    text, removed = ETH_MEMBERSHIP.subn("", leru.read_text(encoding="utf-8"))
    assert removed == 3
    leru.write_text(text, encoding="utf-8")


def _before_the_qid_was_confirmed(root: Path) -> None:
    """The data as it was before EUA's Wikidata item was confirmed (facts.md): the new build adds it."""
    organisations = root / "data" / "reference" / "organisations.ttl"
    text = organisations.read_text(encoding="utf-8")
    line = "    uuo:ror <https://ror.org/020yfz786> ;\n    uuo:wikidata <http://www.wikidata.org/entity/Q868940> ;\n"
    assert text.count(line) == 1
    organisations.write_text(text.replace(line, "    uuo:ror <https://ror.org/020yfz786> ;\n"), encoding="utf-8")


def _copy_project(target: Path) -> Path:
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / name, target / name)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The real data built once as it was (without EUA's QID) and once with the changes above."""
    base = tmp_path_factory.mktemp("diff")
    old = base / "old"
    before = _copy_project(base / "before")
    _before_the_qid_was_confirmed(before)
    build(Layout(root=before), old)
    copy = _copy_project(base / "project")
    _change_data(copy)
    new = base / "new"
    build(Layout(root=copy), new)
    return old, new


@pytest.fixture(scope="module")
def changed(builds: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    old, new = builds
    result = diff(old, new)
    out = tmp_path_factory.mktemp("patch")
    result.write(out)
    return result, out


def _graph(ntriples: bytes) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=ntriples.decode("utf-8"), format="nt")
    return graph


def test_the_changelog_says_each_change_in_words(changed) -> None:
    result, _ = changed
    text = result.markdown()
    assert "## League of European Research Universities (LERU)" in text
    assert "- member universities 23 → 24 (as of 2026-11-25)" in text
    assert "- University of Bergen joined (member, since 2027-03)" in text
    assert "- ETH Zurich left (membership removed; was member, since 2024-01-01)" in text
    assert "- renamed “Utrecht Network” → “The Utrecht Network”" in text
    assert "## European University Association (EUA)" in text
    assert "- Wikidata item Q868940 added" in text
    # Derived links (rdfs:label, schema:name, schema:sameAs, org:memberOf …) are in the patch, not in the words.
    assert "same as" not in text and "member of" not in text
    by_label = {r.label: r for r in result.resources}
    # The Utrecht Network carries its acronym UN since the reference confirmed it.
    assert set(by_label) == {"League of European Research Universities (LERU)", "The Utrecht Network (UN)", "European University Association (EUA)"}
    assert sorted(c.kind for c in by_label["League of European Research Universities (LERU)"].changes) == ["figure", "joined", "left"]


def test_the_patches_turn_old_into_new(builds: tuple[Path, Path], changed) -> None:
    old, new = builds
    result, out = changed
    added, removed = (out / "added.nt").read_bytes(), (out / "removed.nt").read_bytes()
    for data in (added, removed):
        lines = data.decode("utf-8").splitlines()
        assert lines == sorted(lines) and lines
        _graph(data)  # parses as N-Triples
    old_nt = (old / "graph.nt").read_bytes()
    assert set(removed.splitlines()) <= set(old_nt.splitlines()), "removed.nt holds lines of OLD's graph.nt"
    patched = apply_patch(old_nt, added, removed)
    assert isomorphic(_graph(patched), _graph((new / "graph.nt").read_bytes()))
    assert patched == (new / "graph.nt").read_bytes()  # no blank node changed here, so even the bytes agree
    assert len(result.added) == len(added.splitlines()) and len(result.removed) == len(removed.splitlines())


def test_a_build_compared_with_itself_is_empty(builds: tuple[Path, Path], tmp_path: Path) -> None:
    old, _ = builds
    result = diff(old, old)
    assert result.empty and result.resources == []
    assert "No changes" in result.markdown()
    result.write(tmp_path)
    assert (tmp_path / "added.nt").read_bytes() == b"" and (tmp_path / "removed.nt").read_bytes() == b""


def test_every_form_of_one_build_is_the_same_graph(builds: tuple[Path, Path]) -> None:
    """graph.nt, graph.ttl (lists written as ( … )), graph.jsonld and the version folder: no change between them."""
    old, _ = builds
    versions = [p for p in old.iterdir() if p.is_dir() and (p / "graph.nt").is_file()]
    for other in [old / "graph.ttl", old / "graph.jsonld", *versions]:
        assert diff(old / "graph.nt", other).empty, other


def test_a_version_folder_is_a_build_and_a_folder_of_versions_names_them(builds: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = builds
    for version, build_dir in (("0.1.0", old), ("0.2.0", new)):
        (tmp_path / "releases" / version).mkdir(parents=True)
        shutil.copy(build_dir / "graph.ttl", tmp_path / "releases" / version / "graph.ttl")
    assert diff(tmp_path / "releases" / "0.1.0", old).empty
    assert diff(tmp_path / "releases" / "0.1.0", tmp_path / "releases" / "0.2.0").added == diff(old, new).added
    with pytest.raises(InputError, match="give one of its versions: .*0.1.0, .*0.2.0"):
        diff(tmp_path / "releases", old)


BLANK_OLD = """@prefix ex: <http://example.org/> .
ex:chain ex:axiom ( ex:a ex:b ) .
ex:other ex:axiom ( ex:c ex:d ) .
ex:s ex:knows [ ex:name "x" ; ex:knows [ ex:name "y" ] ] .
ex:s ex:label "S" .
"""

BLANK_RELABELLED = """@prefix ex: <http://example.org/> .
ex:s ex:label "S" .
_:zz ex:name "y" .
ex:s ex:knows _:q1 .
_:l2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
_:q1 ex:knows _:zz .
ex:other ex:axiom _:m1 .
_:m1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ex:c .
_:l1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ex:a .
_:m1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:m2 .
_:q1 ex:name "x" .
_:m2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ex:d .
_:l1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:l2 .
_:m2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
ex:chain ex:axiom _:l1 .
_:l2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ex:b .
"""


def test_relabelled_and_reordered_blank_nodes_are_no_change(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(BLANK_OLD, encoding="utf-8")
    (tmp_path / "b.ttl").write_text(BLANK_RELABELLED, encoding="utf-8")
    assert isomorphic(rdflib.Graph().parse(tmp_path / "a.ttl"), rdflib.Graph().parse(tmp_path / "b.ttl"))
    result = diff(tmp_path / "a.ttl", tmp_path / "b.ttl")
    assert result.empty, (result.added, result.removed)


def test_a_changed_list_is_replaced_whole_and_the_others_are_untouched(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(BLANK_OLD, encoding="utf-8")
    # One list changes; a new list is added whose blank nodes sort first, so canonical labels shift.
    changed = BLANK_OLD.replace("( ex:c ex:d )", "( ex:c ex:e )") + "ex:aaa ex:axiom ( ex:a ex:a ) .\n"
    (tmp_path / "b.ttl").write_text(changed, encoding="utf-8")
    result = diff(tmp_path / "a.ttl", tmp_path / "b.ttl")
    assert len(result.removed) == 5 and len(result.added) == 10  # ex:other's list (5) out; it and ex:aaa's (5 each) in
    assert all(b"ex:a>" not in line or b"example.org/other" in line or b"_:" in line for line in result.removed)
    assert not any(b'"x"' in line or b'"y"' in line for line in result.added + result.removed), "the untouched [ … ] nodes stay out"
    assert all(b"_:new" in line for line in result.added if b"_:" in line)
    old = read_canonical(tmp_path / "a.ttl")
    patched = apply_patch(old, result.added_ntriples(), result.removed_ntriples())
    assert isomorphic(_graph(patched), rdflib.Graph().parse(tmp_path / "b.ttl"))
    text = result.markdown()
    assert "(http://example.org/c, http://example.org/e)" in text.replace("<", "").replace(">", "")


def test_the_command_line_prints_json_and_writes_the_patches(builds: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = builds
    done = run_cli("diff", str(old), str(new), "--format", "json", "--out", str(tmp_path / "patch"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["added"] > 0 and report["removed"] > 0
    leru = next(r for r in report["resources"] if r["iri"].endswith("/id/org/leru"))
    figure = next(c for c in leru["changes"] if c["kind"] == "figure")
    assert (figure["old"], figure["new"]) == ("23", "24")
    assert sorted(p.name for p in (tmp_path / "patch").iterdir()) == ["added.nt", "changes.md", "removed.nt"]
    assert len((tmp_path / "patch" / "added.nt").read_bytes().splitlines()) == report["added"]
    same = run_cli("diff", str(old), str(old / "graph.ttl"))
    assert same.returncode == 0 and "No changes" in same.stdout


def test_bad_inputs_are_reported_not_raised(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such build folder"):
        diff(tmp_path / "missing", tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no graph.nt"):
        diff(tmp_path / "empty", tmp_path / "empty")
    (tmp_path / "bad.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b nope:c .\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        diff(tmp_path / "bad.ttl", tmp_path / "bad.ttl")
    assert caught.value.line == 2
    done = run_cli("diff", str(tmp_path / "empty"), str(tmp_path / "bad.ttl"))
    assert done.returncode == 2 and done.stderr.startswith("error: ")


NAMES = """@prefix ex: <http://example.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
ex:a skos:prefLabel "Universiteit"@nl , "Uni"@de ; rdfs:label "University"@en .
ex:b rdfs:label "Bee"@fr , "B" .
ex:c schema:name "C"@en-GB , "Cee" ; <http://purl.org/dc/terms/title> "Title"@en .
ex:d ex:p ex:a .
"""


def test_the_changelog_and_the_site_name_a_resource_alike(tmp_path: Path) -> None:
    """One label chooser: the first label property that has a value; English, then untagged, then other languages."""
    import pyoxigraph as ox

    from uugraph.curation.changelog import Describer
    from uugraph.outputs.site.index import SiteIndex

    (tmp_path / "names.ttl").write_text(NAMES, encoding="utf-8")
    ntriples = read_canonical(tmp_path / "names.ttl")
    describer = Describer(ntriples, ntriples, [], [])
    index = SiteIndex.from_ntriples(ntriples)
    expected = {"a": "Uni", "b": "B", "c": "C", "d": "http://example.org/d"}
    for local, name in expected.items():
        iri = "http://example.org/" + local
        assert describer.label(ox.NamedNode(iri)) == index.name(iri) == name


MEMBERSHIPS_BEFORE = """
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix uuo: <def/> .
<id/org/coimbra-group> skos:prefLabel "Coimbra Group"@en .
<id/org/charm-eu> skos:prefLabel "CHARM European University"@en .
<id/org/university-of-gottingen> skos:prefLabel "University of Göttingen"@en .
<id/org/st-petersburg-state-university> skos:prefLabel "St Petersburg State University"@en .
<id/org/hochschule-ruhr-west> skos:prefLabel "Hochschule Ruhr West"@en .
<id/concept/role/member> skos:prefLabel "member"@en .
<id/concept/role/partner> skos:prefLabel "partner"@en .
<id/concept/role/associate-partner> skos:prefLabel "associate partner"@en .
<id/concept/membership-change/withdrawn> skos:prefLabel "withdrawn"@en .
<id/concept/membership-change/revoked> skos:prefLabel "revoked"@en .
<id/concept/membership-change/role-changed> skos:prefLabel "role changed"@en .
<id/membership/coimbra-group/university-of-gottingen> a org:Membership ;
    org:member <id/org/university-of-gottingen> ; org:organization <id/org/coimbra-group> ; org:role <id/concept/role/member> .
<id/membership/coimbra-group/st-petersburg-state-university> a org:Membership ;
    org:member <id/org/st-petersburg-state-university> ; org:organization <id/org/coimbra-group> ; org:role <id/concept/role/member> .
<id/membership/charm-eu/hochschule-ruhr-west/associate-partner> a org:Membership ;
    org:member <id/org/hochschule-ruhr-west> ; org:organization <id/org/charm-eu> ; org:role <id/concept/role/associate-partner> .
"""

MEMBERSHIPS_AFTER = """
<id/membership/coimbra-group/university-of-gottingen> org:memberDuring <id/membership/coimbra-group/university-of-gottingen#period> ;
    uuo:howEnded <id/concept/membership-change/withdrawn> .
<id/membership/coimbra-group/university-of-gottingen#period> a time:Interval ; time:hasEnd <id/membership/coimbra-group/university-of-gottingen#end> .
<id/membership/coimbra-group/university-of-gottingen#end> a time:Instant ; time:inXSDgYearMonth "2024-12"^^xsd:gYearMonth .
<id/membership/coimbra-group/st-petersburg-state-university> org:memberDuring <id/membership/coimbra-group/st-petersburg-state-university#period> ;
    uuo:howEnded <id/concept/membership-change/revoked> ;
    uuo:suspendedDuring <id/membership/coimbra-group/st-petersburg-state-university#suspension> .
<id/membership/coimbra-group/st-petersburg-state-university#period> a time:Interval ;
    time:hasEnd <id/membership/coimbra-group/st-petersburg-state-university#end> .
<id/membership/coimbra-group/st-petersburg-state-university#end> a time:Instant ; time:inXSDDate "2023-04-26"^^xsd:date .
<id/membership/coimbra-group/st-petersburg-state-university#suspension> a time:Interval ;
    time:hasBeginning <id/membership/coimbra-group/st-petersburg-state-university#suspension-start> ;
    time:hasEnd <id/membership/coimbra-group/st-petersburg-state-university#suspension-end> .
<id/membership/coimbra-group/st-petersburg-state-university#suspension-start> a time:Instant ; time:inXSDDate "2022-03-10"^^xsd:date .
<id/membership/coimbra-group/st-petersburg-state-university#suspension-end> a time:Instant ; time:inXSDDate "2023-04-26"^^xsd:date .
<id/membership/charm-eu/hochschule-ruhr-west/associate-partner> org:memberDuring <id/membership/charm-eu/hochschule-ruhr-west/associate-partner#period> ;
    uuo:howEnded <id/concept/membership-change/role-changed> .
<id/membership/charm-eu/hochschule-ruhr-west/associate-partner#period> a time:Interval ;
    time:hasEnd <id/membership/charm-eu/hochschule-ruhr-west/associate-partner#end> .
<id/membership/charm-eu/hochschule-ruhr-west/associate-partner#end> a time:Instant ; time:inXSDDate "2022-01-14"^^xsd:date .
<id/membership/charm-eu/hochschule-ruhr-west> a org:Membership ;
    org:member <id/org/hochschule-ruhr-west> ; org:organization <id/org/charm-eu> ; org:role <id/concept/role/partner> ;
    prov:wasRevisionOf <id/membership/charm-eu/hochschule-ruhr-west/associate-partner> ;
    org:memberDuring <id/membership/charm-eu/hochschule-ruhr-west#period> .
<id/membership/charm-eu/hochschule-ruhr-west#period> a time:Interval ; time:hasBeginning <id/membership/charm-eu/hochschule-ruhr-west#start> .
<id/membership/charm-eu/hochschule-ruhr-west#start> a time:Instant ; time:inXSDDate "2022-01-14"^^xsd:date .
"""


def test_the_changelog_says_how_and_when_a_membership_ended(tmp_path: Path) -> None:
    """Departures in the words of the model: how (withdrawn, revoked) and when, at the source's precision; a suspension; a role change."""
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    old.write_text(MEMBERSHIPS_BEFORE, encoding="utf-8")
    new.write_text(MEMBERSHIPS_BEFORE + MEMBERSHIPS_AFTER, encoding="utf-8")
    text = diff(old, new).markdown()
    assert "- University of Göttingen left the Coimbra Group (withdrawn, 2024-12)" in text
    assert "- St Petersburg State University left the Coimbra Group (revoked, 2023-04-26)" in text
    assert "- St Petersburg State University was suspended in the Coimbra Group (from 2022-03-10 to 2023-04-26)" in text
    assert "- Hochschule Ruhr West changed role in the CHARM European University: associate partner → partner (2022-01-14)" in text
    assert "- Hochschule Ruhr West's membership in the CHARM European University as associate partner ended by a change of role (2022-01-14)" in text
    assert "how it ended" not in text  # said in the sentence, not repeated as a bare property change


def test_an_earlier_role_newly_recorded_is_a_change_of_role_not_a_departure(tmp_path: Path) -> None:
    """The case of the build before the history was imported: HRW was a partner; the new build adds its ended associate partnership."""
    partner = """
<id/membership/charm-eu/hochschule-ruhr-west> a org:Membership ;
    org:member <id/org/hochschule-ruhr-west> ; org:organization <id/org/charm-eu> ; org:role <id/concept/role/partner> .
"""
    before = MEMBERSHIPS_BEFORE.split("<id/membership/coimbra-group/university-of-gottingen> a org:Membership")[0] + partner
    earlier = """
<id/membership/charm-eu/hochschule-ruhr-west> prov:wasRevisionOf <id/membership/charm-eu/hochschule-ruhr-west/associate-partner> .
<id/membership/charm-eu/hochschule-ruhr-west/associate-partner> a org:Membership ;
    org:member <id/org/hochschule-ruhr-west> ; org:organization <id/org/charm-eu> ; org:role <id/concept/role/associate-partner> ;
    org:memberDuring <id/membership/charm-eu/hochschule-ruhr-west/associate-partner#period> ;
    uuo:howEnded <id/concept/membership-change/role-changed> .
<id/membership/charm-eu/hochschule-ruhr-west/associate-partner#period> a time:Interval ;
    time:hasEnd <id/membership/charm-eu/hochschule-ruhr-west/associate-partner#end> .
<id/membership/charm-eu/hochschule-ruhr-west/associate-partner#end> a time:Instant ; time:inXSDDate "2022-01-14"^^xsd:date .
<id/membership/coimbra-group/st-petersburg-state-university> a org:Membership ;
    org:member <id/org/st-petersburg-state-university> ; org:organization <id/org/coimbra-group> ; org:role <id/concept/role/member> ;
    org:memberDuring <id/membership/coimbra-group/st-petersburg-state-university#period> ;
    uuo:howEnded <id/concept/membership-change/revoked> ;
    uuo:suspendedDuring <id/membership/coimbra-group/st-petersburg-state-university#suspension> .
<id/membership/coimbra-group/st-petersburg-state-university#period> a time:Interval ;
    time:hasEnd <id/membership/coimbra-group/st-petersburg-state-university#end> .
<id/membership/coimbra-group/st-petersburg-state-university#end> a time:Instant ; time:inXSDDate "2023-04-26"^^xsd:date .
<id/membership/coimbra-group/st-petersburg-state-university#suspension> a time:Interval ;
    time:hasBeginning <id/membership/coimbra-group/st-petersburg-state-university#suspension-start> .
<id/membership/coimbra-group/st-petersburg-state-university#suspension-start> a time:Instant ; time:inXSDDate "2022-03-10"^^xsd:date .
"""
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    old.write_text(before, encoding="utf-8")
    new.write_text(before + earlier, encoding="utf-8")
    text = diff(old, new).markdown()
    assert "- Hochschule Ruhr West changed role in the CHARM European University: associate partner → partner (2022-01-14); the earlier role newly recorded" in text
    assert "Hochschule Ruhr West left" not in text and "revision of" not in text
    assert "- St Petersburg State University left the Coimbra Group (revoked, 2023-04-26): a former membership, newly recorded" in text
    assert "- St Petersburg State University was suspended in the Coimbra Group (from 2022-03-10)" in text
