"""Issue 11: no input makes a verb crash or hang; every refusal is exit 2 with file:line, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, run_cli

from uugraph.errors import InputError
from uugraph.pipeline import sandbox
from uugraph.pipeline.query import run_embedded
from uugraph.rdf.terms import TooManyLookAlikes, canonical_ntriples

PREFIXES = "@prefix ex: <http://example.org/x/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


def _validate(root: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("validate", "--quiet", "--root", str(root), cwd=root, timeout=60)


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--quiet", "--root", str(root), "--out", str(root / "dist"), cwd=root, timeout=60)


def _refused(run: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert fragment in run.stderr, run.stderr


@pytest.mark.parametrize(
    "body",
    [
        "ex:a ex:p (" + " 1" * 1000 + " ) .\n",  # a list of 1,000 identical items
        "ex:a ex:p " + "[ ex:p " * 1000 + "1" + " ]" * 1000 + " .\n",  # 1,000 nested [ ]
        "ex:a ex:p " + "[ ex:p " * 100_000 + "1" + " ]" * 100_000 + " .\n",  # 100,000 nested [ ]
    ],
    ids=["identical-list", "nested-1000", "nested-100000"],
)
def test_look_alike_blank_nodes_are_refused_at_load_with_the_file(body: str, project_copy: Path) -> None:
    (project_copy / "data" / "alike.ttl").write_text(PREFIXES + body, encoding="utf-8")
    started = time.monotonic()
    for run in (_validate(project_copy), _build(project_copy)):
        _refused(run, "alike.ttl")
    assert time.monotonic() - started < 60
    assert not list(project_copy.glob(".dist.new-*"))


def test_canonicalization_has_a_budget() -> None:
    chain = ox.serialize(ox.parse(b"<http://e/a> <http://e/p> (" + b" 1" * 1000 + b" ) .", format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES)
    started = time.monotonic()
    with pytest.raises(TooManyLookAlikes, match="RDF list of identical items"):
        canonical_ntriples(chain)
    assert time.monotonic() - started < 5
    many = ox.serialize(ox.parse(b"<http://e/a> <http://e/p> " + b", ".join([b"[ <http://e/q> 1 ]"] * 2000) + b" .", format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES)
    assert canonical_ntriples(many).count(b"\n") == 4000  # separate look-alikes are cheap and still work


def test_deep_parentheses_in_a_query_are_refused_before_parsing(project_copy: Path) -> None:
    query = project_copy / "queries" / "deep.rq"
    query.write_text("#+ summary: deep\nSELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }\n", encoding="utf-8")
    for run in (
        run_cli("query", "--quiet", "--root", str(project_copy), str(query), cwd=project_copy),
        _validate(project_copy),
        _build(project_copy),
    ):
        _refused(run, "deep.rq:2:")
        assert "nest" in run.stderr


SLOW = (
    "#+ summary: slow\nSELECT (COUNT(*) AS ?n) WHERE { VALUES ?a { "
    + " ".join(map(str, range(1000)))
    + " } VALUES ?b { "
    + " ".join(map(str, range(1000)))
    + " } VALUES ?c { "
    + " ".join(map(str, range(1000)))
    + " } FILTER(?a + ?b + ?c < 0) }\n"
)


def test_a_slow_query_file_does_not_hang_validate(project_copy: Path) -> None:
    (project_copy / "queries" / "slow.rq").write_text(SLOW, encoding="utf-8")
    started = time.monotonic()
    run = _validate(project_copy)
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 60


@pytest.mark.skipif(not sandbox.available(), reason="the killable worker needs Linux")
def test_query_has_a_timeout(prepared) -> None:
    started = time.monotonic()
    with pytest.raises(sandbox.QueryTimeout):
        run_embedded(prepared, SLOW, timeout=1)
    assert time.monotonic() - started < 10


def test_query_timeout_option_and_ctrl_c(project_copy: Path) -> None:
    query = project_copy / "queries" / "slow.rq"
    query.write_text(SLOW, encoding="utf-8")
    run = run_cli("query", "--quiet", "--root", str(project_copy), "--timeout", "1", str(query), cwd=project_copy, timeout=60)
    _refused(run, "1 s")
    process = subprocess.Popen(
        [sys.executable, "-m", "uugraph", "query", "--quiet", "--root", str(project_copy), str(query)],
        cwd=project_copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not SIGINT ignored, as a run started in the background has it
    )
    try:
        time.sleep(4)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("literal", "datatype"),
    [
        ('"2020-13-45"', "date"),
        ('"2021-02-29"', "date"),
        ('"2020-01-01T25:00:00"', "dateTime"),
        ('"20x"', "gYear"),
        ('"2020-13"', "gYearMonth"),
        ('"abc"', "integer"),
        ('"-1"', "nonNegativeInteger"),
        ('"300"', "byte"),
        ('"1.5."', "decimal"),
        ('"one"', "double"),
        ('"maybe"', "boolean"),
    ],
)
def test_ill_typed_literals_are_input_errors(literal: str, datatype: str, project_copy: Path) -> None:
    path = project_copy / "data" / "typed.ttl"
    path.write_text(PREFIXES + f"\nex:a ex:when {literal}^^xsd:{datatype} .\n", encoding="utf-8")
    from uugraph.config import Layout
    from uugraph.pipeline.load import load

    with pytest.raises(InputError) as refused:
        load(Layout(root=project_copy), with_queries=False)
    assert refused.value.path == str(path) and refused.value.line == 4
    assert f"xsd:{datatype}" in refused.value.cause


def test_an_ill_typed_date_fails_validate(project_copy: Path) -> None:
    (project_copy / "data" / "typed.ttl").write_text(PREFIXES + 'ex:a ex:when "2020-13-45"^^xsd:date .\n', encoding="utf-8")
    _refused(_validate(project_copy), "typed.ttl:3:")


def test_a_50_mb_literal_is_an_input_error(project_copy: Path) -> None:
    (project_copy / "data" / "big.ttl").write_text(PREFIXES + 'ex:a ex:note "' + "a" * 50_000_000 + '" .\n', encoding="utf-8")
    _refused(_build(project_copy), "big.ttl:3")


def test_a_symlink_out_of_data_is_not_followed(project_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.ttl"
    outside.write_text(PREFIXES + "ex:a ex:b ex:c .\n", encoding="utf-8")
    os.symlink(outside, project_copy / "data" / "linked.ttl")
    _refused(_validate(project_copy), "outside the data folder")


def test_a_byte_order_mark_is_named(project_copy: Path) -> None:
    path = project_copy / "data" / "networks.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    run = _validate(project_copy)
    _refused(run, "networks.ttl:1:1: the file starts with a byte-order mark U+FEFF")
    assert "\ufeff" not in run.stderr


def test_stale_staging_folders_of_killed_builds_are_removed(project_copy: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = project_copy / f".dist.new-{dead.pid}-abc123"
    stale.mkdir()
    (stale / ".uugraph-staging").write_text(f"{dead.pid}\n")
    foreign = project_copy / f".dist.new-{dead.pid}-notours"
    foreign.mkdir()  # no mark: not made by a build, left alone
    run = _build(project_copy)
    assert run.returncode == 0, run.stderr
    assert not stale.exists() and foreign.exists()
    assert ROOT.exists()
