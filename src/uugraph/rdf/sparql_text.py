"""Lexical checks on SPARQL text, made before any parser or engine sees it.

Queries are checked here for ``SERVICE`` (which would make the engine send a
request elsewhere) and for update keywords (which a read-only endpoint
refuses), by scanning the text itself: comments, strings, IRIs, variables and
prefixed names are skipped, ``\\u`` escapes are applied, and the scan errs on
the side of refusing. Both ``uugraph query`` / ``validate`` and the server use
these checks, so no path runs a query that reaches out.

The word scan is the early, friendly error. The decision is made on the
parsed query (:func:`check_parsed`): brackets are counted first, so no parser
recurses itself into a crash; then Oxigraph and rdflib must both accept the
text, and no SERVICE pattern may occur in rdflib's parse tree or algebra.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar, cast

T = TypeVar("T")

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
            # A comment ends at the end of the line, and SPARQL ends lines at "\r" as well as "\n".
            while i < n and query[i] not in "\r\n":
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
            parts = word.split(".")
            for k, part in enumerate(parts):
                if part and ":" not in part and "\\" not in part and "%" not in part:
                    yield part.upper(), line, i - line_start + 1 + sum(len(p) + 1 for p in parts[:k])
                if ":" in part and not part.endswith(":"):
                    break  # a prefixed name: the dots inside its local part are part of the name
                # "uuo:.SERVICE": a local part never starts with a dot, so the name ended at the colon
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


# ---------------------------------------------------------------- the parsed check

#: Deepest nesting of ``(``, ``{`` and ``[`` a query may have. Oxigraph's parser
#: recurses once per level and overflows the stack (a segfault, no message) near
#: 10,000; rdflib's needs a deep Python stack. Real queries stay under 20.
MAX_NESTING = 64


class QueryRefused(ValueError):
    """A query that is not run: it does not parse, nests too deep, or names SERVICE.

    ``line`` and ``column`` are 1-based where known.
    """

    def __init__(self, line: int | None, column: int | None, cause: str) -> None:
        self.line = line
        self.column = column
        self.cause = cause
        super().__init__(cause)


# What the bracket count skips, as nesting() reads it: comments, IRIs, long and short strings (an
# unterminated string runs to the end, a backslash escapes any character).
_SKIPPED = re.compile(
    r"#[^\r\n]*"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r'|"""(?:[^"\\]|\\.|\\\Z|"(?!""))*(?:"""|\Z)'
    r"|'''(?:[^'\\]|\\.|\\\Z|'(?!''))*(?:'''|\Z)"
    r'|"(?:[^"\\]|\\.|\\\Z)*(?:"|\Z)'
    r"|'(?:[^'\\]|\\.|\\\Z)*(?:'|\Z)",
    re.S,
)
_BRACKETS = re.compile(r"[(){}\[\]]+")
_TOKENS = re.compile(_SKIPPED.pattern + r"|[(){}\[\]]", re.S)


def nesting_depth(text: str) -> int:
    """The deepest nesting of :func:`nesting`, without its position: fast enough for every data file.

    The skipped parts are removed by one regular expression and only brackets
    are counted, so a million-triple Turtle file takes a fraction of a second
    (the character loop of :func:`nesting` took seconds). Callers ask
    :func:`nesting` for the position only when the depth is refused.

    >>> nesting_depth('SELECT * { FILTER((1)) } # ((((((')
    3
    """
    depth = deepest = 0
    for run in _BRACKETS.findall(_SKIPPED.sub(" ", text)):
        for c in run:
            if c in "({[":
                depth += 1
                if depth > deepest:
                    deepest = depth
            elif depth:
                depth -= 1
    return deepest


def nesting(query: str) -> tuple[int, int, int]:
    """The deepest nesting of brackets outside comments, strings and IRIs, and where it is first reached.

    Counted before any parser sees the query, so a query that would overflow a
    parser's stack is refused with a position instead of crashing the process.
    It reads the text as :func:`nesting_depth` does (the same expression of
    what is skipped) and adds the 1-based line and column of the deepest bracket.

    >>> nesting('SELECT * { FILTER((1)) } # ((((((')
    (3, 1, 19)
    """
    depth, deepest, offset = 0, 0, 0
    for match in _TOKENS.finditer(query):
        c = match.group()
        if c in "({[":
            depth += 1
            if depth > deepest:
                deepest, offset = depth, match.start()
        elif c in ")}]":
            depth = max(depth - 1, 0)
    line = query.count("\n", 0, offset) + 1
    return deepest, line, offset - (query.rfind("\n", 0, offset) + 1) + 1


def _deep_stack(work: Callable[..., T], *args: object) -> T:
    """Run ``work`` in a thread with a large stack and recursion limit: rdflib's parser recurses per level."""
    import sys
    import threading

    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, work(*args)))
        except BaseException as exc:  # handed back to the caller's thread
            outcome.append((False, exc))

    old_limit, old_size = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, 50_000))
    threading.stack_size(64 << 20)
    try:
        thread = threading.Thread(target=run, name="sparql-parse", daemon=True)
        thread.start()
    finally:
        threading.stack_size(old_size)
    try:
        while thread.is_alive():
            thread.join(0.1)  # in short waits, so Ctrl-C reaches the main thread
    finally:
        sys.setrecursionlimit(old_limit)
    ok, value = outcome[0]
    if not ok:
        raise cast(BaseException, value)
    return cast(T, value)


