"""import-reference: the committed Turtle is what the importer makes of the reference files and the policy.

``data/reference/*.ttl`` and ``data/countries.ttl`` are generated from
``../shared/reference/*.csv`` under the curators' decisions in
``data/reference/policy.toml``. Re-running the import here and comparing byte
for byte shows a drift either way: a reference file that changed without a
re-import, or a hand edit of a generated file.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from uugraph.curation.reference import POLICY_FILE, import_reference, load_policy, open_questions
from uugraph.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
GENERATED = [
    "reference/organisations.ttl",
    "reference/members-leru.ttl",
    "reference/members-coimbra-group.ttl",
    "reference/members-charm-eu.ttl",
    "reference/members-utrecht-network.ttl",
    "reference/facts.ttl",
    "countries.ttl",
]

needs_reference = pytest.mark.skipif(not (REFERENCE / "organisations.csv").is_file(), reason=f"reference files not found at {REFERENCE}")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (policy and country identifiers included) for the importer to write into."""
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "data", copy)
    return copy


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    for path in copy.iterdir():
        path.chmod(0o644)
    return copy


@needs_reference
def test_reimport_gives_the_committed_files_byte_for_byte(data_copy: Path) -> None:
    written = import_reference(REFERENCE, data_copy)
    assert sorted(str(p.relative_to(data_copy)) for p in written) == sorted(GENERATED)
    for name in GENERATED:
        committed, generated = (ROOT / "data" / name).read_text(encoding="utf-8"), (data_copy / name).read_text(encoding="utf-8")
        if committed != generated:
            diff = "".join(difflib.unified_diff(committed.splitlines(True), generated.splitlines(True), f"data/{name} (committed)", f"data/{name} (re-imported)", n=1))
            pytest.fail(f"data/{name} differs from a re-import of {REFERENCE}: run import-reference and review, or fix the policy\n{diff[:4000]}")


@needs_reference
def test_reimport_is_deterministic(data_copy: Path) -> None:
    first = [p.read_bytes() for p in import_reference(REFERENCE, data_copy)]
    second = [p.read_bytes() for p in import_reference(REFERENCE, data_copy)]
    assert first == second


def test_policy_is_not_loaded_as_data() -> None:
    """The loader reads *.ttl only: policy.toml and the CSV beside it never become triples."""
    from uugraph.pipeline.load import _turtle_files

    files = _turtle_files(ROOT / "data", "data")
    assert (ROOT / "data" / POLICY_FILE).is_file()
    assert all(p.suffix == ".ttl" for p in files)
    assert ROOT / "data" / POLICY_FILE not in files


def test_policy_covers_every_organisation_row() -> None:
    policy = load_policy(ROOT / "data" / POLICY_FILE)
    assert policy.checked_on
    assert {"uu", "leru", "coimbra", "charm_eu", "utrecht_network", "mcu", "netl"} <= set(policy.organisations)
    assert policy.organisations["netl"].confidence == "unconfirmed"
    assert policy.networks["charm_eu"].role == "partner"
    assert policy.roles[("charm_eu", "Universitat de Barcelona")] == "coordinator"
    assert policy.joined[("coimbra", "University of Leeds")] == ("2025-06", "xsd:gYearMonth")


