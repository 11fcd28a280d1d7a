"""The changelog of a diff: what the patches change, in words, grouped by resource; Markdown or JSON.

:class:`Describer` reads both sides and the patches (:mod:`uugraph.curation.patch`)
and says what changed: figures (``member universities 23 → 24 (as of
2024-01-01)``), memberships (``ETH Zurich joined``, ``… left``), renamed
labels, added and removed identifiers, and any other fact as ``old → new`` or
added/removed. Links the build derives (``rdfs:label`` from
``skos:prefLabel``, ``schema:sameAs`` from ``uuo:wikidata``, the inverse and
chained membership links) are counted in the patches but not repeated in the
words. Resources and properties are named as the static site names them
(:mod:`uugraph.rdf.labels`).

:class:`Diff` is the result: the patches and the changes, written as
``changes.md`` (:meth:`Diff.markdown`) or JSON (:func:`render`).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from uugraph.curation.patch import parse_lines
from uugraph.rdf.labels import LABEL_PROPERTIES, choose_label, property_label, short_iri
from uugraph.rdf.namespaces import ALT_LABEL, DCTERMS, ORG, OWL, PREF_LABEL, PROV, RDF, RDF_TYPE, RDFS, ROR, SCHEMA, TIME, WIKIDATA_ENTITY, XSD, uuo

Term = ox.NamedNode | ox.BlankNode | ox.Literal

# The schema.org Role mirror of a membership, derived at build from its org: and time: links.
_DERIVED_ROLE = (SCHEMA + "member", SCHEMA + "roleName", SCHEMA + "startDate", SCHEMA + "endDate")
Triple = tuple  # (subject, predicate, object) of pyoxigraph terms


def _literal_pair(term: Term) -> tuple[str, str | None] | None:
    """(lexical form, language) of a literal for the label chooser; None for a node."""
    return (term.value, term.language) if isinstance(term, ox.Literal) else None


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
        return f"{len(self.added)} triple(s) added, {len(self.removed)} removed; {statuses['changed']} resource(s) changed, {statuses['added']} new, {statuses['removed']} removed."

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


class Side:
    """One graph, indexed for the look-ups the descriptions need."""

    def __init__(self, ntriples: bytes) -> None:
        self.dataset = ox.Dataset(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)) if ntriples.strip() else ox.Dataset()

    def objects(self, subject: Term, predicate: str) -> list[Term]:
        if isinstance(subject, ox.Literal):
            return []
        p = ox.NamedNode(predicate)
        return sorted((q.object for q in self.dataset.quads_for_subject(subject) if q.predicate == p and not isinstance(q.object, ox.Triple)), key=str)

    def one(self, subject: Term, predicate: str) -> Term | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def has_subject(self, subject: Term) -> bool:
        return not isinstance(subject, ox.Literal) and next(iter(self.dataset.quads_for_subject(subject)), None) is not None

    def types(self, subject: Term) -> set[str]:
        return {t.value for t in self.objects(subject, RDF_TYPE) if isinstance(t, ox.NamedNode)}

    def pairs(self, predicate: str) -> list[tuple[Term, Term]]:
        return [(q.subject, q.object) for q in self.dataset.quads_for_predicate(ox.NamedNode(predicate)) if not isinstance(q.subject, ox.Triple) and not isinstance(q.object, ox.Triple)]

    def rdf_list(self, head: Term) -> list[Term] | None:
        items: list[Term] = []
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


class Describer:
    """Says in words what the patches change, resource by resource; the links the build derives are left out."""

    def __init__(self, old_nt: bytes, new_nt: bytes, added: list[bytes], removed: list[bytes]) -> None:
        self.old = Side(old_nt)
        self.new = Side(new_nt)
        self.added: set[Triple] = {(t.subject, t.predicate, t.object) for t in parse_lines(added)}
        self.removed: set[Triple] = {(t.subject, t.predicate, t.object) for t in parse_lines(removed)}
        self.covered: set[tuple[str, Triple]] = set()
        self.changes: dict[Term, list[Change]] = defaultdict(list)

    # -------------------------------------------------- names

    def side_of(self, direction: str) -> Side:
        return self.new if direction == "added" else self.old

    def _term_in(self, term: Term, direction: str) -> Term:
        """The term as the side's graph names it: added.nt renames NEW's blank nodes ``_:c14nN`` to ``_:newc14nN``."""
        if direction == "added" and isinstance(term, ox.BlankNode) and term.value.startswith("new"):
            return ox.BlankNode(term.value[3:])
        return term

    def compact(self, iri: str) -> str:
        """The short IRI (:func:`uugraph.rdf.labels.short_iri`)."""
        return short_iri(iri)

    def own_label(self, term: Term) -> str | None:
        """The label the graph gives ``term`` (NEW first, then OLD), by the one label chooser."""
        for side in (self.new, self.old):
            label = choose_label({p: side.objects(term, p) for p in LABEL_PROPERTIES}, _literal_pair)
            if label is not None:
                return label
        return None

    def label(self, term: Term) -> str:
        """A resource's name: its label (:func:`uugraph.rdf.labels.choose_label`), else a short IRI."""
        label = self.own_label(term)
        if label is not None:
            return label
        if isinstance(term, ox.BlankNode):
            return "(blank node)"
        return self.compact(term.value)

    def heading(self, term: Term) -> str:
        """The label, with a short acronym (an upper-case alternative name) where there is one."""
        name = self.label(term)
        for side in (self.new, self.old):
            acronyms = sorted(v.value for v in side.objects(term, ALT_LABEL) if isinstance(v, ox.Literal) and re.fullmatch(r"[A-ZÅÄÖ][A-Z0-9ÅÄÖ&|-]{1,9}", v.value))
            if acronyms:
                return f"{name} ({acronyms[0]})" if acronyms[0] not in name else name
        return name

    def property_name(self, predicate: str) -> str:
        """A property's name inside a sentence (:func:`uugraph.rdf.labels.property_label`)."""
        return property_label(predicate, self.own_label(ox.NamedNode(predicate)))

    def value(self, term: Term, direction: str = "added", predicate: str | None = None) -> str:
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
                return iri[len(WIKIDATA_ENTITY) :]
            if iri.startswith(ROR):
                return iri[len(ROR) :]
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

    def add(self, subject: Term, change: Change) -> None:
        self.changes[subject].append(change)

    def changed_subjects(self) -> set[Term]:
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
            by_pair: dict[tuple[Term, Term], set[str]] = defaultdict(set)
            for s, p, o in touched:
                by_pair[(s, o)].add(p.value)
            side = self.side_of(direction)
            types: dict[Term, set[str]] = defaultdict(set)
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
                    start = self._term_in(s, direction)
                    for q in side.dataset.quads_for_subject(start) if not isinstance(start, ox.Literal) else ():
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
            network = self._the(organisation)
            if in_new and not in_old:
                self._cover_links(member, organisation, "added")
                details = self._membership_details(self.new, m)
                end = self._instant(self.new, m, "hasEnd")
                revised = self.new.one(m, PROV + "wasRevisionOf")
                start = self._instant(self.new, m, "hasBeginning")
                if revised is not None:
                    role, before = self.new.one(m, ORG + "role"), self.new.one(revised, ORG + "role")
                    was = self.label(before) if before is not None else "another role"
                    now = self.label(role) if role is not None else "another role"
                    when = f" ({start})" if start else ""
                    self.add(organisation, Change("role-changed", f"{who} changed role in {network}: {was} → {now}{when}", ORG + "role", was, now))
                elif end:
                    how = self._how_ended(self.new, m)
                    successor = next((s for s, o in self.new.pairs(PROV + "wasRevisionOf") if o == m), None)
                    if how == "role changed" and successor is not None:
                        # An earlier role, newly recorded: the member did not leave, its role changed.
                        was, now = self._role(self.new, m), self._role(self.new, successor)
                        text = f"{who} changed role in {network}: {was} → {now} ({end}); the earlier role newly recorded"
                        self.add(organisation, Change("role-changed", text, ORG + "role", was, now))
                    else:
                        text = f"{who} left {network} ({how + ', ' if how else ''}{end}): a former membership, newly recorded" + (f" ({details})" if details else "")
                        self.add(organisation, Change("left", text, TIME + "hasEnd", None, end))
                        pause = self._suspension(self.new, m)
                        if pause:
                            self.add(organisation, Change("suspended", f"{who} was suspended in {network} ({pause})", uuo("suspendedDuring"), None, pause))
                else:
                    self.add(organisation, Change("joined", f"{who} joined" + (f" ({details})" if details else ""), ORG + "member", None, member.value))
            elif in_old and not in_new:
                self._cover_links(member, organisation, "removed")
                details = self._membership_details(self.old, m)
                self.add(organisation, Change("left", f"{who} left (membership removed" + (f"; was {details})" if details else ")"), ORG + "member", member.value, None))
            else:
                old_end, new_end = self._instant(self.old, m, "hasEnd"), self._instant(self.new, m, "hasEnd")
                old_pause, new_pause = self._suspension(self.old, m), self._suspension(self.new, m)
                if new_pause and not old_pause:
                    self.add(organisation, Change("suspended", f"{who} was suspended in {network} ({new_pause})", uuo("suspendedDuring"), None, new_pause))
                if new_end and not old_end:
                    self._cover_links(member, organisation, "removed")
                    how = self._how_ended(self.new, m)
                    if how == "role changed":
                        self.add(organisation, Change("left", f"{who}'s membership in {network} as {self._role(self.new, m)} ended by a change of role ({new_end})", TIME + "hasEnd", None, new_end))
                    else:
                        self.add(organisation, Change("left", f"{who} left {network} ({how + ', ' if how else ''}{new_end})", TIME + "hasEnd", None, new_end))
                elif old_end and not new_end:
                    self.add(organisation, Change("rejoined", f"{who}: end of membership {old_end} withdrawn", TIME + "hasEnd", old_end, None))
                elif old_end != new_end:
                    self.add(organisation, Change("changed", f"{who}: membership ended {old_end} → {new_end}", TIME + "hasEnd", old_end, new_end))
                old_start, new_start = self._instant(self.old, m, "hasBeginning"), self._instant(self.new, m, "hasBeginning")
                if old_start != new_start:
                    self.add(organisation, Change("changed", f"{who}: member since {old_start or '(unknown)'} → {new_start or '(unknown)'}", TIME + "hasBeginning", old_start, new_start))
                handled = {TIME + "hasEnd", TIME + "hasBeginning", RDF_TYPE, uuo("howEnded"), uuo("suspendedDuring"), *_DERIVED_ROLE}
                revised = self.new.one(m, PROV + "wasRevisionOf")
                if revised is not None and self.old.one(m, PROV + "wasRevisionOf") is None and not self.old.has_subject(revised):
                    handled.add(PROV + "wasRevisionOf")  # the earlier role is newly recorded: its own sentence says so
                for change in self._property_changes(m, parts, skip=handled, subject_only=True):
                    change.text = f"{who}'s membership: {change.text}"
                    self.add(organisation, change)

    def _the(self, organisation: Term) -> str:
        """An organisation inside a sentence: "the Coimbra Group"."""
        name = self.label(organisation)
        return name if name.lower().startswith("the ") else f"the {name}"

    def _how_ended(self, side: Side, membership: Term) -> str:
        how = side.one(membership, uuo("howEnded"))
        return self.label(how) if how is not None else ""

    def _role(self, side: Side, membership: Term) -> str:
        role = side.one(membership, ORG + "role")
        return self.label(role) if role is not None else "member"

    def _suspension(self, side: Side, membership: Term) -> str | None:
        """A membership's suspension period in words ("2022-03-10 – 2023-04-26"), or None."""
        period = side.one(membership, uuo("suspendedDuring"))
        if period is None:
            return None
        dates = []
        for which in ("hasBeginning", "hasEnd"):
            instant = side.one(period, TIME + which)
            value = None
            for precision in ("inXSDDate", "inXSDgYearMonth", "inXSDgYear"):
                found = side.one(instant, TIME + precision) if instant is not None else None
                if found is not None:
                    value = found.value
                    break
            dates.append(value)
        return f"from {dates[0] or '(date unknown)'}" + (f" to {dates[1]}" if dates[1] else "")

    def _cover_links(self, member: Term, organisation: Term, direction: str) -> None:
        for t in self.touched(direction):
            if (t[0], t[2]) in ((member, organisation), (organisation, member)):
                self.cover(direction, t)

    def _instant(self, side: Side, membership: Term, which: str) -> str | None:
        period = side.one(membership, ORG + "memberDuring")
        instant = side.one(period, TIME + which) if period is not None else None
        if instant is None:
            return None
        for precision in ("inXSDDate", "inXSDgYearMonth", "inXSDgYear", "inXSDDateTimeStamp", "inXSDDateTime"):
            value = side.one(instant, TIME + precision)
            if value is not None:
                return value.value
        return "(date unknown)"

    def _membership_details(self, side: Side, m: Term) -> str:
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
        by_key: dict[tuple, set[Term]] = defaultdict(set)
        for figure in figures:
            by_key[self._figure_key(figure)].add(figure)
            for d in ("added", "removed"):
                for t in self.touched(d):
                    if t[0] == figure:
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
            for f in added[len(removed) :]:
                value, date = self._figure_value(self.new, f), self._as_of(self.new, f)
                beside = [g for g in self._figures_of(self.new, key) if g != f and g not in added]
                if beside:
                    latest = max(beside, key=lambda g: self._as_of(self.new, g))
                    old_value, old_date = self._figure_value(self.new, latest), self._as_of(self.new, latest)
                    text = f"{name} {old_value} → {value} (as of {date}; new figure beside {old_value} as of {old_date})"
                    self.add(about, Change("figure-added", text, uuo("measure"), old_value, value))
                else:
                    self.add(about, Change("figure-added", f"{name}: {value} (as of {date}), new figure", uuo("measure"), None, value))
            for f in removed[len(added) :]:
                value, date = self._figure_value(self.old, f), self._as_of(self.old, f)
                self.add(about, Change("figure-removed", f"{name}: figure {value} (as of {date}) removed", uuo("measure"), value, None))

    def _figure_key(self, f: Term) -> tuple:
        side = self.new if self.new.has_subject(f) else self.old
        return (side.one(f, SCHEMA + "observationAbout"), side.one(f, uuo("measure")), side.one(f, DCTERMS + "spatial"))

    def _figures_of(self, side: Side, key: tuple) -> list[Term]:
        about, measure, spatial = key
        return [s for s, o in side.pairs(SCHEMA + "observationAbout") if o == about and side.one(s, uuo("measure")) == measure and side.one(s, DCTERMS + "spatial") == spatial]

    def _measure_name(self, measure: Term | None, spatial: Term | None) -> str:
        name = self.label(measure) if measure is not None else "figure"
        return f"{name} in {self.label(spatial)}" if spatial is not None else name

    def _figure_value(self, side: Side, f: Term) -> str:
        value = side.one(f, SCHEMA + "value")
        approximate = side.one(f, uuo("approximate"))
        text = value.value if value is not None else "(no value)"
        return f"about {text}" if approximate is not None and approximate.value == "true" else text

    def _as_of(self, side: Side, f: Term) -> str:
        value = side.one(f, uuo("asOf"))
        return value.value if value is not None else "(undated)"

    def describe_resources(self) -> None:
        """Everything not said yet, subject by subject: new and removed resources, renames, identifiers, other facts."""
        parts: dict[Term, dict[str, list[Triple]]] = defaultdict(lambda: {"added": [], "removed": []})
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

    def _owner(self, node: ox.BlankNode, direction: str) -> Term | None:
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

    def _property_changes(self, subject: Term, parts: dict[str, list[Triple]], *, skip: set[str], subject_only: bool = False, whole: str | None = None) -> list[Change]:
        """Changes property by property: renames, identifiers, "old → new" for single values, else added/removed.

        For a resource added or removed whole (``whole``), its facts are listed as ``name: value``.
        """
        by_property: dict[str, dict[str, list[Term]]] = defaultdict(lambda: {"added": [], "removed": []})
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
                    Change(kind, f"{name}: {self.value(o, whole, predicate)}", predicate, _plain(o) if whole == "removed" else None, _plain(o) if whole == "added" else None) for o in values
                )
                continue
            if predicate == PREF_LABEL:
                for old, new in self._pair_by_language(removed, added):
                    changes.append(Change("renamed", f"renamed {self.value(old, 'removed')} → {self.value(new)}", predicate, old.value, new.value))
                    removed.remove(old)
                    added.remove(new)
            if predicate in (uuo("ror"), uuo("wikidata")):
                if len(added) == 1 and len(removed) == 1:
                    was, now = self.value(removed[0], "removed", predicate), self.value(added[0], "added", predicate)
                    changes.append(Change("identifier-changed", f"{name} {was} → {now}", predicate, removed[0].value, added[0].value))
                    continue
                changes.extend(Change("identifier-added", f"{name} {self.value(o, 'added', predicate)} added", predicate, None, o.value) for o in added)
                changes.extend(Change("identifier-removed", f"{name} {self.value(o, 'removed', predicate)} removed", predicate, o.value, None) for o in removed)
                continue
            single = len(added) == 1 and len(removed) == 1 and len(self.old.objects(subject, predicate)) == 1 and len(self.new.objects(subject, predicate)) == 1
            if single:
                was, now = self.value(removed[0], "removed", predicate), self.value(added[0], "added", predicate)
                changes.append(Change("changed", f"{name} {was} → {now}", predicate, _plain(removed[0]), _plain(added[0])))
                continue
            changes.extend(Change("added", f"{name} {self.value(o, 'added', predicate)} added", predicate, None, _plain(o)) for o in added)
            changes.extend(Change("removed", f"{name} {self.value(o, 'removed', predicate)} removed", predicate, _plain(o), None) for o in removed)
        return changes

    @staticmethod
    def _pair_by_language(removed: list[Term], added: list[Term]) -> list[tuple[Term, Term]]:
        pairs: list[tuple[Term, Term]] = []
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


def _plain(term: Term) -> str:
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)


def render(result: Diff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    return result.markdown()


def describe(old_nt: bytes, new_nt: bytes, added: list[bytes], removed: list[bytes]) -> list[ResourceChanges]:
    """The changes of each resource between canonical ``old_nt`` and ``new_nt``, given the patches between them."""
    return Describer(old_nt, new_nt, added, removed).resources() if added or removed else []
