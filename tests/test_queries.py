"""Competency-question queries: every ``queries/*.rq`` runs on the real graph and
gives the answers recorded in ``tests/snapshots/<name>.json``.

Snapshots are compared semantically: rows are sorted before comparing, so a
change in the order the engine returns equal rows does not fail a test (the
queries' own ORDER BY keeps the CLI output stable). A new query file is picked
up automatically; its first run writes the snapshot and fails until the
snapshot is reviewed and committed. After an intended data or query change,
rewrite the snapshots with ``pytest tests/test_queries.py --update-snapshots``
and review the diff before committing.

A few tests below also state the facts the queries exist for in plain code, so
that a snapshot rewritten without looking cannot silently make them false.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uugraph.config import base_iri
from uugraph.errors import InputError
from uugraph.pipeline.load import load_queries, parse_query_file
from uugraph.pipeline.query import bind_parameters, query_parameters, run_embedded, with_values
from uugraph.rdf.results import Table, Value

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))
UPDATE_HINT = "pytest tests/test_queries.py --update-snapshots"


# ---------------------------------------------------------------- helpers


def _cell(value: Value | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {"type": value.kind, "value": value.value, "datatype": value.datatype, "language": value.language}


def snapshot_of(table: Table) -> dict:
    """The JSON form of a result: variables, rows sorted, and the boolean of an ASK."""
    out: dict = {"variables": list(table.variables), "rows": [[_cell(v) for v in row] for row in table.sorted_rows()]}
    if table.boolean is not None:
        out["boolean"] = table.boolean
    return out


def _row_key(row: list) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def _normalised(snapshot: dict) -> dict:
    """Sort the rows of a snapshot read from disk too, so a hand-edited file still compares by content."""
    return {**snapshot, "rows": sorted(snapshot.get("rows", []), key=_row_key)}


def _show(row: list) -> str:
    """A row in brief: IRIs in <>, literals quoted with their language or datatype, unbound as -."""
    cells = []
    for cell in row:
        if cell is None:
            cells.append("-")
        elif cell["type"] == "uri":
            cells.append(f"<{cell['value']}>")
        elif cell["language"]:
            cells.append(f'"{cell["value"]}"@{cell["language"]}')
        elif cell["datatype"]:
            cells.append(f'"{cell["value"]}"^^{cell["datatype"].rsplit("#", 1)[-1]}')
        else:
            cells.append(f'"{cell["value"]}"')
    return " | ".join(cells)


def _difference(expected: dict, actual: dict) -> str:
    lines = []
    if expected.get("variables") != actual.get("variables"):
        lines.append(f"variables: expected {expected.get('variables')}, got {actual.get('variables')}")
    if expected.get("boolean") != actual.get("boolean"):
        lines.append(f"boolean: expected {expected.get('boolean')}, got {actual.get('boolean')}")
    want = {_row_key(r): r for r in expected.get("rows", [])}
    got = {_row_key(r): r for r in actual.get("rows", [])}
    for key in sorted(want.keys() - got.keys()):
        lines.append(f"- missing row:    {_show(want[key])}")
    for key in sorted(got.keys() - want.keys()):
        lines.append(f"+ unexpected row: {_show(got[key])}")
    if len(expected.get("rows", [])) != len(actual.get("rows", [])):
        lines.append(f"row count: expected {len(expected.get('rows', []))}, got {len(actual.get('rows', []))}")
    return "\n".join(lines)


def write_snapshot(path: Path, snapshot: dict) -> None:
    """Write a snapshot as JSON with one row per line, so a diff shows which answers changed."""
    lines = ["{", f' "variables": {json.dumps(snapshot["variables"], ensure_ascii=False)},']
    if "boolean" in snapshot:
        lines.append(f' "boolean": {json.dumps(snapshot["boolean"])},')
    rows = [f"  {json.dumps(row, ensure_ascii=False)}" for row in snapshot["rows"]]
    lines.append(' "rows": [' + ("\n" + ",\n".join(rows) + "\n ]" if rows else "]"))
    lines.append("}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(prepared, name: str, **params: str) -> Table:
    """Run ``queries/<name>.rq`` with its parameters (the header's defaults for those not given)."""
    path = QUERIES / f"{name}.rq"
    text = path.read_text(encoding="utf-8")
    return run_embedded(prepared, text, bindings=bind_parameters(query_parameters(path, text), params))


def column(table: Table, variable: str) -> list[str | None]:
    i = table.variables.index(variable)
    return [None if row[i] is None else row[i].value for row in table.rows]


def records(table: Table) -> list[dict[str, str | None]]:
    return [{var: (None if v is None else v.value) for var, v in zip(table.variables, row, strict=True)} for row in table.rows]


def iri(path: str) -> str:
    return base_iri() + path


# ---------------------------------------------------------------- snapshots


def test_there_are_queries_to_test() -> None:
    assert len(QUERY_FILES) >= 12, [p.name for p in QUERY_FILES]


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=lambda p: p.stem)
def test_query_matches_its_snapshot(query_file: Path, prepared, update_snapshots: bool) -> None:
    actual = snapshot_of(run(prepared, query_file.stem))  # a query with parameters runs with its '#+ defaults:'
    path = SNAPSHOTS / f"{query_file.stem}.json"
    if update_snapshots or not path.exists():
        missing = not path.exists()
        write_snapshot(path, actual)
        if missing and not update_snapshots:
            pytest.fail(
                f"no snapshot for query {query_file.name}: wrote {path.relative_to(ROOT)} from the current results. "
                f"Review it against the data and the source page, commit it and run the tests again "
                f"(to (re)create every snapshot: {UPDATE_HINT})."
            )
        return
    expected = _normalised(json.loads(path.read_text(encoding="utf-8")))
    assert _normalised(actual) == expected, (
        f"{query_file.name} no longer gives the answers in {path.relative_to(ROOT)}:\n"
        f"{_difference(expected, actual)}\n"
        f"If the change is intended, rewrite the snapshot with `{UPDATE_HINT}` and review the diff."
    )


