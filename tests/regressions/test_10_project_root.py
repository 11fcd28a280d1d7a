"""Issue 10, item 6: the project is the working directory's, never the installed package's checkout.

Before the fix, ``config.project_root()`` walked up from the package's own
``__file__``: with uugraph installed (editable) from one checkout,
``python -m uugraph validate`` run in a second checkout silently validated the
first one's files and exited 0, even when the second had a broken file. Here
the package is imported from this checkout, the command runs in a copy with a
broken data file, and the copy's file must be the one reported (exit 2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from uugraph.errors import EXIT_INPUT, EXIT_OK

ROOT = Path(__file__).resolve().parents[2]
BROKEN = "\n<id/org/broken> a nope:Thing .\n"  # an undeclared prefix: the loader refuses the file


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment.pop("UUGRAPH_BASE_IRI", None)
    environment.pop("UUGRAPH_ROOT", None)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "uugraph", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second checkout of the project (sources included) whose data/networks.ttl does not parse."""
    folder = tmp_path_factory.mktemp("second") / "checkout"
    folder.mkdir()
    for name in ("ontology", "data", "shapes", "queries", "src"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    with (folder / "data" / "networks.ttl").open("a", encoding="utf-8") as handle:
        handle.write(BROKEN)
    return folder


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """A folder inside no project (skips where the temporary folder itself sits in one)."""
    from uugraph.config import ProjectNotFound, project_root

    try:
        found = project_root(tmp_path)
    except ProjectNotFound:
        return tmp_path
    pytest.skip(f"the temporary folder lies inside a project ({found})")


def test_the_package_under_test_comes_from_this_checkout(clone: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import uugraph; print(uugraph.__file__)"], cwd=clone, capture_output=True, text=True, timeout=60)
    assert Path(done.stdout.strip()).resolve().is_relative_to(ROOT / "src"), done.stdout + done.stderr


def test_validate_in_a_second_checkout_reports_its_broken_file(clone: Path) -> None:
    done = _run("validate", "--quiet", cwd=clone)
    assert done.returncode == EXIT_INPUT, done.stderr
    assert str(clone / "data" / "networks.ttl") in done.stderr, done.stderr
    assert "nope:" in done.stderr


def test_validate_from_a_subfolder_finds_the_project_above(clone: Path) -> None:
    done = _run("validate", "--quiet", cwd=clone / "data" / "reference")
    assert done.returncode == EXIT_INPUT, done.stderr
    assert str(clone / "data" / "networks.ttl") in done.stderr, done.stderr


def test_outside_any_project_is_a_clear_error(nowhere: Path) -> None:
    done = _run("validate", "--quiet", cwd=nowhere)
    assert done.returncode == EXIT_INPUT, done.stderr
    assert "not inside a uugraph project" in done.stderr
    assert str(nowhere) in done.stderr and "--root" in done.stderr
    assert "Traceback" not in done.stderr
    assert str(ROOT) not in done.stderr + done.stdout  # never the package's own checkout by surprise


def test_version_works_outside_a_project(nowhere: Path) -> None:
    done = _run("--version", cwd=nowhere)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.startswith("uugraph ")


@pytest.mark.parametrize("where", ["before-verb", "after-verb", "environment"])
def test_root_option_and_environment_choose_the_project(clone: Path, nowhere: Path, where: str) -> None:
    if where == "before-verb":
        done = _run("--root", str(clone), "validate", "--quiet", cwd=nowhere)
    elif where == "after-verb":
        done = _run("validate", "--quiet", "--root", str(clone), cwd=nowhere)
    else:
        done = _run("validate", "--quiet", cwd=nowhere, env={"UUGRAPH_ROOT": str(clone)})
    assert done.returncode == EXIT_INPUT, done.stderr
    assert str(clone / "data" / "networks.ttl") in done.stderr, done.stderr


def test_root_option_overrides_the_working_directory(clone: Path) -> None:
    """Standing in the broken checkout, --root names the intact one: that one is validated."""
    done = _run("--root", str(ROOT), "validate", "--quiet", cwd=clone)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("conforms: "), done.stderr


def test_a_missing_root_is_an_input_error(nowhere: Path) -> None:
    done = _run("--root", str(nowhere / "absent"), "validate", cwd=nowhere)
    assert done.returncode == EXIT_INPUT
    assert str(nowhere / "absent") in done.stderr and "not found" in done.stderr


def test_project_root_walks_up_from_the_start_folder(tmp_path: Path) -> None:
    from uugraph.config import project_root

    (tmp_path / "pyproject.toml").write_text("[tool.uugraph]\nrelease-date = '2026-01-01'\n", encoding="utf-8")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert project_root(tmp_path / "a" / "b") == tmp_path.resolve()
    # A pyproject.toml of something else on the way up is not a uugraph project.
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'other'\n", encoding="utf-8")
    assert project_root(tmp_path / "a" / "b") == tmp_path.resolve()
