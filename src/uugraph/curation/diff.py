"""Compare two builds: the triples added and removed, as a changelog and as N-Triples patches.

Each side is a build folder (``dist/``, ``dist/0.1.0/``: its ``graph.nt``, else
``graph.ttl``, else ``graph.jsonld``) or one graph file (``.nt``, ``.ttl``,
``.jsonld``). Both are read into the canonical N-Triples that ``build`` writes
(deduplicated, sorted, blank nodes named by RDFC-1.0), so two files that differ
only in the order of their triples or in the labels of their blank nodes are
the same graph and their diff is empty.

Triples without blank nodes are compared as they are. Triples with blank nodes
(the RDF lists of the ontology) are compared one *connected blank-node
component* at a time, each canonicalized on its own: a list is unchanged if it
is isomorphic to a list on the other side, whatever labels the two graphs gave
it. A changed component is removed whole and added whole.

The patch files are sorted N-Triples:

* ``removed.nt`` holds lines of OLD's canonical N-Triples, exactly as they are
  written in its ``graph.nt`` (blank nodes included);
* ``added.nt`` holds the new lines; the blank nodes of added components are
  named ``_:new…`` so they never clash with a blank node of OLD.

So OLD's canonical lines minus ``removed.nt`` plus ``added.nt`` is a graph
isomorphic to NEW (:func:`apply_patch`).

The changelog (Markdown, or JSON) is grouped by resource and says what changed
in words: figures (``member universities 23 → 24 (as of 2024-01-01)``),
memberships (``ETH Zurich joined``, ``… left``), renamed labels, added and
removed identifiers, and any other fact as ``old → new`` or added/removed.
Links the build derives (``rdfs:label`` from ``skos:prefLabel``,
``schema:sameAs`` from ``uuo:wikidata``, the inverse and chained membership
links) are counted in the patches but not repeated in the words.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError
from uugraph.rdf.namespaces import ALT_LABEL, DCTERMS, ORG, OWL, PREF_LABEL, PROV, RDF, RDF_TYPE, RDFS, ROR, SCHEMA, SKOS, TIME, WIKIDATA_ENTITY, XSD, prefixes, uuo
from uugraph.rdf.terms import canonical_ntriples

GRAPH_FILES = ("graph.nt", "graph.ttl", "graph.jsonld")
FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD}





# Names for the properties the ontology does not label itself.
PROPERTY_NAMES = {
    RDF_TYPE: "type",
    RDFS + "label": "label",
    RDFS + "comment": "comment",
    RDFS + "seeAlso": "see also",
    PREF_LABEL: "name",
    ALT_LABEL: "alternative name",
    SKOS + "definition": "definition",
    SKOS + "editorialNote": "editorial note",
    SKOS + "inScheme": "in scheme",
    SCHEMA + "url": "website",
    SCHEMA + "foundingDate": "founded",
    SCHEMA + "name": "name",
    SCHEMA + "value": "value",
    SCHEMA + "observationAbout": "about",
    SCHEMA + "sameAs": "same as",
    DCTERMS + "title": "title",
    DCTERMS + "description": "description",
    DCTERMS + "spatial": "scope",
    DCTERMS + "bibliographicCitation": "citation",
    PROV + "wasDerivedFrom": "source",
    ORG + "member": "member",
    ORG + "organization": "organisation",
    ORG + "role": "role",
    ORG + "memberDuring": "period",
    ORG + "memberOf": "member of",
    ORG + "hasMember": "has member",
    ORG + "unitOf": "unit of",
    ORG + "hasUnit": "has unit",
    TIME + "hasBeginning": "start",
    TIME + "hasEnd": "end",
    OWL + "versionInfo": "version",
    OWL + "versionIRI": "version IRI",
}


# ---------------------------------------------------------------- reading a build


def resolve(path: Path) -> Path:
    """The graph file of a build folder (``graph.nt``, else ``.ttl``, else ``.jsonld``), or the file itself."""
    if path.is_dir():
        for name in GRAPH_FILES:
            if (path / name).is_file():
                return path / name
        versions = sorted(d.name for d in path.iterdir() if d.is_dir() and any((d / n).is_file() for n in GRAPH_FILES))
        hint = f"; give one of its versions: {', '.join(str(path / v) for v in versions)}" if versions else ""
        raise InputError(str(path), None, None, f"no {', '.join(GRAPH_FILES)} in this folder{hint}")
    if path.is_file():
        if path.suffix not in FORMATS:
            raise InputError(str(path), None, None, f"not a graph file: give a build folder or a {', '.join(sorted(FORMATS))} file")
        return path
    raise InputError(str(path), None, None, "no such build folder or graph file")


def read_canonical(path: Path) -> bytes:
    """A build folder or graph file as canonical N-Triples (what ``build`` writes as ``graph.nt``)."""
    from uugraph.pipeline.load import _syntax_error

    source = resolve(path)
    try:
        quads = ox.parse(path=str(source), format=FORMATS[source.suffix], base_iri=base_iri())
        ntriples = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    except SyntaxError as exc:
        raise _syntax_error(source, exc) from exc
    except (OSError, ValueError) as exc:
        raise InputError(str(source), None, None, f"cannot read the graph: {exc}") from exc
    return canonical_ntriples(ntriples or b"")


def _lines(ntriples: bytes) -> list[bytes]:
    return [line for line in ntriples.splitlines() if line.strip()]


def _parse_lines(lines: Iterable[bytes]) -> list[ox.Triple]:
    data = b"\n".join(lines)
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)] if data else []


def _blank_nodes(triple: ox.Triple) -> list[str]:
    return [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]


@dataclass
class _Component:
    lines: list[bytes]  # as written in the side's canonical N-Triples
    key: bytes  # the component canonicalized on its own: equal keys, isomorphic components


def _components(lines: list[bytes]) -> tuple[set[bytes], list[_Component]]:
    """Split canonical lines into ground lines and connected blank-node components."""
    ground = {line for line in lines if b"_:" not in line}
    candidates = [line for line in lines if b"_:" in line]
    triples = _parse_lines(candidates)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for triple in triples:
        nodes = _blank_nodes(triple)
        for node in nodes:
            find(node)
        if len(nodes) == 2:
            parent[find(nodes[0])] = find(nodes[1])
    groups: dict[str, list[tuple[bytes, ox.Triple]]] = defaultdict(list)
    for line, triple in zip(candidates, triples, strict=True):
        nodes = _blank_nodes(triple)
        if not nodes:  # "_:" inside a literal
            ground.add(line)
            continue
        groups[find(nodes[0])].append((line, triple))
    components = []
    for members in groups.values():
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for _, t in members)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        key = b"\n".join(sorted(ox.serialize((q.triple for q in dataset), format=ox.RdfFormat.N_TRIPLES).splitlines()))
        components.append(_Component(sorted(line for line, _ in members), key))
    components.sort(key=lambda c: c.lines)
    return ground, components


def _renamed(lines: list[bytes], prefix: str) -> list[bytes]:
    """The lines with every blank node label prefixed, so they cannot clash with another graph's."""

    def rename(term: ox.Term) -> ox.Term:
        return ox.BlankNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term

    triples = (ox.Triple(rename(t.subject), t.predicate, rename(t.object)) for t in _parse_lines(lines))
    return _lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")


