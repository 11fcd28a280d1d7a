"""The static site build writes into dist/site/: pages, their data, links, JSON-LD, .htaccess, a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import pyoxigraph as ox
import pytest
from pyld import jsonld

from tests.oxigraph_server import free_port
from uugraph.build import build
from uugraph.config import base_iri
from uugraph.iris import document_path

CHROMIUM = "/usr/bin/chromium"
BASE = base_iri()
ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- helpers


class _Page(HTMLParser):
    """What a test needs from a page: links, ids, scripts, the h1 and the tables as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[str, str]] = []
        self.h1 = ""
        self.html_lang: str | None = None
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._script: str | None = None
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for name in ("href", "src"):
            if a.get(name) is not None:
                self.links.append(a[name] or "")
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "script":
            self._script = a.get("type") or ""
            self.scripts.append((self._script, ""))
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("class") or f"table{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        elif tag == "script":
            self._script = None
        elif tag == "table":
            self._table = None
        elif tag == "thead":
            if self._table:
                self._table.pop()  # the column headings are not a row of data
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        if self._in_h1:
            self.h1 += data
        if self._cell is not None:
            self._cell.append(data)


def parse_page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def read_page(path: Path) -> _Page:
    return parse_page(path.read_text(encoding="utf-8"))


def page_of(site: Path, iri: str) -> Path:
    doc = document_path(iri)
    assert doc is not None, iri
    return site / f"{doc}.html"


def rows(page: _Page, table: str) -> list[list[str]]:
    """The data rows (not the column headings) of the table with this class."""
    return [row for row in page.tables[table] if row]


def _no_network(url: str, options: object = None) -> object:
    raise AssertionError(f"the JSON-LD tried to load {url}: it must expand offline")


def _embedded_jsonld(page: _Page) -> dict:
    scripts = [text for kind, text in page.scripts if kind == "application/ld+json"]
    assert len(scripts) == 1, "one JSON-LD script per page"
    assert "<" not in scripts[0], "the JSON-LD in <script> escapes every < (no </script> inside)"
    return json.loads(scripts[0])


