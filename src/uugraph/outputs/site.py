"""The static site: one HTML page per resource, with its Turtle and JSON-LD beside it.

``build`` calls :func:`write_site` last, so ``dist/site/`` is a folder any
static host can serve as the base IRI: ``doc/org/leru.html`` (and ``.ttl``,
``.jsonld``) describes ``<base>id/org/leru`` (the rule is
:func:`uugraph.iris.document_path`), ``index.html`` lists networks and
universities, ``dataset.html`` shows the VoID/DCAT description with the dumps
(hard-linked into the site), and ``.htaccess`` holds the 303 rules a
w3id.org-style Apache needs to answer the thing IRIs with these documents.

Every link is relative and nothing is loaded from elsewhere, so the pages work
from any folder, host or ``file://``.

It scales by streaming the sorted canonical N-Triples twice:

1. an index of what a page needs about *other* resources: labels, acronyms,
   countries, memberships with roles and periods (both directions), figures,
   signatures, source URLs, ontology terms, and incoming links (a capped
   sample per resource);
2. the pages: a document is the thing, its fragments (``…#period``) and the
   blank nodes they point to. All of its lines start with ``<IRI`` (fragments
   ``<IRI#…`` sort before ``<IRI>``), so a document is complete at the first
   line outside that prefix and is written then; only the documents whose
   IRIs are prefixes of the current one are held in memory.

Pages are plain string templates with :func:`html.escape`; the embedded
JSON-LD uses the published graph's own terms (:class:`uugraph.rdf.compact.Compactor`)
with a per-page ``@context`` holding only what the page uses.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from uugraph.config import base_iri, version
from uugraph.iris import document_path
from uugraph.progress import Progress
from uugraph.rdf.compact import Compactor
from uugraph.rdf.namespaces import DCAT, FOAF, ORG, OWL, PROV, RDF, RDF_TYPE, RDFS, SCHEMA, SKOS, TIME, VOID, XSD, XSD_STRING, uuo
from uugraph.rdf.namespaces import DCTERMS as DCT

# The dumps build writes beside the site; they are hard-linked into it.
DUMPS = ("graph.ttl", "graph.nt", "graph.jsonld", "context.jsonld", "void.ttl", "network.svg", "ontology.html")

# How many incoming links a page lists ("referenced by"); the rest are counted.
INCOMING_SHOWN = 50

CHUNK = 1 << 22  # bytes of N-Triples decoded at a time

STYLE = (
    "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;background:#fff}"
    "header,main,footer{max-width:74rem;margin:0 auto;padding:.4rem 1.25rem}"
    "header{border-bottom:4px solid #ffcd00}header nav a{margin-right:1rem;font-weight:600}"
    "a{color:#0a58a8}a:visited{color:#5b3b8c}a.ext::after{content:' \\2197';font-size:.8em}"
    "h1{font-size:1.9rem;line-height:1.2;margin:.2rem 0 .6rem}h2{font-size:1.3rem;margin:1.8rem 0 .4rem}"
    ".kind{text-transform:uppercase;letter-spacing:.06em;font-size:.78rem;color:#555;margin:1.2rem 0 0}"
    ".iri{font-size:.85rem;color:#555;word-break:break-all}.lead{font-size:1.05rem;max-width:52rem}"
    "table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}"
    "th,td{text-align:left;vertical-align:top;padding:.3rem .6rem;border-bottom:1px solid #ddd}"
    "thead th{background:#f2f2f2;font-size:.9rem}table.facts th{width:13rem;font-weight:600}"
    "td ul{margin:0;padding-left:1.1rem}code{font-size:.85em;word-break:break-all}.muted{color:#666}"
    "footer{border-top:1px solid #ddd;margin-top:2.5rem;font-size:.85rem;color:#555}"
)

# Names a person reads for the classes and properties of reused vocabularies
# (the ontology's own terms have rdfs:label in the graph).
CLASS_LABELS = {
    ORG + "OrganizationalUnit": "Unit",
    ORG + "FormalOrganization": "Formal organisation",
    ORG + "Membership": "Membership",
    ORG + "Post": "Post",
    SCHEMA + "Organization": "Organisation",
    SCHEMA + "CollegeOrUniversity": "College or university",
    SCHEMA + "Country": "Country",
    SCHEMA + "City": "City",
    SCHEMA + "Person": "Person",
    SCHEMA + "WebPage": "Web page",
    FOAF + "Person": "Person",
    FOAF + "Document": "Document",
    SKOS + "Concept": "Concept",
    SKOS + "ConceptScheme": "Concept scheme",
    TIME + "Interval": "Period",
    TIME + "Instant": "Instant",
    OWL + "Ontology": "Ontology",
    OWL + "Class": "Class",
    OWL + "ObjectProperty": "Object property",
    OWL + "DatatypeProperty": "Datatype property",
    PROV + "Entity": "Entity",
    PROV + "Activity": "Activity",
}

PROPERTY_LABELS = {
    RDF_TYPE: "Type",
    SKOS + "prefLabel": "Name",
    SKOS + "altLabel": "Also known as",
    SKOS + "definition": "Definition",
    SKOS + "editorialNote": "Note",
    SKOS + "inScheme": "In scheme",
    SKOS + "topConceptOf": "Top concept of",
    SKOS + "hasTopConcept": "Top concepts",
    RDFS + "label": "Label",
    RDFS + "comment": "Comment",
    RDFS + "subClassOf": "Subclass of",
    RDFS + "subPropertyOf": "Subproperty of",
    RDFS + "isDefinedBy": "Defined by",
    RDFS + "seeAlso": "See also",
    OWL + "inverseOf": "Inverse of",
    OWL + "propertyChainAxiom": "Property chain",
    OWL + "versionInfo": "Version",
    OWL + "versionIRI": "Version IRI",
    SCHEMA + "url": "Website",
    SCHEMA + "foundingDate": "Founded",
    SCHEMA + "value": "Value",
    SCHEMA + "observationAbout": "About",
    SCHEMA + "rangeIncludes": "Range includes",
    SCHEMA + "sameAs": "Same as",
    SCHEMA + "name": "Name",
    SCHEMA + "alternateName": "Alternative name",
    SCHEMA + "location": "Location",
    SCHEMA + "member": "Member",
    SCHEMA + "memberOf": "Member of",
    SCHEMA + "subOrganization": "Sub-organisation",
    SCHEMA + "parentOrganization": "Parent organisation",
    FOAF + "page": "Page",
    DCT + "title": "Title",
    DCT + "description": "Description",
    DCT + "issued": "Issued",
    DCT + "date": "Date",
    DCT + "publisher": "Publisher",
    DCT + "creator": "Creator",
    DCT + "license": "Licence",
    DCT + "source": "Source",
    DCT + "language": "Language",
    DCT + "spatial": "Scope",
    DCT + "isPartOf": "Part of",
    DCT + "hasPart": "Parts",
    DCT + "bibliographicCitation": "Citation",
    DCT + "identifier": "Identifier",
    PROV + "wasDerivedFrom": "Source",
    PROV + "wasRevisionOf": "Revision of",
    ORG + "member": "Member",
    ORG + "organization": "Organisation",
    ORG + "role": "Role",
    ORG + "memberDuring": "Period",
    ORG + "memberOf": "Member of",
    ORG + "hasMember": "Members",
    ORG + "unitOf": "Unit of",
    ORG + "hasUnit": "Units",
    ORG + "postIn": "Post in",
    ORG + "heldBy": "Held by",
    TIME + "hasBeginning": "Start",
    TIME + "hasEnd": "End",
    TIME + "inXSDDate": "Date",
    TIME + "inXSDgYearMonth": "Month",
    TIME + "inXSDgYear": "Year",
}

LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", SCHEMA + "name", DCT + "title", FOAF + "name")
LEAD_PREDICATES = (DCT + "description", RDFS + "comment", SKOS + "definition")
INSTANT_PREDICATES = (TIME + "inXSDDateTimeStamp", TIME + "inXSDDateTime", TIME + "inXSDDate", TIME + "inXSDgYearMonth", TIME + "inXSDgYear")

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_PN_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_NEEDS_ESCAPE = re.compile(r"[&<>\"']")


def esc(text: str) -> str:
    """html.escape, with a fast path for the common text that needs none."""
    return html.escape(text) if _NEEDS_ESCAPE.search(text) else text


def _unescape_match(m: re.Match[str]) -> str:
    code = m.group(1) or m.group(2)
    return chr(int(code, 16)) if code else _SIMPLE_ESCAPES[m.group(3)]


def literal(raw: str) -> tuple[str, str | None, str]:
    """Lexical form, language and datatype of an N-Triples literal.

    >>> literal('"Utrecht \\\\"UU\\\\""@en')
    ('Utrecht "UU"', 'en', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString')
    >>> literal('"2018"^^<http://www.w3.org/2001/XMLSchema#gYear>')[2]
    'http://www.w3.org/2001/XMLSchema#gYear'
    """
    end = raw.rindex('"')
    lexical = raw[1:end]
    if "\\" in lexical:
        lexical = _ESCAPE.sub(_unescape_match, lexical)
    rest = raw[end + 1:]
    if not rest:
        return lexical, None, XSD_STRING
    if rest[0] == "@":
        return lexical, rest[1:], RDF + "langString"
    return lexical, None, rest[3:-1]


def _groups(ntriples: bytes) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(subject, [(predicate, object)]) per subject of sorted canonical N-Triples.

    IRIs come without their angle brackets, blank nodes as ``_:label``;
    objects stay in their N-Triples form (``<iri>``, ``_:b``, ``"lit"@en``).
    Decodes a few megabytes at a time, so memory stays flat.
    """
    size = len(ntriples)
    pos = 0
    current: str | None = None
    group: list[tuple[str, str]] = []
    while pos < size:
        end = pos + CHUNK
        if end >= size:
            end = size
        else:
            newline = ntriples.find(b"\n", end)
            end = size if newline == -1 else newline + 1
        text = ntriples[pos:end].decode("utf-8")
        pos = end
        for line in text.split("\n"):
            if not line:
                continue
            s, p, o = line.split(" ", 2)
            if s != current:
                if group:
                    yield current, group  # type: ignore[misc]
                current = s
                group = []
            group.append((p[1:-1], o[:-2]))
    if group:
        yield current, group  # type: ignore[misc]


def _subject(raw: str) -> str:
    return raw[1:-1] if raw[0] == "<" else raw


def _safe_document(doc: str) -> bool:
    """Whether a document path can be a file under the site folder."""
    for segment in doc.split("/"):
        if segment in ("", ".", "..") or len(segment.encode("utf-8")) > 240 or "\\" in segment or "\x00" in segment:
            return False
    return True


@lru_cache(maxsize=8192)
def _relative_dir(from_dir: str, to_dir: str) -> str:
    """The relative path from one folder of the site to another, ending in / (or empty)."""
    f = from_dir.split("/") if from_dir else []
    t = to_dir.split("/") if to_dir else []
    i = 0
    while i < len(f) and i < len(t) and f[i] == t[i]:
        i += 1
    return "../" * (len(f) - i) + "".join(part + "/" for part in t[i:])


def relative_href(from_path: str, to_path: str) -> str:
    """The relative URL from the file ``from_path`` to the file ``to_path`` (both relative to the site root).

    >>> relative_href("doc/org/leru.html", "doc/country/be.html")
    '../country/be.html'
    >>> relative_href("index.html", "doc/org/leru.html")
    'doc/org/leru.html'
    >>> relative_href("doc/membership/leru/x.html", "dataset.html")
    '../../../dataset.html'
    """
    from_dir = from_path.rpartition("/")[0]
    to_dir, _, name = to_path.rpartition("/")
    return _url(_relative_dir(from_dir, to_dir) + name)


_SAFE_URL = re.compile(r"[A-Za-z0-9/._~-]*")


def _url(path: str) -> str:
    """``path`` as a URL path: percent-encoded where a character needs it."""
    return path if _SAFE_URL.fullmatch(path) else quote(path, safe="/-._~")


def _json_script(text: str) -> str:
    """JSON that is safe inside <script>: no "<" at all, so no "</script>" and no "<!--"."""
    return text.replace("<", "\\u003c")


def _period(start: str | None, end: str | None) -> str:
    def t(value: str) -> str:
        return f'<time datetime="{esc(value)}">{esc(value)}</time>'

    if start and end:
        return f"{t(start)} – {t(end)}"
    if start:
        return f"since {t(start)}"
    if end:
        return f"until {t(end)}"
    return '<span class="muted">not recorded</span>'


class _Site:
    """The two passes and the templates; one instance per call of :func:`write_site`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.base = base_iri()
        self.version = version()
        u = self.uuo = uuo()
        self.ontology = u
        self.country_p, self.level_p, self.confidence_p = u + "country", u + "level", u + "confidence"
        self.measure_p, self.asof_p, self.approximate_p = u + "measure", u + "asOf", u + "approximate"
        self.signatory_p, self.signed_commitment_p = u + "signatory", u + "signedCommitment"
        self.kind_order = [
            u + "Alliance", u + "University", u + "Network", ORG + "OrganizationalUnit", u + "Charter", u + "Commitment",
            u + "Signature", u + "Figure", u + "Source", ORG + "Membership", ORG + "Post", SCHEMA + "Person",
            SCHEMA + "Country", SCHEMA + "City", SKOS + "ConceptScheme", SKOS + "Concept", OWL + "Ontology",
            OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty", TIME + "Interval", TIME + "Instant",
        ]
        self.property_labels = dict(PROPERTY_LABELS)
        self.property_labels.update({
            u + "country": "Country", u + "seat": "Seat", u + "level": "Level", u + "focus": "Focus",
            u + "ror": "ROR ID", u + "wikidata": "Wikidata", u + "confidence": "Confidence", u + "lastChecked": "Last checked",
            u + "asOf": "As of", u + "approximate": "Approximate", u + "measure": "Measure",
        })
        # Facts shown first, in this order; the rest follow sorted by label.
        self.fact_order = [
            RDF_TYPE, SKOS + "prefLabel", SKOS + "altLabel", u + "country", u + "seat", SCHEMA + "url", FOAF + "page",
            SCHEMA + "foundingDate", DCT + "issued", u + "level", u + "focus", ORG + "unitOf", ORG + "hasUnit",
            u + "launchedThrough", u + "ror", u + "wikidata", SCHEMA + "sameAs", RDFS + "subClassOf",
            RDFS + "subPropertyOf", OWL + "inverseOf", RDFS + "isDefinedBy",
        ]
        # A value under the key is not repeated when one of these asserts it (the key is derived from them).
        self.derived_from = {
            SCHEMA + "name": (SKOS + "prefLabel",),
            RDFS + "label": (SKOS + "prefLabel",),
            SCHEMA + "alternateName": (SKOS + "altLabel",),
            SCHEMA + "location": (u + "country", u + "seat"),
            SCHEMA + "sameAs": (u + "ror", u + "wikidata"),
            SCHEMA + "memberOf": (ORG + "memberOf",),
            SCHEMA + "member": (ORG + "hasMember",),
            SCHEMA + "subOrganization": (ORG + "hasUnit",),
            SCHEMA + "parentOrganization": (ORG + "unitOf",),
            DCT + "date": (u + "asOf",),
            DCT + "identifier": (u + "iso3166Alpha2", u + "iso3166Alpha3", u + "iso3166Numeric"),
            PROV + "wasAssociatedWith": (u + "signatory",),
            PROV + "wasInfluencedBy": (u + "launchedThrough",),
        }
        # Incoming links these predicates make are shown by the membership, figure and signature tables.
        self.not_incoming = {
            ORG + "member", ORG + "organization", ORG + "memberOf", ORG + "hasMember", SCHEMA + "member", SCHEMA + "memberOf",
            u + "hasMembership", SCHEMA + "observationAbout", u + "signatory", u + "signedCommitment", u + "hasSignature",
            u + "signed", u + "signedBy", PROV + "wasAssociatedWith", RDFS + "isDefinedBy",
        }
        # pass 1
        self.pages: dict[str, str] = {}  # document path -> the thing it describes
        self.labels: dict[str, str] = {}
        self.acronyms: dict[str, str] = {}
        self.countries: dict[str, str] = {}
        self.levels: dict[str, str] = {}
        self.networks: list[str] = []
        self.universities: list[str] = []
        self.commitments: list[str] = []
        self.schemes: list[str] = []
        self.memberships: dict[str, tuple] = {}
        self._membership_nodes: dict[str, tuple] = {}
        self._intervals: dict[str, tuple[str | None, str | None]] = {}
        self._instants: dict[str, str] = {}
        self.by_member: dict[str, list[tuple]] = defaultdict(list)
        self.by_org: dict[str, list[tuple]] = defaultdict(list)
        self.figures: dict[str, tuple] = {}
        self.figures_about: dict[str, list[str]] = defaultdict(list)
        self.signatures: dict[str, tuple] = {}
        self.signed: dict[str, list[str]] = defaultdict(list)
        self.signatories: dict[str, list[str]] = defaultdict(list)
        self.source_urls: dict[str, tuple[str, ...]] = {}
        self.terms: dict[str, list[str]] = defaultdict(list)
        self.term_info: dict[str, tuple[tuple[str, ...], str]] = {}
        self.incoming: dict[str, list[tuple[str, str]]] = {}
        self.incoming_count: dict[str, int] = {}
        self.bnodes: dict[str, list[tuple[str, str]]] = {}
        self._samples: dict[tuple[str, str], str] = {}
        self.compactor: Compactor | None = None
        self._id_namespace: str | None = None
        self._compact_memo: dict[str, str] = {}
        self._document_memo: dict[str, str | None] = {}

    # ------------------------------------------------------------ pass 1

    def index(self, ntriples: bytes) -> None:
        for subject, group in _groups(ntriples):
            self._index(_subject(subject), group)
        self._finish_index()

    def _index(self, s: str, group: list[tuple[str, str]]) -> None:
        props: dict[str, list[str]] = {}
        samples = self._samples
        base_ref = "<" + self.base
        not_incoming = self.not_incoming
        incoming, counts = self.incoming, self.incoming_count
        main = s.partition("#")[0]
        first_s = s[0]
        for p, o in group:
            values = props.get(p)
            if values is None:
                props[p] = [o]
            else:
                values.append(o)
            first = o[0]
            if first == "<":
                kind = "@id"
                if p not in not_incoming and o.startswith(base_ref) and first_s != "_":
                    target = o[1:-1].partition("#")[0]
                    if target != main:
                        n = counts.get(target, 0)
                        counts[target] = n + 1
                        if n < INCOMING_SHOWN:
                            incoming.setdefault(target, []).append((main, p))
            elif first == "_":
                kind = "@id"
            elif o[-1] == '"':
                kind = "@string"
            elif o[-1] == ">":
                kind = o[o.rindex("^^<") + 3:-1]
            else:
                kind = "@lang"
            if (p, kind) not in samples:
                samples[(p, kind)] = o
        if s.startswith("_:"):
            self.bnodes[s] = group
            return
        doc = document_path(s)
        if doc is not None and _safe_document(doc):
            self.pages.setdefault(doc, main)
        label = _best_label(props)
        if label is not None:
            self.labels[s] = label
        types = tuple(o[1:-1] for o in props.get(RDF_TYPE, ()) if o[0] == "<")
        u = self.uuo
        alts = props.get(SKOS + "altLabel")
        if alts:
            acronyms = sorted((len(a), a) for a in (literal(o)[0] for o in alts if o[0] == '"') if " " not in a and a != a.lower())
            if acronyms:
                self.acronyms[s] = acronyms[0][1]
        country = props.get(self.country_p)
        if country and country[0][0] == "<":
            self.countries[s] = country[0][1:-1]
        level = props.get(self.level_p)
        if level and level[0][0] == "<":
            self.levels[s] = level[0][1:-1]
        if u + "Network" in types or u + "Alliance" in types:
            self.networks.append(s)
        elif u + "University" in types:
            self.universities.append(s)
        if u + "Commitment" in types or u + "Charter" in types:
            self.commitments.append(s)
        if SKOS + "ConceptScheme" in types:
            self.schemes.append(s)
        if u + "Source" in types:
            urls: list[str] = []
            for p in (SCHEMA + "url", FOAF + "page", RDFS + "seeAlso"):
                for o in props.get(p, ()):
                    if o.startswith(("<http://", "<https://")) and o[1:-1] not in urls:
                        urls.append(o[1:-1])
            self.source_urls[s] = tuple(urls)
        member, organization = props.get(ORG + "member"), props.get(ORG + "organization")
        if member and organization:
            self._membership_nodes[s] = (
                _iri(member[0]), _iri(organization[0]), _first_iri(props, ORG + "role"),
                _first_iri(props, ORG + "memberDuring"), _first_iri(props, self.confidence_p),
            )
        if TIME + "hasBeginning" in props or TIME + "hasEnd" in props:
            self._intervals[s] = (_first_iri(props, TIME + "hasBeginning"), _first_iri(props, TIME + "hasEnd"))
        for p in INSTANT_PREDICATES:
            if p in props and props[p][0][0] == '"':
                self._instants[s] = literal(props[p][0])[0]
                break
        about = props.get(SCHEMA + "observationAbout")
        if about:
            value = props.get(SCHEMA + "value")
            approximate = props.get(self.approximate_p)
            as_of = props.get(self.asof_p)
            self.figures[s] = (
                literal(value[0])[0] if value and value[0][0] == '"' else None,
                _first_iri(props, self.measure_p),
                bool(approximate) and literal(approximate[0])[0] in ("true", "1"),
                literal(as_of[0])[0] if as_of and as_of[0][0] == '"' else None,
                _first_iri(props, DCT + "spatial"),
                tuple(o[1:-1] for o in props.get(PROV + "wasDerivedFrom", ()) if o[0] == "<"),
                tuple(o[1:-1] for o in about if o[0] == "<"),
            )
            for o in about:
                if o[0] == "<":
                    self.figures_about[o[1:-1]].append(s)
        signatory, commitment = props.get(self.signatory_p), props.get(self.signed_commitment_p)
        if signatory and commitment:
            date = props.get(DCT + "date") or props.get(PROV + "endedAtTime")
            self.signatures[s] = (_iri(signatory[0]), _iri(commitment[0]), literal(date[0])[0] if date and date[0][0] == '"' else None)
            self.signed[_iri(signatory[0])].append(s)
            self.signatories[_iri(commitment[0])].append(s)
        defined_by = props.get(RDFS + "isDefinedBy")
        if defined_by:
            comment = props.get(RDFS + "comment")
            self.term_info[s] = (types, literal(comment[0])[0] if comment and comment[0][0] == '"' else "")
            for o in defined_by:
                if o[0] == "<":
                    self.terms[o[1:-1]].append(s)

    def _finish_index(self) -> None:
        intervals, instants = self._intervals, self._instants
        for m, (member, organization, role, period, confidence) in self._membership_nodes.items():
            begin, end = intervals.get(period, (None, None)) if period else (None, None)
            row = (m, member, organization, role, instants.get(begin) if begin else None, instants.get(end) if end else None, confidence)
            self.memberships[m] = row
            self.by_member[member].append(row)
            self.by_org[organization].append(row)
        self._membership_nodes, self._intervals, self._instants = {}, {}, {}
        sample_lines = [f"<urn:x:s> <{p}> {o} ." for (p, _), o in self._samples.items()]
        self.compactor = Compactor.from_ntriples("\n".join(sample_lines).encode("utf-8"))
        self._samples = {}
        namespaces = self.compactor.prefixes
        id_ns = namespaces.get("id")
        # "id:" is the longest namespace that matches an IRI under it unless another one lies below it.
        if id_ns and not any(ns != id_ns and ns.startswith(id_ns) for ns in namespaces.values()):
            self._id_namespace = id_ns

    # ------------------------------------------------------------ naming and linking

    def document(self, iri: str) -> str | None:
        """The document path of ``iri`` when the site has a page for it."""
        return self._document_of(iri.partition("#")[0])

    def compact(self, iri: str) -> str:
        """``Compactor.iri``, remembered: ``id:`` IRIs directly, others (vocabulary terms mostly) from a memo."""
        id_ns = self._id_namespace
        if id_ns and iri.startswith(id_ns) and len(iri) > len(id_ns) and not iri.startswith("//", len(id_ns)):
            return "id:" + iri[len(id_ns):]
        short = self._compact_memo.get(iri)
        if short is None:
            assert self.compactor is not None
            short = self.compactor.iri(iri)
            if len(self._compact_memo) < 100_000:
                self._compact_memo[iri] = short
        return short

    def _document_of(self, main: str) -> str | None:
        """The document path of a thing that has a page, remembered (links repeat)."""
        memo = self._document_memo
        doc = memo.get(main, "")
        if doc == "":
            doc = document_path(main)
            if doc is not None and self.pages.get(doc) != main:
                doc = None
            if len(memo) > 200_000:
                memo.clear()
            memo[main] = doc
        return doc

    def name(self, iri: str) -> str:
        """What a person calls ``iri``: its label, or a name made from what the index knows."""
        label = self.labels.get(iri)
        if label is not None:
            return label
        main, _, fragment = iri.partition("#")
        if fragment:
            return f"{self.name(main)}, {fragment}"
        row = self.memberships.get(iri)
        if row is not None:
            return f"{self.name(row[1])} in {self.short(row[2])}"
        figure = self.figures.get(iri)
        if figure is not None:
            about = ", ".join(self.short(a) for a in figure[6])
            measure = self.labels.get(figure[1] or "", "figure")
            return f"{about}: {measure}" + (f", {figure[3]}" if figure[3] else "")
        signature = self.signatures.get(iri)
        if signature is not None:
            return f"{self.name(signature[0])} signed {self.name(signature[1])}"
        return self.compact(iri)

    def short(self, iri: str) -> str:
        """The acronym of an organisation where it has one, else its name."""
        return self.acronyms.get(iri) or self.name(iri)

    def long(self, iri: str) -> str:
        name = self.name(iri)
        acronym = self.acronyms.get(iri)
        return f"{name} ({acronym})" if acronym and acronym != name else name

    def class_label(self, iri: str) -> str:
        return self.labels.get(iri) or CLASS_LABELS.get(iri) or self.compact(iri)

    def property_label(self, iri: str) -> str:
        label = self.property_labels.get(iri)
        if label is None:
            label = self.labels.get(iri)
            label = label[:1].upper() + label[1:] if label else self.compact(iri)
        return label

    def link(self, iri: str, here: str, text: str | None = None) -> str:
        """A link to ``iri`` from the page file ``here``: its page, the external IRI, or plain text."""
        main, _, fragment = iri.partition("#")
        doc = self._document_of(main)
        if doc is not None:
            href = relative_href(here, doc + ".html")
            if fragment:
                href += "#" + quote(fragment, safe="-._~")
            return f'<a href="{href}">{esc(text if text is not None else self.name(iri))}</a>'
        if iri.startswith(("https://", "http://")) and not iri.startswith(self.base):
            shown = text if text is not None else (self.labels.get(iri) or self.compact(iri))
            return f'<a class="ext" href="{esc(iri)}">{esc(shown)}</a>'
        return f"<code>{esc(self.compact(iri))}</code>"

    def value(self, raw: str, here: str, depth: int = 0) -> str:
        """An N-Triples object as HTML."""
        first = raw[0]
        if first == "<":
            return self.link(raw[1:-1], here)
        if first == "_":
            return self.blank(raw, here, depth)
        lexical, language, _ = literal(raw)
        if language and not language.startswith("en"):
            return f'<span lang="{esc(language)}">{esc(lexical)}</span> <span class="muted">({esc(language)})</span>'
        return esc(lexical)

    def blank(self, node: str, here: str, depth: int) -> str:
        """A blank node inline: an RDF list as ( a, b ), anything else as a small table."""
        items = self._list_items(node)
        if items is not None:
            return "( " + ", ".join(self.value(item, here, depth + 1) for item in items) + " )"
        group = self.bnodes.get(node)
        if not group or depth > 3:
            return '<span class="muted">(blank node)</span>'
        rows = "".join(f"<tr><th>{esc(self.property_label(p))}</th><td>{self.value(o, here, depth + 1)}</td></tr>" for p, o in group)
        return f'<table class="facts">{rows}</table>'

    def _list_items(self, node: str) -> list[str] | None:
        items: list[str] = []
        seen: set[str] = set()
        while node != f"<{RDF}nil>":
            group = self.bnodes.get(node)
            if not node.startswith("_:") or node in seen or group is None:
                return None
            seen.add(node)
            firsts = [o for p, o in group if p == RDF + "first"]
            rests = [o for p, o in group if p == RDF + "rest"]
            if len(firsts) != 1 or len(rests) != 1 or len(group) != 2:
                return None
            items.append(firsts[0])
            node = rests[0]
        return items

    def closure(self, nodes: list[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, list[tuple[str, str]]]]:
        """The blank nodes the document's triples reach (lists of the ontology's axioms)."""
        found: list[tuple[str, list[tuple[str, str]]]] = []
        seen: set[str] = set()
        queue = [o for _, group in nodes for _, o in group if o[0] == "_"]
        while queue:
            node = queue.pop(0)
            if node in seen or node not in self.bnodes:
                continue
            seen.add(node)
            group = self.bnodes[node]
            found.append((node, group))
            queue.extend(o for _, o in group if o[0] == "_")
        return found

    # ------------------------------------------------------------ pass 2

    def documents(self, ntriples: bytes) -> Iterator[tuple[str, str, list[tuple[str, list[tuple[str, str]]]]]]:
        """(thing, document path, its subjects' triples) for every page, each as soon as all its lines are read."""
        stack: list[tuple[str, str, list[tuple[str, list[tuple[str, str]]]]]] = []
        pages = self.pages
        for raw, group in _groups(ntriples):
            if raw[0] == "_":
                break  # blank-node subjects sort last; the index holds them
            s = raw[1:-1]
            while stack and not s.startswith(stack[-1][0]):
                yield stack.pop()
            main = s.partition("#")[0]
            doc = document_path(main)
            if doc is None or pages.get(doc) != main:
                continue
            if stack and stack[-1][0] == main:
                stack[-1][2].append((s, group))
            else:
                stack.append((main, doc, [(s, group)]))
        while stack:
            yield stack.pop()

    def render_all(self, ntriples: bytes) -> None:
        """Write every page (the folders first, once)."""
        for folder in sorted({doc.rpartition("/")[0] for doc in self.pages}):
            (self.folder / folder).mkdir(parents=True, exist_ok=True)
        for main, doc, nodes in self.documents(ntriples):
            self.write_document(main, doc, nodes)

    def write_document(self, main: str, doc: str, nodes: list[tuple[str, list[tuple[str, str]]]]) -> None:
        # The thing first, then its fragments in IRI order, then the blank nodes they reach.
        nodes.sort(key=lambda node: (node[0] != main, node[0]))
        nodes = nodes + self.closure(nodes)
        name = doc.rpartition("/")[2]
        document = self.jsonld(nodes)
        target = f"{self.folder}/{doc}"
        with open(target + ".ttl", "w", encoding="utf-8") as out:
            out.write(self.turtle(nodes))
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        with open(target + ".jsonld", "w", encoding="utf-8") as out:
            out.write(text + "\n")
        with open(target + ".html", "w", encoding="utf-8") as out:
            out.write(self.page(main, doc, name, nodes, text))

    # ------------------------------------------------------------ Turtle and JSON-LD of a page

    def turtle(self, nodes: list[tuple[str, list[tuple[str, str]]]]) -> str:
        """The document's triples as Turtle: prefixed names where safe, full IRIs otherwise."""
        assert self.compactor is not None
        prefixes = self.compactor.prefixes
        used: set[str] = set()

        def term(iri: str) -> str:
            short = self.compact(iri)
            if short != iri:
                prefix, _, local = short.partition(":")
                if prefix != "id" and _PN_LOCAL.match(local):
                    used.add(prefix)
                    return short
            return f"<{iri}>"

        def obj(o: str) -> str:
            if o[0] == "<":
                return term(o[1:-1])
            if o[0] == '"' and o[-1] == ">":
                at = o.rindex("^^<")
                return o[: at + 2] + term(o[at + 3:-1])
            return o

        blocks = []
        for s, group in nodes:
            lines: list[str] = []
            previous = None
            for p, o in group:
                if p == previous:
                    lines[-1] += " , " + obj(o)
                else:
                    lines.append(("a" if p == RDF_TYPE else term(p)) + " " + obj(o))
                    previous = p
            subject = s if s[0] == "_" else f"<{s}>"
            blocks.append(subject + "\n    " + " ;\n    ".join(lines) + " .\n")
        header = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in prefixes.items() if prefix in used)
        return header + "\n" + "\n".join(blocks)

    def jsonld(self, nodes: list[tuple[str, list[tuple[str, str]]]]) -> dict[str, object]:
        """Compact JSON-LD of the document, with a @context of only the prefixes and terms it uses."""
        compactor = self.compactor
        assert compactor is not None
        terms, coercion = compactor.terms, compactor.coercion
        used_prefixes: set[str] = set()
        used_terms: set[str] = set()
        compact = self.compact

        def ciri(iri: str) -> str:
            short = compact(iri)
            if short != iri:
                used_prefixes.add(short.partition(":")[0])
            return short

        def node_id(raw: str) -> str:
            return raw if raw[0] == "_" else ciri(raw[1:-1])

        out = []
        for s, group in nodes:
            node: dict[str, object] = {"@id": s if s[0] == "_" else ciri(s)}
            types = [ciri(o[1:-1]) for p, o in group if p == RDF_TYPE and o[0] == "<"]
            if types:
                node["@type"] = types
            for p, o in group:
                if p == RDF_TYPE and o[0] == "<":
                    continue
                term = terms.get(p)
                coerced = None
                if term is not None:
                    used_terms.add(p)
                    key = term
                    coerced = coercion.get(p)
                else:
                    key = ciri(p)
                if o[0] == "<" or o[0] == "_":
                    ref = node_id(o)
                    value: object = ref if coerced == "@id" else {"@id": ref}
                else:
                    lexical, language, datatype = literal(o)
                    if language:
                        value = {"@value": lexical, "@language": language}
                    elif datatype == XSD_STRING:
                        value = {"@value": lexical} if coerced else lexical
                    elif coerced == datatype:
                        value = lexical
                    else:
                        value = {"@value": lexical, "@type": ciri(datatype)}
                node.setdefault(key, []).append(value)  # type: ignore[union-attr]
            for key, values in node.items():
                if key != "@id" and isinstance(values, list) and len(values) == 1:
                    node[key] = values[0]
            out.append(node)
        definitions: dict[str, object] = {}
        for p in sorted(used_terms, key=lambda p: terms[p]):
            definition: dict[str, str] = {"@id": ciri(p)}
            coerced = coercion.get(p)
            if coerced == "@id":
                definition["@type"] = "@id"
            elif coerced:
                definition["@type"] = ciri(coerced)
            definitions[terms[p]] = definition
        context: dict[str, object] = {k: v for k, v in compactor.prefixes.items() if k in used_prefixes}
        context.update(definitions)
        if len(out) == 1:
            return {"@context": context, **out[0]}
        return {"@context": context, "@graph": out}

    # ------------------------------------------------------------ HTML

    def frame(self, here: str, title: str, body: str, head: str = "") -> str:
        """The page around ``body``: head with the inline style, navigation, footer."""
        home = relative_href(here, "index.html")
        dataset = relative_href(here, "dataset.html")
        nav = f'<a href="{home}">uugraph</a><a href="{dataset}">Dataset</a>'
        if "doc/def" in self.pages:
            nav += f'<a href="{relative_href(here, "doc/def.html")}">Ontology</a>'
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)} · uugraph</title>\n{head}<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<header><nav>{nav}</nav></header>\n<main>\n{body}</main>\n"
            f'<footer><p>uugraph {esc(self.version)}: Utrecht University\'s international networks as linked data. '
            f'Data licensed <a class="ext" href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>; '
            f'<a href="{dataset}">about the dataset and downloads</a>.</p></footer>\n</body>\n</html>\n'
        )

    def kind(self, types: list[str]) -> str | None:
        for cls in self.kind_order:
            if cls in types:
                return cls
        return types[0] if types else None

    def page(self, main: str, doc: str, name: str, nodes: list[tuple[str, list[tuple[str, str]]]], jsonld: str) -> str:
        here = doc + ".html"
        own = dict(nodes)
        group = own.get(main, [])
        props: dict[str, list[str]] = {}
        for p, o in group:
            props.setdefault(p, []).append(o)
        types = [o[1:-1] for o in props.get(RDF_TYPE, ()) if o[0] == "<"]
        kind = self.kind(types)
        title = self.long(main) if main in self.labels else self.name(main)
        parts: list[str] = []
        parts.append(f'<p class="kind">{esc(self.class_label(kind)) if kind else "Resource"}</p>\n<h1>{esc(title)}</h1>\n')
        parts.append(
            f'<p class="iri">IRI <code>{esc(main)}</code> · this page as <a href="{_url(name)}.ttl" type="text/turtle">Turtle</a>'
            f' · <a href="{_url(name)}.jsonld" type="application/ld+json">JSON-LD</a></p>\n'
        )
        for p in LEAD_PREDICATES:
            for o in sorted(props.get(p, ()), key=_english_first):
                if o[0] == '"':
                    lexical, language, _ = literal(o)
                    lang = f' lang="{esc(language)}"' if language and language != "en" else ""
                    parts.append(f'<p class="lead"{lang}>{esc(lexical)}</p>\n')
        parts.append(self.summary(main, here))
        sections = self.sections(main, here)
        hidden = set(LEAD_PREDICATES)
        if main in self.by_member:
            hidden.update((ORG + "memberOf", SCHEMA + "memberOf", self.uuo + "hasMembership"))
        if main in self.by_org:
            hidden.update((ORG + "hasMember", SCHEMA + "member"))
        if main in self.signed:
            hidden.update((self.uuo + "hasSignature", self.uuo + "signed", PROV + "wasAssociatedWith"))
        if main in self.signatories:
            hidden.add(self.uuo + "signedBy")
        if main in self.labels:
            # The name is the heading: list names only when there are several.
            for p in LABEL_PREDICATES:
                if len(props.get(p, ())) == 1:
                    hidden.add(p)
        hidden.add(PROV + "wasDerivedFrom")
        parts.append(self.facts(props, here, hidden, "Facts"))
        parts.extend(sections)
        for s, fragment_group in nodes:
            if s == main or s[0] == "_":
                continue
            fragment_props: dict[str, list[str]] = {}
            for p, o in fragment_group:
                fragment_props.setdefault(p, []).append(o)
            fragment_types = [o[1:-1] for o in fragment_props.get(RDF_TYPE, ()) if o[0] == "<"]
            fragment_kind = self.kind(fragment_types)
            fragment = s.partition("#")[2]
            heading = fragment[:1].upper() + fragment[1:]
            kind_label = self.class_label(fragment_kind) if fragment_kind else heading
            kind_text = f' <span class="muted">({esc(kind_label)})</span>' if kind_label != heading else ""
            parts.append(f'<section id="{esc(fragment)}">\n<h2>{esc(heading)}{kind_text}</h2>\n')
            parts.append(f'<p class="iri">IRI <code>{esc(s)}</code></p>\n')
            parts.append(self.facts(fragment_props, here, set(), None))
            parts.append("</section>\n")
        sources: list[str] = []
        for _, node_group in nodes:
            for p, o in node_group:
                if p == PROV + "wasDerivedFrom" and o[0] == "<" and o[1:-1] not in sources:
                    sources.append(o[1:-1])
        if sources:
            parts.append(self.sources(sources, here))
        parts.append(self.referenced_by(main, here))
        script = f'<script type="application/ld+json">{_json_script(jsonld)}</script>\n'
        alternates = (
            f'<link rel="alternate" type="text/turtle" href="{_url(name)}.ttl">\n'
            f'<link rel="alternate" type="application/ld+json" href="{_url(name)}.jsonld">\n'
        )
        return self.frame(here, title, "".join(parts), alternates + script)

    def facts(self, props: dict[str, list[str]], here: str, hidden: set[str], heading: str | None) -> str:
        """The property → value table of one node."""
        order = self.fact_order
        keys = [p for p in order if p in props and p not in hidden]
        rest = sorted((p for p in props if p not in hidden and p not in order), key=lambda p: (self.property_label(p).casefold(), p))
        rows: list[str] = []
        for p in keys + rest:
            values = props[p]
            derived_from = self.derived_from.get(p)
            if derived_from:
                asserted = {o for q in derived_from for o in props.get(q, ())}
                values = [o for o in values if o not in asserted]
            if not values:
                continue
            if p == RDF_TYPE:
                kind = self.kind([x[1:-1] for x in values])
                values = sorted(values, key=lambda o: (o[1:-1] != kind, o))
            elif len(values) > 1 and values[0][0] == "<":
                values = sorted(values, key=lambda o: (self.name(o[1:-1]).casefold(), o))
            cells = [self.value(o, here) for o in values]
            cell = cells[0] if len(cells) == 1 else "<ul>" + "".join(f"<li>{c}</li>" for c in cells) + "</ul>"
            label = self.property_label(p)
            rows.append(f'<tr><th><span title="{esc(p)}">{esc(label)}</span></th><td>{cell}</td></tr>\n')
        if not rows:
            return ""
        head = f"<h2>{esc(heading)}</h2>\n" if heading else ""
        return f'{head}<table class="facts">\n{"".join(rows)}</table>\n'

    def summary(self, main: str, here: str) -> str:
        """One sentence for a membership, a figure or a signature page."""
        row = self.memberships.get(main)
        if row is not None:
            _, member, organization, role, start, end, _ = row
            role_text = esc(self.name(role)) if role else "member"
            return (
                f'<p class="lead">{self.link(member, here)} is a {role_text} of {self.link(organization, here, self.long(organization))}: '
                f"{_period(start, end)}.</p>\n"
            )
        figure = self.figures.get(main)
        if figure is not None:
            value, measure, approximate, as_of, spatial, _, about = figure
            text = ("about " if approximate else "") + esc(value or "?")
            measure_text = self.link(measure, here) if measure else "figure"
            about_text = ", ".join(self.link(a, here) for a in about)
            scope = f" in {self.link(spatial, here)}" if spatial else ""
            date = f", as of <time>{esc(as_of)}</time>" if as_of else ""
            return f'<p class="lead">{about_text}: <strong>{text}</strong> {measure_text}{scope}{date}.</p>\n'
        signature = self.signatures.get(main)
        if signature is not None:
            signatory, commitment, date = signature
            when = f" on <time>{esc(date)}</time>" if date else " (the date is not recorded)"
            return f'<p class="lead">{self.link(signatory, here)} signed {self.link(commitment, here)}{when}.</p>\n'
        return ""

    def sections(self, main: str, here: str) -> list[str]:
        """The tables of memberships, members, figures, signatures and ontology terms about ``main``."""
        out: list[str] = []
        link = self.link
        rows = self.by_member.get(main)
        if rows:
            body = []
            for m, _, organization, role, start, end, confidence in sorted(rows, key=lambda r: (self.long(r[2]).casefold(), r[0])):
                body.append(
                    f"<tr><td>{link(organization, here, self.long(organization))}</td><td>{link(role, here) if role else ''}</td>"
                    f"<td>{_period(start, end)}</td><td>{link(confidence, here) if confidence else '—'}</td>"
                    f"<td>{link(m, here, 'membership')}</td></tr>\n"
                )
            out.append(
                f'<section id="memberships">\n<h2>Member of ({len(rows)})</h2>\n<table class="memberships">\n'
                "<thead><tr><th>Network</th><th>Role</th><th>Period</th><th>Confidence</th><th>Details</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        rows = self.by_org.get(main)
        if rows:
            body = []
            for m, member, _, role, start, end, confidence in sorted(rows, key=lambda r: (self.name(r[1]).casefold(), r[0])):
                country = self.countries.get(member)
                body.append(
                    f"<tr><td>{link(member, here)}</td><td>{link(country, here) if country else ''}</td>"
                    f"<td>{link(role, here) if role else ''}</td><td>{_period(start, end)}</td>"
                    f"<td>{link(confidence, here) if confidence else '—'}</td><td>{link(m, here, 'membership')}</td></tr>\n"
                )
            out.append(
                f'<section id="members">\n<h2>Members ({len(rows)})</h2>\n<table class="members">\n'
                "<thead><tr><th>Member</th><th>Country</th><th>Role</th><th>Period</th><th>Confidence</th><th>Details</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        figures = self.figures_about.get(main)
        if figures:
            body = []
            for f in sorted(figures, key=lambda f: (self.name(self.figures[f][1] or "").casefold(), self.figures[f][3] or "", f)):
                value, measure, approximate, as_of, spatial, sources, _ = self.figures[f]
                value_text = esc(value or "") + (' <span class="muted">(approximate)</span>' if approximate else "")
                body.append(
                    f"<tr><td>{link(measure, here) if measure else ''}</td><td>{value_text}</td>"
                    f"<td>{link(spatial, here) if spatial else ''}</td><td>{esc(as_of or '')}</td>"
                    f"<td>{', '.join(link(s, here) for s in sources)}</td><td>{link(f, here, 'figure')}</td></tr>\n"
                )
            out.append(
                f'<section id="figures">\n<h2>Figures ({len(figures)})</h2>\n<table class="figures">\n'
                "<thead><tr><th>Measure</th><th>Value</th><th>Scope</th><th>As of</th><th>Source</th><th>Details</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        signatures = self.signed.get(main)
        if signatures:
            body = []
            for sig in sorted(signatures, key=lambda s: (self.name(self.signatures[s][1]).casefold(), s)):
                _, commitment, date = self.signatures[sig]
                body.append(
                    f"<tr><td>{link(commitment, here)}</td><td>{esc(date) if date else '<span class=muted>not recorded</span>'}</td>"
                    f"<td>{link(sig, here, 'signature')}</td></tr>\n"
                )
            out.append(
                f'<section id="signed">\n<h2>Signed ({len(signatures)})</h2>\n<table class="signed">\n'
                "<thead><tr><th>Commitment</th><th>Date</th><th>Details</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        signatures = self.signatories.get(main)
        if signatures:
            body = []
            for sig in sorted(signatures, key=lambda s: (self.name(self.signatures[s][0]).casefold(), s)):
                signatory, _, date = self.signatures[sig]
                country = self.countries.get(signatory)
                body.append(
                    f"<tr><td>{link(signatory, here)}</td><td>{link(country, here) if country else ''}</td>"
                    f"<td>{esc(date) if date else '<span class=muted>not recorded</span>'}</td><td>{link(sig, here, 'signature')}</td></tr>\n"
                )
            out.append(
                f'<section id="signatories">\n<h2>Signatories ({len(signatures)})</h2>\n<table class="signatories">\n'
                "<thead><tr><th>Signatory</th><th>Country</th><th>Date</th><th>Details</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        terms = self.terms.get(main)
        if terms:
            body = []
            for term in sorted(terms, key=lambda t: (self.kind(list(self.term_info[t][0])) or "", self.name(t).casefold(), t)):
                types, comment = self.term_info[term]
                kind = self.kind(list(types))
                body.append(
                    f"<tr><td>{link(term, here)}</td><td>{esc(self.class_label(kind)) if kind else ''}</td>"
                    f"<td><code>{esc(self.compact(term))}</code></td><td>{esc(comment)}</td></tr>\n"
                )
            out.append(
                f'<section id="terms">\n<h2>Terms ({len(terms)})</h2>\n<table class="terms">\n'
                "<thead><tr><th>Term</th><th>Kind</th><th>Name</th><th>Comment</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        return out

    def sources(self, sources: list[str], here: str) -> str:
        items = []
        for source in sorted(sources, key=lambda s: (self.name(s).casefold(), s)):
            urls = self.source_urls.get(source, ())
            external = ", ".join(f'<a class="ext" href="{esc(url)}">{esc(_host(url))}</a>' for url in urls)
            items.append(f"<li>{self.link(source, here)}{' — ' + external if external else ''}</li>\n")
        return f'<section id="sources">\n<h2>Sources</h2>\n<ul>\n{"".join(items)}</ul>\n</section>\n'

    def referenced_by(self, main: str, here: str) -> str:
        links = self.incoming.get(main)
        if not links:
            return ""
        unique = set(links)
        rows = []
        for referrer, p in sorted(unique, key=lambda rp: (self.property_label(rp[1]).casefold(), self.name(rp[0]).casefold(), rp)):
            if any((referrer, q) in unique for q in self.derived_from.get(p, ())):
                continue  # a derived link beside the asserted one it comes from
            rows.append(f"<tr><td>{self.link(referrer, here)}</td><td>{esc(self.property_label(p))}</td></tr>\n")
        total = self.incoming_count.get(main, 0)
        more = f'<p class="muted">The first {len(links)} of {total:,} links are shown.</p>\n' if total > len(links) else ""
        return (
            f'<section id="referenced-by">\n<h2>Referenced by</h2>\n<table class="incoming">\n'
            f"<thead><tr><th>Resource</th><th>As</th></tr></thead>\n<tbody>\n{''.join(rows)}</tbody></table>\n{more}</section>\n"
        )

    # ------------------------------------------------------------ index, dataset, .htaccess

    def write_index(self) -> None:
        here = "index.html"
        link = self.link
        networks = sorted(self.networks, key=lambda n: (self.name(n).casefold(), n))
        rows = []
        for n in networks:
            level = self.levels.get(n)
            country = self.countries.get(n)
            rows.append(
                f"<tr><td>{link(n, here)}</td><td>{esc(self.acronyms.get(n, ''))}</td><td>{link(level, here) if level else ''}</td>"
                f"<td>{link(country, here) if country else ''}</td><td>{len(self.by_org.get(n, ()))}</td></tr>\n"
            )
        universities = sorted(self.universities, key=lambda u: (self.name(u).casefold(), u))
        urows = []
        for u in universities:
            country = self.countries.get(u)
            urows.append(
                f"<tr><td>{link(u, here)}</td><td>{link(country, here) if country else ''}</td><td>{len(self.by_member.get(u, ()))}</td></tr>\n"
            )
        more = []
        for heading, items in (("Commitments", self.commitments), ("Concept schemes", self.schemes)):
            if items:
                listed = "".join(f"<li>{link(i, here)}</li>\n" for i in sorted(items, key=lambda i: (self.name(i).casefold(), i)))
                more.append(f"<h2>{heading}</h2>\n<ul>\n{listed}</ul>\n")
        ontology = f'<li>{link(self.ontology, here, "The uugraph ontology")}</li>\n' if self.document(self.ontology) else ""
        if (self.folder / "ontology.html").exists():
            ontology += '<li><a href="ontology.html">The ontology\'s documentation (pyLODE)</a></li>\n'
        picture = (
            '<figure class="picture"><img src="network.svg" alt="Utrecht University, its networks, alliances, commitments and partners" '
            'style="max-width:100%;height:auto"><figcaption>Utrecht University, its networks and alliances, the commitments it signed '
            "and its alliances' partners.</figcaption></figure>\n"
            if (self.folder / "network.svg").exists()
            else ""
        )
        body = (
            '<p class="kind">Linked data</p>\n<h1>Utrecht University\'s international networks</h1>\n'
            '<p class="lead">The networks, alliances and commitments of Utrecht University as linked data: dated memberships, '
            "signatures, partner universities and countries, and figures, each with its source. Every resource has a page "
            "here, with its Turtle and JSON-LD beside it.</p>\n"
            f'<ul>\n{ontology}<li><a href="dataset.html">The dataset: description and downloads</a></li>\n</ul>\n'
            f"{picture}"
            f'<section id="networks">\n<h2>Networks ({len(networks)})</h2>\n<table class="networks">\n'
            "<thead><tr><th>Network</th><th>Acronym</th><th>Level</th><th>Country</th><th>Members</th></tr></thead>\n"
            f"<tbody>\n{''.join(rows)}</tbody></table>\n</section>\n"
            f'<section id="universities">\n<h2>Universities ({len(universities)})</h2>\n<table class="universities">\n'
            "<thead><tr><th>University</th><th>Country</th><th>Memberships</th></tr></thead>\n"
            f"<tbody>\n{''.join(urows)}</tbody></table>\n</section>\n" + "".join(more)
        )
        (self.folder / "index.html").write_text(self.frame(here, "Utrecht University's international networks", body), encoding="utf-8")

    def write_dataset(self, void: Path | None) -> None:
        here = "dataset.html"
        triples = [] if void is None else list(ox.parse(path=str(void), format=ox.RdfFormat.TURTLE))
        by_subject: dict[str, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            by_subject[str(t.subject)[1:-1] if isinstance(t.subject, ox.NamedNode) else str(t.subject)][t.predicate.value].append(t.object)
        datasets = sorted(s for s, props in by_subject.items() if any(o.value == VOID + "Dataset" for o in props.get(RDF_TYPE, ())))
        parts = ['<p class="kind">Dataset</p>\n']
        if not datasets:
            parts.append("<h1>uugraph</h1>\n<p>No dataset description (void.ttl) was found.</p>\n")
        for dataset in datasets:
            props = by_subject[dataset]

            def text(p: str, props: dict[str, list[ox.Term]] = props) -> str:
                values = [o.value for o in props.get(p, ()) if isinstance(o, ox.Literal)]
                return values[0] if values else ""

            parts.append(f"<h1>{esc(text(DCT + 'title') or 'uugraph')}</h1>\n")
            parts.append(f'<p class="iri">IRI <code>{esc(dataset)}</code></p>\n')
            if text(DCT + "description"):
                parts.append(f'<p class="lead">{esc(text(DCT + "description"))}</p>\n')
            rows = []
            for p, label in (
                (DCT + "license", "Licence"), (DCAT + "version", "Version"), (DCT + "publisher", "Publisher"), (DCT + "source", "Source"),
                (VOID + "triples", "Triples"), (VOID + "entities", "Entities"), (VOID + "distinctSubjects", "Distinct subjects"),
                (VOID + "properties", "Properties"), (VOID + "classes", "Classes"), (VOID + "uriSpace", "IRI space"),
                (VOID + "vocabulary", "Vocabularies"),
            ):
                values = props.get(p, [])
                if not values:
                    continue
                cells = []
                for o in sorted(values, key=str):
                    if isinstance(o, ox.NamedNode):
                        cells.append(self.link(o.value, here))
                    elif o.datatype.value == XSD + "integer":
                        cells.append(f"{int(o.value):,}")
                    else:
                        cells.append(esc(o.value))
                rows.append(f"<tr><th>{label}</th><td>{', '.join(cells)}</td></tr>\n")
            parts.append(f'<table class="facts">\n{"".join(rows)}</table>\n')
            downloads = []
            for distribution in sorted(o.value for o in props.get(DCAT + "distribution", ()) if isinstance(o, ox.NamedNode)):
                d = by_subject.get(distribution, {})
                url = next((o.value for o in d.get(DCAT + "downloadURL", ())), "")
                file_name = url.rpartition("/")[2]
                media = next((o.value for o in d.get(DCAT + "mediaType", ())), "").rpartition("/media-types/")[2]
                size = next((o.value for o in d.get(DCAT + "byteSize", ())), "")
                title = next((o.value for o in d.get(DCT + "title", ())), file_name)
                href = relative_href(here, file_name) if (self.folder / file_name).exists() else ""
                shown = f'<a href="{href}" type="{esc(media)}">{esc(file_name)}</a>' if href else f"<code>{esc(url)}</code>"
                downloads.append(
                    f"<tr><td>{shown}</td><td>{esc(title)}</td><td><code>{esc(media)}</code></td>"
                    f"<td>{f'{int(size):,} bytes' if size.isdigit() else ''}</td></tr>\n"
                )
            for file_name, title, media in (("context.jsonld", "the JSON-LD @context alone", "application/ld+json"), ("void.ttl", "this description (VoID, DCAT)", "text/turtle")):
                if (self.folder / file_name).exists():
                    downloads.append(f'<tr><td><a href="{file_name}" type="{media}">{file_name}</a></td><td>{title}</td><td><code>{media}</code></td><td></td></tr>\n')
            parts.append(
                '<section id="downloads">\n<h2>Downloads</h2>\n<table class="downloads">\n'
                "<thead><tr><th>File</th><th>Title</th><th>Media type</th><th>Size</th></tr></thead>\n"
                f"<tbody>\n{''.join(downloads)}</tbody></table>\n</section>\n"
            )
            partitions = []
            for partition in (o.value for o in props.get(VOID + "classPartition", ()) if isinstance(o, ox.NamedNode)):
                d = by_subject.get(partition, {})
                cls = next((o.value for o in d.get(VOID + "class", ())), None)
                count = next((o.value for o in d.get(VOID + "entities", ())), "0")
                if cls:
                    partitions.append((self.class_label(cls).casefold(), cls, int(count)))
            rows = [
                f"<tr><td>{self.link(cls, here, self.class_label(cls))}</td><td><code>{esc(self.compact(cls))}</code></td><td>{count:,}</td></tr>\n"
                for _, cls, count in sorted(partitions)
            ]
            parts.append(
                f'<section id="classes">\n<h2>Classes ({len(rows)})</h2>\n<table class="classes">\n'
                "<thead><tr><th>Class</th><th>Name</th><th>Entities</th></tr></thead>\n"
                f"<tbody>\n{''.join(rows)}</tbody></table>\n</section>\n"
            )
        (self.folder / "dataset.html").write_text(self.frame(here, "The dataset", "".join(parts)), encoding="utf-8")


def _iri(raw: str) -> str:
    return raw[1:-1] if raw[0] == "<" else raw


def _first_iri(props: dict[str, list[str]], p: str) -> str | None:
    values = props.get(p)
    if values and values[0][0] in "<_":
        return _iri(values[0])
    return None


def _english_first(raw: str) -> tuple[int, str]:
    language = literal(raw)[1] if raw[0] == '"' else None
    return (0 if language in (None, "en") or (language or "").startswith("en-") else 1, raw)


def _best_label(props: dict[str, list[str]]) -> str | None:
    """The label of a resource: the first label property it has, English first, then no language, then any."""
    for p in LABEL_PREDICATES:
        values = props.get(p)
        if not values:
            continue
        best = None
        for raw in values:
            if raw[0] != '"':
                continue
            lexical, language, _ = literal(raw)
            rank = 0 if language == "en" or (language or "").startswith("en-") else 1 if language is None else 2
            if best is None or (rank, lexical) < best:
                best = (rank, lexical)
        if best is not None:
            return best[1]
    return None


def _host(url: str) -> str:
    rest = url.partition("://")[2]
    host, _, path = rest.partition("/")
    return host + ("/…" if path else "")


def htaccess() -> str:
    """Apache rules for the persistent IRIs: 303 from a thing to its document, in the format asked for."""
    base = base_iri()
    path = "/" + base.partition("://")[2].partition("/")[2]
    return f"""# uugraph: rewrite rules for the persistent IRIs under {base}
# (the base IRI of src/uugraph/config.py, or UUGRAPH_BASE_IRI when the site was built).
# This folder is served as {base}; a thing IRI answers 303 See Other with the
# document that describes it: Turtle or JSON-LD when the Accept header asks for
# them, HTML otherwise. The rule is uugraph.iris.document_path:
#   {base}id/org/leru  ->  {base}doc/org/leru.html (.ttl, .jsonld)
#   {base}def/University  ->  {base}doc/def/University.html
#   {base}def/  ->  {base}doc/def.html

AddDefaultCharset utf-8
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType application/n-triples .nt
AddCharset utf-8 .ttl .jsonld .nt .html
DirectoryIndex index.html
Options -MultiViews

<IfModule mod_headers.c>
  <FilesMatch "\\.(html|ttl|jsonld)$">
    Header append Vary Accept
  </FilesMatch>
</IfModule>

RewriteEngine on
RewriteBase {path}

# /id/... (things): 303 to /doc/...
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^id/(.+)$ doc/$1.ttl [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^id/(.+)$ doc/$1.jsonld [R=303,L]
RewriteRule ^id/(.+)$ doc/$1.html [R=303,L]

# /def/ (the ontology) and /def/... (its terms): 303 to /doc/def and /doc/def/...
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^def/?$ doc/def.ttl [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^def/?$ doc/def.jsonld [R=303,L]
RewriteRule ^def/?$ doc/def.html [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^def/(.+)$ doc/def/$1.ttl [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^def/(.+)$ doc/def/$1.jsonld [R=303,L]
RewriteRule ^def/(.+)$ doc/def/$1.html [R=303,L]

# A document without an extension (/doc/org/leru) is served in the format asked for.
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteCond %{{REQUEST_FILENAME}}.ttl -f
RewriteRule ^(doc/.+)$ $1.ttl [L]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteCond %{{REQUEST_FILENAME}}.jsonld -f
RewriteRule ^(doc/.+)$ $1.jsonld [L]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.html -f
RewriteRule ^(doc/.+)$ $1.html [L]
"""


def _link_dumps(source: Path, folder: Path) -> None:
    """Hard-link the dumps into the site (a copy where links are not possible)."""
    for name in DUMPS:
        src, dst = source / name, folder / name
        if not src.exists():
            continue
        if dst.exists() or dst.is_symlink():
            dst.unlink()
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)


def write_site(ntriples: bytes, folder: Path, progress: Progress | None = None) -> None:
    """Write the static site for the sorted canonical N-Triples ``ntriples`` into ``folder``.

    The dumps (graph.ttl, graph.nt, graph.jsonld, context.jsonld, void.ttl) are
    taken from ``folder``'s parent, where ``build`` wrote them, and hard-linked
    into the site so its root is self-contained.
    """
    progress = progress or Progress.quiet()
    with progress.step("write site"):
        folder.mkdir(parents=True, exist_ok=True)
        site = _Site(folder)
        site.index(ntriples)
        site.render_all(ntriples)
        _link_dumps(folder.parent, folder)
        site.write_index()
        void = folder / "void.ttl"
        site.write_dataset(void if void.exists() else None)
        (folder / ".htaccess").write_text(htaccess(), encoding="utf-8")
