"""Stage 5, query: run the SPARQL queries of ``queries/`` on the embedded graph.

A query runs on an Oxigraph store holding exactly the published graph
(ontology + data + derived links); :mod:`uugraph.remote.query` runs the same
files on an endpoint. Either way, a query with ``SERVICE`` is refused before
it runs, and the answer is a :class:`~uugraph.rdf.results.Table`, the same
shape from both engines, so a test can compare them and the CLI can print
them as a table, CSV, TSV or SPARQL JSON.

A query may take parameters in the grlc convention (BASIL's, which grlc
follows): a variable ``?_name_iri`` is the parameter ``name``, bound to an
IRI; ``?_name_xsd_date`` to a literal typed ``xsd:date``, ``?_name_integer``
to an ``xsd:integer``, ``?_name_en`` to a literal in English and plain
``?_name`` to a plain literal; ``?__name…`` (two underscores) is optional.
The query's ``#+ params:`` header line declares them, with the minting rule
for a bare slug (``network (iri|slug:org)``: ``leru`` → ``<base>id/org/leru``),
and grlc's ``#+ defaults:`` list gives the values a run without
``--param`` uses. Values are checked and made into RDF terms
(:func:`bind_parameters`) and bound by a ``VALUES`` block that opens the
``WHERE`` clause (:func:`with_values`), on the embedded store and on an
endpoint alike; the user's text is never pasted into the query. (Oxigraph's
substitutions would bind only projected variables.) So a query uses its
parameters in triple patterns, or in FILTER and BIND at the top level of its
``WHERE`` clause, where the VALUES block is in scope.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError
from uugraph.iris import SLUG_PATTERN
from uugraph.pipeline import sandbox
from uugraph.pipeline.load import (
    LoadedGraph,
    QueryFile,
    check_query,
    parse_query_file,
)
from uugraph.rdf.results import Table, value_of

FORMATS = ("table", "csv", "tsv", "json")

Binding = ox.NamedNode | ox.Literal

_XSD = "http://www.w3.org/2001/XMLSchema#"
_PARAM_VARIABLE = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*)((?:_[A-Za-z0-9]+)*)")
_DECLARED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\s*\(([^)]*)\)\s*$")
_DEFAULT_LINE = re.compile(r"^#\+\s+-\s*([A-Za-z][A-Za-z0-9]*)\s*:\s*(.*?)\s*$")
_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")
_DATATYPE_FORMS = {
    "date": (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "YYYY-MM-DD"),
    "gYear": (re.compile(r"^\d{4}$"), "YYYY"),
    "gYearMonth": (re.compile(r"^\d{4}-\d{2}$"), "YYYY-MM"),
    "integer": (re.compile(r"^[+-]?\d+$"), "a whole number"),
}


@dataclass(frozen=True)
class Parameter:
    """One parameter of a query: its grlc variable, what it binds to, and its default.

    ``kind`` is ``"iri"``, ``"literal"``, ``"lang"`` (then ``language``) or an
    XSD datatype's local name (``"date"``, ``"integer"`` …); ``slug_kind`` is
    the IRI path a bare slug is minted under (``"org"`` → ``id/org/<slug>``).
    """

    name: str
    variable: str
    kind: str
    optional: bool = False
    slug_kind: str | None = None
    language: str | None = None
    default: str | None = None

    def describe(self) -> str:
        """The parameter as the header declares it: ``network (iri|slug:org)``."""
        if self.kind == "iri":
            kind = "iri" + (f"|slug:{self.slug_kind}" if self.slug_kind else "")
        elif self.kind == "lang":
            kind = f"@{self.language}"
        elif self.kind == "literal":
            kind = "literal"
        else:
            kind = f"xsd:{self.kind}"
        return f"{self.name} ({kind})"

    def explain(self) -> str:
        """What a value of the parameter is, in words, for the pages that document a query.

        >>> Parameter("network", "_network_iri", "iri", slug_kind="org").explain()
        'an IRI, or a slug by the minting rule: leru is <base>id/org/leru'
        >>> Parameter("date", "_date_xsd_date", "date").explain()
        'a day, YYYY-MM-DD (xsd:date)'
        """
        if self.kind == "iri":
            if self.slug_kind:
                example = {"org": "leru", "commitment": "magna-charta-universitatum-2020", "concept/measure": "signatories"}.get(self.slug_kind, "<slug>")
                return f"an IRI, or a slug by the minting rule: {example} is <base>id/{self.slug_kind}/{example}"
            return "an IRI (https://…, or a path id/…)"
        if self.kind == "literal":
            return "a plain literal"
        if self.kind == "lang":
            return f"a literal in @{self.language}"
        form = _DATATYPE_FORMS.get(self.kind)
        kind = "a day" if self.kind == "date" else f"an xsd:{self.kind}"
        return f"{kind}, {form[1]} (xsd:{self.kind})" if form else f"an xsd:{self.kind} literal"


def _variable_kind(suffix: str) -> tuple[str, str | None]:
    """What a grlc variable's suffix binds to: ``_iri``, ``_integer``, ``_xsd_date``, ``_en`` or nothing."""
    parts = [s for s in suffix.split("_") if s]
    if not parts:
        return "literal", None
    if parts == ["iri"]:
        return "iri", None
    if parts == ["integer"]:
        return "integer", None
    if len(parts) == 2 and parts[0] == "xsd":
        return parts[1], None
    if len(parts) == 1 and re.fullmatch(r"[a-z]{2,3}", parts[0]):
        return "lang", parts[0]
    return "", None


