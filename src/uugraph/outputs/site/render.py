"""The page renderer: the HTML of one resource's page, with the site's one stylesheet.

:class:`PageRenderer` turns the triples of one document (the thing, its
fragments ``…#period`` and the blank nodes they reach) into the page the
static site writes at ``doc/<path>.html``: a heading from the label, a lead
sentence, the facts table, the tables of memberships, members, figures,
signatures and ontology terms, the sources, the incoming links, and the
document's JSON-LD embedded. Everything it says about *other* resources comes
from the :class:`~uugraph.outputs.site.index.SiteIndex`.

The static site (:func:`uugraph.outputs.site.write_site`) uses one renderer
over the whole graph's index for every page; a server renders a page the site
lacks with a renderer over that page's neighbourhood in the store
(:mod:`uugraph.outputs.site.on_demand`), so a visitor gets the same page
either way.

Pages are plain string templates with :func:`~uugraph.outputs.site.html.esc`;
every link is relative.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from uugraph.config import version
from uugraph.outputs.site.html import esc, json_script, relative_href, url
from uugraph.outputs.site.index import Nodes, SiteIndex, literal
from uugraph.outputs.site.timeline import Bar, Point, history, span, timeline
from uugraph.rdf.labels import LABEL_PROPERTIES
from uugraph.rdf.namespaces import DCTERMS as DCT
from uugraph.rdf.namespaces import FOAF, ORG, OWL, PROV, RDF_TYPE, RDFS, SCHEMA, SKOS, TIME

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
    "figure.picture{margin:.6rem 0 1.2rem;overflow-x:auto}figure.picture svg{max-width:100%;height:auto;font-family:inherit}"
    "figure.picture figcaption{font-size:.85rem;color:#555;max-width:52rem}"
)

LEAD_PREDICATES = (DCT + "description", RDFS + "comment", SKOS + "definition")


def period(start: str | None, end: str | None) -> str:
    """A membership's period in words, with machine-readable dates."""

    def t(value: str) -> str:
        return f'<time datetime="{esc(value)}">{esc(value)}</time>'

    if start and end:
        return f"{t(start)} – {t(end)}"
    if start:
        return f"since {t(start)}"
    if end:
        return f"until {t(end)}"
    return '<span class="muted">not recorded</span>'


def host(link: str) -> str:
    """The host of a URL, with an ellipsis when a path follows: how a source's link is shown."""
    rest = link.partition("://")[2]
    name, _, path = rest.partition("/")
    return name + ("/…" if path else "")


def english_first(raw: str) -> tuple[int, str]:
    """Sort key for lead paragraphs: English and untagged text first, then the N-Triples text."""
    language = literal(raw)[1] if raw[0] == '"' else None
    return (0 if language in (None, "en") or (language or "").startswith("en-") else 1, raw)


