"""The fast SHACL engine reports exactly what the reference (pySHACL) reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from uugraph.build import prepare
from uugraph.config import Layout
from uugraph.reason import owlrl_entailments, rules_entailments
from uugraph.synth import synth
from uugraph.validate import check_shapes, validate_graph

EXAMPLES = Path(__file__).parent / "examples"


def _outcome(report) -> list[tuple[str, str, str, str, str]]:
    return sorted((r.severity, r.focus, r.path, r.shape, r.message) for r in report.results)


def _both(layout: Layout):
    loaded = prepare(layout, with_queries=False)
    check_shapes(loaded, "turbo")
    check_shapes(loaded, "pyshacl")
    return validate_graph(loaded, layout.root, "turbo"), validate_graph(loaded, layout.root, "pyshacl")


def test_engines_agree_on_the_real_data(layout: Layout) -> None:
    turbo, reference = _both(layout)
    assert _outcome(turbo) == _outcome(reference)
    assert turbo.conforms and reference.conforms


def test_engines_agree_on_every_invalid_example(project_copy: Path) -> None:
    for example in sorted((EXAMPLES / "invalid").glob("*.ttl")):
        shutil.copyfile(example, project_copy / "data" / example.name)
    turbo, reference = _both(Layout(root=project_copy))
    assert len(turbo.violations) >= len(list((EXAMPLES / "invalid").glob("*.ttl")))
    assert _outcome(turbo) == _outcome(reference)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    data = tmp_path_factory.mktemp("synth") / "data"
    synth(data, triples=10_000, violations=10, seed=7)
    return Layout(root=Path(__file__).resolve().parents[1], data=data)


def test_engines_agree_on_a_synthetic_graph_with_injected_violations(synthetic: Layout) -> None:
    turbo, reference = _both(synthetic)
    assert _outcome(turbo) == _outcome(reference)
    manifest = json.loads((synthetic.data_dir / "manifest.json").read_text(encoding="utf-8"))
    injected = {(v["focus"], v["shape"]) for v in manifest["violations"]}
    found = {(r.focus.removeprefix("id:"), r.shape.rsplit("/", 1)[-1].rstrip(">")) for r in turbo.violations}
    assert len(injected) == 10
    assert found == {(focus.removeprefix("id/"), shape) for focus, shape in injected}


def test_rules_agree_with_owlrl_on_a_synthetic_graph(synthetic: Layout) -> None:
    loaded = prepare(synthetic, with_queries=False)
    assert rules_entailments(loaded) == owlrl_entailments(loaded)