def test_every_snapshot_belongs_to_a_query() -> None:
    stale = sorted(p.name for p in SNAPSHOTS.glob("*.json") if not (QUERIES / f"{p.stem}.rq").exists())
    assert stale == [], f"snapshots without a query file (delete them): {stale}"


# ---------------------------------------------------------------- query files


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=lambda p: p.stem)
def test_query_file_has_summary_and_description(query_file: Path) -> None:
    parsed = parse_query_file(query_file)
    assert parsed.summary.strip(), f"{query_file.name}: empty '#+ summary:'"
    assert parsed.description.strip(), f"{query_file.name}: missing or empty '#+ description:'"
    assert parsed.tags, f"{query_file.name}: missing or empty '#+ tags:'"


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=lambda p: p.stem)
def test_query_file_uses_relative_iris_and_a_stable_order(query_file: Path) -> None:
    text = query_file.read_text(encoding="utf-8")
    assert base_iri() not in text, f"{query_file.name}: write IRIs relative to the base, never the base itself"
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if "SELECT" in body.upper().split("{", 1)[0]:
        assert "ORDER BY" in body.upper(), f"{query_file.name}: a SELECT query needs ORDER BY for stable results"


def test_load_queries_parses_every_query_file(layout) -> None:
    queries = load_queries(layout.queries_dir)
    assert sorted(queries) == [p.stem for p in QUERY_FILES]
    for name, query in queries.items():
        assert query.name == name
        assert query.summary


# ---------------------------------------------------------------- facts, stated in code


def test_uu_belongs_to_the_15_networks_of_the_page_and_charm_eu(prepared) -> None:
    table = run(prepared, "networks-of-uu")
    assert len(table.rows) == 16
    networks = set(column(table, "network"))
    assert len(networks) == 16
    assert iri("id/org/charm-eu") in networks
    roles = {r["network"]: r["role"] for r in records(table)}
    assert roles[iri("id/org/charm-eu")] == "partner"
    assert {role for net, role in roles.items() if net != iri("id/org/charm-eu")} == {"member"}


