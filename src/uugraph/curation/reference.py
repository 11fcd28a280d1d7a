"""Import the reference facts (``../shared/reference/*.csv``) into Turtle under ``data/``.

The CSV files are the curators' evidence for facts beyond the source page:
identifiers, websites, founding years, seats and the member lists of LERU, the
Coimbra Group and CHARM-EU, each row with its sources and a confidence. This
module turns them into plain Turtle files that are committed and reviewed like
any other data (``data/reference/``, ``data/countries.ttl``); re-run
``uugraph import-reference`` when the CSV files change and read the diff.

What is published follows the reference README:

* ``confirmed`` and ``single-source`` rows are published; every fact cites a
  reference record (``id/source/reference/…``) that carries the row's sources
  and confidence, and memberships carry the confidence themselves.
* ``unconfirmed`` rows and ``UNCONFIRMED`` cells are never published.
* Identifiers are stricter: a ROR ID is published when it comes from the ROR
  record itself (the authoritative registry), a Wikidata QID only where the
  organisations table confirms it by a second source. QIDs taken only from a
  ROR record are single-source and stay out (listed by ``open_questions``).

The free-text confidence notes of ``organisations.csv`` are read once, by a
person, into :data:`ORGANISATION_FIELDS` below: which fields of each row are
publishable. A row that is added to the CSV without an entry there fails the
import loudly rather than being published unread.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pycountry

from uugraph.errors import InputError
from uugraph.iris import slug

CHECKED_ON = "2026-11-25"  # the date the reference files were last checked against the graph

# Organisations that the source page names: their IRI slugs are chosen by the
# curators (acronyms for networks) and their types and labels live in the
# hand-written files; the importer only adds the reference facts to them.
PAGE_ORGANISATIONS = {
    "uu": "utrecht-university",
    "cat": "centre-for-academic-teaching-and-learning",
    "leru": "leru",
    "coimbra": "coimbra-group",
    "charm_eu": "charm-eu",
    "iau": "iau",
    "eua": "eua",
    "utrecht_network": "utrecht-network",
    "science_business": "science-business",
    "case": "case",
    "earma": "earma",
    "eucen": "eucen",
    "netl": "netl",
    "euprio": "euprio",
    "errin": "errin",
    "pie": "pie",
    "iuc": "iuc",
    "eaie": "eaie",
}

# Organisations the page does not name: the importer writes them whole.
# key -> (preferred name, alternative names, class)
NEW_ORGANISATIONS = {
    "mco": ("Magna Charta Observatory", ["MCO", "Magna Charta Observatory of Fundamental University Values and Rights"], "uuo:Network"),
    "ub": ("Universitat de Barcelona", ["UB", "University of Barcelona"], "uuo:University"),
    "tcd": ("Trinity College Dublin", ["TCD"], "uuo:University"),
    "um": ("Université de Montpellier", ["UM", "University of Montpellier"], "uuo:University"),
    "elte": ("Eötvös Loránd University", ["ELTE"], "uuo:University"),
    "abo": ("Åbo Akademi University", ["ÅAU"], "uuo:University"),
    "wurzburg": ("University of Würzburg", ["JMU", "Julius-Maximilians-Universität Würzburg"], "uuo:University"),
    "hrw": ("Hochschule Ruhr West", ["HRW", "Ruhr West University of Applied Sciences"], "uuo:University"),
    "bergen": ("University of Bergen", ["UiB"], "uuo:University"),
}

# The curators' reading of each row's confidence note: which fields to publish
# and the confidence of the record they cite. Fields: website, founded, seat,
# country, ror, wikidata.
ALL = {"website", "founded", "seat", "country", "ror", "wikidata"}
FACTS = {"website", "founded", "seat", "country"}
ORGANISATION_FIELDS: dict[str, tuple[set[str], str]] = {
    "uu": (ALL, "confirmed"),
    "cat": (FACTS, "confirmed"),  # identifiers unconfirmed
    "leru": (FACTS, "confirmed"),
    "coimbra": (FACTS, "confirmed"),
    "charm_eu": ({"website", "founded", "country"}, "confirmed"),  # seat is the coordinator's, not a legal seat
    "iau": (FACTS, "confirmed"),
    "eua": (FACTS | {"ror"}, "confirmed"),  # QID is single-source (from the ROR record)
    "utrecht_network": (FACTS, "confirmed"),
    "mcu": (set(), "confirmed"),  # a charter, not an organisation: its record is cited by commitments.ttl
    "mco": ({"website", "seat", "country"}, "confirmed"),  # founding year has 1998/2000 variants
    "science_business": ({"website", "seat", "country"}, "confirmed"),  # founding year single-source only
    "case": (FACTS, "confirmed"),
    "earma": (FACTS, "confirmed"),
    "eucen": ({"website", "founded", "country"}, "confirmed"),  # registered city not found
    "netl": (set(), "unconfirmed"),  # identity not proven: nothing from the reference
    "euprio": (FACTS, "confirmed"),
    "errin": (FACTS, "confirmed"),
    "pie": ({"website", "founded", "country"}, "single-source"),
    "iuc": ({"website", "seat", "country"}, "confirmed"),  # founding year 1971 or 1972
    "eaie": (FACTS, "confirmed"),
    "ub": (ALL, "confirmed"),
    "tcd": (ALL, "confirmed"),
    "um": (ALL, "confirmed"),
    "elte": (ALL, "confirmed"),
    "abo": (FACTS | {"ror"}, "confirmed"),  # QID single-source (ROR)
    "wurzburg": (FACTS | {"ror"}, "confirmed"),
    "hrw": (FACTS, "confirmed"),  # identifiers unconfirmed
    "bergen": (FACTS | {"ror"}, "confirmed"),
}

NETWORK_SLUGS = {"leru": "leru", "coimbra": "coimbra-group", "charm_eu": "charm-eu", "utrecht_network": "utrecht-network"}

# Member names as the lists spell them -> (preferred name, alternative names).
MEMBER_NAMES = {
    "Université Paul-Valéry Montpellier 3 (since 2025: Université de Montpellier Paul-Valéry, UMPV)": (
        "Université de Montpellier Paul-Valéry",
        ["Université Paul-Valéry Montpellier 3", "UMPV"],
    ),
    "Ollscoil na Gaillimhe – University of Galway": ("University of Galway", ["Ollscoil na Gaillimhe"]),
    "Hochschule Ruhr West (Ruhr West University of Applied Sciences)": (
        "Hochschule Ruhr West",
        ["HRW", "Ruhr West University of Applied Sciences"],
    ),
}

# Roles in CHARM-EU other than "partner" (reference README: UB is coordinator).
ALLIANCE_ROLES = {("charm_eu", "Universitat de Barcelona"): "coordinator"}

# Join dates the reference gives, with the member list's own source.
# (network key, member name) -> (lexical value, XSD type)
JOINED = {
    ("leru", "University of Copenhagen"): ("2017-01-01", "xsd:date"),
    ("leru", "Trinity College Dublin"): ("2017-01-01", "xsd:date"),
    ("leru", "ETH Zurich"): ("2024-01-01", "xsd:date"),
    ("coimbra", "University of Leeds"): ("2025-06", "xsd:gYearMonth"),
    ("coimbra", "Newcastle University"): ("2025-06", "xsd:gYearMonth"),
    ("coimbra", "University of Wrocław"): ("2025-06", "xsd:gYearMonth"),
    ("charm_eu", "Åbo Akademi University"): ("2022-01-14", "xsd:date"),
    ("charm_eu", "University of Würzburg"): ("2022-01-14", "xsd:date"),
    ("charm_eu", "Hochschule Ruhr West (Ruhr West University of Applied Sciences)"): ("2022-01-14", "xsd:date"),
}

PREFIXES = """@prefix uuo: <def/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