def query_parameters(path: Path, text: str) -> list[Parameter]:
    """The parameters a query declares, checked against the ``?_…`` variables it uses.

    Every ``?_name…`` variable of the query must be declared on its
    ``#+ params:`` line with the same kind, and every declared parameter used;
    ``#+ defaults:`` (grlc's list, ``#+   - name: value``) may give each a
    value. A mismatch is an InputError naming the file, so a query whose
    header lies about its parameters does not run.
    """
    header: dict[str, str] = {}
    defaults: dict[str, str] = {}
    in_defaults = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        item = _DEFAULT_LINE.match(stripped)
        if in_defaults and item:
            defaults[item.group(1)] = item.group(2)
            continue
        match = re.match(r"^#\+\s*(\w+)\s*:\s*(.*)$", stripped)
        in_defaults = bool(match and match.group(1).lower() == "defaults")
        if match:
            header[match.group(1).lower()] = match.group(2).strip()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    used: dict[str, tuple[str, bool, str, str | None]] = {}
    for match in _PARAM_VARIABLE.finditer(body):
        optional, name, suffix = len(match.group(1)) == 2, match.group(2), match.group(3)
        kind, language = _variable_kind(suffix)
        if not kind:
            raise InputError(str(path), None, None, f"variable {match.group(0)}: the grlc suffix {suffix!r} names no type (use _iri, _integer, _xsd_date, _en …)")
        used[name] = (match.group(0)[1:], optional, kind, language)
    declared: dict[str, tuple[str, str | None, str | None]] = {}
    for part in filter(None, (p.strip() for p in header.get("params", "").split(","))):
        match = _DECLARED.match(part)
        if match is None:
            raise InputError(str(path), None, None, f"#+ params: {part!r} is not 'name (type)', e.g. 'network (iri|slug:org)' or 'date (xsd:date)'")
        name, spec = match.group(1), match.group(2).strip()
        slug_kind = None
        if spec.startswith("iri"):
            kind = "iri"
            if spec != "iri":
                slug_match = re.fullmatch(r"iri\|slug:([a-z]+(?:/[a-z]+)*)", spec)
                if slug_match is None:
                    raise InputError(str(path), None, None, f"#+ params: {part!r}: an IRI parameter is 'iri' or 'iri|slug:<kind>' (slug:org mints id/org/<slug>)")
                slug_kind = slug_match.group(1)
            declared[name] = (kind, slug_kind, None)
        elif spec.startswith("xsd:"):
            declared[name] = (spec[4:], None, None)
        elif spec.startswith("@"):
            declared[name] = ("lang", None, spec[1:])
        elif spec == "literal":
            declared[name] = ("literal", None, None)
        else:
            raise InputError(str(path), None, None, f"#+ params: {part!r}: unknown type {spec!r} (iri, iri|slug:<kind>, xsd:<type>, @<language>, literal)")
    for name in sorted(set(used) - set(declared)):
        raise InputError(str(path), None, None, f"variable ?{used[name][0]} is a parameter the '#+ params:' line does not declare")
    for name in sorted(set(declared) - set(used)):
        raise InputError(str(path), None, None, f"#+ params: declares {name!r}, which the query does not use (as ?_{name}…)")
    for name in sorted(set(defaults) - set(declared)):
        raise InputError(str(path), None, None, f"#+ defaults: gives {name!r}, which is no parameter")
    out = []
    for name, (variable, optional, kind, language) in used.items():
        want_kind, slug_kind, want_language = declared[name]
        if (kind, language) != (want_kind, want_language):
            raise InputError(str(path), None, None, f"parameter {name!r}: the variable ?{variable} binds {kind}, the header declares {want_kind}")
        out.append(Parameter(name, variable, kind, optional, slug_kind, language, defaults.get(name)))
    return sorted(out, key=lambda p: p.name)


