"""Shared fixtures: the project's own layout, a built graph, and the CLI as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from uugraph.build import build, prepare
from uugraph.config import Layout

ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


def pytest_configure(config: pytest.Config) -> None:
    # The memory of checked queries goes to a folder of this run, not the user's cache
    # (subprocesses inherit it): tests start from nothing remembered.
    if "UUGRAPH_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["UUGRAPH_CACHE_DIR"] = tempfile.mkdtemp(prefix="uugraph-test-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots/ from the current results instead of comparing (review the diff!)",
    )


@pytest.fixture(scope="session")
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


@pytest.fixture(scope="session")
def layout() -> Layout:
    """The checkout's own ontology/, data/, shapes/ and queries/."""
    return Layout(root=ROOT)


@pytest.fixture(scope="session")
def prepared(layout: Layout):
    """The real graph, loaded and reasoned (not validated): for queries and reasoning tests."""
    return prepare(layout)


@pytest.fixture(scope="session")
def built_dist(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the real data into a temporary dist/ folder."""
    out = tmp_path_factory.mktemp("dist") / "dist"
    build(layout, out)
    return out


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throw-away copy of the project (pyproject.toml, ontology/, data/, shapes/, queries/) that a test may break.

    The real pyproject.toml comes along, so the copy is a project of its own
    with the checkout's version and release date.
    """
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m uugraph ARGS`` as a real subprocess and capture its streams."""
    env = dict(os.environ)
    env.pop("UUGRAPH_BASE_IRI", None)
    return subprocess.run(
        [sys.executable, "-m", "uugraph", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