def _names_service(node: object) -> bool:
    """Whether a parsed query (rdflib's parse tree or algebra) has a SERVICE pattern anywhere."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack, seen = [node], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern" or "service" in item.name.lower():
                return True
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif type(item).__name__ in ("ParseResults",):
            stack.extend(list(cast(Iterable[object], item)))
    return False


def _rdflib_form(query: str, base: str | None) -> str:
    """Parse and translate with rdflib; refuse SERVICE found in the parse tree or the algebra."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    # SPARQL ends a line (and so a comment) at "\r" too; rdflib's comments run to "\n" only.
    # Same length, so positions stay; inside a long string it changes nothing the check looks at.
    text = query.replace("\r", "\n")
    tree = parseQuery(text)
    if _names_service(tree):
        raise QueryRefused(None, None, "SERVICE is not allowed: queries never reach other endpoints")
    algebra = translateQuery(tree, base=base).algebra
    if _names_service(algebra):
        raise QueryRefused(None, None, "SERVICE is not allowed: queries never reach other endpoints")
    return str(algebra.name)


def oxigraph_parses(query: str, base: str | None) -> None:
    """Let Oxigraph parse the query without evaluating it (SELECT, CONSTRUCT, DESCRIBE are lazy).

    ASK is answered at once, so its keyword is swapped for an equivalent
    SELECT that is never iterated: nothing is evaluated either way.
    """
    import pyoxigraph as ox

    text = query
    for kind, word, offset in _keyword_offsets(query):
        if word in ("BASE", "PREFIX"):
            continue
        if word == "ASK" and kind == "word":
            text = query[:offset] + "SELECT (1 AS ?uugraph_ask_check)" + query[offset + 3 :]
        break
    ox.Store().query(text, base_iri=base)


def _keyword_offsets(query: str) -> Iterable[tuple[str, str, int]]:
    """The keywords of :func:`_keywords` with their offset in ``query``."""
    starts = [0]
    for index, char in enumerate(query):
        if char == "\n":
            starts.append(index + 1)
    for word, line, column in _keywords(query):
        yield "word", word, starts[line - 1] + column - 1


_QUERY_POSITION_RE = r"^error at (\d+):(\d+): (.*)$"


def check_text(query: str) -> None:
    """The checks that need no parser, raising :class:`QueryRefused`: bracket nesting, then SERVICE by its word.

    They run first everywhere (:func:`check_parsed`), and on their own where a
    parser must not be reached at all, as in the server's event loop before a
    query goes to a worker: a query nested 10,000 deep is refused in
    microseconds, even while every worker is busy.

    >>> try:
    ...     check_text("SELECT * {" + "(" * 100 + ")" * 100 + "}")
    ... except QueryRefused as exc:
    ...     print(exc.line, exc.column, exc.cause)
    1 110 brackets nest 101 deep; at most 64 levels are allowed
    """
    if nesting_depth(query) > MAX_NESTING:
        depth, line, column = nesting(query)
        raise QueryRefused(line, column, f"brackets nest {depth} deep; at most {MAX_NESTING} levels are allowed")
    found = service_position(query)
    if found:
        raise QueryRefused(found[0], found[1], "SERVICE is not allowed: queries never reach other endpoints")


def check_parsed(query: str, base: str | None = None, oxigraph: Callable[[str, str | None], None] | None = None) -> str:
    """Refuse a query unless both parsers read it and neither finds SERVICE; the query form if it passes.

    Nothing is evaluated. In order: the nesting depth (before any parser, so
    no parser overflows its stack); SERVICE as a word (an early, friendly
    error with a position); Oxigraph's parser (the engine that runs the query
    here and on the usual servers), which must accept it; rdflib's parser and
    algebra, which must accept it too and in whose tree no SERVICE pattern may
    occur, however it was spelled. ``oxigraph`` replaces the default Oxigraph
    step (``Store.query`` on an empty store, never iterated). A query either parser rejects is refused,
    so a spelling one of them reads differently never gets through.

    >>> check_parsed("SELECT * { ?s ?p ?o }")
    'SelectQuery'
    >>> try:
    ...     check_parsed("SELECT * { ?s ?p <urn:x:>.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }")
    ... except QueryRefused as exc:
    ...     print(exc.cause)
    SERVICE is not allowed: queries never reach other endpoints
    """
    import re

    check_text(query)
    try:
        # With the nesting bounded, Oxigraph's parser needs no deep stack. Its Store.query also plans
        # the query (it may join inline VALUES at once), so a caller can pass a bounded, killable form.
        (oxigraph or oxigraph_parses)(query, base)
    except SyntaxError as exc:
        message = str(exc.msg if exc.msg else exc)
        match = re.match(_QUERY_POSITION_RE, message, re.S)
        if match:
            raise QueryRefused(int(match.group(1)), int(match.group(2)), _one_line(match.group(3))) from None
        raise QueryRefused(None, None, _one_line(message)) from None
    try:
        return _deep_stack(_rdflib_form, query, base)
    except QueryRefused:
        raise
    except RecursionError:
        raise QueryRefused(None, None, "the query nests too deep to be checked") from None
    except Exception as exc:  # rdflib raises ParseException, and Exception for an undefined prefix
        where = (getattr(exc, "lineno", None), getattr(exc, "col", None))
        cause = _one_line(getattr(exc, "msg", None) or str(exc))
        raise QueryRefused(*where, f"the query does not parse as SPARQL 1.1 for the checker: {cause}") from None


def _one_line(message: str) -> str:
    """Parsers list every token they expected over many lines; one line is enough to act on."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    if not lines:
        return "syntax error"
    first = lines[0]
    if len(lines) > 1:
        first += " " + " ".join(lines[1:4]) + (" …" if len(lines) > 4 else "")
    return first if len(first) <= 300 else first[:297] + "…"
