"""Lexical checks on SPARQL text, made before any parser or engine sees it.

Queries are checked here for ``SERVICE`` (which would make the engine send a
request elsewhere) and for update keywords (which a read-only endpoint
refuses), by scanning the text itself: comments, strings, IRIs, variables and
prefixed names are skipped, ``\\u`` escapes are applied, and the scan errs on
the side of refusing. Both ``uugraph query`` / ``validate`` and the server use
these checks, so no path runs a query that reaches out.
"""

from __future__ import annotations

from collections.abc import Iterable

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def find_service(query: str) -> tuple[int, int] | None:
    """The line and column of a ``SERVICE`` keyword in ``query`` as written, or None.

    Comments, strings, IRIs, variables and prefixed names are skipped, so only
    the keyword itself counts. Queries are checked with :func:`service_position`
    (this, and the same on the text with its escapes applied) before anything
    runs them: no check and no server ever follows a ``SERVICE`` clause.

    >>> find_service('SELECT * { SERVICE <http://x/> { ?s ?p ?o } }')
    (1, 12)
    >>> find_service('# SERVICE in a comment\\nSELECT ?service { ?s ex:SERVICE "SERVICE" }') is None
    True
    """
    for word, line, column in _keywords(query):
        if word == "SERVICE":
            return line, column
    return None


def _unescape_codepoints(query: str) -> str:
    r"""Apply SPARQL's ``\uXXXX`` / ``\UXXXXXXXX`` escapes, which the grammar allows anywhere in a query.

    >>> _unescape_codepoints(r"\u0053ERVICE")
    'SERVICE'
    """
    if "\\u" not in query and "\\U" not in query:
        return query
    out, i, n = [], 0, len(query)
    while i < n:
        if query[i] == "\\" and i + 1 < n and query[i + 1] in "uU":
            width = 4 if query[i + 1] == "u" else 8
            digits = query[i + 2 : i + 2 + width]
            if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                try:
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
                except (ValueError, OverflowError):
                    pass
        out.append(query[i])
        i += 1
    return "".join(out)


_IRI_STOP = set('<>"{}|^`\\') | {chr(c) for c in range(0x21)}


def _keywords(query: str) -> Iterable[tuple[str, int, int]]:
    """The bare words of a query (keywords, not names) with their line and column, by SPARQL's lexical rules.

    Comments, strings (short and long, with escapes), IRIs, variables, blank
    node labels and prefixed names (whose local part may escape ``\\#``) are
    skipped. A word counts as a keyword whatever precedes it except a
    character that would make it part of a name, so ``?o.SERVICE`` yields
    ``SERVICE``.
    """
    i, line, line_start, n = 0, 1, 0, len(query)
    while i < n:
        c = query[i]
        if c == "\n":
            line, line_start = line + 1, i + 1
            i += 1
        elif c == "#":
            while i < n and query[i] != "\n":
                i += 1
        elif c == "<":
            j = i + 1
            while j < n and query[j] not in _IRI_STOP:
                j += 1
            i = j + 1 if j < n and query[j] == ">" else i + 1
        elif c in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and query[j : j + len(quote)] != quote:
                if query[j] == "\\":
                    j += 1
                elif query[j] == "\n":
                    line, line_start = line + 1, j + 1
                j += 1
            i = j + len(quote)
        elif c in "?$" or (c == "_" and query[i + 1 : i + 2] == ":"):
            # a variable or a blank node label: a name, never a keyword (stops early rather than late)
            j = i + (2 if c == "_" else 1)
            while j < n and (query[j].isalnum() or query[j] == "_"):
                j += 1
            i = max(j, i + 1)
        elif c.isdigit():
            # a number, with its exponent: "1e5SERVICE" is the number 1e5 and the keyword SERVICE
            j = i
            while j < n and query[j].isdigit():
                j += 1
            if j + 1 < n and query[j] == "." and query[j + 1].isdigit():
                j += 1
                while j < n and query[j].isdigit():
                    j += 1
            if j < n and query[j] in "eE":
                k = j + 1 + (1 if query[j + 1 : j + 2] in ("+", "-") else 0)
                if k < n and query[k].isdigit():
                    j = k
                    while j < n and query[j].isdigit():
                        j += 1
            i = max(j, i + 1)
        elif c.isalpha() or c == "_" or c == ":":
            j = i
            while j < n and (query[j].isalnum() or query[j] in "_-:.%\\"):
                if query[j] == "\\":
                    j += 1  # an escaped character of a local name (ex:a\#b)
                j += 1
            word = query[i:j]
            # A word that ends in dots: the dots are punctuation ("?s ?p ex:o." / "true.SERVICE").
            for k, part in enumerate(word.split(".")):
                if part and ":" not in part and "\\" not in part and "%" not in part:
                    yield part.upper(), line, i - line_start + 1 + sum(len(p) + 1 for p in word.split(".")[:k])
                if ":" in part:
                    break  # a prefixed name: the dots inside it are part of the name
            i = max(j, i + 1)
        else:
            i += 1


def service_position(query: str) -> tuple[int, int] | None:
    """Line and column of a ``SERVICE`` keyword, in the query as written or with its ``\\u`` escapes applied.

    The keyword scan also sees ``SERVICE`` after a variable and a dot
    (``?o.SERVICE``), after a literal (``true.SERVICE``, ``1e5SERVICE``),
    after a local name with an escaped ``#`` (``ex:a\\#b SERVICE``) and
    written with ``\\u`` escapes.

    >>> service_position("SELECT * { ?s ?p ?o.SERVICE <http://x/> { ?a ?b ?c } }")
    (1, 21)
    >>> service_position('SELECT ?service { ?s ex:service "SERVICE" } # SERVICE') is None
    True
    """
    # Both as written and with \u escapes applied: whichever way a parser reads them, SERVICE is seen.
    for text in dict.fromkeys((query, _unescape_codepoints(query))):
        found = find_service(text)
        if found:
            return found
    return None


def query_form(query: str) -> str | None:
    """The first keyword of a request after its prologue: SELECT, ASK, … or INSERT, LOAD, … for an update.

    >>> query_form("PREFIX ex: <http://e/> BASE <http://b/> insert data { ex:a ex:b ex:c }")
    'INSERT'
    >>> query_form("# a comment\\nSELECT * { ?s ?p ?o }")
    'SELECT'
    """
    for word, _, _ in _keywords(_unescape_codepoints(query)):
        if word in ("BASE", "PREFIX"):
            continue
        return word
    return None


def is_update(query: str) -> bool:
    """Whether a request is a SPARQL Update (to be refused, never parsed by an update parser)."""
    form = query_form(query)
    return form in UPDATE_KEYWORDS