def test_ku_leuven_and_utrecht_are_in_both_leru_and_the_coimbra_group(prepared) -> None:
    names = set(column(run(prepared, "leru-and-coimbra-members"), "name"))
    assert {"KU Leuven", "Utrecht University"} <= names
    assert "University of Oxford" not in names  # LERU only


def test_leru_figures_from_the_page_and_the_reference_stand_side_by_side(prepared) -> None:
    rows = [r for r in records(run(prepared, "figures")) if r["about"] == iri("id/org/leru")]
    by_source = {r["source"]: int(r["value"]) for r in rows if r["measure"] == "member universities"}
    assert by_source == {
        iri("id/source/uu-international-networks"): 23,
        iri("id/source/reference/members/leru"): 24,
    }


def test_charm_eu_is_coordinated_by_barcelona_with_nine_partners(prepared) -> None:
    rows = records(run(prepared, "charm-eu-partners"))
    assert len(rows) == 9
    assert [r["name"] for r in rows if r["role"] == "coordinator"] == ["Universitat de Barcelona"]
    assert rows[0]["name"] == "Universitat de Barcelona"  # ORDER BY puts the coordinator first
    uu = next(r for r in rows if r["university"] == iri("id/org/utrecht-university"))
    assert (uu["role"], uu["joined"], uu["countryCode"]) == ("partner", "2019", "NL")


def test_uu_signed_the_mcu_2020_without_a_membership(prepared) -> None:
    assert run(prepared, "uu-signed-mcu-2020").boolean is True
    values = set(column(run(prepared, "commitments-of-uu"), "value"))
    assert values == {
        "academic freedom",
        "institutional autonomy",
        "connection between teaching and research",
        "social responsibility",
        "core values of higher education",
    }


# ---------------------------------------------------------------- memberships over time, by parameters


def names_on(prepared, network: str, date: str) -> set[str]:
    return {r["name"] for r in records(run(prepared, "members-on", network=network, date=date))}


def test_leru_members_on_a_date_include_former_members_and_not_later_ones(prepared) -> None:
    in_2010 = names_on(prepared, "leru", "2010-01-01")
    assert "Karolinska Institutet" in in_2010  # 2002-2011
    assert "ETH Zurich" not in in_2010 and "Trinity College Dublin" not in in_2010  # joined 2024, 2017
    in_2025 = names_on(prepared, "leru", "2025-01-01")
    assert "ETH Zurich" in in_2025
    assert "Karolinska Institutet" not in in_2025
    assert len(in_2025) == 24
    basis = {r["name"]: r["basis"] for r in records(run(prepared, "members-on", network="leru", date="2010-01-01"))}
    assert basis["Karolinska Institutet"] == "start recorded"
    # Sorbonne Université was formed in 2018: a start no source gives is an assumption, and the row says so.
    assert basis["Sorbonne Université"] == "start not recorded: counted from the network's founding"


def test_coimbra_group_members_around_goettingens_departure(prepared) -> None:
    assert "University of Göttingen" in names_on(prepared, "coimbra-group", "2024-06-01")
    in_july_2025 = names_on(prepared, "coimbra-group", "2025-07-01")
    assert "University of Göttingen" not in in_july_2025  # withdrawn 2024-12
    assert "University of Leeds" in in_july_2025  # joined 2025-06: counts from 2025-06-01
    assert "University of Leeds" not in names_on(prepared, "coimbra-group", "2025-05-31")
    # Würzburg has been a member "since its inception" (its own word: single-source), the group's founding year 1985.
    in_1986 = {r["name"]: r for r in records(run(prepared, "members-on", network="coimbra-group", date="1986-01-01"))}
    assert in_1986["University of Würzburg"]["since"] == "1985" and in_1986["University of Würzburg"]["basis"] == "start recorded"


