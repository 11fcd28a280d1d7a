"""Bad input: exit 2, one line ``error: <file>:<line>:<column>: <cause>``, no traceback, nothing written.

Each case breaks a throw-away copy of the project and runs ``build --out OUT`` twice:
once where OUT holds an earlier good build (it must stay byte-identical) and once
where OUT does not exist yet (it must not be created). ``--quiet`` keeps the
progress lines of slow steps out of stderr, so stderr is the error alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_cli

ERROR_LINE = re.compile(r"^error: (?P<path>.+?)(?::(?P<line>\d+):(?P<column>\d+))?: (?P<cause>.+)$")

PREFIXES = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix uuo: <def/> .\n"


@dataclass(frozen=True)
class Case:
    """One kind of bad input: how to make it, and what the error must say."""

    id: str
    make: Callable[[Path], tuple[list[str], Path]]  # project copy -> (extra CLI args, the path the error names)
    line: int | None
    column: int | None
    cause: str  # a fragment the cause must contain (case-insensitive)
    # Oxigraph's own position for Turtle syntax errors; see test_position_is_exact.
    turtle_syntax: bool = False


def _data_file(name: str, content: bytes) -> Callable[[Path], tuple[list[str], Path]]:
    def make(root: Path) -> tuple[list[str], Path]:
        path = root / "data" / name
        path.write_bytes(content)
        return [], path

    return make


def _query_file(name: str, content: str) -> Callable[[Path], tuple[list[str], Path]]:
    def make(root: Path) -> tuple[list[str], Path]:
        path = root / "queries" / name
        path.write_text(content, encoding="utf-8")
        return [], path

    return make


def _shape_the_store_engine_cannot_evaluate(root: Path) -> tuple[list[str], Path]:
    path = root / "shapes" / "remote.ttl"
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<shapes/RemoteShape> a sh:NodeShape ;\n"
        "    sh:targetClass org:Membership ;\n"
        '    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o . SERVICE <http://example.org/sparql> { ?s ?p ?o } }" ] .\n',
        encoding="utf-8",
    )
    return [], path


def _empty_data(root: Path) -> tuple[list[str], Path]:
    shutil.rmtree(root / "data")
    (root / "data").mkdir()
    return [], root / "data"


def _missing_data(root: Path) -> tuple[list[str], Path]:
    missing = root / "no-such-data"
    return ["--data", str(missing)], missing


CASES = [
    # The dot after line 3 is missing; the parser notices at the next statement, line 4.
    Case(
        "missing-dot",
        _data_file(
            "broken.ttl",
            (PREFIXES + '<id/org/a> skos:prefLabel "A"@en\n<id/org/b> skos:prefLabel "B"@en .\n').encode(),
        ),
        line=4,
        column=1,
        cause="dot",
        turtle_syntax=True,
    ),
    Case(
        "undefined-prefix",
        _data_file("broken.ttl", (PREFIXES + '<id/org/a> skos:prefLabel "A"@en ;\n    nope:thing "x" .\n').encode()),
        line=4,
        column=5,
        cause="nope:",
        turtle_syntax=True,
    ),
    Case(
        "not-utf-8",
        _data_file("broken.ttl", PREFIXES.encode() + b'<id/org/a> skos:prefLabel "A\xffB"@en .\n'),
        line=3,
        column=29,
        cause="utf-8",
    ),
    Case(
        "iri-with-space",
        _data_file("broken.ttl", (PREFIXES + '<id/org/utrecht university> skos:prefLabel "A"@en .\n').encode()),
        line=3,
        column=1,
        cause="iri",
        turtle_syntax=True,
    ),
    Case("empty-data-folder", _empty_data, line=None, column=None, cause="no .ttl files"),
    # Refused by name rather than skipped: the store engine does not send a shape's SERVICE out.
    Case("shape-the-engine-cannot-evaluate", _shape_the_store_engine_cannot_evaluate, line=None, column=None, cause="SERVICE"),
    Case("missing-data-folder", _missing_data, line=None, column=None, cause="missing"),
    Case(
        "query-does-not-parse",
        _query_file("broken.rq", "#+ summary: A query that does not parse\n\nSELECT ?s WHERE { ?s ?p ?o }\nLIMIT ten\n"),
        line=4,
        column=7,
        cause="expected",
    ),
    Case(
        "query-undefined-prefix",
        _query_file("broken.rq", "#+ summary: An undeclared prefix\n\nSELECT ?s WHERE {\n  ?s nope:p ?o .\n}\n"),
        line=4,
        column=None,
        cause="prefix",
    ),
    Case(
        "query-with-service",
        _query_file(
            "remote.rq",
            "#+ summary: Reaches out to another endpoint\n\nSELECT ?s WHERE {\n  SERVICE <http://example.org/sparql> { ?s ?p ?o }\n}\n",
        ),
        line=4,
        column=3,
        cause="SERVICE",
    ),
]


def _marks(case: Case, *, position: bool = False) -> list[pytest.MarkDecorator]:
    return []


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(root: Path, args: list[str], out: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--quiet", "--root", str(root), *args, "--out", str(out), cwd=root)


def _assert_one_error_line(case: Case, done: subprocess.CompletedProcess[str], named: Path) -> re.Match[str]:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{done.stderr}"
    match = ERROR_LINE.match(lines[0])
    assert match, lines[0]
    assert match["path"] == str(named.resolve()), lines[0]
    if case.line is None:
        assert match["line"] is None, lines[0]
    else:
        assert match["line"] is not None and int(match["line"]) == case.line, lines[0]
        assert match["column"] is not None, lines[0]
    assert case.cause.lower() in match["cause"].lower(), lines[0]
    return match


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES])
def test_bad_input_is_refused_and_nothing_is_written(case: Case, project_copy: Path, built_dist: Path, tmp_path: Path) -> None:
    # OUT holds a previous good build: it must come out byte-identical.
    out = tmp_path / "site" / "dist"
    shutil.copytree(built_dist, out)
    before = snapshot(out)
    siblings = sorted(p.name for p in out.parent.iterdir())
    args, named = case.make(project_copy)
    done = _build(project_copy, args, out)
    _assert_one_error_line(case, done, named)
    assert done.stdout == ""
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == siblings, "a staging folder was left behind"

    # A fresh OUT is not created (nor its parent's staging folders).
    fresh = tmp_path / "fresh" / "dist"
    again = _build(project_copy, args, fresh)
    assert again.returncode == 2, again.stderr
    assert again.stderr == done.stderr
    assert not fresh.exists()
    assert not fresh.parent.exists() or not any(fresh.parent.iterdir())


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c, position=True)) for c in CASES if c.column is not None])
def test_position_is_exact(case: Case, project_copy: Path, tmp_path: Path) -> None:
    """The column is the one the parser gives (Oxigraph's columns are 1-based), and the cause is not repeated."""
    args, named = case.make(project_copy)
    done = _build(project_copy, args, tmp_path / "dist")
    match = _assert_one_error_line(case, done, named)
    assert int(match["column"]) == case.column, done.stderr
    assert not re.search(r"\bline \d+", match["cause"]), f"the cause repeats the position: {match['cause']}"


def test_shacl_violation_exits_1_and_keeps_the_previous_dist(project_copy: Path, built_dist: Path, tmp_path: Path) -> None:
    example = Path(__file__).parent / "examples" / "invalid" / "MembershipShape--two-members.ttl"
    shutil.copy(example, project_copy / "data" / example.name)
    out = tmp_path / "site" / "dist"
    shutil.copytree(built_dist, out)
    before = snapshot(out)
    done = _build(project_copy, [], out)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"[Violation] data/{example.name}:" in done.stderr  # file:line:column since issue 14
    assert done.stderr.rstrip().splitlines()[-1].startswith("error: "), done.stderr
    assert "nothing was written" in done.stderr
    assert done.stdout == ""
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["dist"], "a staging folder was left behind"