def _term(parameter: Parameter, value: str) -> Binding:
    """``value`` as the RDF term ``parameter`` binds, or an InputError naming the parameter."""

    def bad(why: str) -> InputError:
        return InputError("--param", None, None, f"parameter {parameter.name!r}: {value!r} {why}")

    if parameter.kind == "iri":
        if _SLUG_RE.match(value) and parameter.slug_kind:
            return ox.NamedNode(f"{base_iri()}id/{parameter.slug_kind}/{value}")
        if value.startswith("id/"):
            value = base_iri() + value
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
            slug_help = f", a path id/… or a slug ({parameter.slug_kind}: id/{parameter.slug_kind}/<slug>)" if parameter.slug_kind else " or a path id/…"
            raise bad(f"is not an http(s) IRI{slug_help}")
        try:
            return ox.NamedNode(value)
        except ValueError as exc:
            raise bad(f"is not an IRI: {exc}") from None
    if parameter.kind == "literal":
        return ox.Literal(value)
    if parameter.kind == "lang":
        return ox.Literal(value, language=parameter.language)
    form = _DATATYPE_FORMS.get(parameter.kind)
    if form is not None and not form[0].match(value):
        raise bad(f"is not xsd:{parameter.kind} ({form[1]})")
    if parameter.kind == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise bad("is not a day of the calendar") from None
    return ox.Literal(value, datatype=ox.NamedNode(_XSD + parameter.kind))


def bind_parameters(parameters: list[Parameter], given: Mapping[str, str]) -> dict[str, Binding]:
    """The terms to bind, by variable name: the given values, else the defaults; every mandatory one bound.

    >>> [p] = query_parameters(Path("q.rq"), "#+ params: date (xsd:date)\\nSELECT * WHERE { BIND (?_date_xsd_date AS ?d) }")
    >>> str(bind_parameters([p], {"date": "2010-01-01"})["_date_xsd_date"])
    '"2010-01-01"^^<http://www.w3.org/2001/XMLSchema#date>'
    """
    known = {p.name: p for p in parameters}
    for name in given:
        if name not in known:
            declared = ", ".join(p.describe() for p in parameters) or "none"
            raise InputError("--param", None, None, f"parameter {name!r}: this query has no such parameter (it has: {declared})")
    out: dict[str, Binding] = {}
    for parameter in parameters:
        value = given.get(parameter.name, parameter.default)
        if value is None:
            if parameter.optional:
                continue
            raise InputError("--param", None, None, f"parameter {parameter.name!r}: missing; give --param {parameter.name}=VALUE ({parameter.describe()})")
        out[parameter.variable] = _term(parameter, value)
    return out


def with_defaults(path: Path, text: str) -> str:
    """The query with its parameters bound to their ``#+ defaults:`` (a text to run as it stands: the SPARQL page's examples).

    A query without parameters is returned as it is; one whose mandatory
    parameter has no default too (a reader must bind it before running it).

    >>> print(with_defaults(Path("q.rq"), "#+ params: d (xsd:date)\\n#+ defaults:\\n#+   - d: 2010-01-01\\nSELECT * WHERE { BIND (?_d_xsd_date AS ?x) }"))
    #+ params: d (xsd:date)
    #+ defaults:
    #+   - d: 2010-01-01
    SELECT * WHERE { VALUES (?_d_xsd_date) { ("2010-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) } BIND (?_d_xsd_date AS ?x) }
    """
    parameters = query_parameters(path, text)
    if not parameters or any(p.default is None and not p.optional for p in parameters):
        return text
    return with_values(text, bind_parameters(parameters, {}))


