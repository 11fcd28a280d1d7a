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

The free-text confidence notes of the CSV files are read once, by a person,
into ``data/reference/policy.toml`` (:func:`load_policy`): which fields of each
organisation row are publishable, which member lists are published, roles,
join dates and member names. Those are curators' judgments, so they are data a
curator edits and reviews, not code. A row that is added to the CSV without an
entry there fails the import loudly rather than being published unread.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from uugraph.errors import InputError
from uugraph.iris import slug

FACTS_FILE = Path("reference") / "facts.toml"  # under data/: the curators' reading of the reference notes and facts.md
POLICY_FILE = Path("reference") / "policy.toml"  # under data/: the curators' decisions, read here only (the loader reads *.ttl)
FIELDS = ("website", "founded", "seat", "country", "ror", "wikidata")
CONFIDENCES = ("confirmed", "single-source", "unconfirmed")
_JOINED_TYPES = ((r"\d{4}-\d{2}-\d{2}", "xsd:date"), (r"\d{4}-\d{2}", "xsd:gYearMonth"), (r"\d{4}", "xsd:gYear"))


@dataclass(frozen=True)
class OrganisationPolicy:
    """What may be published of one row of organisations.csv (``[organisations.KEY]`` of the policy file)."""

    fields: frozenset[str]
    confidence: str
    page: str | None = None  # the IRI slug of an organisation the source page names
    name: str | None = None  # else: the importer describes it whole, with these
    alt_names: tuple[str, ...] = ()
    cls: str | None = None
    record_only: bool = False
    omit_citations: tuple[str, ...] = ()  # parts of the row's source cell, by their start, not to publish


@dataclass(frozen=True)
class NetworkPolicy:
    """Whether and how one network's member list is published (``[networks.KEY]``)."""

    slug: str
    publish: bool
    role: str
    why: str = ""
    count: bool = True  # publish the list's own member count as a figure (false for a partial list)


@dataclass(frozen=True)
class Policy:
    """The curators' publishing decisions, read from ``data/reference/policy.toml``.

    They are judgments a person made reading the reference rows' confidence
    notes, so they live in a file a curator edits and reviews, not in code.
    """

    checked_on: str
    organisations: dict[str, OrganisationPolicy]
    networks: dict[str, NetworkPolicy]
    roles: dict[tuple[str, str], str]  # (network key, member as listed) -> role other than the network's
    joined: dict[tuple[str, str], tuple[str, str]]  # (network key, member as listed) -> (lexical value, XSD type)
    member_names: dict[str, tuple[str, list[str]]]  # member as listed -> (preferred name, alternative names)
    joined_confidence: dict[tuple[str, str], str] = field(default_factory=dict)  # a join date less attested than its membership
    joined_source: dict[tuple[str, str], str] = field(default_factory=dict)  # the record a join date comes from, when not the row's


