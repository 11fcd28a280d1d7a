"""Where a triple is written: file, line and column, read from the Turtle source text.

Oxigraph's parser reports no positions for the triples it returns, so a SHACL
result could only name a file. This module is a small Turtle reader that keeps
positions: a tokenizer over the Turtle grammar (IRIs, prefixed names, blank
nodes, short and long literals, numbers, comments, ``@prefix``/``PREFIX`` and
``@base``/``BASE``) and a parser that tracks subject, predicate and object
through ``;`` and ``,`` lists, blank-node property lists and collections,
giving each triple the line and column of its object and each statement the
position of its subject. It checks nothing: the files were parsed strictly by
the loader already, and a file this reader cannot follow just yields fewer
positions.

It runs only for the subjects a report names and only on the files that spell
one of them: a small file is read whole; in a large one only the statements
that start with a wanted subject are read (found by searching the text for the
subject's spellings), so locating ten results in a 45 MB file costs a few
string searches, not a second parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from uugraph.rdf.namespaces import RDF, XSD

#: A term as the reader sees it: ("I", iri), ("B", label) or ("L", lexical, datatype, language).
Term = tuple[str, ...]

#: Files up to this size are read whole; in larger ones only the wanted statements are.
FULL_SCAN_BYTES = 1 << 20

_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+|\#[^\r\n]*)
   |(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
   |(?P<long>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
   |(?P<short>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
   |(?P<directive>@prefix\b|@base\b)
   |(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
   |(?P<dt>\^\^)
   |(?P<number>[+-]?(?:\d+\.\d*[eE][+-]?\d+|\.\d+[eE][+-]?\d+|\d+[eE][+-]?\d+|\d*\.\d+|\d+))
   |(?P<bnode>_:\w(?:[\w.\-]*[\w\-])?)
   |(?P<pname>(?:[^\W\d_](?:[\w.\-]*[\w\-])?)?:(?:(?:[\w:]|PLX)(?:(?:[\w.:\-]|PLX)*(?:[\w:\-]|PLX))?)?)
   |(?P<word>[A-Za-z]+)
   |(?P<punct>[;,.\[\]()])
    """.replace("PLX", _PLX),
    re.X | re.S,
)
_DIRECTIVE = re.compile(r"(?i)[ \t]*(@prefix|prefix|@base|base)[ \t]+(?:([^\W\d_](?:[\w.\-]*[\w\-])?)?:[ \t]*)?<([^>]*)>")
_DIRECTIVE_LINE = re.compile(r"(?im)^(?=[ \t]*@?(?:prefix|base)\b)")
_ECHAR = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ROW = re.compile(r"#\s*(row \d+ of \S+)")
_NAME_CHAR = re.compile(r"[\w.:\-%\\]")
_XSD_STRING = XSD + "string"


