"""Pictures of time, drawn at build time as inline SVG: membership timelines and figure histories.

A page shows them without any script: the SVG is part of the HTML, its links
are ordinary relative links (each bar to its membership, each point to its
source), and every shape carries a ``<title>`` that says in words what it
shows. Dates are drawn at the precision the sources give them: a start or an
end known only to a year (or a month) is the whole year (month) drawn light,
since the change happened somewhere in it; a day is a line. A start no source
gives is a dashed line from the left edge, an end no source gives an open
arrow to the right edge. A suspension is hatched over its bar; a mention date
(``uuo:asOf``: the member was listed then) is a dot.

Everything is computed from the data alone (the right edge is the latest
date the picture holds, never today), so two builds draw the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from uugraph.outputs.site.html import esc

_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

WIDTH = 760
LABEL = 270  # the width of the label column of a timeline
ROW = 20
TOP = 26
RIGHT = 16


def span(value: str | None) -> tuple[float, float] | None:
    """The part of the time line a date at its precision covers, in fractional years.

    >>> span("2011")
    (2011.0, 2012.0)
    >>> span("2024-12")
    (2024.9166666666667, 2025.0)
    >>> span("2022-01-14")[1] - span("2022-01-14")[0] < 0.01
    True
    >>> span("not a date") is None
    True
    """
    if not value:
        return None
    match = _DATE.match(value)
    if match is None:
        return None
    year = int(match.group(1))
    if match.group(2) is None:
        return float(year), float(year + 1)
    month = min(max(int(match.group(2)), 1), 12)
    if match.group(3) is None:
        return year + (month - 1) / 12, year + month / 12
    day = min(max(int(match.group(3)), 1), _DAYS[month - 1])
    start = year + (month - 1) / 12 + (day - 1) / (12 * _DAYS[month - 1])
    return start, start + 1 / 365


def precision(value: str | None) -> str:
    """The precision of a date in words: year, month, day (or not recorded)."""
    if not value:
        return "not recorded"
    return {4: "year", 7: "month", 10: "day"}.get(len(value), "date")


def _step(years: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if years / step <= 9:
            return step
    return 200


def _num(x: float) -> str:
    """A coordinate, rounded so that the text is stable."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Bar:
    """One membership on a timeline."""

    label: str
    label_href: str | None
    href: str | None
    start: str | None
    end: str | None
    role: str = ""
    how: str = ""
    as_of: str | None = None
    suspended: tuple[str | None, str | None] | None = None

    def words(self) -> str:
        """The bar's period in words, for its ``<title>``."""
        start = f"from {self.start} ({precision(self.start)})" if self.start else "start not recorded"
        end = f"until {self.end} ({precision(self.end)})" if self.end else "no end recorded"
        parts = [self.label + (f", {self.role}" if self.role else ""), start, end]
        if self.how:
            parts.append(f"ended: {self.how}")
        if self.suspended:
            parts.append(f"suspended {self.suspended[0] or '?'} to {self.suspended[1] or '(open)'}")
        if self.as_of:
            parts.append(f"listed as of {self.as_of}")
        return "; ".join(parts)


