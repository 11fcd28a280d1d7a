"""Issue 14: a SHACL result named the file where its focus node is first described, and no line.

A curator added ``data/zz-bad.ttl`` whose line 6 gives LERU a malformed ROR ID;
``validate`` reported ``…/networks.ttl id:org/leru uuo:ror: …``, the file where
LERU is first described. Now every format names ``data/zz-bad.ttl`` line 6,
where the bad value is: text, json, github, junit and sarif (the SARIF output
valid against the SARIF 2.1.0 schema).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import ROOT, run_cli

ZZ_BAD = """# A ROR ID that is not one: the curator's typo.
@prefix uuo: <def/> .

# LERU, once more
<id/org/leru>
    uuo:ror <https://ror.org/NOT-A-ROR-ID> .
"""
FILE = "data/zz-bad.ttl"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("issue14") / "project"
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / FILE).write_text(ZZ_BAD, encoding="utf-8")
    assert (root / FILE).read_text(encoding="utf-8").splitlines()[5].strip().startswith("uuo:ror <https://ror.org/NOT-A-ROR-ID>")
    return root


def _validate(project: Path, fmt: str) -> str:
    done = run_cli("validate", "--quiet", "--root", str(project), "--format", fmt, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_text(project: Path) -> None:
    lines = [line for line in _validate(project, "text").splitlines() if "uuo:ror" in line and "leru" in line]
    assert lines == [f"[Violation] {FILE}:6:13 id:org/leru uuo:ror: A ROR ID is one IRI of the form https://ror.org/0xxxxxxNN."]


def test_json(project: Path) -> None:
    results = [r for r in json.loads(_validate(project, "json"))["results"] if r["severity"] == "Violation"]
    assert [(r["file"], r["line"], r["column"], r["focus"], r["path"]) for r in results] == [(FILE, 6, 13, "id:org/leru", "uuo:ror")]


def test_github(project: Path) -> None:
    errors = [line for line in _validate(project, "github").splitlines() if line.startswith("::error ")]
    assert errors == [f"::error file={FILE},line=6,col=13,title=IdentifierShape::id:org/leru uuo:ror: A ROR ID is one IRI of the form https://ror.org/0xxxxxxNN."]


def test_junit(project: Path) -> None:
    tree = ET.fromstring(_validate(project, "junit"))
    failures = tree.findall("./testsuite/testcase/failure")
    assert [(f.get("file"), f.get("line")) for f in failures] == [(FILE, "6")]
    assert failures[0].get("message", "").startswith(f"{FILE}:6:13: ")
    case = tree.find("./testsuite/testcase[@name='IdentifierShape']")
    assert case is not None and case.get("file") == FILE


def test_sarif(project: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(_validate(project, "sarif"))
    schema = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    errors = [r for r in document["runs"][0]["results"] if r["level"] == "error"]
    assert len(errors) == 1
    location = errors[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == FILE
    assert location["region"] == {"startLine": 6, "startColumn": 13}
