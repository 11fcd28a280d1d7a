"""Files the server sends as they are: the static site of ``dist/site/`` and the dumps of ``dist/``.

:func:`resolve_static` is the one gate between a URL path and the file
system; it is a pure function so the traversal rules are tested without a
server (``tests/test_conneg.py``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from starlette.responses import FileResponse, Response

from uugraph.web.media import HTML, content_type
from uugraph.web.pages import CSP

SVG = "image/svg+xml"
SMALL_FILE = 262_144  # bytes: up to this, one read on the event loop is cheaper than a thread hop


def resolve_static(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` names, or None: safe against path traversal.

    Refuses ``..`` and ``.`` segments (also when percent-encoded, even twice),
    empty segments, hidden files, backslashes, NUL bytes and drive letters,
    and any path whose real location (symlinks followed) is outside ``root``.
    A folder serves its ``index.html``.
    """
    if not url_path or "\x00" in url_path:
        return None
    decoded = url_path
    for _ in range(4):  # "%252e%252e" is "%2e%2e" is ".."
        again = unquote(decoded)
        if again == decoded:
            break
        decoded = again
    for text in {url_path, decoded}:
        if "\\" in text or "\x00" in text:
            return None
    parts = url_path.strip("/").split("/") if url_path.strip("/") else []
    decoded_parts = decoded.strip("/").split("/") if decoded.strip("/") else []
    for part in parts + decoded_parts:
        if part in ("", ".", "..") or part.startswith(".") or ":" in part:
            return None
    try:
        real_root = root.resolve(strict=True)
        candidate = real_root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if candidate.is_dir():
        candidate = (candidate / "index.html").resolve()
    if not candidate.is_relative_to(real_root) or not candidate.is_file():
        return None
    return candidate


def file_response(path: Path, media: str, headers: dict[str, str] | None = None) -> Response:
    """A file as the answer: read at once when small, streamed from a thread when large.

    An HTML file of the static site gets the pages' no-script policy unless the
    caller sets its own: a page built from data (a ``javascript:`` IRI in it, say)
    must not run scripts however it reached ``dist/site/``. So does an SVG file
    (the network drawing is built from data too), since a browser that opens one
    as a document runs its scripts.
    """
    if media in (HTML, SVG) and not any(name.lower() == "content-security-policy" for name in headers or {}):
        headers = {**(headers or {}), "Content-Security-Policy": CSP}
    if path.stat().st_size <= SMALL_FILE:
        return Response(path.read_bytes(), media_type=content_type(media), headers=headers)
    return FileResponse(path, media_type=content_type(media), headers=headers)