class PageRenderer:
    """Renders the page of one document from the site's index: what the static site writes, one page at a time."""

    def __init__(self, index: SiteIndex, version_text: str | None = None) -> None:
        self.index = index
        self.base = index.base
        self.labels = index.labels
        self.version = version_text if version_text is not None else version()
        # The index's naming, bound once: pages call these for every link.
        self.name = index.name
        self.short = index.short
        self.long = index.long
        self.compact = index.compact
        self.class_label = index.class_label
        self.property_label = index.property_label
        self.document_of = index.document_of
        u = index.uuo
        self.kind_order = [
            u + "Alliance",
            u + "University",
            u + "Network",
            ORG + "OrganizationalUnit",
            u + "Charter",
            u + "Commitment",
            u + "Signature",
            u + "Figure",
            u + "Source",
            ORG + "Membership",
            ORG + "Post",
            SCHEMA + "Person",
            SCHEMA + "Country",
            SCHEMA + "City",
            SKOS + "ConceptScheme",
            SKOS + "Concept",
            OWL + "Ontology",
            OWL + "Class",
            OWL + "ObjectProperty",
            OWL + "DatatypeProperty",
            TIME + "Interval",
            TIME + "Instant",
        ]
        # Facts shown first, in this order; the rest follow sorted by label.
        self.fact_order = [
            RDF_TYPE,
            SKOS + "prefLabel",
            SKOS + "altLabel",
            u + "country",
            u + "seat",
            SCHEMA + "url",
            FOAF + "page",
            SCHEMA + "foundingDate",
            DCT + "issued",
            u + "level",
            u + "focus",
            ORG + "unitOf",
            ORG + "hasUnit",
            u + "launchedThrough",
            u + "ror",
            u + "wikidata",
            SCHEMA + "sameAs",
            RDFS + "subClassOf",
            RDFS + "subPropertyOf",
            OWL + "inverseOf",
            RDFS + "isDefinedBy",
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

    def complete(self, main: str, nodes: Nodes) -> Nodes:
        """A document's nodes in page order: the thing first, its fragments in IRI order, then the blank nodes they reach."""
        nodes.sort(key=lambda node: (node[0] != main, node[0]))
        return nodes + self.index.closure(nodes)

    # ------------------------------------------------------------ naming and linking

    def link(self, iri: str, here: str, text: str | None = None) -> str:
        """A link to ``iri`` from the page file ``here``: its page, the external IRI, or plain text."""
        main, _, fragment = iri.partition("#")
        doc = self.document_of(main)
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
        items = self.index.list_items(node)
        if items is not None:
            return "( " + ", ".join(self.value(item, here, depth + 1) for item in items) + " )"
        group = self.index.bnodes.get(node)
        if not group or depth > 3:
            return '<span class="muted">(blank node)</span>'
        rows = "".join(f"<tr><th>{esc(self.property_label(p))}</th><td>{self.value(o, here, depth + 1)}</td></tr>" for p, o in group)
        return f'<table class="facts">{rows}</table>'

    def frame(self, here: str, title: str, body: str, head: str = "") -> str:
        """The page around ``body``: head with the inline style, navigation, footer."""
        home = relative_href(here, "index.html")
        dataset = relative_href(here, "dataset.html")
        nav = f'<a href="{home}">uugraph</a><a href="{dataset}">Dataset</a>'
        if "doc/def" in self.index.pages:
            nav += f'<a href="{relative_href(here, "doc/def.html")}">Ontology</a>'
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)} · uugraph</title>\n{head}<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<header><nav>{nav}</nav></header>\n<main>\n{body}</main>\n"
            f"<footer><p>uugraph {esc(self.version)}: Utrecht University's international networks as linked data. "
            f'Data licensed <a class="ext" href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>; '
            f'<a href="{dataset}">about the dataset and downloads</a>.</p></footer>\n</body>\n</html>\n'
        )

    def kind(self, types: list[str]) -> str | None:
        for cls in self.kind_order:
            if cls in types:
                return cls
        return types[0] if types else None

    def page(self, main: str, doc: str, nodes: Nodes, jsonld: str) -> str:
        """The page of document ``doc`` about ``main``, from its nodes in page order (:meth:`complete`) and its JSON-LD text."""
        here = doc + ".html"
        name = doc.rpartition("/")[2]
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
            f'<p class="iri">IRI <code>{esc(main)}</code> · this page as <a href="{url(name)}.ttl" type="text/turtle">Turtle</a>'
            f' · <a href="{url(name)}.jsonld" type="application/ld+json">JSON-LD</a></p>\n'
        )
        for p in LEAD_PREDICATES:
            for o in sorted(props.get(p, ()), key=english_first):
                if o[0] == '"':
                    lexical, language, _ = literal(o)
                    lang = f' lang="{esc(language)}"' if language and language != "en" else ""
                    parts.append(f'<p class="lead"{lang}>{esc(lexical)}</p>\n')
        parts.append(self.summary(main, here))
        sections = self.sections(main, here)
        hidden = set(LEAD_PREDICATES)
        if main in self.index.by_member:
            hidden.update((ORG + "memberOf", SCHEMA + "memberOf", self.index.uuo + "hasMembership"))
        if main in self.index.by_org:
            hidden.update((ORG + "hasMember", SCHEMA + "member", self.index.uuo + "membership"))
        if main in self.index.memberships:
            # The schema.org Role mirror of a membership (derived at build) repeats what the page says.
            hidden.update((SCHEMA + "member", SCHEMA + "roleName", SCHEMA + "startDate", SCHEMA + "endDate"))
        if main in self.index.signed:
            hidden.update((self.index.uuo + "hasSignature", self.index.uuo + "signed", PROV + "wasAssociatedWith"))
        if main in self.index.signatories:
            hidden.add(self.index.uuo + "signedBy")
        if main in self.labels:
            # The name is the heading: list names only when there are several.
            for p in LABEL_PROPERTIES:
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
        script = f'<script type="application/ld+json">{json_script(jsonld)}</script>\n'
        alternates = f'<link rel="alternate" type="text/turtle" href="{url(name)}.ttl">\n<link rel="alternate" type="application/ld+json" href="{url(name)}.jsonld">\n'
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
        row = self.index.memberships.get(main)
        if row is not None:
            _, member, organization, role, start, end, _ = row
            role_text = esc(self.name(role)) if role else "member"
            verb = "was" if end else "is"
            how = self.index.ended_how.get(main)
            ended = f" ({esc(self.name(how))})" if how else ""
            suspended = self.index.suspensions.get(main)
            pause = f"; suspended {period(*suspended)}" if suspended else ""
            return f'<p class="lead">{self.link(member, here)} {verb} a {role_text} of {self.link(organization, here, self.long(organization))}: {period(start, end)}{ended}{pause}.</p>\n'
        figure = self.index.figures.get(main)
        if figure is not None:
            value, measure, approximate, as_of, spatial, _, about = figure
            text = ("about " if approximate else "") + esc(value or "?")
            measure_text = self.link(measure, here) if measure else "figure"
            about_text = ", ".join(self.link(a, here) for a in about)
            scope = f" in {self.link(spatial, here)}" if spatial else ""
            date = f", as of <time>{esc(as_of)}</time>" if as_of else ""
            return f'<p class="lead">{about_text}: <strong>{text}</strong> {measure_text}{scope}{date}.</p>\n'
        signature = self.index.signatures.get(main)
        if signature is not None:
            signatory, commitment, date = signature
            when = f" on <time>{esc(date)}</time>" if date else " (the date is not recorded)"
            return f'<p class="lead">{self.link(signatory, here)} signed {self.link(commitment, here)}{when}.</p>\n'
        return ""

    def sections(self, main: str, here: str) -> list[str]:
        """The tables of memberships, members, figures, signatures and ontology terms about ``main``."""
        out: list[str] = []
        link = self.link
        rows = self.index.by_member.get(main)
        if rows:
            ordered = sorted(rows, key=lambda r: (self.long(r[2]).casefold(), r[0]))
            current = [r for r in ordered if not r[5]]
            body = []
            for m, _, organization, role, start, end, confidence in current:
                body.append(
                    f"<tr><td>{link(organization, here, self.long(organization))}</td><td>{link(role, here) if role else ''}</td>"
                    f"<td>{period(start, end)}</td><td>{link(confidence, here) if confidence else '—'}</td>"
                    f"<td>{link(m, here, 'membership')}</td></tr>\n"
                )
            if current:
                out.append(
                    f'<section id="memberships">\n<h2>Member of ({len(current)})</h2>\n<table class="memberships">\n'
                    "<thead><tr><th>Network</th><th>Role</th><th>Period</th><th>Confidence</th><th>Details</th></tr></thead>\n"
                    f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
                )
            out.append(self.former(ordered, here, "former-memberships", "Former memberships", "Network", 2))
            out.append(self.membership_timeline(ordered, here, 2, f"{self.name(main)}: its memberships over time"))
        rows = self.index.by_org.get(main)
        if rows:
            ordered = sorted(rows, key=lambda r: (self.name(r[1]).casefold(), r[0]))
            current = [r for r in ordered if not r[5]]
            body = []
            for m, member, _, role, start, end, confidence in current:
                country = self.index.countries.get(member)
                body.append(
                    f"<tr><td>{link(member, here)}</td><td>{link(country, here) if country else ''}</td>"
                    f"<td>{link(role, here) if role else ''}</td><td>{period(start, end)}</td>"
                    f"<td>{link(confidence, here) if confidence else '—'}</td><td>{link(m, here, 'membership')}</td></tr>\n"
                )
            if current:
                out.append(
                    f'<section id="members">\n<h2>Members ({len(current)})</h2>\n<table class="members">\n'
                    "<thead><tr><th>Member</th><th>Country</th><th>Role</th><th>Period</th><th>Confidence</th><th>Details</th></tr></thead>\n"
                    f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
                )
            out.append(self.former(ordered, here, "former-members", "Former members", "Member", 1))
            out.append(self.membership_timeline(ordered, here, 1, f"{self.name(main)}: its members over time"))
        figures = self.index.figures_about.get(main)
        if figures:
            body = []
            for f in sorted(figures, key=lambda f: (self.name(self.index.figures[f][1] or "").casefold(), self.index.figures[f][3] or "", f)):
                value, measure, approximate, as_of, spatial, sources, _ = self.index.figures[f]
                value_text = esc(value or "") + (' <span class="muted">(approximate)</span>' if approximate else "")
                if f in self.index.lower_bounds:
                    value_text = "more than " + value_text
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
        out.append(self.figure_histories(main, here))
        signatures = self.index.signed.get(main)
        if signatures:
            body = []
            for sig in sorted(signatures, key=lambda s: (self.name(self.index.signatures[s][1]).casefold(), s)):
                _, commitment, date = self.index.signatures[sig]
                body.append(f"<tr><td>{link(commitment, here)}</td><td>{esc(date) if date else '<span class=muted>not recorded</span>'}</td><td>{link(sig, here, 'signature')}</td></tr>\n")
            out.append(
                f'<section id="signed">\n<h2>Signed ({len(signatures)})</h2>\n<table class="signed">\n'
                "<thead><tr><th>Commitment</th><th>Date</th><th>Details</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        signatures = self.index.signatories.get(main)
        if signatures:
            body = []
            for sig in sorted(signatures, key=lambda s: (self.name(self.index.signatures[s][0]).casefold(), s)):
                signatory, _, date = self.index.signatures[sig]
                country = self.index.countries.get(signatory)
                body.append(
                    f"<tr><td>{link(signatory, here)}</td><td>{link(country, here) if country else ''}</td>"
                    f"<td>{esc(date) if date else '<span class=muted>not recorded</span>'}</td><td>{link(sig, here, 'signature')}</td></tr>\n"
                )
            out.append(
                f'<section id="signatories">\n<h2>Signatories ({len(signatures)})</h2>\n<table class="signatories">\n'
                "<thead><tr><th>Signatory</th><th>Country</th><th>Date</th><th>Details</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        terms = self.index.terms.get(main)
        if terms:
            body = []
            for term in sorted(terms, key=lambda t: (self.kind(list(self.index.term_info[t][0])) or "", self.name(t).casefold(), t)):
                types, comment = self.index.term_info[term]
                kind = self.kind(list(types))
                body.append(f"<tr><td>{link(term, here)}</td><td>{esc(self.class_label(kind)) if kind else ''}</td><td><code>{esc(self.compact(term))}</code></td><td>{esc(comment)}</td></tr>\n")
            out.append(
                f'<section id="terms">\n<h2>Terms ({len(terms)})</h2>\n<table class="terms">\n'
                "<thead><tr><th>Term</th><th>Kind</th><th>Name</th><th>Comment</th></tr></thead>\n"
                f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
            )
        return out

    def former(self, rows: list[tuple], here: str, css: str, heading: str, column: str, other: int) -> str:
        """The table of ended memberships: with whom, in which role, the period, how and when it ended.

        ``other`` is the row's position of the other party (1: the member, on a
        network's page; 2: the organisation, on a member's page).
        """
        ended = [r for r in rows if r[5]]
        if not ended:
            return ""
        link = self.link
        body = []
        for row in ended:
            m, role, start, end, confidence = row[0], row[3], row[4], row[5], row[6]
            party = row[other]
            how = self.index.ended_how.get(m)
            suspended = self.index.suspensions.get(m)
            pause = f' <br><span class="muted">suspended {period(*suspended)}</span>' if suspended else ""
            body.append(
                f"<tr><td>{link(party, here, self.long(party))}</td><td>{link(role, here) if role else ''}</td><td>{period(start, end)}</td>"
                f"<td>{link(how, here) if how else '<span class=muted>not recorded</span>'}{pause}</td>"
                f'<td><time datetime="{esc(end)}">{esc(end)}</time></td>'
                f"<td>{link(confidence, here) if confidence else '—'}</td><td>{link(m, here, 'membership')}</td></tr>\n"
            )
        return (
            f'<section id="{css}">\n<h2>{heading} ({len(ended)})</h2>\n<table class="{css}">\n'
            f"<thead><tr><th>{column}</th><th>Role</th><th>Period</th><th>How it ended</th><th>Ended</th><th>Confidence</th><th>Details</th></tr></thead>\n"
            f"<tbody>\n{''.join(body)}</tbody></table>\n</section>\n"
        )

    def membership_timeline(self, rows: list[tuple], here: str, other: int, caption: str) -> str:
        """The timeline of these memberships (current and former), oldest start first; none when no date is known."""
        index = self.index
        if not any(r[4] or r[5] or r[0] in index.membership_as_of for r in rows):
            return ""

        def start_key(row: tuple) -> tuple[float, str, str]:
            known = span(row[4])
            return (known[0] if known else -1.0, self.name(row[other]).casefold(), row[0])

        bars = []
        for row in sorted(rows, key=start_key):
            m, role, start, end = row[0], row[3], row[4], row[5]
            party = row[other]
            party_doc = self.document_of(party)
            m_doc = self.document_of(m)
            how = index.ended_how.get(m)
            bars.append(
                Bar(
                    label=self.short(party) if other == 2 else self.name(party),
                    label_href=relative_href(here, party_doc + ".html") if party_doc else None,
                    href=relative_href(here, m_doc + ".html") if m_doc else None,
                    start=start,
                    end=end,
                    role=self.name(role) if role else "",
                    how=self.name(how) if how else "",
                    as_of=index.membership_as_of.get(m),
                    suspended=index.suspensions.get(m),
                )
            )
        organisation = rows[0][2] if other == 1 else None
        founded = index.founded.get(organisation) if organisation else None
        svg = timeline(bars, caption, founded=founded)
        note = (
            "A bar starts where a source dates the start; a start known to a year or a month is drawn light over that year or month, "
            "a start no source gives is dashed. An open arrow: no end is recorded; grey bars are former memberships, hatching a suspension, "
            "a dot the date a list names the member (evidence it was a member then, not when it joined). Each bar links to its membership."
        )
        return f'<figure class="picture timeline" id="timeline">\n{svg}\n<figcaption>{esc(caption)}. {esc(note)}</figcaption>\n</figure>\n'

    def figure_histories(self, main: str, here: str) -> str:
        """For each measure counted about ``main`` and what it revises (prov:wasRevisionOf), three dated figures or more: its history."""
        index = self.index
        lineage, queue = [], [main]
        while queue:
            thing = queue.pop(0)
            if thing not in lineage:
                lineage.append(thing)
                queue.extend(sorted(index.revision_of.get(thing, ())))
        by_measure: dict[str, list[Point]] = defaultdict(list)
        for thing in lineage:
            for f in index.figures_about.get(thing, ()):
                value, measure, approximate, as_of, spatial, sources, _ = index.figures[f]
                if spatial or not measure or not as_of or value is None or not value.isdigit():
                    continue
                for source in sources or (None,):
                    doc = self.document_of(source) if source else None
                    where = f" ({self.name(thing)})" if thing != main else ""
                    title = f"{'more than ' if f in index.lower_bounds else 'about ' if approximate else ''}{int(value):,} as of {as_of}{where}: {self.name(source) if source else 'no source'}"
                    by_measure[measure].append(Point(as_of, int(value), relative_href(here, doc + ".html") if doc else None, title, approximate, f in index.lower_bounds))
        out = []
        for measure in sorted(by_measure, key=lambda m: (self.name(m).casefold(), m)):
            points = by_measure[measure]
            if len({p.date for p in points}) < 3:
                continue
            caption = f"{self.name(measure)[:1].upper()}{self.name(measure)[1:]} of {self.name(main)} over time" + (" and of the texts it revises" if len(lineage) > 1 else "")
            note = "Each point links to its source; a hollow point is approximate, a triangle a lower bound (\u201cmore than\u201d); a light band spans a date known only to a year or a month."
            out.append(f'<figure class="picture history">\n{history(points, caption)}\n<figcaption>{esc(caption)}. {esc(note)}</figcaption>\n</figure>\n')
        if not out:
            return ""
        return '<section id="history">\n<h2>Over time</h2>\n' + "".join(out) + "</section>\n"

    def sources(self, sources: list[str], here: str) -> str:
        items = []
        for source in sorted(sources, key=lambda s: (self.name(s).casefold(), s)):
            urls = self.index.source_urls.get(source, ())
            external = ", ".join(f'<a class="ext" href="{esc(url)}">{esc(host(url))}</a>' for url in urls)
            items.append(f"<li>{self.link(source, here)}{' — ' + external if external else ''}</li>\n")
        return f'<section id="sources">\n<h2>Sources</h2>\n<ul>\n{"".join(items)}</ul>\n</section>\n'

    def referenced_by(self, main: str, here: str) -> str:
        links = self.index.incoming.get(main)
        if not links:
            return ""
        unique = set(links)
        rows = []
        for referrer, p in sorted(unique, key=lambda rp: (self.property_label(rp[1]).casefold(), self.name(rp[0]).casefold(), rp)):
            if any((referrer, q) in unique for q in self.derived_from.get(p, ())):
                continue  # a derived link beside the asserted one it comes from
            rows.append(f"<tr><td>{self.link(referrer, here)}</td><td>{esc(self.property_label(p))}</td></tr>\n")
        total = self.index.incoming_count.get(main, 0)
        more = f'<p class="muted">The first {len(links)} of {total:,} links are shown.</p>\n' if total > len(links) else ""
        return (
            f'<section id="referenced-by">\n<h2>Referenced by</h2>\n<table class="incoming">\n'
            f"<thead><tr><th>Resource</th><th>As</th></tr></thead>\n<tbody>\n{''.join(rows)}</tbody></table>\n{more}</section>\n"
        )
