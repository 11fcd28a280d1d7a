"""The bracket count before parsing (issue 11) read every data file character by character in Python:
at a million triples it added seconds to load. nesting_depth reads the same depth with one regular
expression; this proves it is the same count as the character loop, on every kind of text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from uugraph.rdf.sparql_text import nesting, nesting_depth

# The characters that decide the count: brackets, comment and IRI starts, both quotes, escapes, line ends.
PIECES = st.sampled_from(list("()[]{}<>#\"'\\\n\r x:") + ['"""', "'''", "<urn:x>", "<a b>", "# c\n", '"a\\"b"'])


@given(st.lists(PIECES, max_size=60).map("".join))
@settings(max_examples=400, deadline=None)
def test_the_fast_depth_is_the_character_loops_depth(text: str) -> None:
    assert nesting_depth(text) == nesting(text)[0]


def test_deep_and_shallow_files() -> None:
    assert nesting_depth("[ " * 100 + "] " * 100) == 100
    assert nesting_depth('<urn:a> <urn:p> "((((" , """[[[\n]""" . # {{{{') == 0
    assert nesting_depth("( " * 70) == 70  # unclosed brackets count too