ROR_RE = re.compile(r"^https://ror\.org/0[a-z0-9]{6}[0-9]{2}$")
QID_RE = re.compile(r"^Q[1-9][0-9]*$")
URL_RE = re.compile(r"https?://[^\s;|,()]+")


# ---------------------------------------------------------------- a tiny Turtle writer


def _lit(text: str, lang: str | None = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(value: str, datatype: str) -> str:
    return f'"{value}"^^{datatype}'


def _iri(path: str) -> str:
    return f"<{path}>"


@dataclass
class _Block:
    """One subject with its predicate-object pairs, written as a Turtle block."""

    subject: str
    pairs: list[tuple[str, str]]

    def render(self) -> str:
        lines = [f"{self.subject} " + self._pair(0)]
        for i in range(1, len(self.pairs)):
            lines.append("    " + self._pair(i))
        return " ;\n".join(lines) + " .\n"

    def _pair(self, i: int) -> str:
        p, o = self.pairs[i]
        return f"{p} {o}"


def _write(path: Path, header: str, blocks: Iterable[_Block]) -> None:
    body = "\n".join(b.render() for b in blocks)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{header}\n{PREFIXES}\n{body}", encoding="utf-8")


# ---------------------------------------------------------------- reading the CSV files


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError as exc:
        raise InputError(str(path), None, None, "reference file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), None, None, f"not UTF-8: {exc.reason}") from exc


def _known(value: str) -> bool:
    return bool(value) and value.strip().upper() not in {"UNCONFIRMED", "N/A", "UNDATED"}


def _date_literal(value: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return _typed(value, "xsd:date")
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return _typed(value, "xsd:gYearMonth")
    if re.fullmatch(r"\d{4}", value):
        return _typed(value, "xsd:gYear")
    raise ValueError(f"not a date: {value!r}")


def _member_name(raw: str) -> tuple[str, str, list[str]]:
    """The list's spelling without a "(joined …)" note, the preferred name and alternatives."""
    listed = re.sub(r"\s*\(joined \d{4}\)$", "", raw.strip())
    name, alts = MEMBER_NAMES.get(listed, (listed, []))
    return listed, name, alts


def _record(path: str, source_text: str, confidence: str, citation_of: str) -> _Block:
    pairs = [
        ("a", "uuo:Source"),
        ("rdfs:label", _lit(f"Reference record: {citation_of}")),
        ("dcterms:bibliographicCitation", _lit(source_text.strip(), None)),
        ("dcterms:isPartOf", _iri("id/source/reference")),
        ("uuo:confidence", _iri(f"id/concept/confidence/{confidence}")),
    ]
    for url in sorted(set(URL_RE.findall(source_text))):
        pairs.append(("rdfs:seeAlso", _iri(url)))
    pairs.append(("uuo:lastChecked", _typed(CHECKED_ON, "xsd:date")))
    return _Block(_iri(path), pairs)


# ---------------------------------------------------------------- the import


def _country_identifiers(data_dir: Path) -> dict[str, dict[str, str]]:
    """Country Wikidata items from ``data/reference/country-wikidata.csv`` (kept in this project).

    Each row names the item, the public sources that give it and a confidence
    (confirmed when two of them agree); only confirmed items are published.
    """
    path = data_dir / "reference" / "country-wikidata.csv"
    if not path.exists():
        return {}
    return {row["iso2"].strip(): row for row in _read(path)}


def _country_block(code: str, identifiers: dict[str, dict[str, str]] | None = None) -> _Block:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise InputError("reference", None, None, f"unknown ISO 3166-1 alpha-2 code {code!r}")
    pairs = [
        ("a", "schema:Country"),
        ("skos:prefLabel", _lit(getattr(country, "common_name", None) or country.name)),
    ]
    official = getattr(country, "official_name", None)
    if official:
        pairs.append(("skos:altLabel", _lit(official)))
    pairs += [
        ("uuo:iso3166Alpha2", _lit(country.alpha_2, None)),
        ("uuo:iso3166Alpha3", _lit(country.alpha_3, None)),
        ("uuo:iso3166Numeric", _lit(country.numeric, None)),
        ("prov:wasDerivedFrom", _iri("id/source/iso-3166-1")),
    ]
    row = (identifiers or {}).get(code)
    if row and row["confidence"].strip() == "confirmed" and QID_RE.match(row["wikidata"].strip()):
        pairs.append(("uuo:wikidata", _iri(f"http://www.wikidata.org/entity/{row['wikidata'].strip()}")))
        pairs.append(("prov:wasDerivedFrom", _iri(f"id/source/reference/countries/{code.lower()}")))
    return _Block(_iri(f"id/country/{code.lower()}"), pairs)


def import_reference(reference_dir: Path, data_dir: Path) -> list[Path]:
    """Write ``data/reference/*.ttl`` and ``data/countries.ttl`` from the reference CSV files.

    Returns the files written. Deterministic: the same CSV files give
    byte-identical Turtle.
    """
    organisations = _read(reference_dir / "organisations.csv")
    members = _read(reference_dir / "members.csv")
    countries: set[str] = {"NL"}  # the page itself speaks of the Netherlands
    cities: dict[tuple[str, str], str] = {}
    org_blocks: list[_Block] = []
    record_blocks: list[_Block] = []
    written: list[Path] = []

    for row in organisations:
        key = row["key"]
        if key not in ORGANISATION_FIELDS:
            raise InputError(
                str(reference_dir / "organisations.csv"), None, None,
                f"row {key!r} has no entry in ORGANISATION_FIELDS: read its confidence note and add one",
            )
        fields, confidence = ORGANISATION_FIELDS[key]
        if confidence == "unconfirmed" or not fields:
            if key == "mcu":
                record_blocks.append(_record(f"id/source/reference/organisations/{slug(key)}", row["source"], confidence, row["name"]))
            continue
        record = f"id/source/reference/organisations/{slug(key)}"
        record_blocks.append(_record(record, row["source"], confidence, row["name"]))
        if key in PAGE_ORGANISATIONS:
            subject = f"id/org/{PAGE_ORGANISATIONS[key]}"
            pairs: list[tuple[str, str]] = []
        else:
            name, alts, cls = NEW_ORGANISATIONS[key]
            subject = f"id/org/{slug(name)}"
            pairs = [("a", cls), ("skos:prefLabel", _lit(name))]
            pairs += [("skos:altLabel", _lit(a)) for a in alts]
        code = row["country_iso2"].strip()
        if "country" in fields and _known(code):
            countries.add(code)
            pairs.append(("uuo:country", _iri(f"id/country/{code.lower()}")))
        if "seat" in fields and _known(row["city"]) and _known(code):
            city = f"id/place/{code.lower()}/{slug(row['city'])}"
            cities[(code, row["city"])] = city
            pairs.append(("uuo:seat", _iri(city)))
        if "website" in fields and _known(row["website"]):
            pairs.append(("schema:url", _iri(row["website"].strip())))
        if "founded" in fields and _known(row["founded"]):
            pairs.append(("schema:foundingDate", _date_literal(row["founded"].strip())))
        if "ror" in fields and ROR_RE.match(row["ror"].strip()):
            pairs.append(("uuo:ror", _iri(row["ror"].strip())))
        if "wikidata" in fields and QID_RE.match(row["wikidata"].strip()):
            pairs.append(("uuo:wikidata", _iri(f"http://www.wikidata.org/entity/{row['wikidata'].strip()}")))
        pairs.append(("prov:wasDerivedFrom", _iri(record)))
        org_blocks.append(_Block(_iri(subject), pairs))

    confirmed_qids = {
        row["wikidata"].strip()
        for row in organisations
        if ORGANISATION_FIELDS.get(row["key"], (set(), ""))[0] >= {"wikidata"}
    }
    known_subjects = {b.subject for b in org_blocks}

    by_network: dict[str, list[dict[str, str]]] = {}
    for row in members:
        by_network.setdefault(row["network_key"], []).append(row)

    for network_key, rows in sorted(by_network.items()):
        network = NETWORK_SLUGS[network_key]
        published = [r for r in rows if r["confidence"].strip().lower() in {"confirmed", "single-source"}]
        if not published:
            continue  # e.g. the Utrecht Network list: every row unconfirmed
        blocks: list[_Block] = []
        member_blocks: list[_Block] = []
        as_of_values = sorted({r["as_of"].strip() for r in published})
        for row in published:
            listed, name, alts = _member_name(row["member_name"])
            member = f"id/org/{slug(name)}"
            confidence = row["confidence"].strip().lower()
            code = row["country_iso2"].strip()
            if _iri(member) not in known_subjects:
                known_subjects.add(_iri(member))
                pairs = [("a", "uuo:University"), ("skos:prefLabel", _lit(name))]
                pairs += [("skos:altLabel", _lit(a)) for a in alts]
                if _known(code):
                    countries.add(code)
                    pairs.append(("uuo:country", _iri(f"id/country/{code.lower()}")))
                ror = row["ror"].strip()
                if ROR_RE.match(ror) and "ror-records" in row["source"]:
                    pairs.append(("uuo:ror", _iri(ror)))
                qid = row["wikidata"].strip()
                if qid in confirmed_qids:
                    pairs.append(("uuo:wikidata", _iri(f"http://www.wikidata.org/entity/{qid}")))
                pairs.append(("prov:wasDerivedFrom", _iri(f"id/source/reference/members/{network}/{slug(name)}")))
                member_blocks.append(_Block(_iri(member), pairs))
            record = f"id/source/reference/members/{network}/{slug(name)}"
            blocks.append(_record(record, row["source"], confidence, f"{listed} in {network_key} list"))
            membership = f"id/membership/{network}/{slug(name)}"
            role = "member"
            if network_key == "charm_eu":
                role = ALLIANCE_ROLES.get((network_key, name), "partner")
            pairs = [
                ("a", "org:Membership"),
                ("org:member", _iri(member)),
                ("org:organization", _iri(f"id/org/{network}")),
                ("org:role", _iri(f"id/concept/role/{role}")),
            ]
            joined = JOINED.get((network_key, listed))
            year_note = re.search(r"\(joined (\d{4})\)$", row["member_name"].strip())
            if joined is None and year_note:
                joined = (year_note.group(1), "xsd:gYear")
            if joined:
                pairs.append(("org:memberDuring", _iri(f"{membership}#period")))
            pairs += [
                ("uuo:asOf", _date_literal(row["as_of"].strip())),
                ("uuo:confidence", _iri(f"id/concept/confidence/{confidence}")),
                ("prov:wasDerivedFrom", _iri(record)),
                ("uuo:lastChecked", _typed(CHECKED_ON, "xsd:date")),
            ]
            blocks.append(_Block(_iri(membership), pairs))
            if joined:
                value, datatype = joined
                prop = {"xsd:date": "time:inXSDDate", "xsd:gYearMonth": "time:inXSDgYearMonth", "xsd:gYear": "time:inXSDgYear"}[datatype]
                blocks.append(_Block(_iri(f"{membership}#period"), [("a", "time:Interval"), ("time:hasBeginning", _iri(f"{membership}#start"))]))
                blocks.append(_Block(_iri(f"{membership}#start"), [("a", "time:Instant"), (prop, _typed(value, datatype))]))
        # The list's own count, as a figure with the list's date, beside the page's figure.
        as_of = as_of_values[-1]
        figure = f"id/figure/{network}/member-universities/{as_of}"
        blocks.append(_Block(_iri(figure), [
            ("a", "uuo:Figure"),
            ("schema:observationAbout", _iri(f"id/org/{network}")),
            ("uuo:measure", _iri("id/concept/measure/member-universities")),
            ("schema:value", _typed(str(len(published)), "xsd:integer")),
            ("uuo:asOf", _date_literal(as_of)),
            ("uuo:confidence", _iri("id/concept/confidence/" + ("confirmed" if all(r["confidence"].strip() == "confirmed" for r in published) else "single-source"))),
            ("prov:wasDerivedFrom", _iri(f"id/source/reference/members/{network}")),
            ("uuo:lastChecked", _typed(CHECKED_ON, "xsd:date")),
        ]))
        blocks.append(_Block(_iri(f"id/source/reference/members/{network}"), [
            ("a", "uuo:Source"),
            ("rdfs:label", _lit(f"Reference member list of {network_key}, as of {as_of}")),
            ("dcterms:isPartOf", _iri("id/source/reference")),
            ("dcterms:hasPart", " , ".join(sorted({_iri(f"id/source/reference/members/{network}/{slug(_member_name(r['member_name'])[1])}") for r in published}))),
        ]))
        path = data_dir / "reference" / f"members-{network}.ttl"
        _write(
            path,
            f"# Generated by `uugraph import-reference` from members.csv ({network_key}): do not edit by hand.\n"
            "# Members not already described elsewhere are described here, with their country and confirmed identifiers.",
            member_blocks + blocks,
        )
        written.append(path)

    record_blocks.append(_Block(_iri("id/source/reference"), [
        ("a", "uuo:Source"),
        ("rdfs:label", _lit("uugraph reference facts (organisations.csv, members.csv)")),
        ("dcterms:description", _lit("Facts beyond the source page gathered from public registries and the organisations' own pages, each row with its sources and a confidence.")),
        ("uuo:lastChecked", _typed(CHECKED_ON, "xsd:date")),
    ]))
    for (code, name), city in sorted(cities.items(), key=lambda item: item[1]):
        org_blocks.append(_Block(_iri(city), [
            ("a", "schema:City"),
            ("skos:prefLabel", _lit(name)),
            ("uuo:country", _iri(f"id/country/{code.lower()}")),
        ]))
    path = data_dir / "reference" / "organisations.ttl"
    _write(path, "# Generated by `uugraph import-reference` from organisations.csv: do not edit by hand.", org_blocks + record_blocks)
    written.append(path)

    identifiers = _country_identifiers(data_dir)
    country_blocks = [_country_block(code, identifiers) for code in sorted(countries)]
    for code in sorted(countries):
        row = identifiers.get(code)
        if row and row["confidence"].strip() == "confirmed":
            citation = row["source"] + (f" ({row['note']})" if row.get("note") else "")
            country_blocks.append(_record(f"id/source/reference/countries/{code.lower()}", citation, "confirmed", f"Wikidata item of {code}"))
    country_blocks.append(_Block(_iri("id/source/iso-3166-1"), [
        ("a", "uuo:Source"),
        ("dcterms:title", _lit("ISO 3166-1 country codes, as distributed by the pycountry package")),
        ("rdfs:seeAlso", _iri("https://www.iso.org/iso-3166-country-codes.html")),
        ("dcterms:hasVersion", _lit(_pycountry_version(), None)),
    ]))
    path = data_dir / "countries.ttl"
    _write(path, "# Generated by `uugraph import-reference`: every country the graph uses, with its ISO 3166-1 codes (pycountry).", country_blocks)
    written.append(path)
    return written


def _pycountry_version() -> str:
    from importlib import metadata

    return metadata.version("pycountry")


def open_questions(reference_dir: Path) -> list[str]:
    """Reference facts left out of the graph, one sentence each, for the README."""
    questions: list[str] = []
    organisations = _read(reference_dir / "organisations.csv")
    members = _read(reference_dir / "members.csv")
    for row in organisations:
        fields, confidence = ORGANISATION_FIELDS.get(row["key"], (set(), "unconfirmed"))
        qid = row["wikidata"].strip()
        if QID_RE.match(qid) and "wikidata" not in fields:
            questions.append(f"{row['acronym'] or row['name']}: Wikidata {qid} is single-source ({row['confidence']}).")
        if confidence == "unconfirmed":
            questions.append(f"{row['acronym'] or row['name']}: {row['confidence']}.")
    for row in members:
        if row["confidence"].strip().lower() == "unconfirmed":
            questions.append(f"{row['network_key']}: membership of {row['member_name']} is unconfirmed.")
    return questions