def patch_lines(old: bytes, new: bytes) -> tuple[list[bytes], list[bytes]]:
    """(added, removed): sorted N-Triples lines that turn canonical ``old`` into a graph isomorphic to ``new``."""
    old_ground, old_components = _components(_lines(old))
    new_ground, new_components = _components(_lines(new))
    added = set(new_ground - old_ground)
    removed = set(old_ground - new_ground)
    old_keys = Counter(c.key for c in old_components)
    new_keys = Counter(c.key for c in new_components)
    seen: Counter[bytes] = Counter()
    for component in old_components:
        seen[component.key] += 1
        if seen[component.key] > new_keys[component.key]:
            removed.update(component.lines)
    seen.clear()
    fresh: list[bytes] = []
    for component in new_components:
        seen[component.key] += 1
        if seen[component.key] > old_keys[component.key]:
            fresh.extend(component.lines)
    added.update(_renamed(fresh, "new"))
    return sorted(added), sorted(removed)


def apply_patch(old: bytes, added: bytes, removed: bytes) -> bytes:
    """OLD's canonical N-Triples minus ``removed`` plus ``added``, sorted (isomorphic to NEW)."""
    lines = set(_lines(old)) - set(_lines(removed))
    lines.update(_lines(added))
    return b"".join(line + b"\n" for line in sorted(lines))


# ---------------------------------------------------------------- the changelog


@dataclass
class Change:
    """One change of a resource, in words (``text``) and in parts (for JSON)."""

    kind: str
    text: str
    property: str | None = None
    old: str | None = None
    new: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"kind": self.kind, "text": self.text}
        for name in ("property", "old", "new"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


@dataclass
class ResourceChanges:
    iri: str
    label: str
    status: str  # "added", "removed" or "changed"
    changes: list[Change] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"iri": self.iri, "label": self.label, "status": self.status, "changes": [c.to_json() for c in self.changes]}


