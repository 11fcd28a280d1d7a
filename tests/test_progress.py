"""Progress: a live bar on a terminal, only timing lines elsewhere."""

from __future__ import annotations

import time

import pytest

from uugraph.progress import Progress


def _run_step(progress: Progress, total: int | None) -> None:
    with progress.step("validate", total=total, unit="shapes") as step:
        for _ in range(6):
            time.sleep(0.05)
            step.advance()


def test_a_live_step_draws_a_bar_with_its_count_then_leaves_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    _run_step(Progress(threshold=0.05, live=True), total=6)
    err = capsys.readouterr().err
    assert "\r[uugraph] validate ━" in err
    assert "/6 shapes" in err
    assert err.rstrip("\n").rsplit("\r", 1)[-1].startswith("[uugraph] validate ")


def test_a_step_without_a_total_shows_a_spinner_and_the_time(capsys: pytest.CaptureFixture[str]) -> None:
    _run_step(Progress(threshold=0.05, live=True), total=None)
    err = capsys.readouterr().err
    assert "\r[uugraph] validate ⠋" in err
    assert " s" in err


def test_in_a_log_only_the_final_line_is_written(capsys: pytest.CaptureFixture[str]) -> None:
    _run_step(Progress(threshold=0.05, live=False), total=6)
    err = capsys.readouterr().err
    assert "\r" not in err and "━" not in err
    assert err.startswith("[uugraph] validate ") and err.count("\n") == 1


def test_a_quick_step_leaves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress(threshold=5, live=True).step("load", total=3) as step:
        step.advance(3)
    assert capsys.readouterr().err == ""


def test_on_a_terminal_a_final_line_first_clears_whatever_bar_is_there(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked writer prints its lines while the parent draws its bar: each line starts on a cleared line."""
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    _run_step(Progress(threshold=0.05).lines_only(), total=6)
    err = capsys.readouterr().err
    assert err.startswith("\r\033[K[uugraph] validate ") and err.endswith(" s\n")
