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
from uugraph.pipeline.validate import Report, check_shapes, validate_graph

EXAMPLES = Path(__file__).parent / "examples"

# Every test here runs pySHACL (or owlrl) beside a fast engine: 2 to 35 seconds each.
pytestmark = pytest.mark.slow


def _outcome(report) -> list[tuple[str, str, str, str, str]]:
    return sorted((r.severity, r.focus, r.path, r.shape, r.message) for r in report.results)


FAST_ENGINES = ("store", "turbo")


_REFERENCE: dict[tuple[str, str], Report] = {}


def _both(layout: Layout, engine: str):
    """The fast engine's report and pySHACL's, on one loaded graph.

    pySHACL's report is the slow half (minutes for the synthetic graph on a busy
    machine) and the same for every fast engine, so it is computed once per
    layout and kept for the module's other parameters.
    """
    loaded = prepare(layout, with_queries=False)
    check_shapes(loaded, engine)
    key = (str(layout.root), str(layout.data_dir))
    if key not in _REFERENCE:
        check_shapes(loaded, "pyshacl")
        _REFERENCE[key] = validate_graph(loaded, layout.root, "pyshacl")
    return validate_graph(loaded, layout.root, engine), _REFERENCE[key]


@pytest.mark.parametrize("engine", FAST_ENGINES)
def test_engines_agree_on_the_real_data(layout: Layout, engine: str) -> None:
    fast, reference = _both(layout, engine)
    assert _outcome(fast) == _outcome(reference)
    assert fast.conforms and reference.conforms
    assert fast.triples == reference.triples


@pytest.fixture(scope="module")
def invalid_examples(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """One copy of the project with every invalid example added to its data (shared by both fast engines)."""
    root = tmp_path_factory.mktemp("invalid-examples")
    project = Path(__file__).resolve().parents[1]
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(project / name, root / name)
    shutil.copy(project / "pyproject.toml", root / "pyproject.toml")
    for example in sorted((EXAMPLES / "invalid").glob("*.ttl")):
        shutil.copyfile(example, root / "data" / example.name)
    return Layout(root=root)


@pytest.mark.parametrize("engine", FAST_ENGINES)
def test_engines_agree_on_every_invalid_example(invalid_examples: Layout, engine: str) -> None:
    fast, reference = _both(invalid_examples, engine)
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


@pytest.mark.parametrize("layout_name", ["invalid_examples", "synthetic"])
def test_the_store_engine_agrees_when_it_keeps_almost_no_scans(layout_name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the kept budget a scan is dropped and read again when a later shape needs it: the same report as pySHACL's."""
    from uugraph.shacl import data

    layout = request.getfixturevalue(layout_name)
    kept: list[int] = []
    put = data._Kept.put

    def put_and_count(self: data._Kept, key: tuple[str, object], value: object, size: int) -> None:
        put(self, key, value, size)  # type: ignore[arg-type]
        kept.append(len(self._entries))

    monkeypatch.setattr(data, "KEPT_VALUES", 1)
    monkeypatch.setattr(data, "KEPT_LITERALS", 1)
    monkeypatch.setattr(data._Kept, "put", put_and_count)
    fast, reference = _both(layout, "store")
    assert _outcome(fast) == _outcome(reference)
    assert len(kept) > 20 and max(kept) == 1  # every scan but the newest was dropped, and many were read again
