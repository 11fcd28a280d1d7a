"""``uugraph diff``: compare two builds, as N-Triples patches and as a changelog in words.

:func:`diff` is the entry point: it reads both sides canonically and computes
the patches (:mod:`uugraph.curation.patch`: blank nodes compared by their
canonical form, so reordering or relabelling them is no change), then says
what they change, resource by resource (:mod:`uugraph.curation.changelog`).
The result (:class:`~uugraph.curation.changelog.Diff`) writes ``added.nt``,
``removed.nt`` and ``changes.md``; :func:`render` prints it as Markdown or JSON.
"""

from __future__ import annotations

from pathlib import Path

from uugraph.curation.changelog import Diff, describe, render
from uugraph.curation.patch import apply_patch, patch_lines, read_canonical

__all__ = ["Diff", "apply_patch", "diff", "read_canonical", "render"]


def diff(old: Path, new: Path) -> Diff:
    """Compare two builds (folders or graph files)."""
    old_nt = read_canonical(old)
    new_nt = read_canonical(new)
    added, removed = patch_lines(old_nt, new_nt)
    return Diff(old, new, added, removed, describe(old_nt, new_nt, added, removed))