@needs_reference
def test_a_row_without_a_policy_entry_stops_the_import(data_copy: Path, reference_copy: Path) -> None:
    policy = data_copy / POLICY_FILE
    text = policy.read_text(encoding="utf-8")
    start = text.index("[organisations.eaie]")
    policy.write_text(text[:start] + text[text.index("\n\n", start) + 2 :], encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_reference(reference_copy, data_copy)
    assert "'eaie'" in caught.value.cause and "policy.toml" in caught.value.cause


@needs_reference
def test_a_stale_membership_entry_stops_the_import(data_copy: Path) -> None:
    policy = data_copy / POLICY_FILE
    policy.write_text(policy.read_text(encoding="utf-8") + '\n[[memberships]]\nnetwork = "leru"\nmember = "University of Nowhere"\njoined = "2020"\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_reference(REFERENCE, data_copy)
    assert "University of Nowhere in leru" in caught.value.cause


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('publish = ["website", "founded", "seat", "country", "ror", "wikidata"]', 'publish = ["website", "homepage"]'), "unknown field(s) homepage"),
        (('confidence = "confirmed"', 'confidence = "likely"'), "'confidence' must be one of"),
        (('joined = "2017-01-01"', 'joined = "January 2017"'), "'joined' must be"),
        (("checked-on =", "checked_on ="), "unknown key(s) checked_on"),
        (('joined-source = "id/source/reference/facts/taz-leru-founders"', 'joined-source = "https://www.taz.de/"'), "'joined-source' is a source of facts.toml"),
    ],
)
def test_a_bad_policy_is_an_input_error_naming_the_file(data_copy: Path, edit: tuple[str, str], message: str) -> None:
    policy = data_copy / POLICY_FILE
    policy.write_text(policy.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_policy(policy)
    assert caught.value.path == str(policy) and message in caught.value.cause, caught.value.cause


@needs_reference
def test_held_back_list_is_an_open_question(data_copy: Path) -> None:
    """A list the policy holds back is an open question (the Utrecht Network's was, until its mentions were dated)."""
    policy = data_copy / POLICY_FILE
    text = policy.read_text(encoding="utf-8")
    start = text.index("[networks.utrecht_network]")
    policy.write_text(text[:start] + text[start:].replace("import = true", "import = false", 1), encoding="utf-8")
    questions = open_questions(REFERENCE, data_copy)
    assert any(q.startswith("utrecht_network: member list not published") for q in questions)
    assert any(q.startswith("NETL") for q in questions)


@needs_reference
def test_the_utrecht_network_list_is_published_by_its_mentions() -> None:
    """29 memberships, each with the confidence of its row and the mention's date as uuo:asOf (never as a start), and no count."""
    text = (ROOT / "data" / "reference" / "members-utrecht-network.ttl").read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if " a org:Membership ;" in b]
    assert len(blocks) == 29
    assert sum("confidence/confirmed>" in b for b in blocks) == 13
    assert sum("confidence/single-source>" in b for b in blocks) == 16
    assert sum("uuo:asOf" in b for b in blocks) == 26  # three mentions are undated
    assert "uuo:Figure" not in text  # a partial list's count is not the network's
    # Join years come from the members' own words (single-source), not from the mention dates.
    bodies = ["\n".join(line for line in b.splitlines() if not line.startswith("#")) for b in text.split("\n\n")]
    starts = [b for b in bodies if b.startswith("<id/membership/utrecht-network/") and "#start>" in b.split(" ", 1)[0]]
    assert sorted(b.split('"')[1] for b in starts) == ["1991", "1994", "1995", "2006", "2015"]
    assert all("confidence/single-source>" in b for b in starts)


@needs_reference
def test_facts_have_sources_and_no_unconfirmed_confidence(data_copy: Path) -> None:
    from uugraph.curation.reference import FACTS_FILE, load_facts

    facts = load_facts(data_copy / FACTS_FILE)
    assert {m["member"] for m in facts.memberships} >= {"karolinska-institutet", "university-of-gottingen", "st-petersburg-state-university"}
    path = data_copy / FACTS_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('sources = ["rubens-39"]', "sources = []", 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_facts(path)
    assert "'sources' must list keys" in caught.value.cause
    path.write_text(text.replace('confidence = "single-source"', 'confidence = "unconfirmed"', 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_facts(path)
    assert "unconfirmed facts are left out" in caught.value.cause


def test_leru_founders_start_in_2002_citing_the_source_that_names_them() -> None:
    """Ten of the twelve founders are current members: a start of 2002 (a year), single-source, citing the taz archive, not the list."""
    text = (ROOT / "data" / "reference" / "members-leru.ttl").read_text(encoding="utf-8")
    bodies = ["\n".join(line for line in b.splitlines() if not line.startswith("#")) for b in text.split("\n\n")]
    starts = {b.split(">", 1)[0].removeprefix("<id/membership/leru/"): b for b in bodies if b.startswith("<id/membership/leru/") and "#start>" in b.split(" ", 1)[0]}
    founders = sorted(k.removesuffix("#start") for k, b in starts.items() if '"2002"^^xsd:gYear' in b)
    assert len(founders) == 10 and "universite-de-strasbourg" not in founders  # its founder was Louis Pasteur University
    for key in founders:
        assert "confidence/single-source>" in starts[key + "#start"]
        assert "prov:wasDerivedFrom <id/source/reference/facts/taz-leru-founders>" in starts[key + "#start"]
