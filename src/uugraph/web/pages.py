"""The HTML pages only the server has: its index (when no site was built) and the SPARQL query page.

A resource's page is always the static site's: from ``dist/site/`` when it was
built, else written on demand from the store by the site's own renderer
(:class:`~uugraph.outputs.site.on_demand.StorePages`), so a visitor sees one
page whichever path served it. The query page is a form that POSTs to ``/sparql``
from an inline script: no external assets.
"""

from __future__ import annotations

import contextlib
import html
import json
from pathlib import Path

from uugraph.config import base_iri, version
from uugraph.errors import InputError
from uugraph.pipeline.query import query_parameters, with_defaults
from uugraph.web.graph import Graph
from uugraph.web.media import DUMPS, LICENSE

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
a{color:#0645ad}code,pre,textarea{font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.dt{color:#777;font-size:.85em}nav{margin-bottom:1rem}footer{margin-top:2rem;color:#555;font-size:.9em}
"""
# Pages without a script of their own get a policy that runs none (the site's JSON-LD block is data, not
# script); only the query page, whose form runs an inline script, allows one.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'"
QUERY_PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'"


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{head}<style>{STYLE}</style></head>\n<body>\n"
        '<nav><a href="/">uugraph</a> · <a href="/sparql">SPARQL</a> · <a href="/.well-known/void">VoID</a></nav>\n'
        f'{body}\n<footer>Data: <a rel="license" href="{LICENSE}">CC BY 4.0</a> · uugraph {html.escape(version())}</footer>\n'
        "</body></html>\n"
    ).encode()


def index_page(graph: Graph) -> bytes:
    dumps = "".join(f'<li><a href="/{name}">{name}</a> <span class="dt">{media}</span></li>' for name, media in DUMPS.items())
    return _page(
        "uugraph",
        "<h1>uugraph</h1><p>Utrecht University's international networks as linked data: "
        f"{graph.triples} triples, {len(graph.documents)} documents.</p>"
        '<ul><li><a href="/doc/org/utrecht-university">Utrecht University</a></li>'
        '<li><a href="/sparql">SPARQL endpoint</a> (a query page for people, the SPARQL 1.1 Protocol for programs)</li>'
        '<li><a href="/.well-known/void">dataset description (VoID)</a></li></ul>'
        f"<h2>Downloads</h2><ul>{dumps}</ul>",
    )


QUERY_PAGE_SCRIPT = r"""
const form = document.getElementById('f'), out = document.getElementById('out'), status = document.getElementById('status');
const examples = JSON.parse(document.getElementById('examples').textContent), base = examples['<base>'];
delete examples['<base>'];
const pick = document.getElementById('pick');
for (const [name, text] of Object.entries(examples)) { const o = document.createElement('option'); o.value = name; o.textContent = name; pick.appendChild(o); }
pick.addEventListener('change', () => { if (examples[pick.value]) form.query.value = examples[pick.value]; });
function cell(b) {
  const td = document.createElement('td');
  if (!b) return td;
  if (b.type === 'uri' && /^https?:\/\//i.test(b.value)) {
    // IRIs of this graph open their document on this server; other http(s) IRIs go where they
    // point; any other scheme (javascript:, data:) is shown as text, never a link
    const a = document.createElement('a');
    a.href = b.value.startsWith(base + 'id/') ? '/doc/' + b.value.slice(base.length + 3).split('#')[0]
           : b.value.startsWith(base + 'def/') ? '/doc/def/' + b.value.slice(base.length + 4) : b.value;
    a.textContent = b.value.startsWith(base) ? b.value.slice(base.length) : b.value; td.appendChild(a);
  }
  else {
    td.textContent = b.type === 'bnode' ? '_:' + b.value : b.value;
    if (b['xml:lang'] || b.datatype) {
      const s = document.createElement('span'); s.className = 'dt';
      s.textContent = ' ' + (b['xml:lang'] ? '@' + b['xml:lang'] : b.datatype.replace('http://www.w3.org/2001/XMLSchema#', 'xsd:'));
      td.appendChild(s);
    }
  }
  return td;
}
form.addEventListener('submit', async (e) => {
  e.preventDefault(); out.replaceChildren(); status.textContent = 'running…';
  const started = performance.now();
  try {
    const r = await fetch('/sparql', {method: 'POST', headers: {'Content-Type': 'application/sparql-query',
      'Accept': 'application/sparql-results+json, text/turtle;q=0.9'}, body: form.query.value});
    const ms = Math.round(performance.now() - started), type = r.headers.get('Content-Type') || '';
    if (!r.ok) { status.textContent = r.status + ' ' + r.statusText + ': ' + await r.text(); return; }
    const cut = r.headers.get('X-Result-Truncated') === 'true' ? ' (cut at the row limit)' : '';
    if (type.startsWith('application/sparql-results+json')) {
      const data = await r.json();
      if ('boolean' in data) { status.textContent = 'answer: ' + data.boolean + ' (' + ms + ' ms)'; return; }
      const vars = data.head.vars, table = document.createElement('table'), head = document.createElement('tr');
      for (const v of vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
      table.appendChild(head);
      for (const row of data.results.bindings) { const tr = document.createElement('tr'); for (const v of vars) tr.appendChild(cell(row[v])); table.appendChild(tr); }
      out.appendChild(table);
      status.textContent = data.results.bindings.length + ' rows' + cut + ' (' + ms + ' ms)';
    } else {
      const pre = document.createElement('pre'); pre.textContent = await r.text(); out.appendChild(pre);
      status.textContent = type.split(';')[0] + cut + ' (' + ms + ' ms)';
    }
  } catch (err) { status.textContent = 'error: ' + err; }
});
"""


def query_page(examples: dict[str, str]) -> bytes:
    first = next(iter(examples.values()), "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    data = json.dumps({"<base>": base_iri(), **examples}, ensure_ascii=False).replace("</", "<\\/")
    body = (
        "<h1>SPARQL</h1><p>Ask the graph a question in "
        '<a href="https://www.w3.org/TR/sparql11-query/">SPARQL 1.1</a>. Relative IRIs resolve against '
        f"<code>{html.escape(base_iri())}</code>. Read-only; <code>SERVICE</code> is not allowed.</p>"
        "<p>Some examples take parameters (grlc's <code>?_name</code> variables, declared in the query file's "
        "<code>#+ params:</code> header): the example binds them to their defaults by a <code>VALUES</code> block "
        "at the top of its <code>WHERE</code> clause, and its opening comment says what each one is.</p>"
        '<form id="f"><p><label>Example: <select id="pick"><option value="">(choose)</option></select></label></p>'
        f'<textarea name="query" rows="16" style="width:100%">{html.escape(first)}</textarea>'
        '<p><button type="submit">Run query</button> <span id="status"></span></p></form><div id="out"></div>'
        f'<script type="application/json" id="examples">{data}</script><script>{QUERY_PAGE_SCRIPT}</script>'
    )
    return _page("SPARQL — uugraph", body)


def load_examples(queries_dir: Path | None) -> dict[str, str]:
    """The query page's examples: each ``queries/*.rq`` by name, without its ``#+`` header lines.

    A query with parameters (grlc's ``?_name`` variables) would run unbound
    here, so its example binds them to the header's defaults by the same
    ``VALUES`` block ``uugraph query --param`` writes, and opens with a comment
    that documents each parameter: what a value is, its default, and the
    command that binds another one.
    """
    examples: dict[str, str] = {}
    if queries_dir is None or not queries_dir.is_dir():
        return examples
    for path in sorted(queries_dir.glob("*.rq")):
        with contextlib.suppress(OSError, UnicodeDecodeError, InputError):
            text = path.read_text(encoding="utf-8")
            parameters = query_parameters(path, text)
            lines = with_defaults(path, text).splitlines()
            intro = []
            if parameters:
                intro = [f"# Parameters of {path.stem}, bound to their defaults by the VALUES block below (change the values there):"]
                intro += [f"#   ?{p.variable}: {p.describe()}, {p.explain()}; default {p.default or '(none)'}" for p in parameters]
                command = " ".join(f"--param {p.name}={p.default}" for p in parameters if p.default is not None)
                intro.append(f"# From the command line: uugraph query {path.stem} {command}")
            examples[path.stem] = "\n".join(intro + [line for line in lines if not line.startswith("#+")]).strip() + "\n"
    return examples