@dataclass
class Diff:
    old: Path
    new: Path
    added: list[bytes]
    removed: list[bytes]
    resources: list[ResourceChanges]

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed

    def added_ntriples(self) -> bytes:
        return b"".join(line + b"\n" for line in self.added)

    def removed_ntriples(self) -> bytes:
        return b"".join(line + b"\n" for line in self.removed)

    def summary(self) -> str:
        if self.empty:
            return "No changes: the two graphs are the same (up to blank node labels)."
        statuses = Counter(r.status for r in self.resources)
        return (
            f"{len(self.added)} triple(s) added, {len(self.removed)} removed; "
            f"{statuses['changed']} resource(s) changed, {statuses['added']} new, {statuses['removed']} removed."
        )

    def markdown(self) -> str:
        out = [f"# Changes from {self.old} to {self.new}", "", self.summary(), ""]
        for resource in self.resources:
            suffix = {"added": " (new)", "removed": " (removed)"}.get(resource.status, "")
            out.append(f"## {resource.label}{suffix}")
            out.append("")
            out.append(f"<{resource.iri}>" if "://" in resource.iri else resource.iri)
            out.append("")
            out.extend(f"- {change.text}" for change in resource.changes)
            out.append("")
        return "\n".join(out).rstrip("\n") + "\n"

    def to_json(self) -> dict[str, object]:
        return {
            "old": str(self.old),
            "new": str(self.new),
            "added": len(self.added),
            "removed": len(self.removed),
            "resources": [r.to_json() for r in self.resources],
        }

    def write(self, out: Path) -> list[Path]:
        """Write ``added.nt``, ``removed.nt`` and ``changes.md`` into ``out`` (created if missing)."""
        out.mkdir(parents=True, exist_ok=True)
        files = {"added.nt": self.added_ntriples(), "removed.nt": self.removed_ntriples(), "changes.md": self.markdown().encode("utf-8")}
        for name, data in files.items():
            (out / name).write_bytes(data)
        return [out / name for name in files]


def diff(old: Path, new: Path) -> Diff:
    """Compare two builds (folders or graph files)."""
    old_nt = read_canonical(old)
    new_nt = read_canonical(new)
    added, removed = patch_lines(old_nt, new_nt)
    resources = _Describer(old_nt, new_nt, added, removed).resources() if added or removed else []
    return Diff(old, new, added, removed, resources)


class _Side:
    """One graph, indexed for the look-ups the descriptions need."""

    def __init__(self, ntriples: bytes) -> None:
        self.dataset = ox.Dataset(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)) if ntriples.strip() else ox.Dataset()

    def objects(self, subject: ox.Term, predicate: str) -> list[ox.Term]:
        p = ox.NamedNode(predicate)
        return sorted((q.object for q in self.dataset.quads_for_subject(subject) if q.predicate == p), key=str)

    def one(self, subject: ox.Term, predicate: str) -> ox.Term | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def has_subject(self, subject: ox.Term) -> bool:
        return next(iter(self.dataset.quads_for_subject(subject)), None) is not None

    def types(self, subject: ox.Term) -> set[str]:
        return {t.value for t in self.objects(subject, RDF_TYPE) if isinstance(t, ox.NamedNode)}

    def pairs(self, predicate: str) -> list[tuple[ox.Term, ox.Term]]:
        return [(q.subject, q.object) for q in self.dataset.quads_for_predicate(ox.NamedNode(predicate))]

    def rdf_list(self, head: ox.Term) -> list[ox.Term] | None:
        items: list[ox.Term] = []
        seen = set()
        while head != ox.NamedNode(RDF + "nil"):
            if head in seen:
                return None
            seen.add(head)
            first, rest = self.one(head, RDF + "first"), self.one(head, RDF + "rest")
            if first is None or rest is None:
                return None
            items.append(first)
            head = rest
        return items


Triple = tuple  # (subject, predicate, object) of pyoxigraph terms


