"""``uugraph reconcile`` against a local ``oxigraph serve`` holding a Wikidata-shaped sample (never the internet)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from oxigraph_server import OxigraphServer, free_port

from uugraph.build import prepare
from uugraph.config import Layout, base_iri
from uugraph.curation.reconcile import insert_wikidata, reconcile
from uugraph.errors import Rejected, Unreachable

SAMPLE = Path(__file__).parent / "fixtures" / "wikidata-sample.ttl"
ORG = base_iri() + "id/org/"


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path_factory.mktemp("wikidata") / "store")
    server.start()
    try:
        server.load_default_graph(SAMPLE.read_bytes())
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def reconciled(wikidata: OxigraphServer):
    return reconcile(prepare(Layout(root=ROOT), with_queries=False), wikidata.query, timeout=10)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_verdicts_by_ror_website_and_label(reconciled) -> None:
    by_iri = {r.organisation.iri: r for r in reconciled.results}
    uu = by_iri[ORG + "utrecht-university"]
    assert uu.verdict == "match" and [(c.qid, c.matched_by) for c in uu.candidates] == [("Q221653", ["ror", "website", "label"])]
    assert by_iri[ORG + "trinity-college-dublin"].verdict == "match"  # by website, with a trailing slash on one side
    barcelona = by_iri[ORG + "universitat-de-barcelona"]
    assert barcelona.verdict == "mismatch" and "Q99990001" in barcelona.note and "ROR ID" in barcelona.note
    eua = by_iri[ORG + "eua"]  # its QID is published since the reference confirmed it (ROR record + an independent dataset)
    assert eua.verdict == "match" and eua.candidates[0].qid == "Q868940"
    assert eua.candidates[0].matched_by == ["ror", "website", "label"]
    copenhagen = by_iri[ORG + "university-of-copenhagen"]
    assert copenhagen.verdict == "suggestion" and copenhagen.by_ror
    leru = by_iri[ORG + "leru"]
    assert leru.verdict == "suggestion" and not leru.by_ror and leru.candidates[0].matched_by == ["website"]  # http vs https
    assert by_iri[ORG + "coimbra-group"].verdict == "suggestion" and by_iri[ORG + "coimbra-group"].candidates[0].matched_by == ["label"]
    network = by_iri[ORG + "utrecht-network"]
    assert network.verdict == "ambiguous" and {c.qid for c in network.candidates} == {"Q99990005", "Q99990006"}
    montpellier = by_iri[ORG + "universite-de-montpellier"]
    assert montpellier.verdict == "none" and [c.qid for c in montpellier.candidates] == ["Q99990007"]
    named = {
        ORG + s
        for s in ("utrecht-university", "trinity-college-dublin", "universitat-de-barcelona", "eua", "university-of-copenhagen")
        + ("leru", "coimbra-group", "utrecht-network", "universite-de-montpellier")
    }
    assert all(r.verdict == "none" and not r.candidates for iri, r in by_iri.items() if iri not in named)
    assert len(by_iri) > 70
    # Batched with VALUES: one request for the ROR IDs, two for the website variants, one for the labels.
    assert reconciled.requests <= 5


def test_without_write_nothing_changes(wikidata: OxigraphServer, project_copy: Path) -> None:
    before = _snapshot(project_copy)
    done = run_cli("reconcile", "--root", str(project_copy), "--endpoint", wikidata.query, "-q")
    assert done.returncode == 0, done.stderr
    assert _snapshot(project_copy) == before
    lines = {line.split("  ")[0]: line for line in done.stdout.splitlines()}
    assert "Q868940 (ror, website, label)" in lines["European University Association"] and "match" in lines["European University Association"]
    assert "mismatch" in lines["Universitat de Barcelona"]
    assert "1 mismatch" in done.stdout.splitlines()[-1]
    as_json = run_cli("reconcile", "--root", str(project_copy), "--endpoint", wikidata.query, "--format", "json", "-q")
    report = json.loads(as_json.stdout)
    assert report["counts"] == {"match": 3, "mismatch": 1, "suggestion": 3, "ambiguous": 1, "none": report["counts"]["none"]}
    eua = next(o for o in report["organisations"] if o["iri"] == ORG + "eua")
    assert eua["candidates"] == [{"qid": "Q868940", "item": "http://www.wikidata.org/entity/Q868940", "matched_by": ["ror", "website", "label"]}]
    assert _snapshot(project_copy) == before


def test_write_adds_only_ror_suggestions_to_hand_written_files(wikidata: OxigraphServer, project_copy: Path) -> None:
    # The graph as it was before the reference confirmed EUA's QID: the ROR-matched suggestion is written by hand-written file.
    generated = project_copy / "data" / "reference" / "organisations.ttl"
    qid = "    uuo:wikidata <http://www.wikidata.org/entity/Q868940> ;\n"
    assert qid in generated.read_text(encoding="utf-8")
    generated.write_text(generated.read_text(encoding="utf-8").replace(qid, "", 1), encoding="utf-8")
    before = _snapshot(project_copy)
    done = run_cli("reconcile", "--root", str(project_copy), "--endpoint", wikidata.query, "--write", "-q")
    assert done.returncode == 0, done.stderr
    after = _snapshot(project_copy)
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == ["data/networks.ttl"] and set(after) == set(before)
    old_lines = before["data/networks.ttl"].decode("utf-8").splitlines(keepends=True)
    new_lines = after["data/networks.ttl"].decode("utf-8").splitlines(keepends=True)
    at = old_lines.index("<id/org/eua> a uuo:Network ;\n") + 1
    assert new_lines == old_lines[:at] + ["    uuo:wikidata <http://www.wikidata.org/entity/Q868940> ;\n"] + old_lines[at:]
    assert [line for line in new_lines if line.startswith("#")] == [line for line in old_lines if line.startswith("#")]
    report = {line.split("  ")[0]: line for line in done.stdout.splitlines()}
    assert "wrote Q868940 into data/networks.ttl:" in report["European University Association"]
    assert "generated by import-reference" in report["University of Copenhagen"] and "data/reference/members-leru.ttl" in report["University of Copenhagen"]
    assert "not written: matched by website only" in report["League of European Research Universities"]
    validated = run_cli("validate", "--root", str(project_copy), "-q")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    # Run again: EUA now matches, and nothing more is written.
    again = run_cli("reconcile", "--root", str(project_copy), "--endpoint", wikidata.query, "--write", "-q")
    assert again.returncode == 0 and _snapshot(project_copy) == after
    assert "match" in {line.split("  ")[0]: line for line in again.stdout.splitlines()}["European University Association"]


def test_an_unreachable_or_silent_endpoint_fails_within_the_timeout(prepared) -> None:
    with pytest.raises(Unreachable):
        reconcile(prepared, f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        start = time.monotonic()
        with pytest.raises(Unreachable, match="timeout"):
            reconcile(prepared, f"http://127.0.0.1:{silent.getsockname()[1]}/query", timeout=1)
        assert time.monotonic() - start < 10


def test_a_rejecting_endpoint_is_exit_5_and_an_unreachable_one_exit_3(wikidata: OxigraphServer) -> None:
    rejected = run_cli("reconcile", "--endpoint", wikidata.base + "/no-such-endpoint", "-q")
    assert rejected.returncode == 5 and rejected.stderr.startswith("error: ")
    unreachable = run_cli("reconcile", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--timeout", "2", "-q")
    assert unreachable.returncode == 3 and "cannot reach" in unreachable.stderr


def test_rejected_is_raised_for_a_non_sparql_answer(wikidata: OxigraphServer, prepared) -> None:
    with pytest.raises(Rejected):
        reconcile(prepared, wikidata.base + "/no-such-endpoint", timeout=5)


INSERT_CASES = {
    "subject line ends with ;": (
        "@prefix uuo: <def/> .\n# keep me\n<id/org/x> a uuo:Network ; # and me\n    uuo:level <id/concept/level/global> .\n",
        "@prefix uuo: <def/> .\n# keep me\n<id/org/x> a uuo:Network ; # and me\n    uuo:wikidata <http://www.wikidata.org/entity/Q42> ;\n    uuo:level <id/concept/level/global> .\n",
    ),
    "one-line block": (
        "@prefix uuo: <def/> .\n<id/org/x> a uuo:Network .\n",
        "@prefix uuo: <def/> .\n<id/org/x> a uuo:Network ;\n    uuo:wikidata <http://www.wikidata.org/entity/Q42> .\n",
    ),
    "subject alone, no uuo: prefix, absolute IRI": (
        f"<{ORG}x>\n\ta <{base_iri()}def/Network> .\n",
        f"<{ORG}x>\n\t<{base_iri()}def/wikidata> <http://www.wikidata.org/entity/Q42> ;\n\ta <{base_iri()}def/Network> .\n",
    ),
    "object list on the subject line": (
        '@prefix uuo: <def/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<id/org/x> skos:prefLabel "X"@en ,\n        "Ix"@nl ;\n    a uuo:Network .\n',
        '@prefix uuo: <def/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<id/org/x> skos:prefLabel "X"@en ,\n        "Ix"@nl ;\n'
        "    uuo:wikidata <http://www.wikidata.org/entity/Q42> ;\n    a uuo:Network .\n",
    ),
}


@pytest.mark.parametrize("case", sorted(INSERT_CASES))
def test_the_edit_is_one_line_and_proven_by_parsing(case: str, tmp_path: Path) -> None:
    before, expected = INSERT_CASES[case]
    path = tmp_path / "x.ttl"
    path.write_bytes(before.encode("utf-8"))
    assert insert_wikidata(path, ORG + "x", "http://www.wikidata.org/entity/Q42") is not None
    assert path.read_text(encoding="utf-8") == expected
    assert insert_wikidata(path, ORG + "x", "http://www.wikidata.org/entity/Q42") is None  # already there: no second line
    assert insert_wikidata(path, ORG + "absent", "http://www.wikidata.org/entity/Q42") is None
    assert path.read_text(encoding="utf-8") == expected