def test_a_year_counts_from_its_first_day_and_a_suspension_is_no_end(prepared) -> None:
    # Karolinska's start is "2002" and LERU's founding year 2002: both count from 2002-01-01 and to 2011-12-31.
    assert "Karolinska Institutet" in names_on(prepared, "leru", "2002-01-01")
    assert "Karolinska Institutet" in names_on(prepared, "leru", "2011-12-31")
    assert "Karolinska Institutet" not in names_on(prepared, "leru", "2012-01-01")
    assert names_on(prepared, "leru", "2001-12-31") == set()  # before LERU was founded
    rows = {r["name"]: r for r in records(run(prepared, "members-on", network="coimbra-group", date="2022-06-01"))}
    assert rows["St Petersburg State University"]["status"] == "suspended"
    assert rows["Utrecht University"]["status"] == "member"
    assert "St Petersburg State University" not in names_on(prepared, "coimbra-group", "2023-04-27")  # revoked 2023-04-26


def test_changes_between_two_dates(prepared) -> None:
    rows = records(run(prepared, "changes-between", network="coimbra-group", **{"from": "2024-01-01", "to": "2025-12-31"}))
    assert [(r["date"], r["change"], r["name"], r["how"]) for r in rows] == [
        ("2024-12", "left", "University of Göttingen", "withdrawn"),
        ("2025-06", "joined", "Newcastle University", None),
        ("2025-06", "joined", "University of Leeds", None),
        ("2025-06", "joined", "University of Wrocław", None),
    ]
    charm = records(run(prepared, "changes-between", network="charm-eu", **{"from": "2022-01-01", "to": "2022-12-31"}))
    changed = [r for r in charm if r["change"] == "role changed"]
    assert [(r["name"], r["previousRole"], r["role"], r["date"]) for r in changed] == [("Hochschule Ruhr West", "associate partner", "partner", "2022-01-14")]
    assert not [r for r in charm if r["change"] == "left"]  # the role change is not a departure
    leru = records(run(prepared, "changes-between", network="leru", **{"from": "2011-06-01", "to": "2011-06-30"}))
    assert [(r["change"], r["name"], r["how"]) for r in leru] == [("left", "Karolinska Institutet", "left")]  # dated only to 2011


def test_figure_history_of_the_magna_charta_follows_its_revisions(prepared) -> None:
    rows = records(run(prepared, "figure-history"))
    points = [(r["asOf"], int(r["value"] or 0)) for r in rows]
    assert points[0] == ("1988-09-18", 388)
    assert ("2021-06", 904) in points and ("2024", 975) in points
    assert all(r["source"] for r in rows)
    assert [r["lowerBound"] for r in rows if r["asOf"] == "2015-09-18"] == ["true"]  # "more than 800"
    iau = records(run(prepared, "figure-history", about="id/org/iau", measure="members"))
    assert [(r["asOf"], r["value"]) for r in iau] == [("2017-01-01", "650"), ("2017-01-01", "650"), ("2024", "600")]


def test_every_query_declares_its_parameters_and_defaults_bind_them(prepared) -> None:
    for path in QUERY_FILES:
        text = path.read_text(encoding="utf-8")
        parameters = query_parameters(path, text)  # raises when the header and the variables disagree
        bindings = bind_parameters(parameters, {})
        assert len(bindings) == len([p for p in parameters if not p.optional]), path.name


def test_parameters_are_typed_by_the_header_and_bad_values_name_the_parameter(prepared) -> None:
    path = QUERIES / "members-on.rq"
    parameters = query_parameters(path, path.read_text(encoding="utf-8"))
    assert [p.describe() for p in parameters] == ["date (xsd:date)", "network (iri|slug:org)"]
    bound = bind_parameters(parameters, {"network": "leru", "date": "2010-01-01"})
    assert bound["_network_iri"].value == iri("id/org/leru")
    assert bind_parameters(parameters, {"network": iri("id/org/leru")}) == bound  # an IRI, the date by default
    for given, message in (
        ({"date": "2010-13-01"}, "parameter 'date': '2010-13-01' is not a day"),
        ({"date": "1 January 2010"}, "parameter 'date': '1 January 2010' is not xsd:date"),
        ({"network": "LERU> } ; DROP ALL ; { <x"}, "parameter 'network'"),
        ({"network": "not a slug"}, "parameter 'network'"),
        ({"colour": "red"}, "parameter 'colour': this query has no such parameter"),
    ):
        with pytest.raises(InputError) as caught:
            bind_parameters(parameters, given)
        assert message in caught.value.cause, caught.value.cause


