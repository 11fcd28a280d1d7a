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

A server renders a page the site does not have with the same renderer, over
that page's neighbourhood in the store (:mod:`~uugraph.outputs.site.on_demand`);
from 2 million triples ``build --site auto`` leaves the site out for that.

It scales by streaming the sorted canonical N-Triples twice, one module per job:

1. :mod:`~uugraph.outputs.site.index` reads what a page needs about *other*
   resources (labels, memberships, figures, signatures, incoming links…);
2. :func:`~uugraph.outputs.site.index.documents` hands over each document (the
   thing, its fragments ``…#period`` and the blank nodes they point to) as soon
   as its lines are read; :mod:`~uugraph.outputs.site.documents` writes its
   Turtle and JSON-LD and :mod:`~uugraph.outputs.site.render` its page
   (:class:`PageRenderer`);
3. :mod:`~uugraph.outputs.site.pages` writes ``index.html`` and
   ``dataset.html``, :mod:`~uugraph.outputs.site.queries` ``queries.html`` (the
   queries with their parameters), :mod:`~uugraph.outputs.site.htaccess` the
   rewrite rules.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from uugraph.outputs.site.documents import jsonld_text, turtle
from uugraph.outputs.site.htaccess import htaccess
from uugraph.outputs.site.index import SiteIndex, documents
from uugraph.outputs.site.pages import write_dataset, write_index
from uugraph.outputs.site.queries import write_queries
from uugraph.outputs.site.render import PageRenderer
from uugraph.pipeline.load import QueryFile
from uugraph.progress import Progress

__all__ = ["DUMPS", "PageRenderer", "write_site"]

# The dumps build writes beside the site; they are hard-linked into it.
DUMPS = ("graph.ttl", "graph.nt", "graph.jsonld", "context.jsonld", "void.ttl", "network.svg", "ontology.html")


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


def _write_documents(renderer: PageRenderer, ntriples: bytes, folder: Path) -> None:
    """Pass 2: every document's .ttl, .jsonld and .html (the folders first, once)."""
    index = renderer.index
    for sub in sorted({doc.rpartition("/")[0] for doc in index.pages}):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for main, doc, nodes in documents(ntriples, index.pages):
        nodes = renderer.complete(main, nodes)
        text = jsonld_text(nodes, index)
        target = f"{folder}/{doc}"
        with open(target + ".ttl", "w", encoding="utf-8") as out:
            out.write(turtle(nodes, index))
        with open(target + ".jsonld", "w", encoding="utf-8") as out:
            out.write(text + "\n")
        with open(target + ".html", "w", encoding="utf-8") as out:
            out.write(renderer.page(main, doc, nodes, text))


def write_site(ntriples: bytes, folder: Path, progress: Progress | None = None, queries: Sequence[QueryFile] = ()) -> None:
    """Write the static site for the sorted canonical N-Triples ``ntriples`` into ``folder``.

    The dumps (graph.ttl, graph.nt, graph.jsonld, context.jsonld, void.ttl) are
    taken from ``folder``'s parent, where ``build`` wrote them, and hard-linked
    into the site so its root is self-contained. ``queries`` (the files of
    ``queries/``) are documented on ``queries.html``, with their parameters.
    """
    progress = progress or Progress.quiet()
    with progress.step("write site"):
        folder.mkdir(parents=True, exist_ok=True)
        renderer = PageRenderer(SiteIndex.from_ntriples(ntriples))
        _write_documents(renderer, ntriples, folder)
        _link_dumps(folder.parent, folder)
        write_queries(renderer, folder, queries)
        write_index(renderer, folder)
        void = folder / "void.ttl"
        write_dataset(renderer, folder, void if void.exists() else None)
        (folder / ".htaccess").write_text(htaccess(), encoding="utf-8")
