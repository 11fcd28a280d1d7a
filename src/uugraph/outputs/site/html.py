"""HTML text and relative links: what every page of the site writes the same way.

Every link in the site is relative (:func:`relative_href`), so the pages work
from any folder, host or ``file://``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import quote

_NEEDS_ESCAPE = re.compile(r"[&<>\"']")
_SAFE_URL = re.compile(r"[A-Za-z0-9/._~-]*")


def esc(text: str) -> str:
    """html.escape, with a fast path for the common text that needs none."""
    return html.escape(text) if _NEEDS_ESCAPE.search(text) else text


@lru_cache(maxsize=8192)
def _relative_dir(from_dir: str, to_dir: str) -> str:
    """The relative path from one folder of the site to another, ending in / (or empty)."""
    f = from_dir.split("/") if from_dir else []
    t = to_dir.split("/") if to_dir else []
    i = 0
    while i < len(f) and i < len(t) and f[i] == t[i]:
        i += 1
    return "../" * (len(f) - i) + "".join(part + "/" for part in t[i:])


def relative_href(from_path: str, to_path: str) -> str:
    """The relative URL from the file ``from_path`` to the file ``to_path`` (both relative to the site root).

    >>> relative_href("doc/org/leru.html", "doc/country/be.html")
    '../country/be.html'
    >>> relative_href("index.html", "doc/org/leru.html")
    'doc/org/leru.html'
    >>> relative_href("doc/membership/leru/x.html", "dataset.html")
    '../../../dataset.html'
    """
    from_dir = from_path.rpartition("/")[0]
    to_dir, _, name = to_path.rpartition("/")
    return url(_relative_dir(from_dir, to_dir) + name)


def url(path: str) -> str:
    """``path`` as a URL path: percent-encoded where a character needs it."""
    return path if _SAFE_URL.fullmatch(path) else quote(path, safe="/-._~")


def json_script(text: str) -> str:
    """JSON that is safe inside <script>: no "<" at all, so no "</script>" and no "<!--"."""
    return text.replace("<", "\\u003c")
