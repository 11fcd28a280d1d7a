"""The fast SHACL engines (store, turbo) report exactly what the reference (pySHACL) reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from uugraph.build import prepare
from uugraph.config import Layout
from uugraph.curation.synth import synth
from uugraph.pipeline.reason import owlrl_entailments, rules_entailments
from uugraph.pipeline.validate import check_shapes, validate_graph

EXAMPLES = Path(__file__).parent / "examples"

# Every test here runs pySHACL (or owlrl) beside a fast engine: 2 to 35 seconds each.
pytestmark = pytest.mark.slow


def _outcome(report) -> list[tuple[str, str, str, str, str]]:
    return sorted((r.severity, r.focus, r.path, r.shape, r.message) for r in report.results)


FAST_ENGINES = ("store", "turbo")


def _both(layout: Layout, engine: str):
    loaded = prepare(layout, with_queries=False)
    check_shapes(loaded, engine)
    check_shapes(loaded, "pyshacl")
    return validate_graph(loaded, layout.root, engine), validate_graph(loaded, layout.root, "pyshacl")


@pytest.mark.parametrize("engine", FAST_ENGINES)
def test_engines_agree_on_the_real_data(layout: Layout, engine: str) -> None:
    fast, reference = _both(layout, engine)
    assert _outcome(fast) == _outcome(reference)
    assert fast.conforms and reference.conforms
    assert fast.triples == reference.triples


@pytest.mark.parametrize("engine", FAST_ENGINES)
def test_engines_agree_on_every_invalid_example(project_copy: Path, engine: str) -> None:
    for example in sorted((EXAMPLES / "invalid").glob("*.ttl")):
        shutil.copyfile(example, project_copy / "data" / example.name)
    fast, reference = _both(Layout(root=project_copy), engine)
    assert len(fast.violations) >= len(list((EXAMPLES / "invalid").glob("*.ttl")))
    assert _outcome(fast) == _outcome(reference)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    data = tmp_path_factory.mktemp("synth") / "data"
    synth(data, triples=10_000, violations=10, seed=7)
    return Layout(root=Path(__file__).resolve().parents[1], data=data)


@pytest.mark.parametrize("engine", FAST_ENGINES)
def test_engines_agree_on_a_synthetic_graph_with_injected_violations(synthetic: Layout, engine: str) -> None:
    fast, reference = _both(synthetic, engine)
    assert _outcome(fast) == _outcome(reference)
    manifest = json.loads((synthetic.data_dir / "manifest.json").read_text(encoding="utf-8"))
    injected = {(v["focus"], v["shape"]) for v in manifest["violations"]}
    found = {(r.focus.removeprefix("id:"), r.shape.rsplit("/", 1)[-1].rstrip(">")) for r in fast.violations}
    assert len(injected) == 10
    assert found == {(focus.removeprefix("id/"), shape) for focus, shape in injected}


def test_rules_agree_with_owlrl_on_a_synthetic_graph(synthetic: Layout) -> None:
    loaded = prepare(synthetic, with_queries=False)
    assert rules_entailments(loaded) == owlrl_entailments(loaded)