def timeline(bars: list[Bar], caption: str, *, founded: str | None = None) -> str:
    """An SVG timeline of memberships, one row per bar, in the given order."""
    if not bars:
        return ""
    dates = [d for b in bars for d in (b.start, b.end, b.as_of, *(b.suspended or ())) if d]
    spans = [s for s in (span(d) for d in [*dates, founded]) if s]
    low = min((s[0] for s in spans), default=2000.0)
    high = max((s[1] for s in spans), default=low + 1)
    low = float(int(low))
    if any(b.start is None for b in bars) and not (founded and span(founded)):
        low -= 2  # room for the dashed, not-recorded starts
    high = float(int(high) + 1 if high > int(high) else int(high)) + 1
    plot = WIDTH - LABEL - RIGHT
    height = TOP + ROW * len(bars) + 8

    def x(year: float) -> float:
        return LABEL + (year - low) / (high - low) * plot

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{esc(caption)}">\n',
        f"<title>{esc(caption)}</title>\n",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="3" height="6" fill="#b3261e"/></pattern>'
        '<marker id="open" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8" fill="none" stroke="#0a58a8"/></marker></defs>\n',
    ]
    step = _step(high - low)
    first = int(low) + (-int(low)) % step
    for year in range(first, int(high) + 1, step):
        out.append(
            f'<line x1="{_num(x(year))}" y1="{TOP - 6}" x2="{_num(x(year))}" y2="{height - 6}" stroke="#e3e3e3"/>'
            f'<text x="{_num(x(year))}" y="{TOP - 10}" font-size="11" text-anchor="middle" fill="#555">{year}</text>\n'
        )
    for i, bar in enumerate(bars):
        y = TOP + ROW * i + ROW / 2
        label = esc(bar.label if len(bar.label) <= 36 else bar.label[:35] + "…")
        text = f'<text x="{LABEL - 8}" y="{_num(y + 4)}" font-size="12" text-anchor="end" fill="#1b1b1b">{label}</text>'
        out.append(f'<a href="{esc(bar.label_href)}">{text}</a>' if bar.label_href else text)
        start, end = span(bar.start), span(bar.end)
        former = end is not None
        colour = "#7a7a7a" if former else "#0a58a8"
        parts = [f"<title>{esc(bar.words())}</title>"]
        left = x(start[1]) if start else x(low)
        right = x(end[0]) if end else x(high) - 2
        if start is None:
            parts.append(f'<line x1="{_num(x(low))}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3"/>')
        else:
            parts.append(f'<rect x="{_num(x(start[0]))}" y="{_num(y - 6)}" width="{_num(max(x(start[1]) - x(start[0]), 1.5))}" height="12" fill="{colour}" fill-opacity="0.35"/>')
            if right > left:
                parts.append(f'<rect x="{_num(left)}" y="{_num(y - 6)}" width="{_num(right - left)}" height="12" fill="{colour}"/>')
        if end is not None:
            parts.append(f'<rect x="{_num(x(end[0]))}" y="{_num(y - 6)}" width="{_num(max(x(end[1]) - x(end[0]), 1.5))}" height="12" fill="{colour}" fill-opacity="0.35"/>')
            parts.append(f'<line x1="{_num(x(end[1]))}" y1="{_num(y - 7)}" x2="{_num(x(end[1]))}" y2="{_num(y + 7)}" stroke="{colour}" stroke-width="2"/>')
        else:
            parts.append(f'<line x1="{_num(right - 1)}" y1="{_num(y)}" x2="{_num(x(high))}" y2="{_num(y)}" stroke="#0a58a8" stroke-width="2" marker-end="url(#open)"/>')
        if bar.suspended:
            a, b = span(bar.suspended[0]), span(bar.suspended[1])
            if a:
                until = b[0] if b else (end[0] if end else high)
                parts.append(f'<rect x="{_num(x(a[0]))}" y="{_num(y - 6)}" width="{_num(max(x(until) - x(a[0]), 1.5))}" height="12" fill="url(#hatch)"/>')
        mention = span(bar.as_of)
        if mention:
            parts.append(f'<circle cx="{_num(x((mention[0] + mention[1]) / 2))}" cy="{_num(y)}" r="3.5" fill="#fff" stroke="#1b1b1b" stroke-width="1.5"/>')
        shapes = "".join(parts)
        out.append((f'<a href="{esc(bar.href)}">{shapes}</a>' if bar.href else f"<g>{shapes}</g>") + "\n")
    out.append("</svg>")
    return "".join(out)


_NICE = ((1.0, 5), (1.2, 6), (1.5, 5), (2.0, 4), (2.5, 5), (3.0, 6), (4.0, 4), (5.0, 5), (6.0, 6), (8.0, 4), (10.0, 5))