def parse_params(items: list[str]) -> dict[str, str]:
    """``--param name=VALUE`` options as a mapping; a malformed or repeated one is an InputError."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
            raise InputError("--param", None, None, f"{item!r} is not NAME=VALUE")
        if name in out:
            raise InputError("--param", None, None, f"parameter {name!r}: given twice")
        out[name] = value
    return out


def _where_brace(text: str) -> int:
    """The offset just after the ``{`` that opens the query's ``WHERE`` clause (comments, strings and IRIs skipped)."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
        elif c == "<":
            j = i + 1
            while j < n and text[j] not in '<>"{}|^`\\' and not text[j].isspace():
                j += 1
            i = j + 1 if j < n and text[j] == ">" else i + 1
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and text[j : j + len(quote)] != quote:
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
        elif c in "?$":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            i = j
        elif text[i : i + 5].upper() == "WHERE" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:")) and not (i + 5 < n and (text[i + 5].isalnum() or text[i + 5] == "_")):
            j = i + 5
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] == "{":
                return j + 1
            i = j
        else:
            i += 1
    raise InputError("<query>", None, None, "a query with parameters needs a WHERE { … } clause for them to be bound on an endpoint")


def with_values(text: str, bindings: Mapping[str, Binding]) -> str:
    """The query with its parameters bound by a ``VALUES`` block opening its ``WHERE`` clause (for an endpoint).

    The terms are written by pyoxigraph (``str(term)``: N-Triples syntax,
    escaped), so a value cannot change the query's structure.

    >>> with_values("SELECT * WHERE { ?s ?p ?_o_iri }", {"_o_iri": ox.NamedNode("http://example.org/a")})
    'SELECT * WHERE { VALUES (?_o_iri) { (<http://example.org/a>) } ?s ?p ?_o_iri }'
    """
    if not bindings:
        return text
    at = _where_brace(text)
    names = sorted(bindings)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(str(bindings[n]) for n in names)}) }}"
    return text[:at] + block + text[at:]


def resolve_query(name_or_file: str, queries_dir: Path) -> QueryFile:
    """A query by name (``members-of-network``) from ``queries/``, or by file path.

    A named query must have its ``#+ summary:`` header; an ad-hoc file is run
    without one, with a warning on stderr.
    """
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        if not path.is_file():
            raise InputError(str(path), None, None, "query file not found")
        return parse_query_file(path, require_summary=False)
    candidate = queries_dir / f"{name_or_file}.rq"
    if candidate.is_file():
        return parse_query_file(candidate)
    known = sorted(p.stem for p in queries_dir.glob("*.rq")) if queries_dir.is_dir() else []
    raise InputError(str(queries_dir), None, None, f"no query named {name_or_file!r}; known: {', '.join(known) or 'none'}")


#: Seconds an embedded query may run before it is stopped (``uugraph query --timeout``).
DEFAULT_TIMEOUT = 30.0


def run_embedded(loaded: LoadedGraph, text: str, *, timeout: float | None = DEFAULT_TIMEOUT, bindings: Mapping[str, Binding] | None = None) -> Table:
    """Run a checked query on the published graph in the embedded store, with no way to reach a network.

    The query is parsed first (:func:`~uugraph.pipeline.load.check_query`:
    no SERVICE in its parse tree). Oxigraph would follow a SERVICE clause
    over HTTP, so the query runs in a forked worker that cannot open an
    Internet socket at all (a seccomp filter refuses ``socket()`` for every
    family but Unix sockets): a bypass of the check fails inside the engine
    instead of reaching the network. The worker is killed after ``timeout``
    seconds (None: no limit) and on Ctrl-C. Where fork or seccomp is not
    available (not Linux), the query runs in this process, guarded by the
    parse check alone. ``bindings`` (:func:`bind_parameters`) are the
    query's parameters, bound by a VALUES block (:func:`with_values`), as on
    an endpoint, so both engines read one query.
    """
    text = with_values(text, bindings or {})
    check_query(Path("<query>"), text)
    if not hasattr(os, "fork") or not sandbox.available():
        return _evaluate(loaded, text)
    return sandbox.run_isolated(lambda: _evaluate(loaded, text), timeout=timeout, what="the query")


def _evaluate(loaded: LoadedGraph, text: str) -> Table:
    try:
        result = loaded.store.query(text, base_iri=base_iri(), default_graph=loaded.default_graph)
        if isinstance(result, ox.QueryBoolean):
            return Table([], [], boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [[value_of(solution[v]) for v in variables] for solution in result]
            return Table(variables, rows)
    except (OSError, RuntimeError) as exc:
        # Oxigraph reports a refused socket (and any other failure of a running query) this way.
        raise InputError("<query>", None, None, f"the query failed while running: {str(exc).splitlines()[0][:300]}") from None
    raise InputError("<query>", None, None, "only SELECT and ASK queries can be run as a table")