class _Describer:
    def __init__(self, old_nt: bytes, new_nt: bytes, added: list[bytes], removed: list[bytes]) -> None:
        self.old = _Side(old_nt)
        self.new = _Side(new_nt)
        self.added: set[Triple] = {(t.subject, t.predicate, t.object) for t in _parse_lines(added)}
        self.removed: set[Triple] = {(t.subject, t.predicate, t.object) for t in _parse_lines(removed)}
        self.covered: set[tuple[str, Triple]] = set()
        self.changes: dict[ox.Term, list[Change]] = defaultdict(list)
        self.prefixes = prefixes()
        self._ordered_prefixes = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))

    # -------------------------------------------------- names

    def side_of(self, direction: str) -> _Side:
        return self.new if direction == "added" else self.old

    def _term_in(self, term: ox.Term, direction: str) -> ox.Term:
        """The term as the side's graph names it: added.nt renames NEW's blank nodes ``_:c14nN`` to ``_:newc14nN``."""
        if direction == "added" and isinstance(term, ox.BlankNode) and term.value.startswith("new"):
            return ox.BlankNode(term.value[3:])
        return term

    def compact(self, iri: str) -> str:
        for prefix, namespace in self._ordered_prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def label(self, term: ox.Term) -> str:
        """A resource's name: its English skos:prefLabel (NEW first, then OLD), rdfs:label, else a compact IRI."""
        for side in (self.new, self.old):
            for predicate in (PREF_LABEL, RDFS + "label", DCTERMS + "title"):
                values = [v for v in side.objects(term, predicate) if isinstance(v, ox.Literal)]
                if values:
                    english = [v for v in values if (v.language or "").startswith("en")]
                    return (english or values)[0].value
        if isinstance(term, ox.BlankNode):
            return "(blank node)"
        return self.compact(term.value)

    def heading(self, term: ox.Term) -> str:
        """The label, with a short acronym (an upper-case alternative name) where there is one."""
        name = self.label(term)
        for side in (self.new, self.old):
            acronyms = sorted(v.value for v in side.objects(term, ALT_LABEL) if isinstance(v, ox.Literal) and re.fullmatch(r"[A-ZÅÄÖ][A-Z0-9ÅÄÖ&|-]{1,9}", v.value))
            if acronyms:
                return f"{name} ({acronyms[0]})" if acronyms[0] not in name else name
        return name

    def property_name(self, predicate: str) -> str:
        for side in (self.new, self.old):
            values = [v for v in side.objects(ox.NamedNode(predicate), RDFS + "label") if isinstance(v, ox.Literal)]
            english = [v for v in values if (v.language or "").startswith("en")]
            if english or values:
                return (english or values)[0].value
        return PROPERTY_NAMES.get(predicate) or self.compact(predicate)

    def value(self, term: ox.Term, direction: str = "added", predicate: str | None = None) -> str:
        """An object in words: a label for our resources, a short ID for ROR and Wikidata, a literal's value."""
        if isinstance(term, ox.Literal):
            if term.language:
                text = term.value if len(term.value) <= 100 else term.value[:97] + "…"
                return f"“{text}”" + ("" if term.language.startswith("en") else f" @{term.language}")
            if term.datatype.value == XSD + "string":
                return f"“{term.value}”"
            return term.value
        if isinstance(term, ox.BlankNode):
            items = self.side_of(direction).rdf_list(self._term_in(term, direction))
            if items is not None:
                return "(" + ", ".join(self.value(i, direction) for i in items) + ")"
            return "(blank node)"
        iri = term.value
        if predicate in (uuo("wikidata"), uuo("ror"), SCHEMA + "sameAs"):
            if iri.startswith(WIKIDATA_ENTITY):
                return iri[len(WIKIDATA_ENTITY):]
            if iri.startswith(ROR):
                return iri[len(ROR):]
        if predicate == SCHEMA + "url":
            return iri
        named = self.label(term)
        if named != self.compact(iri):
            return named
        return named if ":" in named and not named.startswith(("http:", "https:")) else f"<{iri}>"

    # -------------------------------------------------- bookkeeping

    def touched(self, direction: str) -> set[Triple]:
        return self.added if direction == "added" else self.removed

    def cover(self, direction: str, triple: Triple) -> None:
        self.covered.add((direction, triple))

    def uncovered(self, direction: str) -> list[Triple]:
        return [t for t in self.touched(direction) if (direction, t) not in self.covered]

    def add(self, subject: ox.Term, change: Change) -> None:
        self.changes[subject].append(change)

    def changed_subjects(self) -> set[ox.Term]:
        return {t[0] for t in self.added} | {t[0] for t in self.removed}

    # -------------------------------------------------- the passes

    def resources(self) -> list[ResourceChanges]:
        if not self.added and not self.removed:
            return []
        self.cover_derived()
        self.describe_memberships()
        self.describe_figures()
        self.describe_resources()
        out = []
        blank: list[Change] = []
        for subject, changes in self.changes.items():
            if isinstance(subject, ox.BlankNode):
                blank.extend(changes)
                continue
            if not changes:
                continue
            in_old, in_new = self.old.has_subject(subject), self.new.has_subject(subject)
            status = "added" if in_new and not in_old else "removed" if in_old and not in_new else "changed"
            out.append(ResourceChanges(subject.value, self.heading(subject), status, changes))
        if blank:
            out.append(ResourceChanges("(blank nodes)", "Blank nodes no resource points to", "changed", blank))
        out.sort(key=lambda r: (r.label.casefold(), r.iri))
        return out

    def cover_derived(self) -> None:
        """Leave out links that follow from another change by sub-property, inverse or property chain."""
        supers: dict[str, set[str]] = defaultdict(set)
        superclasses: dict[str, set[str]] = defaultdict(set)
        inverses: dict[str, str] = {}
        chains: dict[str, list[str]] = {}
        for side in (self.old, self.new):
            for sub, sup in side.pairs(RDFS + "subPropertyOf"):
                if isinstance(sub, ox.NamedNode) and isinstance(sup, ox.NamedNode):
                    supers[sub.value].add(sup.value)
            for sub, sup in side.pairs(RDFS + "subClassOf"):
                if isinstance(sub, ox.NamedNode) and isinstance(sup, ox.NamedNode):
                    superclasses[sub.value].add(sup.value)
            for derived, base in side.pairs(OWL + "inverseOf"):
                if isinstance(derived, ox.NamedNode) and isinstance(base, ox.NamedNode):
                    inverses[derived.value] = base.value  # the ontology declares the derived side as the subject
            for prop, head in side.pairs(OWL + "propertyChainAxiom"):
                items = side.rdf_list(head)
                if isinstance(prop, ox.NamedNode) and items and all(isinstance(i, ox.NamedNode) for i in items):
                    chains[prop.value] = [i.value for i in items]
        for hierarchy in (supers, superclasses):
            _close(hierarchy)
        for direction in ("added", "removed"):
            touched = self.touched(direction)
            by_pair: dict[tuple[ox.Term, ox.Term], set[str]] = defaultdict(set)
            for s, p, o in touched:
                by_pair[(s, o)].add(p.value)
            side = self.side_of(direction)
            types: dict[ox.Term, set[str]] = defaultdict(set)
            for s, p, o in touched:
                if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
                    types[s].add(o.value)
            for s, p, o in touched:
                others = by_pair[(s, o)] - {p.value}
                if p.value == RDF_TYPE and any(o.value in superclasses.get(c, ()) for c in types[s] - {o.value}):
                    self.cover(direction, (s, p, o))  # a super-class of a type that changed with it
                elif any(p.value in supers.get(q, ()) for q in others):
                    self.cover(direction, (s, p, o))
                elif p.value in inverses and inverses[p.value] in by_pair.get((o, s), set()):
                    self.cover(direction, (s, p, o))
                elif p.value in chains and len(chains[p.value]) == 2:
                    first, second = chains[p.value]
                    for q in side.dataset.quads_for_subject(self._term_in(s, direction)):
                        if q.predicate.value == first and (q.object, ox.NamedNode(second), o) in touched:
                            self.cover(direction, (s, p, o))
                            break

    def describe_memberships(self) -> None:
        membership = ORG + "Membership"
        candidates = {s for s in self.changed_subjects() if isinstance(s, ox.NamedNode)}
        memberships = {s for s in candidates if membership in self.old.types(s) | self.new.types(s)}
        # A change to a membership's period or instants (…#period, …#start, …#end) is a change of the membership.
        for s in candidates:
            base = ox.NamedNode(s.value.split("#", 1)[0])
            if "#" in s.value and membership in self.old.types(base) | self.new.types(base):
                memberships.add(base)
        for m in sorted(memberships, key=str):
            in_old, in_new = self.old.has_subject(m), self.new.has_subject(m)
            side = self.new if in_new else self.old
            member, organisation = side.one(m, ORG + "member"), side.one(m, ORG + "organization")
            if member is None or organisation is None:
                continue
            who = self.label(member)
            parts = {d: [t for t in self.touched(d) if t[0] == m or t[0].value.startswith(m.value + "#") or t[2] == m] for d in ("added", "removed")}
            for d, triples in parts.items():
                for t in triples:
                    self.cover(d, t)
            if in_new and not in_old:
                self._cover_links(member, organisation, "added")
                details = self._membership_details(self.new, m)
                self.add(organisation, Change("joined", f"{who} joined" + (f" ({details})" if details else ""), ORG + "member", None, member.value))
            elif in_old and not in_new:
                self._cover_links(member, organisation, "removed")
                details = self._membership_details(self.old, m)
                self.add(organisation, Change("left", f"{who} left (membership removed" + (f"; was {details})" if details else ")"), ORG + "member", member.value, None))
            else:
                old_end, new_end = self._instant(self.old, m, "hasEnd"), self._instant(self.new, m, "hasEnd")
                if new_end and not old_end:
                    self._cover_links(member, organisation, "removed")
                    self.add(organisation, Change("left", f"{who} left (ended {new_end})", TIME + "hasEnd", None, new_end))
                elif old_end and not new_end:
                    self.add(organisation, Change("rejoined", f"{who}: end of membership {old_end} withdrawn", TIME + "hasEnd", old_end, None))
                elif old_end != new_end:
                    self.add(organisation, Change("changed", f"{who}: membership ended {old_end} → {new_end}", TIME + "hasEnd", old_end, new_end))
                old_start, new_start = self._instant(self.old, m, "hasBeginning"), self._instant(self.new, m, "hasBeginning")
                if old_start != new_start:
                    self.add(organisation, Change("changed", f"{who}: member since {old_start or '(unknown)'} → {new_start or '(unknown)'}", TIME + "hasBeginning", old_start, new_start))
                handled = {TIME + "hasEnd", TIME + "hasBeginning", RDF_TYPE}
                for change in self._property_changes(m, parts, skip=handled, subject_only=True):
                    change.text = f"{who}'s membership: {change.text}"
                    self.add(organisation, change)

    def _cover_links(self, member: ox.Term, organisation: ox.Term, direction: str) -> None:
        for t in self.touched(direction):
            if (t[0], t[2]) in ((member, organisation), (organisation, member)):
                self.cover(direction, t)

    def _instant(self, side: _Side, membership: ox.Term, which: str) -> str | None:
        period = side.one(membership, ORG + "memberDuring")
        instant = side.one(period, TIME + which) if period is not None else None
        if instant is None:
            return None
        for precision in ("inXSDDate", "inXSDgYearMonth", "inXSDgYear", "inXSDDateTimeStamp", "inXSDDateTime"):
            value = side.one(instant, TIME + precision)
            if value is not None:
                return value.value
        return "(date unknown)"

    def _membership_details(self, side: _Side, m: ox.Term) -> str:
        details = []
        role = side.one(m, ORG + "role")
        if role is not None:
            details.append(self.label(role))
        start = self._instant(side, m, "hasBeginning")
        if start:
            details.append(f"since {start}")
        end = self._instant(side, m, "hasEnd")
        if end:
            details.append(f"until {end}")
        return ", ".join(details)

    def describe_figures(self) -> None:
        figure_type = uuo("Figure")
        figures = {s for s in self.changed_subjects() if isinstance(s, ox.NamedNode) and figure_type in self.old.types(s) | self.new.types(s)}
        by_key: dict[tuple, set[ox.Term]] = defaultdict(set)
        for f in figures:
            by_key[self._figure_key(f)].add(f)
            for d in ("added", "removed"):
                for t in self.touched(d):
                    if t[0] == f:
                        self.cover(d, t)
        for key in sorted(by_key, key=str):
            about, measure, spatial = key
            if about is None:
                continue
            name = self._measure_name(measure, spatial)
            touched = by_key[key]
            kept = sorted((f for f in touched if self.old.has_subject(f) and self.new.has_subject(f)), key=str)
            added = sorted((f for f in touched if self.new.has_subject(f) and not self.old.has_subject(f)), key=lambda f: self._as_of(self.new, f))
            removed = sorted((f for f in touched if self.old.has_subject(f) and not self.new.has_subject(f)), key=lambda f: self._as_of(self.old, f))
            for f in kept:
                old_value, new_value = self._figure_value(self.old, f), self._figure_value(self.new, f)
                old_date, new_date = self._as_of(self.old, f), self._as_of(self.new, f)
                if old_value != new_value or old_date != new_date:
                    when = new_date if old_date == new_date else f"{old_date} → {new_date}"
                    self.add(about, Change("figure", f"{name} {old_value} → {new_value} (as of {when})", uuo("measure"), old_value, new_value))
                parts = {d: [t for t in self.touched(d) if t[0] == f] for d in ("added", "removed")}
                for change in self._property_changes(f, parts, skip={SCHEMA + "value", uuo("asOf"), uuo("approximate")}, subject_only=True):
                    change.text = f"{name} (as of {new_date}): {change.text}"
                    self.add(about, change)
            for old_f, new_f in zip(removed, added, strict=False):
                old_value, new_value = self._figure_value(self.old, old_f), self._figure_value(self.new, new_f)
                old_date, new_date = self._as_of(self.old, old_f), self._as_of(self.new, new_f)
                was = "" if old_date == new_date else f"; was as of {old_date}"
                self.add(about, Change("figure", f"{name} {old_value} → {new_value} (as of {new_date}{was})", uuo("measure"), old_value, new_value))
            for f in added[len(removed):]:
                value, date = self._figure_value(self.new, f), self._as_of(self.new, f)
                beside = [g for g in self._figures_of(self.new, key) if g != f and g not in added]
                if beside:
                    latest = max(beside, key=lambda g: self._as_of(self.new, g))
                    old_value, old_date = self._figure_value(self.new, latest), self._as_of(self.new, latest)
                    text = f"{name} {old_value} → {value} (as of {date}; new figure beside {old_value} as of {old_date})"
                    self.add(about, Change("figure-added", text, uuo("measure"), old_value, value))
                else:
                    self.add(about, Change("figure-added", f"{name}: {value} (as of {date}), new figure", uuo("measure"), None, value))
            for f in removed[len(added):]:
                value, date = self._figure_value(self.old, f), self._as_of(self.old, f)
                self.add(about, Change("figure-removed", f"{name}: figure {value} (as of {date}) removed", uuo("measure"), value, None))

    def _figure_key(self, f: ox.Term) -> tuple:
        side = self.new if self.new.has_subject(f) else self.old
        return (side.one(f, SCHEMA + "observationAbout"), side.one(f, uuo("measure")), side.one(f, DCTERMS + "spatial"))

    def _figures_of(self, side: _Side, key: tuple) -> list[ox.Term]:
        about, measure, spatial = key
        return [
            s
            for s, o in side.pairs(SCHEMA + "observationAbout")
            if o == about and side.one(s, uuo("measure")) == measure and side.one(s, DCTERMS + "spatial") == spatial
        ]

    def _measure_name(self, measure: ox.Term | None, spatial: ox.Term | None) -> str:
        name = self.label(measure) if measure is not None else "figure"
        return f"{name} in {self.label(spatial)}" if spatial is not None else name

    def _figure_value(self, side: _Side, f: ox.Term) -> str:
        value = side.one(f, SCHEMA + "value")
        approximate = side.one(f, uuo("approximate"))
        text = value.value if value is not None else "(no value)"
        return f"about {text}" if approximate is not None and approximate.value == "true" else text

    def _as_of(self, side: _Side, f: ox.Term) -> str:
        value = side.one(f, uuo("asOf"))
        return value.value if value is not None else "(undated)"

    def describe_resources(self) -> None:
        """Everything not said yet, subject by subject: new and removed resources, renames, identifiers, other facts."""
        parts: dict[ox.Term, dict[str, list[Triple]]] = defaultdict(lambda: {"added": [], "removed": []})
        for d in ("added", "removed"):
            for t in self.uncovered(d):
                subject = t[0]
                if isinstance(subject, ox.BlankNode):
                    owner = self._owner(subject, d)
                    if owner is not None:
                        self.cover(d, t)  # said by the triple that points into the blank nodes
                        continue
                parts[subject][d].append(t)
        for subject in sorted(parts, key=str):
            in_old, in_new = self.old.has_subject(subject), self.new.has_subject(subject)
            if in_new and not in_old and not isinstance(subject, ox.BlankNode):
                kinds = sorted(self.label(o) for _, p, o in parts[subject]["added"] if p.value == RDF_TYPE)  # the most specific
                self.add(subject, Change("resource-added", f"new {', '.join(kinds) or 'resource'}", RDF_TYPE))
            elif in_old and not in_new and not isinstance(subject, ox.BlankNode):
                kinds = sorted(self.label(o) for _, p, o in parts[subject]["removed"] if p.value == RDF_TYPE)
                count = sum(1 for t in self.removed if t[0] == subject)
                self.add(subject, Change("resource-removed", f"removed {', '.join(kinds) or 'resource'} ({count} triples)", RDF_TYPE))
            whole = None if isinstance(subject, ox.BlankNode) else "added" if in_new and not in_old else "removed" if in_old and not in_new else None
            for change in self._property_changes(subject, parts[subject], skip={RDF_TYPE} if whole else set(), whole=whole):
                self.add(subject, change)

    def _owner(self, node: ox.BlankNode, direction: str) -> ox.Term | None:
        """The resource whose triple points into this blank node's component (within the same change)."""
        seen = {node}
        frontier = [node]
        touched = self.touched(direction)
        while frontier:
            current = frontier.pop()
            for s, _, o in touched:
                if o == current:
                    if isinstance(s, ox.NamedNode):
                        return s
                    if s not in seen:
                        seen.add(s)
                        frontier.append(s)
        return None

    def _property_changes(self, subject: ox.Term, parts: dict[str, list[Triple]], *, skip: set[str], subject_only: bool = False, whole: str | None = None) -> list[Change]:
        """Changes property by property: renames, identifiers, "old → new" for single values, else added/removed.

        For a resource added or removed whole (``whole``), its facts are listed as ``name: value``.
        """
        by_property: dict[str, dict[str, list[ox.Term]]] = defaultdict(lambda: {"added": [], "removed": []})
        for d in ("added", "removed"):
            for s, p, o in parts[d]:
                if subject_only and s != subject:
                    continue
                self.cover(d, (s, p, o))
                if p.value not in skip:
                    by_property[p.value][d].append(o)
        changes: list[Change] = []
        order = {PREF_LABEL: 0, ALT_LABEL: 1, uuo("ror"): 2, uuo("wikidata"): 3}
        for predicate in sorted(by_property, key=lambda p: (order.get(p, 9), self.property_name(p))):
            added = sorted(by_property[predicate]["added"], key=str)
            removed = sorted(by_property[predicate]["removed"], key=str)
            name = self.property_name(predicate)
            if whole:
                kind = ("identifier-" if predicate in (uuo("ror"), uuo("wikidata")) else "") + whole
                values = added if whole == "added" else removed
                changes.extend(
                    Change(kind, f"{name}: {self.value(o, whole, predicate)}", predicate, _plain(o) if whole == "removed" else None, _plain(o) if whole == "added" else None)
                    for o in values
                )
                continue
            if predicate == PREF_LABEL:
                for old, new in self._pair_by_language(removed, added):
                    changes.append(Change("renamed", f"renamed {self.value(old, 'removed')} → {self.value(new)}", predicate, old.value, new.value))
                    removed.remove(old)
                    added.remove(new)
            if predicate in (uuo("ror"), uuo("wikidata")):
                if len(added) == 1 and len(removed) == 1:
                    old, new = self.value(removed[0], "removed", predicate), self.value(added[0], "added", predicate)
                    changes.append(Change("identifier-changed", f"{name} {old} → {new}", predicate, removed[0].value, added[0].value))
                    continue
                changes.extend(Change("identifier-added", f"{name} {self.value(o, 'added', predicate)} added", predicate, None, o.value) for o in added)
                changes.extend(Change("identifier-removed", f"{name} {self.value(o, 'removed', predicate)} removed", predicate, o.value, None) for o in removed)
                continue
            single = len(added) == 1 and len(removed) == 1 and len(self.old.objects(subject, predicate)) == 1 and len(self.new.objects(subject, predicate)) == 1
            if single:
                old, new = self.value(removed[0], "removed", predicate), self.value(added[0], "added", predicate)
                changes.append(Change("changed", f"{name} {old} → {new}", predicate, _plain(removed[0]), _plain(added[0])))
                continue
            changes.extend(Change("added", f"{name} {self.value(o, 'added', predicate)} added", predicate, None, _plain(o)) for o in added)
            changes.extend(Change("removed", f"{name} {self.value(o, 'removed', predicate)} removed", predicate, _plain(o), None) for o in removed)
        return changes

    @staticmethod
    def _pair_by_language(removed: list[ox.Term], added: list[ox.Term]) -> list[tuple[ox.Term, ox.Term]]:
        pairs = []
        used: set[int] = set()
        for old in removed:
            if not isinstance(old, ox.Literal):
                continue
            for i, new in enumerate(added):
                if i not in used and isinstance(new, ox.Literal) and new.language == old.language:
                    pairs.append((old, new))
                    used.add(i)
                    break
        return pairs


def _close(hierarchy: dict[str, set[str]]) -> None:
    """Make a sub-X-of map transitive, in place."""
    changed = True
    while changed:
        changed = False
        for below in list(hierarchy):
            reach = set(hierarchy[below])
            for above in list(reach):
                reach |= hierarchy.get(above, set())
            reach.discard(below)
            if reach != hierarchy[below]:
                hierarchy[below] = reach
                changed = True


def _plain(term: ox.Term) -> str:
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)


def render(result: Diff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    return result.markdown()
