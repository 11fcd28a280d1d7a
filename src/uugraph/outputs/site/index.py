"""Pass 1 of the site: the sorted N-Triples read into what a page needs to know about *other* resources.

A page names and links the resources it mentions, lists the memberships,
figures and signatures about its thing, and who points to it; none of that is
in the page's own triples. :class:`SiteIndex` reads the whole graph once,
subject by subject (:func:`groups`), and keeps only that: labels, acronyms,
countries, memberships with roles and periods (both directions), figures,
signatures, source URLs, ontology terms, the blank nodes, and a capped sample
of incoming links per resource. It then answers the naming questions every
page asks (:meth:`SiteIndex.name`, :meth:`SiteIndex.compact`, …), with the
labels of :mod:`uugraph.rdf.labels`.

:func:`documents` is pass 2's reading: the triples of each page's document,
each as soon as all of its lines have been read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from uugraph.config import base_iri
from uugraph.iris import document_path
from uugraph.rdf import labels
from uugraph.rdf.compact import Compactor
from uugraph.rdf.namespaces import DCTERMS as DCT
from uugraph.rdf.namespaces import FOAF, ORG, PROV, RDF, RDF_TYPE, RDFS, SCHEMA, SKOS, TIME, XSD_STRING, uuo

# How many incoming links a page lists ("referenced by"); the rest are counted.
INCOMING_SHOWN = 50

CHUNK = 1 << 22  # bytes of N-Triples decoded at a time

INSTANT_PREDICATES = (TIME + "inXSDDateTimeStamp", TIME + "inXSDDateTime", TIME + "inXSDDate", TIME + "inXSDgYearMonth", TIME + "inXSDgYear")

# A node's triples as the index holds them: (subject, [(predicate, object)]), objects in N-Triples form.
Group = list[tuple[str, str]]
Nodes = list[tuple[str, Group]]

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


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
    rest = raw[end + 1 :]
    if not rest:
        return lexical, None, XSD_STRING
    if rest[0] == "@":
        return lexical, rest[1:], RDF + "langString"
    return lexical, None, rest[3:-1]


def _label_value(raw: str) -> tuple[str, str | None] | None:
    """(lexical form, language) of an N-Triples object for the label chooser; None for a node."""
    if raw[0] != '"':
        return None
    lexical, language, _ = literal(raw)
    return lexical, language


def groups(ntriples: bytes) -> Iterator[tuple[str, Group]]:
    """(subject, [(predicate, object)]) per subject of sorted canonical N-Triples.

    Subjects and objects stay in their N-Triples form (``<iri>``, ``_:b``,
    ``"lit"@en``), predicates come without their angle brackets. Decodes a few
    megabytes at a time, so memory stays flat.
    """
    size = len(ntriples)
    pos = 0
    current: str | None = None
    group: Group = []
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


def as_node(raw: str) -> str:
    """An N-Triples subject or object naming a node: the IRI without brackets, a blank node as ``_:label``."""
    return raw[1:-1] if raw[0] == "<" else raw


def first_node(props: dict[str, list[str]], p: str) -> str | None:
    """The first value of ``p`` when it is a node (see :func:`as_node`), else None."""
    values = props.get(p)
    if values and values[0][0] in "<_":
        return as_node(values[0])
    return None


def safe_document(doc: str) -> bool:
    """Whether a document path can be a file under the site folder."""
    for segment in doc.split("/"):
        if segment in ("", ".", "..") or len(segment.encode("utf-8")) > 240 or "\\" in segment or "\x00" in segment:
            return False
    return True


def documents(ntriples: bytes, pages: dict[str, str]) -> Iterator[tuple[str, str, Nodes]]:
    """(thing, document path, its subjects' triples) for every page, each as soon as all its lines are read.

    All of a document's lines start with ``<IRI`` (fragments ``<IRI#…`` sort
    before ``<IRI>``), so a document is complete at the first line outside that
    prefix; only the documents whose IRIs are prefixes of the current one are
    held in memory.
    """
    stack: list[tuple[str, str, Nodes]] = []
    for raw, group in groups(ntriples):
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


class SiteIndex:
    """What the pages need about the whole graph, read in one pass (:meth:`read`), and the names made from it."""

    def __init__(self) -> None:
        self.base = base_iri()
        u = self.uuo = uuo()
        self.ontology = u
        self.country_p, self.level_p, self.confidence_p = u + "country", u + "level", u + "confidence"
        self.measure_p, self.asof_p, self.approximate_p = u + "measure", u + "asOf", u + "approximate"
        self.signatory_p, self.signed_commitment_p = u + "signatory", u + "signedCommitment"
        # Incoming links these predicates make are shown by the membership, figure and signature tables.
        self.not_incoming = {
            ORG + "member",
            ORG + "organization",
            ORG + "memberOf",
            ORG + "hasMember",
            SCHEMA + "member",
            SCHEMA + "memberOf",
            u + "hasMembership",
            u + "membership",
            SCHEMA + "observationAbout",
            u + "signatory",
            u + "signedCommitment",
            u + "hasSignature",
            u + "signed",
            u + "signedBy",
            PROV + "wasAssociatedWith",
            RDFS + "isDefinedBy",
        }
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
        # Memberships over time: how each ended, its suspension period, the date a list names it, revisions.
        self.ended_how: dict[str, str] = {}
        self.suspensions: dict[str, tuple[str | None, str | None]] = {}
        self._suspension_nodes: dict[str, str] = {}
        self.membership_as_of: dict[str, str] = {}
        self.revision_of: dict[str, list[str]] = defaultdict(list)  # thing -> the things it revises (prov:wasRevisionOf)
        self.founded: dict[str, str] = {}
        self.lower_bounds: set[str] = set()  # figures given as "more than"
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
        self.bnodes: dict[str, Group] = {}
        self._kinds: set[tuple[str, str]] = set()  # (predicate, kind of value): what the compactor chooses by
        self.compactor: Compactor | None = None
        self._id_namespace: str | None = None
        self._compact_memo: dict[str, str] = {}
        self._document_memo: dict[str, str | None] = {}
        self._property_labels: dict[str, str] = {}
        self._class_labels: dict[str, str] = {}

    @classmethod
    def from_ntriples(cls, ntriples: bytes) -> SiteIndex:
        """The index of sorted canonical N-Triples (the published ``graph.nt``)."""
        index = cls()
        index.read(ntriples)
        return index

    # ------------------------------------------------------------ reading

    def read(self, ntriples: bytes, compactor: Compactor | None = None) -> None:
        """Index every subject of ``ntriples``, then join what needs the whole graph (periods, the compactor).

        ``compactor`` is given when ``ntriples`` is only part of the graph (a
        page's neighbourhood, :mod:`~uugraph.outputs.site.on_demand`): the
        terms and coercions of the JSON-LD are the whole graph's, so the page
        embeds the JSON-LD the static site does.
        """
        for subject, group in groups(ntriples):
            self._add(as_node(subject), group)
        self._finish(compactor)

    def _add(self, s: str, group: Group) -> None:
        props: dict[str, list[str]] = {}
        kinds = self._kinds
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
                kind = o[o.rindex("^^<") + 3 : -1]
                if kind == XSD_STRING:
                    kind = "@string"
            else:
                kind = "@lang"
            kinds.add((p, kind))
        if s.startswith("_:"):
            self.bnodes[s] = group
            return
        doc = document_path(s)
        if doc is not None and safe_document(doc):
            self.pages.setdefault(doc, main)
        label = labels.choose_label(props, _label_value)
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
        for o in props.get(PROV + "wasRevisionOf", ()):
            if o[0] == "<":
                self.revision_of[s].append(o[1:-1])
        founded = props.get(SCHEMA + "foundingDate")
        if founded and founded[0][0] == '"':
            self.founded[s] = literal(founded[0])[0]
        member, organization = props.get(ORG + "member"), props.get(ORG + "organization")
        if member and organization:
            how = first_node(props, u + "howEnded")
            if how:
                self.ended_how[s] = how
            suspension = first_node(props, u + "suspendedDuring")
            if suspension:
                self._suspension_nodes[s] = suspension
            listed = props.get(self.asof_p)
            if listed and listed[0][0] == '"':
                self.membership_as_of[s] = literal(listed[0])[0]
            self._membership_nodes[s] = (
                as_node(member[0]),
                as_node(organization[0]),
                first_node(props, ORG + "role"),
                first_node(props, ORG + "memberDuring"),
                first_node(props, self.confidence_p),
            )
        if TIME + "hasBeginning" in props or TIME + "hasEnd" in props:
            self._intervals[s] = (first_node(props, TIME + "hasBeginning"), first_node(props, TIME + "hasEnd"))
        for p in INSTANT_PREDICATES:
            if p in props and props[p][0][0] == '"':
                self._instants[s] = literal(props[p][0])[0]
                break
        about = props.get(SCHEMA + "observationAbout")
        if about:
            value = props.get(SCHEMA + "value")
            approximate = props.get(self.approximate_p)
            lower = props.get(u + "lowerBound")
            if lower and literal(lower[0])[0] in ("true", "1"):
                self.lower_bounds.add(s)
            as_of = props.get(self.asof_p)
            self.figures[s] = (
                literal(value[0])[0] if value and value[0][0] == '"' else None,
                first_node(props, self.measure_p),
                approximate is not None and bool(approximate) and literal(approximate[0])[0] in ("true", "1"),
                literal(as_of[0])[0] if as_of and as_of[0][0] == '"' else None,
                first_node(props, DCT + "spatial"),
                tuple(o[1:-1] for o in props.get(PROV + "wasDerivedFrom", ()) if o[0] == "<"),
                tuple(o[1:-1] for o in about if o[0] == "<"),
            )
            for o in about:
                if o[0] == "<":
                    self.figures_about[o[1:-1]].append(s)
        signatory, commitment = props.get(self.signatory_p), props.get(self.signed_commitment_p)
        if signatory and commitment:
            date = props.get(DCT + "date") or props.get(PROV + "endedAtTime")
            self.signatures[s] = (as_node(signatory[0]), as_node(commitment[0]), literal(date[0])[0] if date and date[0][0] == '"' else None)
            self.signed[as_node(signatory[0])].append(s)
            self.signatories[as_node(commitment[0])].append(s)
        defined_by = props.get(RDFS + "isDefinedBy")
        if defined_by:
            comment = props.get(RDFS + "comment")
            self.term_info[s] = (types, literal(comment[0])[0] if comment and comment[0][0] == '"' else "")
            for o in defined_by:
                if o[0] == "<":
                    self.terms[o[1:-1]].append(s)

    def _finish(self, compactor: Compactor | None) -> None:
        intervals, instants = self._intervals, self._instants
        for m, (member, organization, role, period, confidence) in self._membership_nodes.items():
            begin, end = intervals.get(period, (None, None)) if period else (None, None)
            row = (m, member, organization, role, instants.get(begin) if begin else None, instants.get(end) if end else None, confidence)
            self.memberships[m] = row
            self.by_member[member].append(row)
            self.by_org[organization].append(row)
        for m, node in self._suspension_nodes.items():
            begin, end = intervals.get(node, (None, None))
            self.suspensions[m] = (instants.get(begin) if begin else None, instants.get(end) if end else None)
        self._membership_nodes, self._intervals, self._instants, self._suspension_nodes = {}, {}, {}, {}
        self.compactor = compactor if compactor is not None else Compactor.from_kinds(self._kinds)
        self._kinds = set()
        namespaces = self.compactor.prefixes
        id_ns = namespaces.get("id")
        # "id:" is the longest namespace that matches an IRI under it unless another one lies below it.
        if id_ns and not any(ns != id_ns and ns.startswith(id_ns) for ns in namespaces.values()):
            self._id_namespace = id_ns

    # ------------------------------------------------------------ naming

    def document(self, iri: str) -> str | None:
        """The document path of ``iri`` when the site has a page for it."""
        return self.document_of(iri.partition("#")[0])

    def document_of(self, main: str) -> str | None:
        """The document path of a thing (an IRI without fragment) that has a page, remembered (links repeat)."""
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

    def compact(self, iri: str) -> str:
        """The short IRI (:func:`uugraph.rdf.labels.short_iri`), remembered: ``id:`` IRIs directly, others from a memo."""
        id_ns = self._id_namespace
        if id_ns and iri.startswith(id_ns) and len(iri) > len(id_ns) and not iri.startswith("//", len(id_ns)):
            return "id:" + iri[len(id_ns) :]
        short = self._compact_memo.get(iri)
        if short is None:
            short = labels.short_iri(iri, self.compactor)
            if len(self._compact_memo) < 100_000:
                self._compact_memo[iri] = short
        return short

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
        """The name with the acronym in brackets, where there is one."""
        name = self.name(iri)
        acronym = self.acronyms.get(iri)
        return f"{name} ({acronym})" if acronym and acronym != name else name

    def class_label(self, iri: str) -> str:
        """:func:`uugraph.rdf.labels.class_label` with the graph's label, remembered (classes are few)."""
        label = self._class_labels.get(iri)
        if label is None:
            label = self._class_labels[iri] = labels.class_label(iri, self.labels.get(iri), compactor=self.compactor)
        return label

    def property_label(self, iri: str) -> str:
        """:func:`uugraph.rdf.labels.property_label` as a heading, with the graph's label, remembered."""
        label = self._property_labels.get(iri)
        if label is None:
            label = self._property_labels[iri] = labels.property_label(iri, self.labels.get(iri), heading=True, compactor=self.compactor)
        return label

    # ------------------------------------------------------------ blank nodes

    def list_items(self, node: str) -> list[str] | None:
        """The members of the RDF list that starts at blank node ``node``, or None when it is not a well-formed list."""
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

    def closure(self, nodes: Nodes) -> Nodes:
        """The blank nodes the document's triples reach (lists of the ontology's axioms)."""
        found: Nodes = []
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
