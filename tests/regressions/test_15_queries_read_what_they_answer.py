"""Four queries of ``queries/`` read every membership of the graph, whatever they answered (issue 15).

On the built store of ten million synthetic triples, network-countries took
25.9 s, network-country-counts 20.0 s, member-counts-vs-figures 16.1 s and
membership-start-dates 3.4 s, for a few dozen rows. Oxigraph plans without
statistics: it started from ``?membership a org:Membership``, the pattern with
two constants, which is every membership of the graph, rather than from the
member lists' records; it joined the names to a grouped answer by reading
every name of the graph; and it read every membership's role for an
``OPTIONAL`` after a ``UNION``. The queries now check the type by ``FILTER
EXISTS``, name inside the group, and take the role (which the shapes require)
as a pattern: the same rows on every engine (``tests/test_sparql_engines.py``).

This test runs each query with Oxigraph's own explanation of the evaluation
(``oxigraph query --explain-file … --stats``) on the built store of the real
graph, then on the same graph with :data:`BULK` more memberships that none of
them is about, and asserts the answers are the same and no step of the plan
produced more than a fraction of the added memberships. It counts what the
engine read, not seconds, so a busy machine does not change it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.oxigraph_server import OXIGRAPH
from uugraph.config import Layout, base_iri
from uugraph.rdf.namespaces import ORG, PREF_LABEL, RDF_TYPE, TIME, XSD, id_iri, uuo

QUERIES = ("network-countries", "network-country-counts", "member-counts-vs-figures", "membership-start-dates")
#: Memberships added to the real graph, each with a role, a start and a member with a name and a country.
BULK = 20_000


def _bulk_lines(count: int) -> str:
    """N-Triples of ``count`` memberships in 50 networks of their own, none from a member list, none of UU's."""
    lines = []
    triple = lines.append
    for j in range(50):
        triple(f'<{id_iri(f"org/bulk-network-{j}")}> <{PREF_LABEL}> "Bulk network {j}"@en .')
    for i in range(count):
        university, membership = id_iri(f"org/bulk-university-{i}"), id_iri(f"membership/bulk-network-{i % 50}/bulk-university-{i}")
        triple(f"<{university}> <{RDF_TYPE}> <{uuo('University')}> .")
        triple(f'<{university}> <{PREF_LABEL}> "Bulk University {i}"@en .')
        triple(f"<{university}> <{uuo('country')}> <{id_iri('country/nl')}> .")
        triple(f"<{membership}> <{RDF_TYPE}> <{ORG}Membership> .")
        triple(f"<{membership}> <{ORG}member> <{university}> .")
        triple(f"<{membership}> <{ORG}organization> <{id_iri(f'org/bulk-network-{i % 50}')}> .")
        triple(f"<{membership}> <{ORG}role> <{id_iri('concept/role/member')}> .")
        triple(f"<{membership}> <{ORG}memberDuring> <{membership}#period> .")
        triple(f"<{membership}#period> <{TIME}hasBeginning> <{membership}#start> .")
        triple(f'<{membership}#start> <{TIME}inXSDgYear> "{2000 + i % 25}"^^<{XSD}gYear> .')
    return "\n".join(lines) + "\n"


def _store(location: Path, *files: Path) -> Path:
    subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file", *map(str, files)], check=True, capture_output=True, timeout=300)
    return location


@pytest.fixture(scope="module")
def stores(built_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The built real graph's store, and one of the same graph with :data:`BULK` memberships more."""
    assert OXIGRAPH.exists(), f"the oxigraph binary is installed with the test extras ({OXIGRAPH})"
    folder = tmp_path_factory.mktemp("query-plans")
    bulk = folder / "bulk.nt"
    bulk.write_text(_bulk_lines(BULK), encoding="utf-8")
    return _store(folder / "real", built_dist / "graph.nt"), _store(folder / "bulk", built_dist / "graph.nt", bulk)


def _largest_step(node: dict) -> int:
    """The most results any step of an explained plan produced (a step inside a loop counts all its rounds)."""
    return max([int(node.get("number of results", 0))] + [_largest_step(child) for child in node.get("children", [])])


def explained(location: Path, query: Path, out: Path) -> tuple[list[str], int]:
    """The answer (CSV lines) of ``query`` on the store at ``location``, and the largest step of its plan."""
    answer, explanation = out / f"{query.stem}.csv", out / f"{query.stem}.json"
    subprocess.run(
        [str(OXIGRAPH), "query", "--location", str(location), "--query-file", str(query), "--query-base", base_iri()]
        + ["--results-format", "csv", "--results-file", str(answer), "--explain-file", str(explanation), "--stats"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return answer.read_text(encoding="utf-8").splitlines(), _largest_step(json.loads(explanation.read_text(encoding="utf-8"))["plan"])


@pytest.mark.parametrize("name", QUERIES)
def test_the_query_reads_what_it_answers_not_every_membership(name: str, stores: tuple[Path, Path], layout: Layout, tmp_path: Path) -> None:
    real, bulk = stores
    query = layout.queries_dir / f"{name}.rq"
    (tmp_path / "real").mkdir()
    (tmp_path / "bulk").mkdir()
    real_rows, real_step = explained(real, query, tmp_path / "real")
    bulk_rows, bulk_step = explained(bulk, query, tmp_path / "bulk")
    assert len(real_rows) > 1, f"{name} answers nothing on the real graph: the test would prove nothing"
    assert bulk_rows == real_rows, f"{name}: the added memberships changed the answer"
    assert bulk_step < real_step + BULK // 10, f"{name}: a step of the plan produced {bulk_step} results with {BULK} memberships added ({real_step} without)"