def resolve(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` (RFC 3986; unlike urljoin alone, an empty fragment ``#`` is kept)."""
    if "#" not in reference:
        return urljoin(base, reference)
    head, _, fragment = reference.partition("#")
    return (urljoin(base, head) if head else base.partition("#")[0]) + "#" + fragment


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            return chr(int(code, 16))
        return _ECHARS.get(match.group(3), match.group(3))

    return _ECHAR.sub(one, text)


class Unreadable(ValueError):
    """The reader cannot follow the text here (it is lenient, not a validator): stop reading this part."""


@dataclass(frozen=True)
class Located:
    """One triple with the position of its object (1-based line and column)."""

    subject: Term
    predicate: str
    object: Term
    line: int
    column: int


@dataclass(frozen=True)
class Statement:
    """Where one statement starts: the position of its subject."""

    subject: Term
    line: int
    column: int


class _Lines:
    """Line and column of an offset, counting newlines from the last offset asked (offsets mostly grow)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> tuple[int, int]:
        if offset >= self.offset:
            self.line += self.text.count("\n", self.offset, offset)
        else:
            self.line -= self.text.count("\n", offset, self.offset)
        self.offset = offset
        return self.line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1


@dataclass
class _Reader:
    """A Turtle reader from one offset on, emitting located triples and statements."""

    text: str
    base: str
    prefixes: dict[str, str]
    lines: _Lines
    triples: list[Located] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    blank: int = 0

    def __post_init__(self) -> None:
        self.pos = 0
        self.token: tuple[str, str, int] | None = None

    def start(self, pos: int) -> None:
        self.pos = pos
        self.token = None
        self._advance()

    def _advance(self) -> None:
        text, pos = self.text, self.pos
        while True:
            match = _TOKEN.match(text, pos)
            if match is None:
                if pos >= len(text):
                    self.token = None
                    self.pos = pos
                    return
                raise Unreadable(f"cannot read at offset {pos}")
            pos = match.end()
            kind = match.lastgroup or ""
            if kind != "ws":
                self.token = (kind, match.group(), match.start())
                self.pos = pos
                return

    def _take(self) -> tuple[str, str, int]:
        token = self.token
        if token is None:
            raise Unreadable("unexpected end of text")
        self._advance()
        return token

    def _expect(self, text: str) -> None:
        token = self._take()
        if token[1] != text:
            raise Unreadable(f"expected {text!r}, found {token[1]!r}")

    def _peek(self) -> str | None:
        return self.token[1] if self.token is not None else None

    def _fresh(self) -> Term:
        self.blank += 1
        return ("B", f"#{self.blank}")

    def _iri(self, token: tuple[str, str, int]) -> str:
        kind, text, _ = token
        if kind == "iri":
            return resolve(self.base, _unescape(text[1:-1]))
        if kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in self.prefixes:
                raise Unreadable(f"undeclared prefix {prefix}:")
            return self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        raise Unreadable(f"expected an IRI, found {text!r}")

    # ------------------------------------------------------------ grammar

    def statement(self) -> bool:
        """Read one statement; False at the end of the text."""
        token = self.token
        if token is None:
            return False
        kind, text, offset = token
        lowered = text.lower()
        if kind == "directive" or (kind == "word" and lowered in ("prefix", "base")):
            self._take()
            if lowered.endswith("prefix"):
                name = self._take()
                if name[0] != "pname" or not name[1].endswith(":"):
                    raise Unreadable("expected a prefix name")
                self.prefixes[name[1][:-1]] = self._iri(self._take())
            else:
                self.base = self._iri(self._take())
            if kind == "directive":
                self._expect(".")
            return True
        line, column = self.lines.at(offset)
        if text == "[":
            self._take()
            subject = self._fresh()
            self.statements.append(Statement(subject, line, column))
            if self._peek() != "]":
                self._predicate_objects(subject)
            self._expect("]")
            if self._peek() != ".":
                self._predicate_objects(subject)
        else:
            subject = self._collection() if text == "(" else self._term(self._take())
            self.statements.append(Statement(subject, line, column))
            self._predicate_objects(subject)
        self._expect(".")
        return True

    def _term(self, token: tuple[str, str, int]) -> Term:
        kind, text, _ = token
        if kind == "bnode":
            return ("B", text[2:])
        return ("I", self._iri(token))

    def _predicate_objects(self, subject: Term) -> None:
        while True:
            token = self._take()
            predicate = RDF + "type" if token[1] == "a" and token[0] == "word" else self._iri(token)
            while True:
                offset = self.token[2] if self.token is not None else len(self.text)
                value = self._object()
                line, column = self.lines.at(offset)
                self.triples.append(Located(subject, predicate, value, line, column))
                if self._peek() != ",":
                    break
                self._take()
            if self._peek() != ";":
                return
            while self._peek() == ";":
                self._take()
            if self._peek() in (".", "]", None):
                return

    def _object(self) -> Term:
        token = self.token
        if token is None:
            raise Unreadable("unexpected end of text")
        kind, text, _ = token
        if text == "[":
            self._take()
            node = self._fresh()
            if self._peek() != "]":
                self._predicate_objects(node)
            self._expect("]")
            return node
        if text == "(":
            return self._collection()
        if kind in ("short", "long"):
            self._take()
            quotes = 3 if kind == "long" else 1
            lexical = _unescape(text[quotes:-quotes])
            after = self.token
            if after is not None and after[0] == "lang":
                self._take()
                return ("L", lexical, "", after[1][1:].lower())
            if after is not None and after[0] == "dt":
                self._take()
                datatype = self._iri(self._take())
                return ("L", lexical, "" if datatype == _XSD_STRING else datatype, "")
            return ("L", lexical, "", "")
        if kind == "number":
            self._take()
            datatype = "double" if "e" in text.lower() else "decimal" if "." in text else "integer"
            return ("L", text, XSD + datatype, "")
        if kind == "word" and text in ("true", "false"):
            self._take()
            return ("L", text, XSD + "boolean", "")
        return self._term(self._take())

    def _collection(self) -> Term:
        self._expect("(")
        head: Term = ("I", RDF + "nil")
        previous: Term | None = None
        while self._peek() != ")":
            node = self._fresh()
            if previous is None:
                head = node
            else:
                line, column = self.lines.at(self.token[2] if self.token is not None else 0)
                self.triples.append(Located(previous, RDF + "rest", node, line, column))
            offset = self.token[2] if self.token is not None else len(self.text)
            item = self._object()
            line, column = self.lines.at(offset)
            self.triples.append(Located(node, RDF + "first", item, line, column))
            previous = node
        if previous is not None:
            line, column = self.lines.at(self.token[2] if self.token is not None else len(self.text))
            self.triples.append(Located(previous, RDF + "rest", ("I", RDF + "nil"), line, column))
        self._expect(")")
        return head


@dataclass
class Scan:
    """What was read of one text: its triples and where its statements start."""

    triples: list[Located]
    statements: list[Statement]


def scan(text: str, base: str) -> Scan:
    """Read a whole Turtle text; stops quietly where it cannot follow it."""
    reader = _Reader(text, base, {}, _Lines(text))
    try:
        reader.start(0)
        while reader.statement():
            pass
    except Unreadable:
        pass
    return Scan(reader.triples, reader.statements)


def _directives(text: str, base: str) -> list[tuple[int, str, str, str]]:
    """Every prefix and base directive: (offset, "prefix" or "base", prefix name, resolved IRI), in order.

    The keywords are found with plain string searches on a lower-cased copy
    (a line-anchored regular expression over 45 MB takes twice as long), then
    each hit that starts a line is read with :data:`_DIRECTIVE`.
    """
    lowered = text.lower()
    starts = set()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets would not match
        starts = {m.start() for m in _DIRECTIVE_LINE.finditer(text)}
        lowered = ""
    for keyword in ("prefix", "base") if lowered else ():
        at = lowered.find(keyword)
        while at >= 0:
            head = at - 1 if at and text[at - 1] == "@" else at
            line_start = text.rfind("\n", 0, head) + 1
            if not text[line_start:head].strip():
                starts.add(line_start)
            at = lowered.find(keyword, at + len(keyword))
    found = []
    current = base
    for start in sorted(starts):
        match = _DIRECTIVE.match(text, start)
        if match is None:
            continue
        keyword, name, iri = match.group(1).lower(), match.group(2) or "", match.group(3)
        resolved = resolve(current, _unescape(iri))
        if keyword.endswith("base"):
            current = resolved
            found.append((match.start(), "base", "", resolved))
        else:
            found.append((match.start(), "prefix", name, resolved))
    return found


_LOCAL_ESCAPES = set("~!$&'()*+,;=/?#@")


def spellings(iri: str, prefixes: Iterable[tuple[str, str]], bases: Iterable[str]) -> set[str]:
    """The ways a Turtle text may write ``iri`` as a term: <iri>, <relative>, prefix:local."""
    found = {f"<{iri}>"}
    for base in bases:
        if iri.startswith(base) and len(iri) > len(base):
            found.add(f"<{iri[len(base) :]}>")
    for name, namespace in prefixes:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            escaped = "".join("\\" + c if c in _LOCAL_ESCAPES else c for c in local)
            if escaped.endswith(".") or escaped.startswith((".", "-")):
                escaped = ("\\" + escaped[0] if escaped[0] in ".-" else escaped[0]) + escaped[1:]
                escaped = escaped[:-1] + "\\." if escaped.endswith(".") else escaped
            found.add(f"{name}:{escaped}")
    return found


_QUOTED = re.compile(r'''"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*'|\#[^\r\n]*''', re.S)


def _long_literals(text: str) -> list[tuple[int, int]]:
    """The spans of the long (multi-line) literals of ``text``: the only tokens a line-wise look-back can be inside.

    Short strings and comments are matched too, so that quotes inside them open
    nothing; a text without triple quotes is not searched at all.
    """
    if '"""' not in text and "'''" not in text:
        return []
    return [m.span() for m in _QUOTED.finditer(text) if m.group().startswith(('"""', "'''"))]


def _inside(spans: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    import bisect

    i = bisect.bisect_right(spans, (offset, 1 << 62)) - 1
    return spans[i] if i >= 0 and spans[i][0] < offset < spans[i][1] else None


def _at_statement_start(text: str, offset: int, spans: list[tuple[int, int]]) -> bool:
    """Whether the last token before ``offset`` ends a statement (a '.', a PREFIX/BASE line or nothing)."""
    if _inside(spans, offset):
        return False
    end = offset
    for _ in range(200):
        start = text.rfind("\n", 0, end) + 1
        span = _inside(spans, start)
        if span is not None:
            start = span[1]
        tokens = []
        pos = start
        while pos < end:
            match = _TOKEN.match(text, pos)
            if match is None:
                return False
            if match.lastgroup != "ws":
                tokens.append(match.group())
            pos = match.end()
        if tokens:
            if tokens[-1] == ".":
                return True
            return bool(_DIRECTIVE.match(text, start)) and tokens[0].lower() in ("prefix", "base")
        if start == 0:
            return True
        end = (span[0] if span is not None else start) - 1 if start > 0 else 0
        if span is not None:
            return False  # a statement cannot end in a literal
    return False


def scan_subjects(text: str, base: str, subjects: set[str]) -> Scan:
    """Read only the statements of ``text`` whose subject is one of ``subjects`` (IRIs)."""
    directives = _directives(text, base)
    prefixes = [(name, iri) for _, kind, name, iri in directives if kind == "prefix"]
    bases = {base} | {iri for _, kind, _, iri in directives if kind == "base"}
    starts: set[int] = set()
    spans = _long_literals(text)
    for subject in subjects:
        for spelling in spellings(subject, prefixes, bases):
            at = text.find(spelling)
            while at >= 0:
                end = at + len(spelling)
                before = text[at - 1] if at else " "
                after = text[end] if end < len(text) else " "
                bounded = spelling.startswith("<") or (not _NAME_CHAR.match(before) and not (_NAME_CHAR.match(after) and after != "."))
                if bounded and _at_statement_start(text, at, spans):
                    starts.add(at)
                at = text.find(spelling, end)
    reader = _Reader(text, base, {}, _Lines(text))
    for offset in sorted(starts):
        reader.prefixes, reader.base = {}, base
        for at, kind, name, iri in directives:
            if at >= offset:
                break
            if kind == "prefix":
                reader.prefixes[name] = iri
            else:
                reader.base = iri
        kept_triples, kept_statements = len(reader.triples), len(reader.statements)
        try:
            reader.start(offset)
            reader.statement()
        except Unreadable:
            del reader.triples[kept_triples:]
            del reader.statements[kept_statements:]
    return Scan(reader.triples, reader.statements)


# ---------------------------------------------------------------- across files


@dataclass(frozen=True)
class Position:
    """A place in a file: 1-based line and column, and the CSV row it was imported from, if said."""

    file: Path
    line: int
    column: int
    row: str = ""


@dataclass
class Index:
    """The located statements of some subjects across the files, in the loader's order."""

    starts: dict[str, Position] = field(default_factory=dict)
    triples: dict[str, list[tuple[str, Term, Position]]] = field(default_factory=dict)


def _row_of(text_lines: list[str], line: int) -> str:
    """The ``# row N of FILE`` comment heading the block that holds ``line`` ("" when none does)."""
    for number in range(line - 1, -1, -1):
        content = text_lines[number].strip()
        if not content:
            return ""
        match = _ROW.match(content)
        if match:
            return match.group(1)
    return ""


def index_subjects(
    files: Sequence[Path],
    subjects: Iterable[str],
    base: str,
    full_scan_bytes: int = FULL_SCAN_BYTES,
    complete: Callable[[str, Index], bool] | None = None,
) -> Index:
    """Locate the statements of ``subjects`` (IRIs) in ``files``, read in their order.

    A small file (at most ``full_scan_bytes``) is read whole when its text
    spells one of the subjects; in a larger one only the statements that start
    with a subject are read. ``complete(subject, index)`` says when a subject
    needs no more files (its description and the triples its results are about
    are found): it is not searched for in the files after that, so a report on
    a few subjects does not search every file of a large graph for each.
    """
    wanted = {s for s in subjects if s}
    index = Index()
    for path in files:
        if not wanted:
            break
        with path.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
        if len(text) <= full_scan_bytes:
            directives = _directives(text, base)
            prefixes = [(name, iri) for _, kind, name, iri in directives if kind == "prefix"]
            bases = {base} | {iri for _, kind, _, iri in directives if kind == "base"}
            present = {s for s in wanted if any(spelling in text for spelling in spellings(s, prefixes, bases))}
            result = scan(text, base) if present else Scan([], [])
        else:
            present = set(wanted)
            result = scan_subjects(text, base, present)
        text_lines = text.splitlines() if "# row " in text or "#row " in text else []

        def position(line: int, column: int, path: Path = path, text_lines: list[str] = text_lines) -> Position:
            return Position(path, line, column, _row_of(text_lines, line) if text_lines else "")

        for statement in result.statements:
            if statement.subject[0] == "I" and statement.subject[1] in present and statement.subject[1] not in index.starts:
                index.starts[statement.subject[1]] = position(statement.line, statement.column)
        for triple in result.triples:
            if triple.subject[0] == "I" and triple.subject[1] in present:
                index.triples.setdefault(triple.subject[1], []).append((triple.predicate, triple.object, position(triple.line, triple.column)))
        if complete is not None:
            wanted = {s for s in wanted if not complete(s, index)}
    return index
