"""SHACL-SPARQL (SHACL 5 and 6): SPARQL-based constraints and SPARQL-based constraint components.

Queries run on the store (Oxigraph), over the data graphs only, with the
pre-bound variables of SHACL 5.3.1 given as Oxigraph substitutions (SEP-0007,
the semantics SHACL asks for). A ``sh:select`` constraint whose graph pattern
starts by binding ``$this`` in a triple pattern, and whose nested groups are
only ``OPTIONAL`` parts of triple patterns and filters, gives the same
solutions with ``$this`` free (:func:`once_over_graph`): it is run once over
the whole graph and its solutions kept for the focus nodes, instead of once
per focus node. ``EXISTS`` groups in a top-level filter are allowed too.

What SHACL 5.3.1 forbids with pre-binding (``MINUS``, ``VALUES``, a sub-query,
assigning a pre-bound variable with ``AS``) and what this engine will not do
is refused with an :class:`UnsupportedShape` naming the shape: ``SERVICE``
(a shape must never make the validator reach the network) and
``$shapesGraph`` (the shapes are not in the store).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import cast

import pyoxigraph as ox
import rdflib
from rdflib import OWL, Literal, URIRef

from uugraph.rdf.terms import ox_term as to_ox
from uugraph.shacl.components import Check, evaluates
from uugraph.shacl.paths import sparql as path_sparql
from uugraph.shacl.results import SH, OxTerm, RawResult, ShapeNode, UnsupportedShape
from uugraph.shacl.shapes import CustomComponent

_CONSTRAINT_PRE_BOUND = ("this", "currentShape", "shapesGraph")
_FORBIDDEN = (
    (re.compile(r"\bSERVICE\b", re.I), "SERVICE (a shape must never make the validator reach the network)"),
    (re.compile(r"\bMINUS\b", re.I), "MINUS, which SHACL forbids with pre-bound variables"),
    (re.compile(r"\bVALUES\b", re.I), "VALUES, which SHACL forbids with pre-bound variables"),
    (re.compile(r"[?$]shapesGraph\b"), "$shapesGraph (the shapes graph is not part of the queried dataset)"),
    (re.compile(r"\{\s*SELECT\b", re.I), "a sub-query, which pre-bound variables do not reach in this engine"),
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ONCE = re.compile(r"\bWHERE\s*\{\s*[?$]this\s", re.I)
_OPTIONAL_GROUP = re.compile(r"\bOPTIONAL\s*\{([^{}]*)\}", re.I)
_EXISTS_GROUP = re.compile(r"\bEXISTS\s*\{([^{}]*)\}", re.I)
_BIND = re.compile(r"\bBIND\b", re.I)
# What makes the answers for one focus node differ from the whole graph's answers kept for that node:
# a LIMIT or OFFSET counts the rows of one focus node, an aggregate groups them.
_PER_QUERY = re.compile(r"\b(LIMIT|OFFSET|GROUP|HAVING|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b", re.I)


def refuse_unsafe(text: str, pre_bound: Iterable[str] = _CONSTRAINT_PRE_BOUND) -> None:
    """Refuse a query that cannot be evaluated with pre-bound variables, or that would reach out.

    Oxigraph answers ``SERVICE`` by an HTTP request, so the refusal is made on
    the text before any query runs: the whole text, code point escapes decoded
    (SPARQL decodes them before parsing), strings and comments included, so
    nothing can hide the keyword; a false alarm only refuses the shape.
    """
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    for pattern, why in _FORBIDDEN:
        if pattern.search(decoded):
            raise UnsupportedShape(f"has a SPARQL query with {why}")
    assigned = re.compile(r"\bAS\s*[?$](" + "|".join(pre_bound) + r")\b", re.I).search(decoded)
    if assigned:
        raise UnsupportedShape(f"has a SPARQL query that assigns the pre-bound variable ${assigned.group(1)} with AS, which SHACL forbids")


def prefixes(g: rdflib.Graph, owner: ShapeNode) -> str:
    """The PREFIX lines of ``sh:prefixes`` (SHACL 5.2.1): each owner's sh:declare, and those of what it owl:imports."""
    lines: dict[str, str] = {}
    todo = list(g.objects(owner, SH.prefixes))
    seen: set[rdflib.term.Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for declaration in g.objects(node, SH.declare):
            prefix, namespace = g.value(declaration, SH.prefix), g.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.setdefault(str(prefix), f"PREFIX {prefix}: <{namespace}>")
        todo.extend(g.objects(node, OWL.imports))
    return "\n".join(lines[k] for k in sorted(lines))


def _query_text(g: rdflib.Graph, owner: ShapeNode, text: str, path: str | None, pre_bound: Iterable[str] = _CONSTRAINT_PRE_BOUND) -> str:
    refuse_unsafe(text, pre_bound)
    if "$PATH" in text:
        if path is None:
            raise UnsupportedShape("has a SPARQL query that uses $PATH in a node shape")
        text = text.replace("$PATH", path)
    return prefixes(g, owner) + "\n" + text


_HEAD = re.compile(r"\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?(.*?)(?=\bWHERE\b|\{)", re.I | re.S)
_ASK = re.compile(r"\bASK\s*(?:WHERE\s*)?\{", re.I)


def _run(store: ox.Store, graphs: list[ox.NamedNode], query: str, substitutions: dict[ox.Variable, OxTerm]) -> list[ox.QuerySolution] | bool:
    """A query with pre-bound variables; Oxigraph substitutes only projected variables, so they are projected.

    An ASK becomes a SELECT of the pre-bound variables with LIMIT 1, which
    has a solution exactly when the ASK is true.
    """
    names = [v.value for v in substitutions]
    ask = _ASK.search(query)
    if ask is not None:
        head = "SELECT " + (" ".join(f"?{n}" for n in names) or "*") + " WHERE {"
        query = query[: ask.start()] + head + query[ask.end() :] + "\nLIMIT 1"
    else:
        select = _HEAD.search(query)
        if select is not None and select.group(1).strip() != "*":
            projected = select.group(1)
            missing = [n for n in names if not re.search(r"[?$]" + re.escape(n) + r"\b", projected)]
            if missing:
                query = query[: select.end(1)] + " " + " ".join(f"?{n}" for n in missing) + " " + query[select.end(1) :]
    solutions = list(store.query(query, default_graph=graphs, substitutions=substitutions))  # type: ignore[arg-type]
    return bool(solutions) if ask is not None else solutions


def _binding(row: ox.QuerySolution, name: str) -> OxTerm | None:
    try:
        return cast("OxTerm | None", row[name])
    except KeyError:
        return None


def fill(message: str, values: dict[str, OxTerm | None]) -> str:
    """Substitute ``{?var}`` and ``{$var}`` in a SPARQL message (SHACL 5.3.2)."""

    def value(match: re.Match[str]) -> str:
        term = values.get(match.group(1))
        return term.value if term is not None else match.group(0)

    return re.sub(r"\{[?$](\w+)\}", value, message)


def _row(row: ox.QuerySolution, names: list[str]) -> dict[str, OxTerm | None]:
    return {n: _binding(row, n) for n in names}


def _names(message_texts: tuple[str, ...]) -> list[str]:
    return sorted({m for text in message_texts for m in re.findall(r"\{[?$](\w+)\}", text)})


@evaluates(SH.sparql)
def check_sparql(check: Check) -> None:
    """A SPARQL-based constraint (SHACL 5): one result per solution of its sh:select."""
    g, shape = check.graph, check.shape
    for constraint in check.args:
        if g.value(constraint, SH.deactivated) == Literal(True):
            continue
        select = g.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape("has a SPARQL constraint without sh:select")
        text = str(select)
        query = _query_text(g, constraint, text, path_sparql(shape.path) if shape.path is not None else None)
        messages = tuple(sorted(str(m) for m in g.objects(constraint, SH.message))) or shape.messages
        names = _names(messages)
        current = {ox.Variable("currentShape"): to_ox(shape.node)} if re.search(r"[?$]currentShape\b", text) else {}
        for this, row in _solutions(check, query, text, current):
            value, path = _binding(row, "value"), _binding(row, "path")
            bound = _row(row, names)
            bound["this"] = this
            check.out.append(
                RawResult(
                    focus=this,
                    value=value if value is not None else this,
                    path=URIRef(path.value) if isinstance(path, ox.NamedNode) else shape.path_node,
                    shape=shape.node,
                    component=SH.SPARQLConstraintComponent,
                    severity=shape.severity,
                    messages=tuple(fill(m, bound) for m in messages),
                )
            )


def _solutions(check: Check, query: str, text: str, substitutions: dict[ox.Variable, OxTerm]) -> Iterator[tuple[OxTerm, ox.QuerySolution]]:
    """(focus node, solution) pairs: once over the graph when that is the same, else per focus node."""
    store, graphs = check.data.store, check.data.graphs
    if once_over_graph(text):
        focus = set(check.values)  # $this is the focus node, for node and property shapes alike
        for row in _run(store, graphs, query, substitutions):  # type: ignore[union-attr]
            this = _binding(row, "this")
            if this is not None and this in focus:
                yield this, row
        return
    this_var = ox.Variable("this")
    for f in check.values:
        if isinstance(f, ox.BlankNode):  # a blank node cannot be written into the query: Oxigraph substitutes it
            rows = _run(store, graphs, query, {**substitutions, this_var: f})
        else:
            rows = _run(store, graphs, pre_bind(query, "this", f), substitutions)
        for row in rows:  # type: ignore[union-attr]
            yield f, row


def once_over_graph(text: str) -> bool:
    """Whether the ``sh:select`` gives, run once with ``$this`` free, each focus node's pre-bound answers.

    It does when the top-level group starts with a triple pattern on ``$this``,
    so ``$this`` is bound before anything else is evaluated, and every nested
    group is an ``OPTIONAL`` or an ``EXISTS`` of triple patterns and filters
    (an ``EXISTS`` may sit in the filter of another, an ``OPTIONAL`` not in
    another: the inner left join would join on a free ``$this``): the left join of an
    ``OPTIONAL`` joins on ``$this``, and an ``EXISTS`` is evaluated with the
    solution's ``$this`` substituted, as pre-binding would substitute it, at
    every depth. A ``BIND`` or another kind of group inside them would see
    ``$this`` unbound; a ``LIMIT``, ``OFFSET`` or aggregate would count the
    rows of every focus node together. Run per focus node instead, such a
    query (a membership compared with the other memberships of its member)
    costs a query per node whose ``OPTIONAL`` parts are each evaluated over
    the whole graph. As the first pattern binds ``$this``, it is a node of the
    graph, so a zero-length path inside an ``OPTIONAL`` finds it either way.
    """
    if not _ONCE.search(text) or _PER_QUERY.search(text):
        return False

    def drop(m: re.Match[str]) -> str:
        return "{{" if _BIND.search(m.group(1)) else ""

    rest = _OPTIONAL_GROUP.sub(drop, text)  # once: in an OPTIONAL nested in another, $this would join inside first
    while True:  # innermost first, so an EXISTS in the filter of an EXISTS goes before its parent
        reduced = _EXISTS_GROUP.sub(drop, rest)
        if reduced == rest:
            return rest.count("{") == 1
        rest = reduced


def pre_bind(query: str, name: str, term: OxTerm) -> str:
    """The query with ``$name`` replaced by ``term`` in its graph pattern (SHACL 5.3.1 pre-binding).

    Oxigraph's substitutions join the value in after the pattern, so a nested
    group or a BIND would not see it; written into the pattern, every part of
    the query sees the value. ``bound($name)`` is ``(true)``, as the variable is bound.
    """
    start = query.find("{")
    body = re.sub(r"\bbound\s*\(\s*[?$]" + name + r"\s*\)", "(true)", query[start:], flags=re.I)
    return query[:start] + re.sub(r"[?$]" + name + r"\b", lambda _: str(term), body)


def check_component(check: Check, component: CustomComponent, parameters: dict[URIRef, ShapeNode]) -> None:
    """One use of a SPARQL-based constraint component (SHACL 6), evaluated per focus node and value node.

    Only shapes that declare such components pay for the query per node; the
    shapes graph's own SHACL Core constraints never come here.
    """
    g, shape = check.graph, check.shape
    validator = (component.property_validator if shape.path is not None else component.node_validator) or component.validator
    if validator is None:
        return
    substitutions: dict[ox.Variable, OxTerm] = {ox.Variable("currentShape"): to_ox(shape.node)}
    for parameter, argument in parameters.items():
        substitutions[ox.Variable(_local_name(parameter))] = to_ox(argument)
    messages = tuple(sorted(str(m) for m in g.objects(validator, SH.message))) or tuple(sorted(str(m) for m in g.objects(component.node, SH.message))) or shape.messages
    names = _names(messages)
    bound_parameters: dict[str, OxTerm | None] = {k.value: t for k, t in substitutions.items()}
    store, graphs = check.data.store, check.data.graphs
    ask, select = g.value(validator, SH.ask), g.value(validator, SH.select)
    path = path_sparql(shape.path) if shape.path is not None else None
    pre_bound = (*_CONSTRAINT_PRE_BOUND, "value", *(_local_name(p) for p in parameters))
    if ask is not None:
        query = _query_text(g, validator, str(ask), path, pre_bound)
        for f, vs in check.values.items():
            for v in sorted(vs, key=str):
                if not _run(store, graphs, query, {**substitutions, ox.Variable("this"): f, ox.Variable("value"): v}):
                    bound = {**bound_parameters, "this": f, "value": v}
                    check.out.append(_custom_result(check, component.node, f, v, tuple(fill(m, bound) for m in messages)))
        return
    if select is None:
        raise UnsupportedShape(f"uses the constraint component {component.node} whose validator has neither sh:ask nor sh:select")
    query = _query_text(g, validator, str(select), path, [v for v in pre_bound if v != "value"])
    for f in check.values:
        for row in _run(store, graphs, query, {**substitutions, ox.Variable("this"): f}):  # type: ignore[union-attr]
            found = _binding(row, "value")
            bound = {**bound_parameters, **_row(row, names), "this": f}
            value = found if found is not None else (f if shape.path is None else None)
            check.out.append(_custom_result(check, component.node, f, value, tuple(fill(m, bound) for m in messages)))


def _custom_result(check: Check, component: ShapeNode, focus: OxTerm, value: OxTerm | None, messages: tuple[str, ...]) -> RawResult:
    return RawResult(
        focus=focus,
        value=value,
        path=check.shape.path_node,
        shape=check.shape.node,
        component=component,  # type: ignore[arg-type]
        severity=check.shape.severity,
        messages=messages,
    )


def _local_name(iri: URIRef) -> str:
    """A parameter's variable: the local name of its path (SHACL 6.2.1)."""
    return re.split(r"[#/:]", str(iri))[-1]