def _ceiling(top: int) -> tuple[float, int]:
    """A round top for a value axis a little above ``top``, and how many ticks divide it evenly.

    >>> _ceiling(1000), _ceiling(94), _ceiling(0)
    ((1200.0, 6), (100.0, 5), (1.0, 5))
    """
    want = max(top * 1.05, 1.0)
    magnitude = 1.0
    while magnitude * 10 < want:
        magnitude *= 10
    for mantissa, ticks in _NICE:
        if mantissa * magnitude >= want:
            return mantissa * magnitude, ticks
    return 10 * magnitude, 5


@dataclass(frozen=True)
class Point:
    """One figure of a series: its date, value and source."""

    date: str
    value: int
    href: str | None
    title: str
    approximate: bool = False
    lower_bound: bool = False


def history(points: list[Point], caption: str) -> str:
    """An SVG line chart of one measure over time: a point per figure, each linked to its source.

    An approximate value ("nearly 1,000") is a hollow circle, a lower bound
    ("more than 800") a triangle pointing up; a date known to a year or a
    month is drawn in the middle of its span, with the span as a light band.
    """
    dated = sorted((p for p in points if span(p.date)), key=lambda p: (span(p.date) or (0.0, 0.0), p.value, p.title))
    if len(dated) < 2:
        return ""
    spans = [span(p.date) or (0.0, 0.0) for p in dated]
    low, high = float(int(min(s[0] for s in spans))), float(int(max(s[1] for s in spans)) + 1)
    ceiling, ticks = _ceiling(max(p.value for p in dated))
    left, bottom, height = 56, 230, 260
    plot_w, plot_h = WIDTH - left - RIGHT, bottom - 20

    def x(year: float) -> float:
        return left + (year - low) / (high - low) * plot_w

    def y(value: float) -> float:
        return bottom - value / ceiling * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{esc(caption)}">\n',
        f"<title>{esc(caption)}</title>\n",
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#999"/><line x1="{left}" y1="20" x2="{left}" y2="{bottom}" stroke="#999"/>\n',
    ]
    for k in range(0, ticks + 1):
        value = ceiling * k / ticks
        out.append(
            f'<line x1="{left}" y1="{_num(y(value))}" x2="{WIDTH - RIGHT}" y2="{_num(y(value))}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{_num(y(value) + 4)}" font-size="11" text-anchor="end" fill="#555">{int(value):,}</text>\n'
        )
    step = _step(high - low)
    for year in range(int(low) + (-int(low)) % step, int(high) + 1, step):
        out.append(f'<text x="{_num(x(year))}" y="{bottom + 16}" font-size="11" text-anchor="middle" fill="#555">{year}</text>\n')
    centres = [((s[0] + s[1]) / 2, p) for s, p in zip(spans, dated, strict=True)]
    line = " ".join(f"{_num(x(c))},{_num(y(p.value))}" for c, p in centres)
    out.append(f'<polyline points="{line}" fill="none" stroke="#0a58a8" stroke-width="1.5"/>\n')
    for (c, p), s in zip(centres, spans, strict=True):
        cx, cy = x(c), y(p.value)
        band = f'<rect x="{_num(x(s[0]))}" y="{_num(cy - 2)}" width="{_num(max(x(s[1]) - x(s[0]), 1))}" height="4" fill="#0a58a8" fill-opacity="0.25"/>'
        if p.lower_bound:
            mark = f'<path d="M{_num(cx)},{_num(cy - 6)} L{_num(cx + 5)},{_num(cy + 4)} L{_num(cx - 5)},{_num(cy + 4)} Z" fill="#0a58a8"/>'
        elif p.approximate:
            mark = f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="4.5" fill="#fff" stroke="#0a58a8" stroke-width="2"/>'
        else:
            mark = f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="4.5" fill="#0a58a8"/>'
        shapes = f"<title>{esc(p.title)}</title>{band}{mark}"
        out.append((f'<a href="{esc(p.href)}">{shapes}</a>' if p.href else f"<g>{shapes}</g>") + "\n")
    out.append("</svg>")
    return "".join(out)
