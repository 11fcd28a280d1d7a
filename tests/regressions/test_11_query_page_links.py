"""Issue 11: the query page links only http(s) IRIs of an answer; ``javascript:`` is shown as text.

The page's policy allows its own inline script, and with it ``javascript:``
URLs: a result IRI ``javascript:alert(1)`` must not become an ``href``. The
page's ``cell`` function runs in Node with a minimal stand-in for the DOM
(skipped where Node is not installed).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from uugraph.web.pages import QUERY_PAGE_SCRIPT

NODE = shutil.which("node")

HARNESS = """
const made = [];
const document = { createElement(tag) {
  const el = { tag, children: [], textContent: '', className: '', appendChild(c) { this.children.push(c); } };
  made.push(el); return el; } };
const base = 'https://example.org/';
%s
const out = JSON.parse(process.argv[1]).map(b => {
  const td = cell(b);
  return { text: td.textContent, hrefs: td.children.filter(c => 'href' in c).map(c => c.href) };
});
console.log(JSON.stringify(out));
"""


def cell_function() -> str:
    start = QUERY_PAGE_SCRIPT.index("function cell(b) {")
    end = QUERY_PAGE_SCRIPT.index("\n}\n", start) + 2
    return QUERY_PAGE_SCRIPT[start:end]


@pytest.mark.skipif(NODE is None, reason="Node is not installed")
def test_only_http_iris_become_links() -> None:
    assert NODE is not None
    bindings = [
        {"type": "uri", "value": "javascript:alert(1)"},
        {"type": "uri", "value": "JavaScript:alert(2)"},
        {"type": "uri", "value": "data:text/html,<script>alert(3)</script>"},
        {"type": "uri", "value": "https://example.org/id/org/leru"},
        {"type": "uri", "value": "http://other.example/x"},
    ]
    done = subprocess.run([NODE, "-e", HARNESS % cell_function(), json.dumps(bindings)], capture_output=True, text=True, timeout=30, check=True)
    cells = json.loads(done.stdout)
    for unsafe in cells[:3]:
        assert unsafe["hrefs"] == [] and "alert(" in unsafe["text"]
    assert cells[3]["hrefs"] == ["/doc/org/leru"]
    assert cells[4]["hrefs"] == ["http://other.example/x"]
