"""Pages on demand: the static site's page of one document, rendered from a store by reading only what it shows.

The static site reads the whole graph into a :class:`SiteIndex` before it
writes a page, which is right for a million pages written at once and wrong
for a server that shows one: at millions of triples that index is minutes of
start-up and gigabytes of memory. :class:`StorePages` instead gathers a
page's *neighbourhood* from the store with a few pattern lookups (the
document's own triples, its memberships, figures, signatures and terms with
their periods, and what names the resources these mention), builds the same
:class:`SiteIndex` over those few hundred lines and renders with the same
:class:`PageRenderer`. What a page says about other resources comes from the
neighbourhood; what needs the whole graph is read once per build:

* which document each IRI has (the store's document index, or the server's
  map of documents), so links go where the site's do;
* the kinds of value of every predicate (:func:`~uugraph.rdf.compact.kinds_of_ntriples`), which choose
  the JSON-LD terms the page embeds;
* the lines with blank nodes as the published ``graph.nt`` has them (a store
  names blank nodes afresh on loading, the dump names them by RDFC-1.0);
* the incoming links of the page's resource, counted in full.

So a page is the static site's page byte for byte (``tests/test_on_demand_pages.py``
compares every page of the real build), and its cost grows with the page, not
with the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import pyoxigraph as ox

from uugraph.config import version
from uugraph.iris import document_path
from uugraph.outputs.site.documents import jsonld_text
from uugraph.outputs.site.index import INCOMING_SHOWN, Nodes, SiteIndex, groups, safe_document
from uugraph.outputs.site.render import PageRenderer
from uugraph.rdf.compact import Compactor
from uugraph.rdf.labels import ALT_LABEL, LABEL_PROPERTIES
from uugraph.rdf.namespaces import DCTERMS as DCT
from uugraph.rdf.namespaces import ORG, PROV, RDFS, SCHEMA, TIME, uuo


class Documents(Protocol):
    """Document paths to the subjects they describe, the thing first (the server's documents, or the built store's)."""

    def get(self, path: str, default: list[str], /) -> list[str]: ...


#: How many document lookups :class:`DocumentPages` keeps, and how many resources' naming triples
#: :class:`StorePages` does (a page links a few dozen documents and names a hundred resources or more).
REMEMBERED = 100_000


class DocumentPages(dict[str, str]):
    """The site's map of pages (document path → the thing it describes), answered from a document index.

    The site's index holds this map for the whole graph; a page rendered on
    demand asks it only for the documents it links to, so the answers are
    read from ``documents`` one by one and kept.
    """

    def __init__(self, documents: Documents) -> None:
        super().__init__()
        self._documents = documents

    def _thing(self, path: str) -> str | None:
        if dict.__contains__(self, path):
            return dict.__getitem__(self, path)
        subjects = self._documents.get(path, [])
        thing = subjects[0].partition("#")[0] if subjects and safe_document(path) else None
        if thing is not None:
            if len(self) >= REMEMBERED:  # a server runs for months: what it remembers is bounded
                self.clear()
            dict.__setitem__(self, path, thing)
        return thing

    def get(self, path: str, default: str | None = None, /) -> str | None:  # type: ignore[override]
        thing = self._thing(path)
        return default if thing is None else thing

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._thing(path) is not None

    def __getitem__(self, path: str) -> str:
        thing = self._thing(path)
        if thing is None:
            raise KeyError(path)
        return thing


UUO = uuo()
# What naming a resource needs (SiteIndex.name, short, long and the country column), and only that:
# a network linked from a page has thousands of org:hasMember triples that its name does not need.
NAMING = (*LABEL_PROPERTIES, ALT_LABEL)
# A membership, a figure or a signature is named after the resources it links, a member shown with
# its country: these are named too.
NAMED_THROUGH = (ORG + "member", ORG + "organization", SCHEMA + "observationAbout", UUO + "measure", UUO + "signatory", UUO + "signedCommitment", UUO + "country")
NAMING_ALL = (*NAMING, *NAMED_THROUGH, UUO + "asOf", DCT + "date", PROV + "endedAtTime")
NAMING_WITH_REVISIONS = (*NAMING_ALL, PROV + "wasRevisionOf")
# Whole nodes a page shows in its tables: periods, their instants, suspensions, sources.
FOLLOWED = (ORG + "memberDuring", UUO + "suspendedDuring", TIME + "hasBeginning", TIME + "hasEnd", PROV + "wasDerivedFrom")
# Nodes pointing at the page's thing that its tables list in full: memberships, figures, signatures, terms.
LISTED_BY = (ORG + "member", ORG + "organization", SCHEMA + "observationAbout", UUO + "signatory", UUO + "signedCommitment", RDFS + "isDefinedBy")


def _iri(term: object) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


class StorePages:
    """The static site's pages, one at a time, from ``store`` (in memory or a read-only on-disk store).

    ``documents`` maps document paths to their subjects; ``kinds`` are the
    graph's (predicate, kind of value) pairs (:func:`~uugraph.rdf.compact.kinds_of_ntriples`);
    ``blank_lines`` the lines of the published ``graph.nt`` that mention a
    blank node (:func:`~uugraph.rdf.terms.blank_node_lines`).
    """

    def __init__(self, store: ox.Store, documents: Documents, kinds: Iterable[tuple[str, str]], blank_lines: Iterable[bytes]) -> None:
        self.store = store
        self.documents = documents
        self.compactor = Compactor.from_kinds(kinds)
        self.pages = DocumentPages(documents)
        self.blank_subjects: list[bytes] = []
        self.blank_of: dict[str, list[bytes]] = {}  # IRI subject -> its lines with a blank-node object
        self.blank_groups: dict[bytes, list[bytes]] = {}  # blank node -> its lines
        for line in blank_lines:
            if line.startswith(b"_:"):
                self.blank_subjects.append(line)
                self.blank_groups.setdefault(line[: line.index(b" ")], []).append(line)
            else:
                subject = line[1 : line.index(b"> ")].decode("utf-8")
                self.blank_of.setdefault(subject, []).append(line)
        self.not_incoming = SiteIndex().not_incoming
        self.version = version()
        self._named: dict[tuple[str, bool], list[ox.Triple]] = {}

    # ------------------------------------------------------------ the neighbourhood

    def _triples(self, subject: str, predicates: Iterable[str] | None = None) -> Iterator[ox.Triple]:
        node = ox.NamedNode(subject)
        if predicates is None:
            for quad in self.store.quads_for_pattern(node, None, None, ox.DefaultGraph()):
                yield quad.triple
            return
        for p in predicates:
            for quad in self.store.quads_for_pattern(node, ox.NamedNode(p), None, ox.DefaultGraph()):
                yield quad.triple

    def _naming(self, iri: str, with_revisions: bool) -> list[ox.Triple]:
        """The triples that name ``iri``, remembered: the same predicates, classes, countries and networks recur on every page."""
        key = (iri, with_revisions)
        found = self._named.get(key)
        if found is None:
            found = list(self._triples(iri, NAMING_WITH_REVISIONS if with_revisions else NAMING_ALL))
            if len(self._named) >= REMEMBERED:
                self._named.clear()
            self._named[key] = found
        return found

    def _pointing_at(self, predicate: str, target: str) -> list[str]:
        """The IRI subjects of ``?s predicate target``."""
        quads = self.store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(target), ox.DefaultGraph())
        return [s for quad in quads if (s := _iri(quad.subject))]

    def _lineage(self, main: str) -> list[str]:
        """``main`` and the texts it revises, and those they revise (prov:wasRevisionOf): their figures make its history."""
        lineage, queue = [main], [main]
        while queue:
            for t in self._triples(queue.pop(0), (PROV + "wasRevisionOf",)):
                o = _iri(t.object)
                if o and o not in lineage:
                    lineage.append(o)
                    queue.append(o)
        return lineage

    def neighbourhood(self, main: str, subjects: list[str]) -> tuple[bytes, list[tuple[str, str]], int]:
        """The sorted N-Triples a page of ``main`` needs, its incoming links as the site lists them, and their count.

        Whole nodes: the document's subjects, the memberships, figures,
        signatures and terms its tables list, and the periods, instants and
        sources these lead to. Of every other resource they mention (and of
        the referrers), only what names it (:data:`NAMING_ALL`), and that of
        the resources a name is made from.
        """
        lineage = self._lineage(main)
        links = self._links_into(main, subjects)
        todo = list(subjects)
        todo += [s for s, p, o in links if o == main and p in LISTED_BY]
        for thing in lineage[1:]:
            todo += self._pointing_at(SCHEMA + "observationAbout", thing)
        whole: list[ox.Triple] = []
        done: set[str] = set()
        while todo:
            s = todo.pop()
            if s in done:
                continue
            done.add(s)
            for t in self._triples(s):
                whole.append(t)
                if t.predicate.value in FOLLOWED and (o := _iri(t.object)):
                    todo.append(o)
        incoming, count = self._incoming(main, links)
        naming = [o for t in whole for o in (t.predicate.value, _iri(t.object)) if o]
        naming += [name for link in incoming for name in link] + lineage  # the referrers and the links they make
        naming += self._in_blank_nodes(done)
        named: set[str] = set()
        partial: list[ox.Triple] = []
        while naming:
            iri = naming.pop()
            if iri in named or iri in done:
                continue
            named.add(iri)
            thing = iri.partition("#")[0]
            if thing != iri:
                naming.append(thing)  # a fragment is named after its thing
            for t in self._naming(iri, iri in lineage):
                partial.append(t)
                if t.predicate.value in NAMED_THROUGH and (o := _iri(t.object)):
                    naming.append(o)
        named_lines = ox.serialize([t for t in (*whole, *partial) if not _mentions_blank(t)], format=ox.RdfFormat.N_TRIPLES) or b""
        lines = set(named_lines.splitlines())
        lines.update(self.blank_subjects)  # the site's index holds every blank node, so does this one
        for s in done:
            lines.update(self.blank_of.get(s, ()))
        lines.discard(b"")
        return b"\n".join(sorted(lines)) + b"\n", incoming, count

    def _in_blank_nodes(self, subjects: Iterable[str]) -> list[str]:
        """The IRIs in the blank nodes the lines of ``subjects`` reach (the items of the ontology's lists)."""
        lines = [line for s in subjects for line in self.blank_of.get(s, ())]
        seen: set[bytes] = set()
        iris: list[str] = []
        while lines:
            _, p, o = lines.pop().split(b" ", 2)
            iris.append(p[1:-1].decode("utf-8"))
            o = o[: o.rindex(b" .")] if o.endswith(b" .") else o
            if o.startswith(b"<"):
                iris.append(o[1:-1].decode("utf-8"))
            elif o.startswith(b"_:") and o not in seen:
                seen.add(o)
                lines += self.blank_groups.get(o, ())
        return iris

    def _links_into(self, main: str, subjects: list[str]) -> list[tuple[str, str, str]]:
        """(subject, predicate, object) of the links from IRIs to ``main``'s document: one scan per subject of it.

        The objects are the document's subjects: a link to a fragment of
        ``main`` that has no triples of its own would be counted by the site
        and not here (a store cannot be asked for objects by prefix). Our
        graphs have none; the page tests would show one.
        """
        links: list[tuple[str, str, str]] = []
        for target in dict.fromkeys([main, *subjects]):
            for quad in self.store.quads_for_pattern(None, None, ox.NamedNode(target), ox.DefaultGraph()):
                if isinstance(quad.subject, ox.NamedNode):
                    links.append((quad.subject.value, quad.predicate.value, target))
        return links

    def _incoming(self, main: str, links: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str]], int]:
        """The links the site lists under "Referenced by": the first ones in line order, and how many."""
        found = sorted((f"<{s}> <{p}> <{o}>".encode(), s.partition("#")[0], p) for s, p, o in links if p not in self.not_incoming and s.partition("#")[0] != main)
        return [(referrer, p) for _, referrer, p in found[:INCOMING_SHOWN]], len(found)

    # ------------------------------------------------------------ rendering

    def render(self, document: str) -> str | None:
        """The HTML the static site writes at ``<document>.html``, or None when the site has no such page."""
        subjects = self.documents.get(document, [])
        main = self.pages.get(document)
        if main is None or document_path(main) != document:
            return None
        ntriples, incoming, count = self.neighbourhood(main, subjects)
        index = SiteIndex()
        index.read(ntriples, self.compactor)
        index.pages = self.pages
        if incoming:
            index.incoming[main], index.incoming_count[main] = incoming, count
        else:
            index.incoming.pop(main, None)
        renderer = PageRenderer(index, self.version)
        own = set(subjects)
        nodes: Nodes = [(raw[1:-1], group) for raw, group in groups(ntriples) if raw[0] == "<" and raw[1:-1] in own]
        nodes = renderer.complete(main, nodes)
        return renderer.page(main, document, nodes, jsonld_text(nodes, index))


def _mentions_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)