def _canonical(triples: list[ox.Triple]) -> set[str]:
    """Triples with blank nodes canonically renamed, as N-Triples lines: comparable across parsers."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q.triple) for q in dataset}


def _expanded(document: dict) -> list[ox.Triple]:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": _no_network})
    return [q.triple for q in ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)]


def _description(graph: list[ox.Triple], iri: str) -> list[ox.Triple]:
    """What a page must hold: the triples of the thing and its fragments, and the blank nodes they reach."""
    out = [t for t in graph if isinstance(t.subject, ox.NamedNode) and t.subject.value.split("#", 1)[0] == iri]
    by_blank: dict[ox.BlankNode, list[ox.Triple]] = {}
    for t in graph:
        if isinstance(t.subject, ox.BlankNode):
            by_blank.setdefault(t.subject, []).append(t)
    queue = [t.object for t in out if isinstance(t.object, ox.BlankNode)]
    seen: set[ox.BlankNode] = set()
    while queue:
        node = queue.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_blank.get(node, []):
            out.append(t)
            if isinstance(t.object, ox.BlankNode):
                queue.append(t.object)
    return out


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def site(built_dist: Path) -> Path:
    return built_dist / "site"


@pytest.fixture(scope="session")
def graph(built_dist: Path) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(built_dist / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)]


@pytest.fixture(scope="session")
def uu(site: Path) -> Path:
    return page_of(site, BASE + "id/org/utrecht-university")


# ---------------------------------------------------------------- pages and what they show


def test_a_page_with_its_data_for_every_resource(site: Path, graph: list[ox.Triple]) -> None:
    things = {t.subject.value.split("#", 1)[0] for t in graph if isinstance(t.subject, ox.NamedNode)}
    documented = {iri: document_path(iri) for iri in things if document_path(iri)}
    assert BASE + "def/" in documented and BASE + "id/org/leru" in documented
    for iri, doc in sorted(documented.items()):
        for suffix in (".html", ".ttl", ".jsonld"):
            assert (site / f"{doc}{suffix}").is_file(), f"no {doc}{suffix} for {iri}"
    kinds = {doc.split("/")[1] for doc in documented.values()}
    expected = {"org", "membership", "signature", "figure", "country", "place", "concept", "scheme", "person", "post", "source", "commitment", "def"}
    assert expected <= kinds
    pages = {str(p.relative_to(site))[: -len(".html")] for p in (site / "doc").rglob("*.html")}
    assert pages == set(documented.values()), "exactly one page per document"


def test_pages_are_utf8_english_and_self_contained(site: Path, uu: Path) -> None:
    for path in [uu, site / "index.html", site / "dataset.html", site / "doc/def.html"]:
        text = path.read_bytes().decode("utf-8")
        assert text.startswith("<!DOCTYPE html>")
        assert '<meta charset="utf-8">' in text
        page = parse_page(text)
        assert page.html_lang == "en"
        assert "<style>" in text and 'rel="stylesheet"' not in text
        assert not [kind for kind, _ in page.scripts if kind != "application/ld+json"], "no script but the data"


def test_uu_page_shows_its_networks_with_periods(uu: Path) -> None:
    page = read_page(uu)
    assert page.h1.startswith("Utrecht University")
    memberships = {row[0]: row for row in rows(page, "memberships")}
    assert len(memberships) == 16
    eua = next(row for name, row in memberships.items() if "(EUA)" in name)
    coimbra = next(row for name, row in memberships.items() if name.startswith("Coimbra Group"))
    charm = next(row for name, row in memberships.items() if "(CHARM-EU)" in name)
    assert eua[1:3] == ["member", "since 2018"]
    assert coimbra[1:3] == ["member", "since 2020-12"]
    assert charm[1] == "partner"
    assert all(row[-1] == "membership" for row in memberships.values()), "each row links its membership page"
    facts = {row[0]: row[1] for row in page.tables["facts"]}
    assert facts["Country"] == "Netherlands"
    assert facts["Seat"] == "Utrecht"
    assert facts["Website"] == "https://www.uu.nl"
    assert facts["Founded"] == "1636"
    assert facts["ROR ID"] == "https://ror.org/04pp8hn57"
    assert facts["Also known as"] == "UU"
    assert "University" in facts["Type"]
    assert "https://ror.org/04pp8hn57" in page.links and "http://www.wikidata.org/entity/Q221653" in page.links
    assert rows(page, "signed")[0][0] == "Magna Charta Universitatum 2020"
    assert "International networks" in uu.read_text(encoding="utf-8")  # its sources, by title


def test_leru_page_lists_its_members(site: Path) -> None:
    page = read_page(page_of(site, BASE + "id/org/leru"))
    members = rows(page, "members")
    assert len(members) == 24
    by_name = {row[0]: row for row in members}
    assert "Utrecht University" in by_name and by_name["Utrecht University"][1] == "Netherlands"
    assert by_name["University of Copenhagen"][1:4] == ["Denmark", "member", "since 2017-01-01"]
    assert all(row[4] in ("confirmed", "single-source") for row in members)
    figures = rows(page, "figures")
    assert sorted(row[1] for row in figures) == ["23", "24"], "the page's 23 beside the reference's 24"


def test_network_pages_list_former_members_with_how_and_when_they_left(site: Path) -> None:
    leru = read_page(page_of(site, BASE + "id/org/leru"))
    former = rows(leru, "former-members")
    assert [row[:5] for row in former] == [["Karolinska Institutet", "member", "2002 – 2011", "left", "2011"]]
    assert "Karolinska Institutet" not in {row[0] for row in rows(leru, "members")}
    coimbra = read_page(page_of(site, BASE + "id/org/coimbra-group"))
    by_name = {row[0]: row for row in rows(coimbra, "former-members")}
    assert by_name["University of Göttingen"][2:5] == ["until 2024-12", "withdrawn", "2024-12"]
    assert by_name["St Petersburg State University"][3] == "revoked suspended 2022-03-10 – 2023-04-26"
    assert by_name["St Petersburg State University"][4] == "2023-04-26"
    charm = read_page(page_of(site, BASE + "id/org/charm-eu"))
    assert [row[:4] for row in rows(charm, "former-members")] == [["Hochschule Ruhr West (HRW)", "associate partner", "until 2022-01-14", "role changed"]]
    assert len(rows(charm, "members")) == 9


def _svg(text: str, css: str) -> str:
    match = re.search(rf'<svg [^>]*class="{css}".*?</svg>', text, re.S)
    assert match, f"no <svg class={css}> on the page"
    return match.group(0)


def test_network_and_university_pages_draw_membership_timelines(site: Path, uu: Path) -> None:
    path = page_of(site, BASE + "id/org/leru")
    svg = _svg(path.read_text(encoding="utf-8"), "timeline")
    assert svg.count("<a href=") >= 2 * 25  # each member's name and bar link their pages
    assert 'href="../membership/leru/karolinska-institutet.html"' in svg
    assert "Karolinska Institutet, member; from 2002 (year); until 2011 (year); ended: left" in svg
    assert "ETH Zurich, member; from 2024-01-01 (day); no end recorded" in svg  # an open end
    assert "start not recorded" in svg  # a start no source gives is not invented
    coimbra = _svg(page_of(site, BASE + "id/org/coimbra-group").read_text(encoding="utf-8"), "timeline")
    assert "suspended 2022-03-10 to 2023-04-26" in coimbra and 'fill="url(#hatch)"' in coimbra
    mine = _svg(uu.read_text(encoding="utf-8"), "timeline")
    assert "EUA, member; from 2018 (year)" in mine and "CG, member; from 2020-12 (month)" in mine
    assert "UN, member; start not recorded; no end recorded; listed as of 2021" in mine  # a mention, not a start


def test_the_magna_charta_page_draws_its_signatories_over_time_linked_to_sources(site: Path) -> None:
    path = page_of(site, BASE + "id/commitment/magna-charta-universitatum-2020")
    text = path.read_text(encoding="utf-8")
    charts = re.findall(r'<svg [^>]*class="history".*?</svg>', text, re.S)
    signatories = next(c for c in charts if "Signatory universities" in c)
    points = re.findall(r'<a href="([^"]+)"><title>([^<]+)</title>', signatories)
    assert len(points) >= 9
    source = "Reference record: Universitas Tartuensis, 17 September 2014: the Magna Charta of European universities"
    assert ("../source/reference/facts/universitas-2014.html", f"776 as of 2014-09 (Magna Charta Universitatum): {source}") in points
    assert any(title.startswith("more than 800 as of 2015-09-18") for _, title in points)
    assert any(title.startswith("about 1,000 as of 2026-11-25") for _, title in points)
    for href, _ in points:
        assert (path.parent / href).resolve().is_file(), href


def test_membership_page_shows_its_period_on_the_page(site: Path) -> None:
    path = page_of(site, BASE + "id/membership/coimbra-group/utrecht-university")
    page = read_page(path)
    assert {"period", "start"} <= page.ids, "fragments are sections of their document's page"
    text = path.read_text(encoding="utf-8")
    assert "2020-12" in text and "Coimbra Group" in text


def test_ontology_pages(site: Path) -> None:
    page = read_page(site / "doc/def/Alliance.html")
    assert page.h1 == "European University alliance"
    facts = {row[0]: row[1] for row in page.tables["facts"]}
    assert facts["Subclass of"] == "Network" and facts["Defined by"] == "uugraph ontology"
    assert "European Universities Initiative" in (site / "doc/def/Alliance.html").read_text(encoding="utf-8")
    signed = read_page(site / "doc/def/signed.html")
    chain = {row[0]: row[1] for row in signed.tables["facts"]}["Property chain"]
    assert chain == "( has signature, signed commitment )"
    ontology = read_page(site / "doc/def.html")
    assert len(rows(ontology, "terms")) >= 30


def test_index_and_dataset(site: Path, built_dist: Path) -> None:
    index = read_page(site / "index.html")
    networks = {row[1]: row for row in rows(index, "networks")}
    assert networks["LERU"][4] == "24" and networks["LERU"][2] == "European"
    assert networks["CG"][0] == "Coimbra Group"
    universities = {row[0]: row for row in rows(index, "universities")}
    assert universities["Utrecht University"][1] == "Netherlands"
    dataset = read_page(site / "dataset.html")
    facts = {row[0]: row[1] for row in dataset.tables["facts"]}
    triples = sum(1 for line in (built_dist / "graph.nt").read_bytes().splitlines() if line)
    assert facts["Triples"] == f"{triples:,}"
    assert facts["Licence"] == "https://creativecommons.org/licenses/by/4.0/"
    assert {"graph.ttl", "graph.nt", "graph.jsonld", "context.jsonld", "void.ttl"} <= set(dataset.links)
    assert any(row[0] == "University" for row in rows(dataset, "classes"))
    for name in ("graph.ttl", "graph.nt", "graph.jsonld", "context.jsonld", "void.ttl"):
        assert (site / name).read_bytes() == (built_dist / name).read_bytes()


def test_every_link_resolves(site: Path) -> None:
    """Every page: links are relative and reach an existing file (and, with #, an element of it)."""
    # ontology.html is pyLODE's document (it inlines its icons as data: URIs); the links checked are ours.
    pages = sorted(p for p in site.rglob("*.html") if p.name != "ontology.html")
    assert len(pages) > 400
    ids: dict[Path, set[str]] = {}
    for path in pages:
        page = read_page(path)
        ids[path] = page.ids
        for link in page.links:
            if link.startswith(("http://", "https://")):
                assert not link.startswith(BASE), f"{path}: absolute link to this site's own {link}"
                continue
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc and not link.startswith("/"), f"{path}: {link} is not relative"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file(), f"{path.relative_to(site)}: {link} leads nowhere"
            assert site.resolve() in target.parents, f"{path}: {link} leaves the site"
            if parts.fragment:
                if target not in ids:
                    ids[target] = read_page(target).ids
                assert parts.fragment in ids[target], f"{path}: no #{parts.fragment} in {target}"


@pytest.mark.parametrize(
    "iri",
    [
        "id/org/utrecht-university",
        "id/org/leru",
        "id/membership/coimbra-group/utrecht-university",
        "id/figure/magna-charta-universitatum-2020/signatories/2026-11-25",
        "id/country/nl",
        "def/signed",
        "def/",
    ],
)
def test_embedded_jsonld_expands_to_the_page_triples(site: Path, graph: list[ox.Triple], iri: str) -> None:
    iri = BASE + iri
    path = page_of(site, iri)
    turtle = [q.triple for q in ox.parse(path=str(path.with_suffix(".ttl")), format=ox.RdfFormat.TURTLE)]
    expected = _canonical(_description(graph, iri))
    assert _canonical(turtle) == expected, "the .ttl holds the thing's triples and its fragments'"
    embedded = _embedded_jsonld(read_page(path))
    assert _canonical(_expanded(embedded)) == expected
    beside = json.loads(path.with_suffix(".jsonld").read_text(encoding="utf-8"))
    assert beside == embedded
    context = embedded["@context"]
    used = json.dumps({k: v for k, v in embedded.items() if k != "@context"})
    for prefix, value in context.items():
        if isinstance(value, str):
            assert f'"{prefix}:' in used or f'"{prefix}:' in json.dumps(context), f"unused prefix {prefix}"


def test_jsonld_script_escapes_less_than() -> None:
    from uugraph.outputs.site.html import json_script

    text = json.dumps({"note": "a </script><!-- b"})
    escaped = json_script(text)
    assert "<" not in escaped and json.loads(escaped) == json.loads(text)


@pytest.fixture(scope="module")
def renderer(built_dist: Path):
    """The pages on demand of the published graph loaded into memory, as ``serve`` holds a small one."""
    from uugraph.web.graph import Graph

    return Graph(built_dist / "graph.nt").pages()


@pytest.mark.parametrize(
    "iri",
    [
        BASE + "id/org/utrecht-university",  # memberships, figures, signatures, incoming links
        BASE + "id/org/leru",  # members
        BASE + "id/membership/leru/eth-zurich",  # fragments (#period, #start)
        BASE + "def/",  # the ontology: its terms
        BASE + "def/University",  # a term
        BASE + "def/signed",  # a property with an owl:propertyChainAxiom list (blank nodes)
        BASE + "id/country/be",
        BASE + "id/concept/role/member",
    ],
)
def test_the_page_renderer_gives_the_page_the_site_wrote(renderer, site: Path, iri: str) -> None:
    """A server without the built site renders the very page the static site has, byte for byte."""
    doc = document_path(iri)
    assert doc is not None
    assert renderer.render(doc) == (site / f"{doc}.html").read_text(encoding="utf-8")


def test_the_page_renderer_renders_every_page_and_nothing_else(renderer, site: Path) -> None:
    pages = sorted(str(page.relative_to(site))[: -len(".html")] for page in site.glob("doc/**/*.html"))
    assert len(pages) > 400
    differ = [doc for doc in pages if renderer.render(doc) != (site / f"{doc}.html").read_text(encoding="utf-8")]
    assert not differ, differ[:5]
    for missing in ("doc/org/no-such-university", "index", "dataset", "", "doc/../index"):
        assert renderer.render(missing) is None


def test_htaccess_answers_things_with_303(site: Path) -> None:
    rules = (site / ".htaccess").read_text(encoding="utf-8")
    assert BASE in rules.splitlines()[0], "says which base IRI the rules are for"
    assert "RewriteEngine on" in rules
    assert "RewriteCond %{HTTP_ACCEPT} text/turtle\nRewriteRule ^id/(.+)$ doc/$1.ttl [R=303,L]" in rules
    assert "RewriteCond %{HTTP_ACCEPT} application/ld\\+json\nRewriteRule ^id/(.+)$ doc/$1.jsonld [R=303,L]" in rules
    assert "RewriteRule ^id/(.+)$ doc/$1.html [R=303,L]" in rules
    assert "RewriteRule ^def/(.+)$ doc/def/$1.html [R=303,L]" in rules
    assert "RewriteRule ^def/?$ doc/def.html [R=303,L]" in rules
    assert "AddType text/turtle .ttl" in rules and "AddType application/ld+json .jsonld" in rules
    assert "DirectoryIndex index.html" in rules
    assert f"RewriteBase {urlsplit(BASE).path}" in rules


def test_building_twice_gives_the_same_site(layout, site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build(layout, again)

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    first, second = tree(site), tree(again / "site")
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert not different, f"differ between builds: {different[:5]}"


# ---------------------------------------------------------------- a real browser


@pytest.fixture(scope="module")
def chromium() -> str:
    if os.environ.get("UUGRAPH_SKIP_BROWSER") == "1":
        pytest.skip("UUGRAPH_SKIP_BROWSER=1: the headless browser test is switched off")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install it (`apt-get install -y chromium`, as `make test` does) or set UUGRAPH_SKIP_BROWSER=1 to skip the browser test")
    return CHROMIUM


@pytest.fixture(scope="module")
def served(site: Path) -> str:
    """dist/site served by a real HTTP server on 127.0.0.1 (stopped by its pid afterwards)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(url + "index.html", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        os.kill(server.pid, 15)
        server.wait(timeout=10)


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, env={**os.environ, "HOME": str(profile)})


def test_browser_shows_the_uu_page(chromium: str, served: str, tmp_path: Path) -> None:
    url = served + "doc/org/utrecht-university.html"
    result = _chromium(chromium, tmp_path / "profile", "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    page = parse_page(result.stdout)
    assert page.h1 == "Utrecht University (UU)"
    networks = [row[0] for row in rows(page, "memberships")]
    assert len(networks) == 16
    assert any("(EUA)" in name for name in networks) and any("(LERU)" in name for name in networks)
    document = _embedded_jsonld(page)
    assert document["@id"] == "id:org/utrecht-university" and "uuo:University" in document["@type"]
    checked = set()
    for link in page.links:
        target = urljoin(url, link).split("#", 1)[0]
        if not target.startswith(served) or target in checked:
            continue
        checked.add(target)
        with urllib.request.urlopen(target, timeout=5) as response:
            assert response.status == 200, target
    assert len(checked) > 30


def test_browser_shows_the_leru_timeline_without_scripts(chromium: str, served: str, tmp_path: Path) -> None:
    """The timeline is in the page as served, drawn by the browser with no script, and its links lead somewhere."""
    url = served + "doc/org/leru.html"
    result = _chromium(chromium, tmp_path / "profile", "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    svg = _svg(dom, "timeline")
    assert "Karolinska Institutet" in svg and "ETH Zurich" in svg
    page = parse_page(dom)
    assert not [kind for kind, _ in page.scripts if kind != "application/ld+json"]
    assert [row[0] for row in rows(page, "former-members")] == ["Karolinska Institutet"]
    for link in re.findall(r'<a href="([^"]+)"', svg)[:12]:
        with urllib.request.urlopen(urljoin(url, link), timeout=5) as response:
            assert response.status == 200, link
    shot = tmp_path / "leru.png"
    done = _chromium(chromium, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1280,4000", "--hide-scrollbars", url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_browser_screenshot(chromium: str, served: str, tmp_path: Path) -> None:
    shot = tmp_path / "uu.png"
    result = _chromium(
        chromium,
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        "--hide-scrollbars",
        served + "doc/org/utrecht-university.html",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    keep = os.environ.get("UUGRAPH_SCREENSHOT")
    if keep:  # for a person to look at: UUGRAPH_SCREENSHOT=/tmp/uu.png pytest tests/test_site.py
        shutil.copyfile(shot, keep)


def test_relative_paths_between_documents() -> None:
    from uugraph.outputs.site.html import relative_href

    assert relative_href("doc/org/leru.html", "doc/org/eua.html") == "eua.html"
    assert relative_href("doc/membership/leru/utrecht-university.html", "doc/org/leru.html") == "../../org/leru.html"
    assert relative_href("doc/def/University.html", "doc/def.html") == "../def.html"
    assert relative_href("index.html", "doc/def/University.html") == "doc/def/University.html"
    assert str(PurePosixPath("doc/org") / relative_href("doc/org/x.html", "doc/country/nl.html")) == "doc/org/../country/nl.html"
    assert re.fullmatch(r"[a-z./-]+", relative_href("doc/a/b/c.html", "index.html"))


def test_the_queries_page_documents_each_query_and_its_parameters(site: Path) -> None:
    """queries.html: every file of queries/ with its question and its parameters (typed, with defaults), the .rq beside it."""
    text = (site / "queries.html").read_text(encoding="utf-8")
    page = parse_page(text)
    listed = {row[0]: row for row in rows(page, "queries")}
    files = sorted((ROOT / "queries").glob("*.rq"))
    assert sorted(listed) == [p.stem for p in files]
    assert listed["members-on"][2] == "date, network" and listed["networks-of-uu"][2] == ""
    section = re.search(r'<section id="q-members-on".*?</section>', text, re.S)
    assert section, "no section for members-on"
    parameters = rows(parse_page(section.group(0)), "parameters")
    assert parameters == [
        ["date", "?_date_xsd_date", "a day, YYYY-MM-DD (xsd:date)", "2010-01-01"],
        ["network", "?_network_iri", "an IRI, or a slug by the minting rule: leru is <base>id/org/leru", "leru"],
    ]
    assert "uugraph query members-on --param date=2010-01-01 --param network=leru" in section.group(0)
    for path in files:
        assert (site / "queries" / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
        assert f'href="queries/{path.name}"' in text
    assert 'href="queries.html"' in (site / "index.html").read_text(encoding="utf-8")


def test_uu_page_says_not_recorded_where_no_source_dates_a_membership(uu: Path) -> None:
    """Unknown dates stay unknown: 13 of UU's 16 memberships have no start in any source, and the page says so."""
    periods = {row[0]: row[2] for row in rows(read_page(uu), "memberships")}
    assert len(periods) == 16
    dated = {name: period for name, period in periods.items() if period != "not recorded"}
    assert dated == {"CHARM European University (CHARM-EU)": "since 2019", "Coimbra Group (CG)": "since 2020-12", "European University Association (EUA)": "since 2018"}
