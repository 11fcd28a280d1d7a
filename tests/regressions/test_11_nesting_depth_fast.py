"""The bracket count before parsing (issue 11) read every data file character by character in Python:
at a million triples it added seconds to load. nesting_depth and nesting now read the text with regular
expressions; this proves they give the character loop's depth and position, on every kind of text."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from uugraph.rdf.sparql_text import nesting, nesting_depth

# The characters that decide the count: brackets, comment and IRI starts, both quotes, escapes, line ends.
PIECES = st.sampled_from(list("()[]{}<>#\"'\\\n\r x:") + ['"""', "'''", "<urn:x>", "<a b>", "# c\n", '"a\\"b"'])


_IRI_STOP = set('<>"{}|^`\\') | {chr(c) for c in range(0x21)}


def character_loop(query: str) -> tuple[int, int, int]:
    """The reference: the character-by-character reading the regular expressions replaced."""
    depth, deepest, where = 0, 0, (1, 1)
    i, line, line_start, n = 0, 1, 0, len(query)
    while i < n:
        c = query[i]
        if c == "\n":
            line, line_start = line + 1, i + 1
        elif c == "#":
            while i + 1 < n and query[i + 1] not in "\r\n":
                i += 1
        elif c == "<":
            j = i + 1
            while j < n and query[j] not in _IRI_STOP:
                j += 1
            if j < n and query[j] == ">":
                i = j
        elif c in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and query[j : j + len(quote)] != quote:
                if query[j] == "\\":
                    j += 1
                elif query[j] == "\n":
                    line, line_start = line + 1, j + 1
                j += 1
            i = j + len(quote) - 1
        elif c in "({[":
            depth += 1
            if depth > deepest:
                deepest, where = depth, (line, i - line_start + 1)
        elif c in ")}]":
            depth = max(depth - 1, 0)
        i += 1
    return deepest, where[0], where[1]


@given(st.lists(PIECES, max_size=60).map("".join))
@settings(max_examples=400, deadline=None)
@example('"\\\n"""(')  # an escaped line end inside a string: the line is counted now
def test_the_fast_depth_is_the_character_loops_depth(text: str) -> None:
    expected = character_loop(text)
    assert nesting_depth(text) == expected[0]
    found = nesting(text)
    assert found[0] == expected[0]
    # The old loop skipped an escaped line end without counting the line, so its positions after one are off.
    if expected[0] and "\\\n" not in text:
        assert found[1:] == expected[1:]


def test_deep_and_shallow_files() -> None:
    assert nesting_depth("[ " * 100 + "] " * 100) == 100
    assert nesting_depth('<urn:a> <urn:p> "((((" , """[[[\n]""" . # {{{{') == 0
    assert nesting_depth("( " * 70) == 70  # unclosed brackets count too
    assert nesting('"\\\n"""(') == (1, 2, 4)  # a line end escaped inside a string is still a line
