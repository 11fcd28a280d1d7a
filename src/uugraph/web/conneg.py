"""Content negotiation: pick the representation an ``Accept`` header prefers (RFC 9110, section 12.5.1).

A pure function, so the rules can be tested without a server:

* every media range carries a weight ``q`` (default 1; ``q=0`` means "not
  acceptable"); a malformed ``q`` makes the whole range count as absent;
* an offered type takes the weight of the *most specific* range that matches
  it: ``type/subtype`` with parameters, then ``type/subtype``, then
  ``type/*``, then ``*/*`` — so ``text/*;q=0.5, text/turtle;q=0`` excludes
  Turtle even though ``text/*`` would accept it;
* the offered type with the highest weight wins; on a tie, the one matched by
  the more specific range (``text/turtle, */*`` prefers Turtle over whatever
  ``*/*`` would pick), then the server's order of preference;
* no ``Accept`` header (or an empty one, or one with no well-formed element)
  accepts anything: the server's first choice; a header that fits nothing
  gives ``None`` (the caller answers 406).

Type names compare case-insensitively. Parameters other than ``q`` (a
``charset``, a JSON-LD ``profile``) never exclude an offered type here: the
server offers one form of each type, so they only make a range more specific.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

__all__ = ["MediaRange", "parse_accept", "negotiate", "negotiate_cached"]


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float = 1.0
    params: tuple[tuple[str, str], ...] = ()

    @property
    def specificity(self) -> int:
        """3 for ``type/subtype;param``, 2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.lower().partition("/")
        if self.type == "*":
            return True
        if self.type != main:
            return False
        return self.subtype in ("*", sub)


def _split_quoted(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside double quotes (parameters may quote a comma)."""
    parts, current, quoted, escaped = [], [], False, False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _token(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in text) and text.isascii()


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header, in header order; malformed elements are skipped.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/html;q=0.9, */*;q=0.1, application/ld+json")]
    [('text', 'html', 0.9), ('*', '*', 0.1), ('application', 'ld+json', 1.0)]
    >>> parse_accept("text/turtle;q=2, nonsense, text/csv;q=x")
    []
    """
    ranges: list[MediaRange] = []
    for element in _split_quoted(header or "", ","):
        pieces = _split_quoted(element, ";")
        media = pieces[0].strip().lower()
        main, slash, sub = media.partition("/")
        main, sub = main.strip(), sub.strip()
        if not slash or not _token(main) or not _token(sub) or (main == "*" and sub != "*"):
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        valid = True
        for piece in pieces[1:]:
            name, eq, value = piece.strip().partition("=")
            name, value = name.strip().lower(), value.strip()
            if not name:
                continue
            if name == "q":
                # RFC 9110 weight: 0, 1, or 0.ddd / 1.000 with at most three decimals.
                if not eq or not _valid_weight(value):
                    valid = False
                    break
                q = float(value)
                break  # what follows q are accept-extensions, not media-type parameters
            params.append((name, value.strip('"')))
        if valid:
            ranges.append(MediaRange(main, sub, q, tuple(params)))
    return ranges


def _valid_weight(value: str) -> bool:
    """``0``, ``0.5``, ``1``, ``1.000``; nothing above 1, at most three decimals.

    >>> [_valid_weight(v) for v in ("0", "0.125", "1.0", "1.5", "0.1234", ".5", "abc")]
    [True, True, True, False, False, False, False]
    """
    whole, _, decimals = value.partition(".")
    if whole not in ("0", "1") or len(decimals) > 3 or (decimals and not decimals.isdigit()):
        return False
    return not (whole == "1" and decimals.strip("0"))


def quality(ranges: list[MediaRange], media_type: str) -> tuple[float, int]:
    """The weight the ranges give ``media_type`` and the specificity of the range that gave it.

    (0.0, -1) when no range matches.

    >>> quality(parse_accept("text/*;q=0.5, text/turtle;q=0"), "text/turtle")
    (0.0, 2)
    >>> quality(parse_accept("text/*;q=0.5, text/turtle;q=0"), "text/html")
    (0.5, 1)
    """
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    if best is None:
        return 0.0, -1
    return best.q, best.specificity


def negotiate(accept: str | None, offered: list[str] | tuple[str, ...]) -> str | None:
    """The offered media type the client prefers, or None when it accepts none of them.

    ``offered`` is in the server's order of preference.

    >>> offered = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
    >>> negotiate("text/turtle", offered)
    'text/turtle'
    >>> negotiate("application/ld+json;q=0.5, text/turtle;q=0.4", offered)
    'application/ld+json'
    >>> negotiate("*/*", offered), negotiate(None, offered)
    ('text/html', 'text/html')
    >>> negotiate("text/turtle, */*", offered)
    'text/turtle'
    >>> negotiate("*/*;q=0.1, text/html;q=0", offered)
    'text/turtle'
    >>> negotiate("image/png", offered) is None
    True
    >>> negotiate("garbage", offered)
    'text/html'
    """
    ranges = parse_accept(accept)
    if not ranges:  # no header, an empty one, or nothing in it that parses: not negotiated
        return offered[0] if offered else None
    best: tuple[float, int, int] | None = None
    choice: str | None = None
    for index, media_type in enumerate(offered):
        q, specificity = quality(ranges, media_type)
        if q <= 0:
            continue
        key = (q, specificity, -index)
        if best is None or key > best:
            best, choice = key, media_type
    return choice


@functools.lru_cache(maxsize=1024)
def negotiate_cached(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """:func:`negotiate`, remembered: clients send few distinct Accept headers, and routes offer fixed tuples."""
    return negotiate(accept, offered)
