"""The two pages that are not about one resource: ``index.html`` and ``dataset.html``.

``index.html`` lists the networks and universities (from the index), the
commitments and concept schemes, and links the ontology, its pyLODE
documentation and the picture where the build wrote them. ``dataset.html``
shows the VoID/DCAT description (``void.ttl``) with the dumps to download.
Both use the page renderer's frame and links, so they look like every other page.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from uugraph.outputs.site.html import esc, relative_href
from uugraph.outputs.site.render import PageRenderer
from uugraph.rdf.namespaces import DCAT, RDF_TYPE, VOID, XSD
from uugraph.rdf.namespaces import DCTERMS as DCT

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def write_index(renderer: PageRenderer, folder: Path) -> None:
    """index.html: the networks and universities, the commitments and concept schemes, links to the rest."""
    index = renderer.index
    here = "index.html"
    link = renderer.link
    networks = sorted(index.networks, key=lambda n: (renderer.name(n).casefold(), n))
    rows = []
    for n in networks:
        level = index.levels.get(n)
        country = index.countries.get(n)
        rows.append(
            f"<tr><td>{link(n, here)}</td><td>{esc(index.acronyms.get(n, ''))}</td><td>{link(level, here) if level else ''}</td>"
            f"<td>{link(country, here) if country else ''}</td><td>{sum(1 for r in index.by_org.get(n, ()) if not r[5])}</td></tr>\n"
        )
    universities = sorted(index.universities, key=lambda u: (renderer.name(u).casefold(), u))
    urows = []
    for u in universities:
        country = index.countries.get(u)
        urows.append(f"<tr><td>{link(u, here)}</td><td>{link(country, here) if country else ''}</td><td>{sum(1 for r in index.by_member.get(u, ()) if not r[5])}</td></tr>\n")
    more = []
    for heading, items in (("Commitments", index.commitments), ("Concept schemes", index.schemes)):
        if items:
            listed = "".join(f"<li>{link(i, here)}</li>\n" for i in sorted(items, key=lambda i: (renderer.name(i).casefold(), i)))
            more.append(f"<h2>{heading}</h2>\n<ul>\n{listed}</ul>\n")
    ontology = f"<li>{link(index.ontology, here, 'The uugraph ontology')}</li>\n" if index.document(index.ontology) else ""
    if (folder / "ontology.html").exists():
        ontology += '<li><a href="ontology.html">The ontology\'s documentation (pyLODE)</a></li>\n'
    if (folder / "queries.html").exists():
        ontology += '<li><a href="queries.html">Queries: the questions the graph answers, with their parameters</a></li>\n'
    picture = (
        '<figure class="picture"><img src="network.svg" alt="Utrecht University, its networks, alliances, commitments and partners" '
        'style="max-width:100%;height:auto"><figcaption>Utrecht University, its networks and alliances, the commitments it signed '
        "and its alliances' partners.</figcaption></figure>\n"
        if (folder / "network.svg").exists()
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
        "<thead><tr><th>Network</th><th>Acronym</th><th>Level</th><th>Country</th><th>Members (current)</th></tr></thead>\n"
        f"<tbody>\n{''.join(rows)}</tbody></table>\n</section>\n"
        f'<section id="universities">\n<h2>Universities ({len(universities)})</h2>\n<table class="universities">\n'
        "<thead><tr><th>University</th><th>Country</th><th>Memberships (current)</th></tr></thead>\n"
        f"<tbody>\n{''.join(urows)}</tbody></table>\n</section>\n" + "".join(more)
    )
    (folder / "index.html").write_text(renderer.frame(here, "Utrecht University's international networks", body), encoding="utf-8")


def write_dataset(renderer: PageRenderer, folder: Path, void: Path | None) -> None:
    """dataset.html: the VoID/DCAT description (``void.ttl``) with its downloads and class partitions."""
    here = "dataset.html"
    triples = [] if void is None else list(ox.parse(path=str(void), format=ox.RdfFormat.TURTLE))
    by_subject: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[str(t.subject)[1:-1] if isinstance(t.subject, ox.NamedNode) else str(t.subject)][t.predicate.value].append(t.object)
    datasets = sorted(s for s, props in by_subject.items() if any(o.value == VOID + "Dataset" for o in props.get(RDF_TYPE, ())))
    parts = ['<p class="kind">Dataset</p>\n']
    if not datasets:
        parts.append("<h1>uugraph</h1>\n<p>No dataset description (void.ttl) was found.</p>\n")
    for dataset in datasets:
        props = by_subject[dataset]

        def text(p: str, props: dict[str, list[Term]] = props) -> str:
            values = [o.value for o in props.get(p, ()) if isinstance(o, ox.Literal)]
            return values[0] if values else ""

        parts.append(f"<h1>{esc(text(DCT + 'title') or 'uugraph')}</h1>\n")
        parts.append(f'<p class="iri">IRI <code>{esc(dataset)}</code></p>\n')
        if text(DCT + "description"):
            parts.append(f'<p class="lead">{esc(text(DCT + "description"))}</p>\n')
        rows = []
        for p, label in (
            (DCT + "license", "Licence"),
            (DCAT + "version", "Version"),
            (DCT + "publisher", "Publisher"),
            (DCT + "source", "Source"),
            (VOID + "triples", "Triples"),
            (VOID + "entities", "Entities"),
            (VOID + "distinctSubjects", "Distinct subjects"),
            (VOID + "properties", "Properties"),
            (VOID + "classes", "Classes"),
            (VOID + "uriSpace", "IRI space"),
            (VOID + "vocabulary", "Vocabularies"),
        ):
            values = props.get(p, [])
            if not values:
                continue
            cells = []
            for o in sorted(values, key=str):
                if isinstance(o, ox.NamedNode):
                    cells.append(renderer.link(o.value, here))
                elif isinstance(o, ox.Literal) and o.datatype.value == XSD + "integer":
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
            href = relative_href(here, file_name) if (folder / file_name).exists() else ""
            shown = f'<a href="{href}" type="{esc(media)}">{esc(file_name)}</a>' if href else f"<code>{esc(url)}</code>"
            downloads.append(f"<tr><td>{shown}</td><td>{esc(title)}</td><td><code>{esc(media)}</code></td><td>{f'{int(size):,} bytes' if size.isdigit() else ''}</td></tr>\n")
        for file_name, title, media in (("context.jsonld", "the JSON-LD @context alone", "application/ld+json"), ("void.ttl", "this description (VoID, DCAT)", "text/turtle")):
            if (folder / file_name).exists():
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
                partitions.append((renderer.class_label(cls).casefold(), cls, int(count)))
        rows = [
            f"<tr><td>{renderer.link(cls, here, renderer.class_label(cls))}</td><td><code>{esc(renderer.compact(cls))}</code></td><td>{count:,}</td></tr>\n" for _, cls, count in sorted(partitions)
        ]
        parts.append(
            f'<section id="classes">\n<h2>Classes ({len(rows)})</h2>\n<table class="classes">\n'
            "<thead><tr><th>Class</th><th>Name</th><th>Entities</th></tr></thead>\n"
            f"<tbody>\n{''.join(rows)}</tbody></table>\n</section>\n"
        )
    (folder / "dataset.html").write_text(renderer.frame(here, "The dataset", "".join(parts)), encoding="utf-8")