def load_policy(path: Path) -> Policy:
    """Read and check the policy file; any unknown key or value is an InputError naming the file."""
    import tomllib

    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise InputError(str(path), None, None, "policy file not found: it holds the curators' publishing decisions for import-reference") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), None, None, f"not valid TOML: {exc}") from exc

    def fail(where: str, cause: str) -> InputError:
        return InputError(str(path), None, None, f"{where}: {cause}")

    def text(table: dict[str, object], key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            raise fail(where, f"{key!r} must be a non-empty string")
        return value

    def texts(table: dict[str, object], key: str, where: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(where, f"{key!r} must be a list of strings")
        return [str(v) for v in value]

    def only(table: dict[str, object], allowed: set[str], where: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise fail(where, f"unknown key(s) {', '.join(unknown)}")

    only(raw, {"checked-on", "organisations", "networks", "memberships", "member-names"}, "top level")
    organisations: dict[str, OrganisationPolicy] = {}
    for key, table in raw.get("organisations", {}).items():
        where = f"[organisations.{key}]"
        only(table, {"publish", "confidence", "page", "name", "alt-names", "class", "record-only", "omit-citations", "why"}, where)
        fields = texts(table, "publish", where)
        if set(fields) - set(FIELDS):
            raise fail(where, f"'publish' names unknown field(s) {', '.join(sorted(set(fields) - set(FIELDS)))}; known: {', '.join(FIELDS)}")
        confidence = text(table, "confidence", where)
        if confidence not in CONFIDENCES:
            raise fail(where, f"'confidence' must be one of {', '.join(CONFIDENCES)}")
        page = table.get("page")
        if page is None and fields and confidence != "unconfirmed" and "name" not in table:
            raise fail(where, "give 'page' (an organisation the source page names) or 'name' and 'class' (one the importer describes)")
        organisations[key] = OrganisationPolicy(
            frozenset(fields),
            confidence,
            page=text(table, "page", where) if page is not None else None,
            name=text(table, "name", where) if "name" in table else None,
            alt_names=tuple(texts(table, "alt-names", where)),
            cls=text(table, "class", where) if "name" in table else None,
            record_only=bool(table.get("record-only", False)),
            omit_citations=tuple(texts(table, "omit-citations", where)),
        )
    networks: dict[str, NetworkPolicy] = {}
    for key, table in raw.get("networks", {}).items():
        where = f"[networks.{key}]"
        only(table, {"slug", "import", "role", "count", "why"}, where)
        if not isinstance(table.get("import"), bool):
            raise fail(where, "'import' must be true or false")
        if not isinstance(table.get("count", True), bool):
            raise fail(where, "'count' must be true or false")
        why = table.get("why", "")
        networks[key] = NetworkPolicy(text(table, "slug", where), bool(table["import"]), text(table, "role", where, "member"), why if isinstance(why, str) else "", bool(table.get("count", True)))
    roles: dict[tuple[str, str], str] = {}
    joined: dict[tuple[str, str], tuple[str, str]] = {}
    joined_confidence: dict[tuple[str, str], str] = {}
    joined_source: dict[tuple[str, str], str] = {}
    for number, table in enumerate(raw.get("memberships", []), start=1):
        where = f"[[memberships]] entry {number}"
        only(table, {"network", "member", "role", "joined", "joined-confidence", "joined-source", "why"}, where)
        pair = (text(table, "network", where), text(table, "member", where))
        if pair[0] not in networks:
            raise fail(where, f"network {pair[0]!r} has no [networks.{pair[0]}] table")
        if "role" in table:
            roles[pair] = text(table, "role", where)
        if "joined" in table:
            value = text(table, "joined", where)
            datatype = next((t for pattern, t in _JOINED_TYPES if re.fullmatch(pattern, value)), None)
            if datatype is None:
                raise fail(where, f"'joined' must be YYYY-MM-DD, YYYY-MM or YYYY, not {value!r}")
            joined[pair] = (value, datatype)
        if "joined-confidence" in table:
            level = text(table, "joined-confidence", where)
            if level not in ("confirmed", "single-source") or "joined" not in table:
                raise fail(where, "'joined-confidence' is confirmed or single-source, and only beside 'joined'")
            joined_confidence[pair] = level
        if "joined-source" in table:
            source = text(table, "joined-source", where)
            if "joined-confidence" not in table or not re.fullmatch(r"id/source/reference/facts/[a-z0-9]+(?:-[a-z0-9]+)*", source):
                raise fail(where, "'joined-source' is a source of facts.toml (id/source/reference/facts/<key>), and only beside 'joined-confidence'")
            joined_source[pair] = source
    member_names: dict[str, tuple[str, list[str]]] = {}
    for number, table in enumerate(raw.get("member-names", []), start=1):
        where = f"[[member-names]] entry {number}"
        only(table, {"listed", "name", "alt-names"}, where)
        member_names[text(table, "listed", where)] = (text(table, "name", where), texts(table, "alt-names", where))
    return Policy(text(raw, "checked-on", "top level"), organisations, networks, roles, joined, member_names, joined_confidence, joined_source)


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
    row: str = ""  # "row N of members.csv": the CSV row it came from, written as a comment so a report can name it

    def render(self) -> str:
        lines = ([f"# {self.row}"] if self.row else []) + [f"{self.subject} " + self._pair(0)]
        head = 2 if self.row else 1
        for i in range(1, len(self.pairs)):
            lines.append("    " + self._pair(i))
        return "\n".join(lines[: head - 1] + [" ;\n".join(lines[head - 1 :])]) + " .\n"

    def _pair(self, i: int) -> str:
        p, o = self.pairs[i]
        return f"{p} {o}"


def _from(row: str, block: _Block) -> _Block:
    """``block``, saying which CSV row it came from."""
    block.row = row
    return block


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


def _is_date(value: str) -> bool:
    """Whether ``value`` is a date at one of the three precisions (``"undated"`` is not)."""
    return any(re.fullmatch(pattern, value) for pattern, _ in _JOINED_TYPES)


def _member_name(raw: str, names: dict[str, tuple[str, list[str]]]) -> tuple[str, str, list[str]]:
    """The list's spelling without a "(joined …)" note, the preferred name and alternatives."""
    listed = re.sub(r"\s*\(joined \d{4}\)$", "", raw.strip())
    name, alts = names.get(listed, (listed, []))
    return listed, name, alts


def cited(source_text: str, omit: tuple[str, ...] = ()) -> str:
    """The row's ``source`` cell as published: its ``" ; "``-separated parts, less those the policy omits.

    A curator omits a part that no reader of the graph could follow (a note on
    how an internal lookup was made); the evidence stays in the reference file.

    >>> cited("https://example.org/a ; internal lookup 12", ("internal lookup",))
    'https://example.org/a'
    """
    if not omit:
        return source_text
    parts = [part.strip() for part in source_text.split(" ; ")]
    return " ; ".join(part for part in parts if not part.startswith(omit))


def _record(path: str, source_text: str, confidence: str, citation_of: str, checked_on: str) -> _Block:
    pairs = [
        ("a", "uuo:Source"),
        ("rdfs:label", _lit(f"Reference record: {citation_of}")),
        ("dcterms:bibliographicCitation", _lit(source_text.strip(), None)),
        ("dcterms:isPartOf", _iri("id/source/reference")),
        ("uuo:confidence", _iri(f"id/concept/confidence/{confidence}")),
    ]
    for url in sorted(set(URL_RE.findall(source_text))):
        pairs.append(("rdfs:seeAlso", _iri(url)))
    pairs.append(("uuo:lastChecked", _typed(checked_on, "xsd:date")))
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

    What is published is decided by ``data_dir/reference/policy.toml``.
    Returns the files written. Deterministic: the same CSV files and policy
    give byte-identical Turtle.
    """
    policy = load_policy(data_dir / POLICY_FILE)
    checked_on = policy.checked_on
    organisations = _read(reference_dir / "organisations.csv")
    members = _read(reference_dir / "members.csv")
    countries: set[str] = {"NL"}  # the page itself speaks of the Netherlands
    cities: dict[tuple[str, str], str] = {}
    org_blocks: list[_Block] = []
    record_blocks: list[_Block] = []
    written: list[Path] = []

    for number, row in enumerate(organisations, start=2):  # a spreadsheet's row numbers: the header is row 1
        from_row = f"row {number} of organisations.csv"
        key = row["key"]
        entry = policy.organisations.get(key)
        if entry is None:
            raise InputError(
                str(reference_dir / "organisations.csv"),
                None,
                None,
                f"row {key!r} has no [organisations.{key}] table in {data_dir / POLICY_FILE}: read its confidence note and add one",
            )
        fields, confidence = entry.fields, entry.confidence
        if confidence == "unconfirmed" or not fields:
            if entry.record_only:
                record_blocks.append(_from(from_row, _record(f"id/source/reference/organisations/{slug(key)}", cited(row["source"], entry.omit_citations), confidence, row["name"], checked_on)))
            continue
        record = f"id/source/reference/organisations/{slug(key)}"
        record_blocks.append(_from(from_row, _record(record, cited(row["source"], entry.omit_citations), confidence, row["name"], checked_on)))
        if entry.page is not None:
            subject = f"id/org/{entry.page}"
            pairs: list[tuple[str, str]] = [("skos:altLabel", _lit(a)) for a in entry.alt_names]
        else:
            assert entry.name is not None and entry.cls is not None  # load_policy requires them without 'page'
            subject = f"id/org/{slug(entry.name)}"
            pairs = [("a", entry.cls), ("skos:prefLabel", _lit(entry.name))]
            pairs += [("skos:altLabel", _lit(a)) for a in entry.alt_names]
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
        org_blocks.append(_Block(_iri(subject), pairs, from_row))

    confirmed_qids = {row["wikidata"].strip() for row in organisations if row["key"] in policy.organisations and "wikidata" in policy.organisations[row["key"]].fields}
    known_subjects = {b.subject for b in org_blocks}

    by_network: dict[str, list[dict[str, str]]] = {}
    member_rows = {id(row): f"row {number} of members.csv" for number, row in enumerate(members, start=2)}
    for row in members:
        by_network.setdefault(row["network_key"], []).append(row)

    listed_pairs: set[tuple[str, str]] = set()
    for network_key, rows in sorted(by_network.items()):
        decision = policy.networks.get(network_key)
        if decision is None:
            raise InputError(
                str(reference_dir / "members.csv"),
                None,
                None,
                f"network {network_key!r} has no [networks.{network_key}] table in {data_dir / POLICY_FILE}: decide whether its list is published",
            )
        network = decision.slug
        listed_pairs |= {(network_key, _member_name(r["member_name"], policy.member_names)[0]) for r in rows}
        published = [r for r in rows if r["confidence"].strip().lower() in {"confirmed", "single-source"}]
        if not decision.publish or not published:
            continue  # held back by the policy, or nothing publishable
        blocks: list[_Block] = []
        member_blocks: list[_Block] = []
        as_of_values = sorted({r["as_of"].strip() for r in published if _is_date(r["as_of"].strip())})
        for row in published:
            listed, name, alts = _member_name(row["member_name"], policy.member_names)
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
                member_blocks.append(_Block(_iri(member), pairs, member_rows[id(row)]))
            record = f"id/source/reference/members/{network}/{slug(name)}"
            blocks.append(_from(member_rows[id(row)], _record(record, row["source"], confidence, f"{listed} in {network_key} list", checked_on)))
            membership = f"id/membership/{network}/{slug(name)}"
            role = policy.roles.get((network_key, listed), decision.role)
            pairs = [
                ("a", "org:Membership"),
                ("org:member", _iri(member)),
                ("org:organization", _iri(f"id/org/{network}")),
                ("org:role", _iri(f"id/concept/role/{role}")),
            ]
            joined = policy.joined.get((network_key, listed))
            year_note = re.search(r"\(joined (\d{4})\)$", row["member_name"].strip())
            if joined is None and year_note:
                joined = (year_note.group(1), "xsd:gYear")
            if joined:
                pairs.append(("org:memberDuring", _iri(f"{membership}#period")))
            if _is_date(row["as_of"].strip()):
                pairs.append(("uuo:asOf", _date_literal(row["as_of"].strip())))  # the list's or the mention's date, not a start
            pairs += [
                ("uuo:confidence", _iri(f"id/concept/confidence/{confidence}")),
                ("prov:wasDerivedFrom", _iri(record)),
                ("uuo:lastChecked", _typed(checked_on, "xsd:date")),
            ]
            blocks.append(_Block(_iri(membership), pairs, member_rows[id(row)]))
            if joined:
                value, datatype = joined
                prop = {"xsd:date": "time:inXSDDate", "xsd:gYearMonth": "time:inXSDgYearMonth", "xsd:gYear": "time:inXSDgYear"}[datatype]
                blocks.append(_Block(_iri(f"{membership}#period"), [("a", "time:Interval"), ("time:hasBeginning", _iri(f"{membership}#start"))], member_rows[id(row)]))
                start_pairs = [("a", "time:Instant"), (prop, _typed(value, datatype))]
                joined_confidence = policy.joined_confidence.get((network_key, listed))
                if joined_confidence:  # the join date is less attested than the membership: say so, with its source
                    source = policy.joined_source.get((network_key, listed), record)  # a fact of facts.toml, or the row's record
                    start_pairs += [("uuo:confidence", _iri(f"id/concept/confidence/{joined_confidence}")), ("prov:wasDerivedFrom", _iri(source))]
                blocks.append(_Block(_iri(f"{membership}#start"), start_pairs, member_rows[id(row)]))
        # The list's own count, as a figure with the list's date, beside the page's figure
        # (not for a partial list, whose count is not the network's).
        as_of = as_of_values[-1]
        figure = f"id/figure/{network}/member-universities/{as_of}"
        if decision.count:
            blocks.append(
                _Block(
                    _iri(figure),
                    [
                        ("a", "uuo:Figure"),
                        ("schema:observationAbout", _iri(f"id/org/{network}")),
                        ("uuo:measure", _iri("id/concept/measure/member-universities")),
                        ("schema:value", _typed(str(len(published)), "xsd:integer")),
                        ("uuo:asOf", _date_literal(as_of)),
                        ("uuo:confidence", _iri("id/concept/confidence/" + ("confirmed" if all(r["confidence"].strip() == "confirmed" for r in published) else "single-source"))),
                        ("prov:wasDerivedFrom", _iri(f"id/source/reference/members/{network}")),
                        ("uuo:lastChecked", _typed(checked_on, "xsd:date")),
                    ],
                )
            )
        blocks.append(
            _Block(
                _iri(f"id/source/reference/members/{network}"),
                [
                    ("a", "uuo:Source"),
                    ("rdfs:label", _lit(f"Reference member list of {network_key}, " + (f"as of {as_of}" if decision.count else f"built from dated mentions ({as_of_values[0]} to {as_of})"))),
                    ("dcterms:isPartOf", _iri("id/source/reference")),
                    ("dcterms:hasPart", " , ".join(sorted({_iri(f"id/source/reference/members/{network}/{slug(_member_name(r['member_name'], policy.member_names)[1])}") for r in published}))),
                ],
            )
        )
        path = data_dir / "reference" / f"members-{network}.ttl"
        _write(
            path,
            f"# Generated by `uugraph import-reference` from members.csv ({network_key}): do not edit by hand.\n"
            "# Members not already described elsewhere are described here, with their country and confirmed identifiers.",
            member_blocks + blocks,
        )
        written.append(path)

    record_blocks.append(
        _Block(
            _iri("id/source/reference"),
            [
                ("a", "uuo:Source"),
                ("rdfs:label", _lit("uugraph reference facts (organisations.csv, members.csv)")),
                ("dcterms:description", _lit("Facts beyond the source page gathered from public registries and the organisations' own pages, each row with its sources and a confidence.")),
                ("uuo:lastChecked", _typed(checked_on, "xsd:date")),
            ],
        )
    )
    facts_path = data_dir / FACTS_FILE
    if facts_path.exists():
        facts = load_facts(facts_path)
        path = data_dir / "reference" / "facts.ttl"
        _write(
            path,
            f"# Generated by `uugraph import-reference` from {FACTS_FILE.as_posix()} (the curators' reading of the reference notes and facts.md): do not edit by hand.",
            facts_blocks(facts, checked_on, countries),
        )
        written.append(path)
    stale = sorted((set(policy.roles) | set(policy.joined)) - listed_pairs)
    if stale:
        raise InputError(
            str(data_dir / POLICY_FILE),
            None,
            None,
            "[[memberships]] names members that members.csv does not list: " + "; ".join(f"{n} in {k}" for k, n in stale),
        )
    for (code, name), city in sorted(cities.items(), key=lambda item: item[1]):
        org_blocks.append(
            _Block(
                _iri(city),
                [
                    ("a", "schema:City"),
                    ("skos:prefLabel", _lit(name)),
                    ("uuo:country", _iri(f"id/country/{code.lower()}")),
                ],
            )
        )
    path = data_dir / "reference" / "organisations.ttl"
    _write(path, "# Generated by `uugraph import-reference` from organisations.csv: do not edit by hand.", org_blocks + record_blocks)
    written.append(path)

    identifiers = _country_identifiers(data_dir)
    country_blocks = [_country_block(code, identifiers) for code in sorted(countries)]
    for code in sorted(countries):
        identified = identifiers.get(code)
        if identified and identified["confidence"].strip() == "confirmed":
            citation = identified["source"] + (f" ({identified['note']})" if identified.get("note") else "")
            country_blocks.append(_record(f"id/source/reference/countries/{code.lower()}", citation, "confirmed", f"Wikidata item of {code}", checked_on))
    country_blocks.append(
        _Block(
            _iri("id/source/iso-3166-1"),
            [
                ("a", "uuo:Source"),
                ("dcterms:title", _lit("ISO 3166-1 country codes, as distributed by the pycountry package")),
                ("rdfs:seeAlso", _iri("https://www.iso.org/iso-3166-country-codes.html")),
                ("dcterms:hasVersion", _lit(_pycountry_version(), None)),
            ],
        )
    )
    path = data_dir / "countries.ttl"
    _write(path, "# Generated by `uugraph import-reference`: every country the graph uses, with its ISO 3166-1 codes (pycountry).", country_blocks)
    written.append(path)
    return written


def _pycountry_version() -> str:
    from importlib import metadata

    return metadata.version("pycountry")


def open_questions(reference_dir: Path, data_dir: Path) -> list[str]:
    """Reference facts left out of the graph, one sentence each, for the README."""
    questions: list[str] = []
    policy = load_policy(data_dir / POLICY_FILE)
    organisations = _read(reference_dir / "organisations.csv")
    members = _read(reference_dir / "members.csv")
    for row in organisations:
        entry = policy.organisations.get(row["key"])
        fields, confidence = (entry.fields, entry.confidence) if entry else (frozenset(), "unconfirmed")
        qid = row["wikidata"].strip()
        if QID_RE.match(qid) and "wikidata" not in fields:
            questions.append(f"{row['acronym'] or row['name']}: Wikidata {qid} is single-source ({row['confidence']}).")
        if confidence == "unconfirmed":
            questions.append(f"{row['acronym'] or row['name']}: {row['confidence']}.")
    held = {key for key, network in policy.networks.items() if not network.publish}
    for key in sorted(held):
        questions.append(f"{key}: member list not published ({policy.networks[key].why or 'held back by the policy'}).")
    for row in members:
        if row["network_key"] not in held and row["confidence"].strip().lower() == "unconfirmed":
            questions.append(f"{row['network_key']}: membership of {row['member_name']} is unconfirmed.")
    return questions


# ---------------------------------------------------------------- facts.toml: the reference notes and facts.md

ENDINGS = ("left", "withdrawn", "revoked", "role-changed")  # how a membership ended (not "suspended": no end)
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(--[a-z2-7]{6})?$")
_PATH_RE = re.compile(r"^id/[a-z]+(/[a-z0-9]+(-[a-z0-9]+)*(--[a-z2-7]{6})?)+$")


@dataclass(frozen=True)
class FactSource:
    """A source of facts.toml (``[sources.KEY]``): it becomes ``id/source/reference/facts/KEY``."""

    key: str
    title: str
    cites: str
    urls: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """facts.toml, read and checked: the tables of each kind, in file order, with their sources."""

    sources: dict[str, FactSource]
    organisations: dict[str, dict[str, object]]
    memberships: list[dict[str, object]]
    signatures: list[dict[str, object]]
    commitments: dict[str, dict[str, object]]
    figures: list[dict[str, object]]


def load_facts(path: Path) -> Facts:
    """Read and check facts.toml: every fact has a known source and confidence, every date its precision.

    Anything that does not hold is an InputError naming the file and the entry,
    so a fact without a source never reaches the graph.
    """
    import tomllib

    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), None, None, f"not valid TOML: {exc}") from exc

    def fail(where: str, cause: str) -> InputError:
        return InputError(str(path), None, None, f"{where}: {cause}")

    def check(table: dict[str, object], where: str, allowed: set[str], required: set[str]) -> None:
        unknown, missing = sorted(set(table) - allowed), sorted(required - set(table))
        if unknown:
            raise fail(where, f"unknown key(s) {', '.join(unknown)}")
        if missing:
            raise fail(where, f"missing key(s) {', '.join(missing)}")
        for key in ("started", "ended", "suspended", "date", "as-of"):
            if key in table and not (isinstance(table[key], str) and _is_date(str(table[key]))):
                raise fail(where, f"{key!r} must be YYYY-MM-DD, YYYY-MM or YYYY, not {table[key]!r}")
        for key in ("network", "member", "signatory", "commitment", "related", "role", "measure"):
            if key in table and not (isinstance(table[key], str) and _SLUG_RE.match(str(table[key]))):
                raise fail(where, f"{key!r} must be an IRI slug, not {table[key]!r}")
        if "confidence" in table and table["confidence"] not in ("confirmed", "single-source"):
            raise fail(where, "'confidence' must be confirmed or single-source (unconfirmed facts are left out)")
        if "sources" in table:
            cited = table["sources"]
            if not isinstance(cited, list) or not cited or not all(isinstance(s, str) and s in sources for s in cited):
                raise fail(where, f"'sources' must list keys of [sources.*], at least one: {cited!r}")

    only = {"sources", "organisations", "memberships", "signatures", "commitments", "figures"}
    if set(raw) - only:
        raise fail("top level", f"unknown key(s) {', '.join(sorted(set(raw) - only))}")
    sources: dict[str, FactSource] = {}
    for key, table in raw.get("sources", {}).items():
        where = f"[sources.{key}]"
        if not _SLUG_RE.match(key):
            raise fail(where, "a source key is an IRI slug")
        check(table, where, {"title", "cites", "urls"}, {"title", "cites"})
        urls = table.get("urls", [])
        if not isinstance(urls, list) or not all(isinstance(u, str) and URL_RE.fullmatch(u) for u in urls):
            raise fail(where, "'urls' must be a list of http(s) addresses")
        sources[key] = FactSource(key, str(table["title"]), str(table["cites"]), tuple(urls))
    organisations: dict[str, dict[str, object]] = {}
    for key, table in raw.get("organisations", {}).items():
        where = f"[organisations.{key}]"
        if not _SLUG_RE.match(key):
            raise fail(where, "an organisation key is its IRI slug")
        check(table, where, {"name", "class", "country", "ror-exemption", "sources"}, {"name", "class", "country", "sources"})
        if slug(str(table["name"])) != key:
            raise fail(where, f"the key must be the slug of the name by the minting rule: {slug(str(table['name']))!r}")
        organisations[key] = table
    memberships = []
    for number, table in enumerate(raw.get("memberships", []), start=1):
        where = f"[[memberships]] entry {number}"
        allowed = {"network", "member", "role", "started", "ended", "how", "suspended", "revised-by", "confidence", "sources", "note"}
        check(table, where, allowed, {"network", "member", "role", "confidence", "sources"})
        if "how" in table and (table["how"] not in ENDINGS or "ended" not in table):
            raise fail(where, f"'how' is one of {', '.join(ENDINGS)}, and only for an ended membership")
        if "suspended" in table and "ended" in table and str(table["suspended"]) > str(table["ended"]):
            raise fail(where, "the suspension begins after the membership ended")
        if "revised-by" in table and not (isinstance(table["revised-by"], str) and _PATH_RE.match(str(table["revised-by"]))):
            raise fail(where, "'revised-by' is the IRI path of the membership in the new role (id/membership/…)")
        memberships.append(table)
    signatures = []
    for number, table in enumerate(raw.get("signatures", []), start=1):
        where = f"[[signatures]] entry {number}"
        check(table, where, {"commitment", "signatory", "date", "confidence", "sources", "note"}, {"commitment", "signatory", "confidence", "sources"})
        signatures.append(table)
    commitments: dict[str, dict[str, object]] = {}
    for key, table in raw.get("commitments", {}).items():
        where = f"[commitments.{key}]"
        check(table, where, {"name", "related", "description", "confidence", "sources"}, {"name", "confidence", "sources"})
        commitments[key] = table
    figures = []
    for number, table in enumerate(raw.get("figures", []), start=1):
        where = f"[[figures]] entry {number}"
        allowed = {"about", "measure", "value", "as-of", "scope", "approximate", "lower-bound", "confidence", "sources", "note"}
        check(table, where, allowed, {"about", "measure", "value", "as-of", "confidence", "sources"})
        if not (isinstance(table["about"], str) and _PATH_RE.match(table["about"])):
            raise fail(where, "'about' is an IRI path (id/org/…, id/commitment/…)")
        if not isinstance(table["value"], int) or isinstance(table["value"], bool) or table["value"] < 0:
            raise fail(where, "'value' is a whole number, not negative")
        figures.append(table)
    return Facts(sources, organisations, memberships, signatures, commitments, figures)


_INSTANT_PROPERTY = {"xsd:date": "time:inXSDDate", "xsd:gYearMonth": "time:inXSDgYearMonth", "xsd:gYear": "time:inXSDgYear"}


def _instant(path: str, value: str) -> _Block:
    datatype = next(t for pattern, t in _JOINED_TYPES if re.fullmatch(pattern, value))
    return _Block(_iri(path), [("a", "time:Instant"), (_INSTANT_PROPERTY[datatype], _typed(value, datatype))])


def _cited(table: dict[str, object]) -> list[tuple[str, str]]:
    keys = table["sources"]
    assert isinstance(keys, list)
    return [("prov:wasDerivedFrom", " , ".join(_iri(f"id/source/reference/facts/{k}") for k in keys))]


def facts_blocks(facts: Facts, checked_on: str, countries: set[str]) -> list[_Block]:
    """The Turtle blocks of facts.toml: its source records, organisations, memberships, signatures, commitments and figures.

    ``countries`` gains the countries of the organisations described here, so
    that data/countries.ttl describes them too.
    """
    blocks: list[_Block] = []
    checked = ("uuo:lastChecked", _typed(checked_on, "xsd:date"))

    def confidence(table: dict[str, object]) -> tuple[str, str]:
        return ("uuo:confidence", _iri(f"id/concept/confidence/{table['confidence']}"))

    def note(table: dict[str, object]) -> list[tuple[str, str]]:
        return [("skos:editorialNote", _lit(str(table["note"])))] if "note" in table else []

    for key, table in facts.organisations.items():
        code = str(table["country"])
        countries.add(code)
        blocks.append(
            _Block(
                _iri(f"id/org/{key}"),
                [
                    ("a", str(table["class"])),
                    ("skos:prefLabel", _lit(str(table["name"]))),
                    ("uuo:country", _iri(f"id/country/{code.lower()}")),
                    *([("uuo:rorExemption", _lit(str(table["ror-exemption"]), None))] if "ror-exemption" in table else []),
                    *_cited(table),
                ],
            )
        )
    for table in facts.memberships:
        network, member, role = table["network"], table["member"], table["role"]
        membership = f"id/membership/{network}/{member}" + (f"/{role}" if "revised-by" in table else "")
        pairs = [
            ("a", "org:Membership"),
            ("org:member", _iri(f"id/org/{member}")),
            ("org:organization", _iri(f"id/org/{network}")),
            ("org:role", _iri(f"id/concept/role/{role}")),
        ]
        if "started" in table or "ended" in table:
            pairs.append(("org:memberDuring", _iri(f"{membership}#period")))
        if "how" in table:
            pairs.append(("uuo:howEnded", _iri(f"id/concept/membership-change/{table['how']}")))
        if "suspended" in table:
            pairs.append(("uuo:suspendedDuring", _iri(f"{membership}#suspension")))
        pairs += [confidence(table), *note(table), *_cited(table), checked]
        blocks.append(_Block(_iri(membership), pairs))
        if "started" in table or "ended" in table:
            period = [("a", "time:Interval")]
            if "started" in table:
                period.append(("time:hasBeginning", _iri(f"{membership}#start")))
            if "ended" in table:
                period.append(("time:hasEnd", _iri(f"{membership}#end")))
            blocks.append(_Block(_iri(f"{membership}#period"), period))
            if "started" in table:
                blocks.append(_instant(f"{membership}#start", str(table["started"])))
            if "ended" in table:
                blocks.append(_instant(f"{membership}#end", str(table["ended"])))
        if "suspended" in table:
            suspension = [("a", "time:Interval"), ("dcterms:type", _iri("id/concept/membership-change/suspended")), ("time:hasBeginning", _iri(f"{membership}#suspension-start"))]
            if "ended" in table:
                suspension.append(("time:hasEnd", _iri(f"{membership}#suspension-end")))  # it lasted until the membership ended
            blocks.append(_Block(_iri(f"{membership}#suspension"), suspension))
            blocks.append(_instant(f"{membership}#suspension-start", str(table["suspended"])))
            if "ended" in table:
                blocks.append(_instant(f"{membership}#suspension-end", str(table["ended"])))
        if "revised-by" in table:
            blocks.append(_Block(_iri(str(table["revised-by"])), [("prov:wasRevisionOf", _iri(membership))]))
    for table in facts.signatures:
        pairs = [
            ("a", "uuo:Signature"),
            ("uuo:signatory", _iri(f"id/org/{table['signatory']}")),
            ("uuo:signedCommitment", _iri(f"id/commitment/{table['commitment']}")),
        ]
        if "date" in table:
            pairs.append(("dcterms:date", _date_literal(str(table["date"]))))
        pairs += [confidence(table), *note(table), *_cited(table), checked]
        blocks.append(_Block(_iri(f"id/signature/{table['commitment']}/{table['signatory']}"), pairs))
    for key, table in facts.commitments.items():
        pairs = [("a", "uuo:Charter"), ("skos:prefLabel", _lit(str(table["name"])))]
        if "description" in table:
            pairs.append(("dcterms:description", _lit(str(table["description"]))))
        if "related" in table:
            pairs.append(("dcterms:relation", _iri(f"id/org/{table['related']}")))
        pairs += [confidence(table), *_cited(table)]
        blocks.append(_Block(_iri(f"id/commitment/{key}"), pairs))
    minted: set[str] = set()
    for table in facts.figures:
        about = str(table["about"])
        scope = f"/{str(table['scope']).lower()}" if "scope" in table else ""
        figure = f"id/figure/{about.rpartition('/')[2]}/{table['measure']}{scope}/{table['as-of']}"
        if figure in minted:  # another source gives another value for the same measure, scope and date
            keys = table["sources"]
            assert isinstance(keys, list)
            figure += f"/{keys[0]}"
        minted.add(figure)
        pairs = [
            ("a", "uuo:Figure"),
            ("schema:observationAbout", _iri(about)),
            ("uuo:measure", _iri(f"id/concept/measure/{table['measure']}")),
        ]
        if "scope" in table:
            pairs.append(("dcterms:spatial", _iri(f"id/country/{str(table['scope']).lower()}")))
        pairs.append(("schema:value", _typed(str(table["value"]), "xsd:integer")))
        if table.get("approximate"):
            pairs.append(("uuo:approximate", "true"))
        if table.get("lower-bound"):
            pairs.append(("uuo:lowerBound", "true"))
        pairs += [("uuo:asOf", _date_literal(str(table["as-of"]))), confidence(table), *note(table), *_cited(table), checked]
        blocks.append(_Block(_iri(figure), pairs))
    for source in facts.sources.values():
        pairs = [
            ("a", "uuo:Source"),
            ("rdfs:label", _lit(f"Reference record: {source.title}")),
            ("dcterms:bibliographicCitation", _lit(source.cites, None)),
            ("dcterms:isPartOf", _iri("id/source/reference")),
        ]
        pairs += [("rdfs:seeAlso", _iri(url)) for url in sorted(source.urls)]
        pairs.append(checked)
        blocks.append(_Block(_iri(f"id/source/reference/facts/{source.key}"), pairs))
    return blocks
