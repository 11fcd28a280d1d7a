"""``queries.html``: the questions the graph answers, with their parameters, beside the query files.

The files of ``queries/`` are documented assets (their ``#+`` header); a
reader of the site, who has no checkout, sees them here: each query's
question, description and tags, the parameters it takes (grlc's ``?_name``
variables, as its ``#+ params:`` line types them, with their defaults and how
to bind them: ``uugraph query NAME --param name=VALUE``) and its text. The
``.rq`` files are written beside the page (``queries/NAME.rq``), so one can be
downloaded and run on any endpoint that holds the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uugraph.outputs.site.html import esc
from uugraph.outputs.site.render import PageRenderer
from uugraph.pipeline.load import QueryFile
from uugraph.pipeline.query import query_parameters

PAGE = "queries.html"


def write_queries(renderer: PageRenderer, folder: Path, queries: Sequence[QueryFile]) -> None:
    """Write ``queries.html`` and ``queries/NAME.rq`` for ``queries`` (nothing when there are none)."""
    if not queries:
        return
    files = folder / "queries"
    files.mkdir(parents=True, exist_ok=True)
    ordered = sorted(queries, key=lambda q: q.name)
    toc, sections = [], []
    for query in ordered:
        (files / f"{query.name}.rq").write_text(query.text, encoding="utf-8")
        parameters = query_parameters(query.path, query.text)
        anchor = f"q-{query.name}"
        toc.append(f'<tr><td><a href="#{esc(anchor)}"><code>{esc(query.name)}</code></a></td><td>{esc(query.summary)}</td><td>{esc(", ".join(p.name for p in parameters))}</td></tr>\n')
        parts = [f'<section id="{esc(anchor)}" class="query">\n<h2><code>{esc(query.name)}</code></h2>\n<p class="lead">{esc(query.summary)}</p>\n']
        if query.description:
            parts.append(f"<p>{esc(query.description)}</p>\n")
        if query.tags:
            parts.append(f'<p class="iri">Tags: {esc(", ".join(query.tags))}</p>\n')
        if parameters:
            rows = "".join(
                f"<tr><td><code>{esc(p.name)}</code></td><td><code>?{esc(p.variable)}</code></td><td>{esc(p.explain())}{' (optional)' if p.optional else ''}</td>"
                f"<td>{f'<code>{esc(p.default)}</code>' if p.default is not None else ''}</td></tr>\n"
                for p in parameters
            )
            example = " ".join(f"--param {p.name}={p.default}" for p in parameters if p.default is not None)
            parts.append(
                '<h3>Parameters</h3>\n<table class="parameters">\n'
                "<thead><tr><th>Parameter</th><th>Variable</th><th>Value</th><th>Default</th></tr></thead>\n"
                f"<tbody>\n{rows}</tbody></table>\n"
                f"<p>Run it: <code>uugraph query {esc(query.name)} {esc(example)}</code>. Each value is bound by a "
                "<code>VALUES</code> block that opens the <code>WHERE</code> clause, on the embedded graph and on an endpoint alike.</p>\n"
            )
        else:
            parts.append(f"<p>No parameters. Run it: <code>uugraph query {esc(query.name)}</code>.</p>\n")
        parts.append(
            f'<p><a href="queries/{esc(query.name)}.rq" type="application/sparql-query">{esc(query.name)}.rq</a></p>\n'
            f'<pre style="white-space:pre-wrap;overflow-wrap:anywhere">{esc(query.text)}</pre>\n</section>\n'
        )
        sections.append("".join(parts))
    body = (
        '<p class="kind">SPARQL</p>\n<h1>Queries</h1>\n'
        '<p class="lead">The questions the graph answers, as SPARQL files with a <code>#+</code> header (grlc style). '
        "A query with parameters declares them as <code>?_name</code> variables on its <code>#+ params:</code> line, "
        "typed (an IRI or a slug of the minting rule, a date, a literal), with <code>#+ defaults:</code>.</p>\n"
        '<table class="queries">\n<thead><tr><th>Query</th><th>Question</th><th>Parameters</th></tr></thead>\n'
        f"<tbody>\n{''.join(toc)}</tbody></table>\n" + "".join(sections)
    )
    (folder / PAGE).write_text(renderer.frame(PAGE, "Queries", body), encoding="utf-8")