def test_a_literal_value_cannot_change_the_query(prepared) -> None:
    """A VALUES block is written from the RDF term: quotes, braces and newlines stay inside the literal."""
    import pyoxigraph as ox

    hostile = ox.Literal('x" } } ; DROP ALL ; #\n{')
    text = with_values("SELECT ?v WHERE { BIND (?_v AS ?v) }", {"_v": hostile})
    table = run_embedded(prepared, text)
    assert [row[0].value for row in table.rows] == [hostile.value]


def test_the_cli_binds_parameters_and_refuses_bad_ones(tmp_path: Path) -> None:
    from conftest import run_cli

    done = run_cli("query", "members-on", "--param", "network=coimbra-group", "--param", "date=2025-07-01", "--format", "csv", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "University of Leeds" in done.stdout and "University of Göttingen" not in done.stdout
    bad = run_cli("query", "members-on", "--param", "date=yesterday", "--quiet")
    assert bad.returncode == 2
    assert "parameter 'date'" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_cli("query", "members-on", "--param", "when=2020-01-01", "--quiet")
    assert unknown.returncode == 2 and "parameter 'when'" in unknown.stderr


def test_dates_keep_the_precision_their_sources_give_and_unknown_ones_stay_unknown(prepared) -> None:
    """A year is an xsd:gYear, a month an xsd:gYearMonth, a day an xsd:date; no instant without a date; no "(joined …)" in a name."""
    table = run_embedded(
        prepared,
        """PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?instant ?value WHERE {
          ?m a org:Membership ; org:memberDuring/(time:hasBeginning|time:hasEnd) ?instant .
          OPTIONAL { ?instant time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?value }
        }""",
    )
    found = {str(row[0].value): row[1] for row in table.rows}
    assert found and all(v is not None for v in found.values()), "an instant without a date: leave the instant out instead"
    by_length = {4: "gYear", 7: "gYearMonth", 10: "date"}
    for value in found.values():
        assert value is not None and value.datatype == "http://www.w3.org/2001/XMLSchema#" + by_length[len(value.value)], value
    assert found[iri("id/membership/leru/karolinska-institutet#start")].value == "2002"  # a year, no invented 1 January
    assert found[iri("id/membership/coimbra-group/university-of-gottingen#end")].value == "2024-12"
    assert iri("id/membership/coimbra-group/university-of-gottingen#start") not in found  # not recorded
    charm = records(run_embedded(prepared, "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?l WHERE { ?s skos:prefLabel|skos:altLabel ?l FILTER (CONTAINS(STR(?l), '(joined')) }"))
    assert charm == []  # CHARM-EU's "(joined 2019)" is the membership's start, not part of the name
    starts = records(run(prepared, "charm-eu-partners"))
    assert {r["name"]: r["joined"] for r in starts}["Utrecht University"] == "2019"


def test_the_mcu_2020_was_first_signed_on_17_june_2021(prepared) -> None:
    rows = run_embedded(
        prepared,
        "PREFIX uuo: <def/> PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?who ?date WHERE { "
        "?s uuo:signedCommitment <id/commitment/magna-charta-universitatum-2020> ; uuo:signatory ?who . OPTIONAL { ?s dcterms:date ?date } }",
    )
    dated = sorted((str(r[1].value), str(r[0].value)) for r in rows.rows if r[1] is not None)
    assert dated[0] == ("2021-06-17", iri("id/org/university-of-bologna"))
    assert "2021-06-16" not in {d for d, _ in dated}
