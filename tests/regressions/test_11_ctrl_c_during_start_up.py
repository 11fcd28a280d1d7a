"""Ctrl-C while ``python -m uugraph`` is still importing its libraries ends with exit code 130 and no traceback.

Before, an interrupt that came before the command line had been imported
ended the process with a ``KeyboardInterrupt`` traceback and status -2.

The child gets SIGINT's default disposition: a test run started in the
background by a shell inherits SIGINT ignored, and Python then installs no
handler, so the interrupt would never arrive.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.parametrize("after", [0.1, 0.25])
def test_an_interrupt_during_the_imports_ends_with_130(after: float) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "uugraph", "validate", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    try:
        time.sleep(after)  # real-data validate takes about a second; its imports the first few tenths
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Traceback" not in stderr
    assert process.returncode == 130, stderr
    assert stderr.strip().endswith("error: interrupted")
