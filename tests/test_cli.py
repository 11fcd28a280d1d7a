"""The command line as a user runs it: ``python -m uugraph …`` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from conftest import ROOT, run_cli

from uugraph.config import base_iri

VERBS = ["validate", "build", "query", "queries", "import-reference", "mint"]
QUERY_VARS = ["network", "name", "acronym", "level", "role", "since"]


def _popen(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "uugraph", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _side_by_side(commands: dict[str, tuple[str, ...]]) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run CLI commands at the same time and collect them; kill any left running."""
    running = {name: _popen(*args) for name, args in commands.items()}
    done = {}
    try:
        for name, proc in running.items():
            out, err = proc.communicate(timeout=300)
            done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return done


@pytest.fixture(scope="module")
def validations() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """``validate`` in text and in JSON on the real data, run side by side (each takes a few seconds)."""
    yield _side_by_side({"text": ("validate",), "json": ("validate", "--format", "json")})


@pytest.fixture(scope="module")
def query_outputs() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """``query networks-of-uu`` in every format, run side by side."""
    yield _side_by_side({fmt: ("query", "networks-of-uu", "--quiet", "--format", fmt) for fmt in ("json", "csv", "tsv", "table")})


# ---------------------------------------------------------------- help


def _mentions_exit_codes(text: str) -> bool:
    return "exit codes" in text and all(f"  {code}  " in text for code in (0, 1, 2))


def test_top_level_help_mentions_verbs_and_exit_codes() -> None:
    done = run_cli("--help")
    assert done.returncode == 0, done.stderr
    assert _mentions_exit_codes(done.stdout), done.stdout
    for verb in VERBS:
        assert verb in done.stdout


@pytest.mark.parametrize("verb", VERBS)
def test_verb_help_mentions_exit_codes(verb: str) -> None:
    done = run_cli(verb, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: uugraph {verb}"), done.stdout
    assert _mentions_exit_codes(done.stdout), done.stdout
    assert "--root" in done.stdout


def test_no_verb_is_a_usage_error() -> None:
    done = run_cli()
    assert done.returncode == 2
    assert "usage:" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_verb_is_a_usage_error() -> None:
    done = run_cli("frobnicate")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("uugraph ")
    assert base_iri() in done.stdout


# ---------------------------------------------------------------- validate


def test_validate_real_data_exits_0_with_summary_on_stderr(validations) -> None:
    done = validations["text"]
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    summary = done.stderr.strip().splitlines()[-1]
    assert summary.startswith("conforms: 0 violation(s), "), done.stderr
    assert "triples checked" in summary
    # results (warnings, infos) go to stdout, one line each, never a violation
    for line in done.stdout.splitlines():
        assert line.startswith(("[Warning] ", "[Info] ")), line


def test_validate_json_report(validations) -> None:
    done = validations["json"]
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"conforms", "violations", "warnings", "results"} <= set(report)
    assert report["conforms"] is True
    assert report["violations"] == 0
    assert report["warnings"] == sum(1 for r in report["results"] if r["severity"] == "Warning")
    for result in report["results"]:
        assert {"severity", "file", "focus", "path", "message", "shape"} <= set(result)
    # the text and JSON forms report the same results
    assert len(report["results"]) == len(validations["text"].stdout.splitlines())


# ---------------------------------------------------------------- query


def test_query_json(query_outputs) -> None:
    done = query_outputs["json"]
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["head"]["vars"] == QUERY_VARS
    bindings = data["results"]["bindings"]
    assert bindings
    networks = {b["network"]["value"] for b in bindings}
    assert base_iri() + "id/org/leru" in networks
    assert all(b["network"]["type"] == "uri" for b in bindings)


def test_query_csv(query_outputs) -> None:
    done = query_outputs["csv"]
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == QUERY_VARS
    assert base_iri() + "id/org/leru" in {r[0] for r in rows[1:]}


def test_query_tsv(query_outputs) -> None:
    done = query_outputs["tsv"]
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split("\t") == [f"?{v}" for v in QUERY_VARS]
    assert f"<{base_iri()}id/org/leru>" in {line.split("\t")[0] for line in lines[1:]}


def test_query_table(query_outputs) -> None:
    done = query_outputs["table"]
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == QUERY_VARS
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert "id:org/leru" in done.stdout
    assert lines[-1].endswith("rows)")


def test_query_formats_agree_on_the_rows(query_outputs) -> None:
    count = len(json.loads(query_outputs["json"].stdout)["results"]["bindings"])
    assert len(list(csv.reader(io.StringIO(query_outputs["csv"].stdout)))) - 1 == count
    assert len(query_outputs["tsv"].stdout.splitlines()) - 1 == count
    assert query_outputs["table"].stdout.splitlines()[-1] == f"({count} row{'s' if count != 1 else ''})"


def test_unknown_query_exits_2() -> None:
    done = run_cli("query", "no-such-query")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "no-such-query" in lines[0]
    assert "networks-of-uu" in lines[0]  # it lists the queries it knows
    assert done.stdout == ""


def test_ad_hoc_query_file_runs_without_a_summary_header(tmp_path) -> None:
    """``uugraph query my.rq`` runs a file with no ``#+ summary:`` line and warns on stderr (issue 10)."""
    path = tmp_path / "my.rq"
    path.write_text("ASK { ?s ?p ?o }\n", encoding="utf-8")
    done = run_cli("query", str(path), "--quiet", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["boolean"] is True
    assert "warning:" in done.stderr and "summary" in done.stderr and str(path) in done.stderr


def test_query_in_queries_folder_without_summary_fails_validate(project_copy) -> None:
    """The header stays required for queries/: validate refuses the file (exit 2) and names it."""
    (project_copy / "queries" / "bare.rq").write_text("ASK { ?s ?p ?o }\n", encoding="utf-8")
    done = run_cli("validate", "--quiet", cwd=project_copy)
    assert done.returncode == 2, done.stderr
    assert "bare.rq" in done.stderr and "summary" in done.stderr


def test_queries_lists_networks_of_uu() -> None:
    done = run_cli("queries", "--format", "json")
    assert done.returncode == 0, done.stderr
    names = {q["name"] for q in json.loads(done.stdout)}
    assert "networks-of-uu" in names


# ---------------------------------------------------------------- mint


def test_mint_prints_the_iri() -> None:
    done = run_cli("mint", "org", "Eötvös Loránd University")
    assert done.returncode == 0, done.stderr
    assert done.stdout == base_iri() + "id/org/eotvos-lorand-university\n"


def test_mint_several_names_make_a_path() -> None:
    done = run_cli("mint", "membership", "LERU", "Utrecht University")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == base_iri() + "id/membership/leru/utrecht-university"


def test_mint_unknown_kind_is_bad_input() -> None:
    done = run_cli("mint", "university", "Utrecht University")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "university" in done.stderr


def test_build_prints_no_library_debug_lines(tmp_path) -> None:
    """pyLODE turns the root logger to DEBUG when imported; a build must not pass that on to stderr."""
    done = run_cli("build", "--out", str(tmp_path / "dist"), timeout=300)
    assert done.returncode == 0, done.stderr
    noisy = [line for line in done.stderr.splitlines() if line.startswith(("DEBUG:", "INFO:"))]
    assert noisy == [], noisy[:5]
