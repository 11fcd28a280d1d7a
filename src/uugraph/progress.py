"""Progress on stderr for long steps; silent when a step is quick or output is not a terminal.

A step that takes over a second says so when it ends (``[uugraph] validate 1.4 s``),
so long runs show where the time goes without flooding logs of short ones.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Progress:
    enabled: bool = True
    threshold: float = 1.0
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def quiet(cls) -> Progress:
        return cls(enabled=False)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        if self.enabled and sys.stderr.isatty():
            print(f"[uugraph] {name} …", file=sys.stderr, end="\r", flush=True)
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.timings[name] = elapsed
            if self.enabled and elapsed >= self.threshold:
                print(f"[uugraph] {name} {elapsed:.1f} s", file=sys.stderr, flush=True)
