"""Progress on stderr: a live bar on a terminal, one timing line per slow step in logs.

On a terminal, a step that runs for more than a second draws a bar
(``[uugraph] validate ━━━━━━━━────── 24/41 shapes 3.2 s``) when it knows how
much work it has, or a spinner with the elapsed time when it does not, redrawn
a few times a second. When it ends, a step that took over a second leaves one
line (``[uugraph] validate 3.4 s``); quick steps leave nothing. Redirected to a
file or a CI log, only those final lines are written, so logs stay short.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

BAR_WIDTH = 24
REDRAW_SECONDS = 0.2
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass
class StepProgress:
    """How far one step is; the step's code calls :meth:`advance` as it works."""

    name: str
    total: int | None = None
    unit: str = ""
    done: int = 0
    started: float = field(default_factory=time.perf_counter)

    def advance(self, amount: int = 1) -> None:
        self.done += amount

    def line(self, tick: int) -> str:
        elapsed = time.perf_counter() - self.started
        if self.total:
            filled = min(BAR_WIDTH, BAR_WIDTH * self.done // self.total)
            bar = "━" * filled + "─" * (BAR_WIDTH - filled)
            unit = f" {self.unit}" if self.unit else ""
            return f"[uugraph] {self.name} {bar} {min(self.done, self.total)}/{self.total}{unit} {elapsed:.1f} s"
        return f"[uugraph] {self.name} {SPINNER[tick % len(SPINNER)]} {elapsed:.1f} s"


@dataclass
class Progress:
    enabled: bool = True
    threshold: float = 1.0
    live: bool | None = None  # draw on the terminal; None: when stderr is one
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def quiet(cls) -> Progress:
        return cls(enabled=False)

    def lines_only(self) -> Progress:
        """The same settings without the live bar: for a forked worker sharing the parent's terminal."""
        return Progress(enabled=self.enabled, threshold=self.threshold, live=False)

    def note(self, message: str) -> None:
        """One line about how the work is done (not a step): that a result was taken from the cache, say."""
        if self.enabled:
            # On a terminal, first clear the line: a forked writer's line may land on the parent's bar.
            clear = "\r\033[K" if sys.stderr.isatty() else ""
            print(f"{clear}[uugraph] {message}", file=sys.stderr, flush=True)

    def _drawing(self) -> bool:
        if not self.enabled:
            return False
        return sys.stderr.isatty() if self.live is None else self.live

    @contextmanager
    def step(self, name: str, total: int | None = None, unit: str = "") -> Iterator[StepProgress]:
        state = StepProgress(name, total, unit)
        stop = threading.Event()
        drawer = None
        if self._drawing():
            drawer = threading.Thread(target=self._draw, args=(state, stop), daemon=True)
            drawer.start()
        try:
            yield state
        finally:
            stop.set()
            if drawer is not None:
                drawer.join()
            elapsed = time.perf_counter() - state.started
            self.timings[name] = elapsed
            if elapsed >= self.threshold:
                self.note(f"{name} {elapsed:.1f} s")

    def _draw(self, state: StepProgress, stop: threading.Event) -> None:
        """Redraw the step's line until it ends; nothing is drawn for a step shorter than the threshold."""
        tick = 0
        if stop.wait(self.threshold):
            return
        width = 0
        while True:
            text = state.line(tick)
            width = max(width, len(text))
            sys.stderr.write("\r" + text.ljust(width))
            sys.stderr.flush()
            tick += 1
            if stop.wait(REDRAW_SECONDS):
                break
        sys.stderr.write("\r" + " " * width + "\r")
        sys.stderr.flush()
