"""Stage 2, reason: derive what the ontology's axioms entail, and nothing else.

Full OWL-RL closure materialises every rule of the profile for every triple
(``owl:Thing`` types, reflexive ``owl:sameAs``, axiomatic triples …) and its
cost grows with the profile, not with what we need. Our ontology needs a
handful of entailments, so this module *compiles the ontology's axioms into
rules* and runs them to a fixpoint on the embedded Oxigraph store, each rule a
SPARQL update whose cost follows the triples it matches:

==========================  =============================================
axiom                       rule
==========================  =============================================
``C rdfs:subClassOf D``     ``?x a C`` → ``?x a D``
``C owl:equivalentClass D`` both ways
``p rdfs:subPropertyOf q``  ``?x p ?y`` → ``?x q ?y``
``p owl:equivalentProperty q`` both ways
``p owl:inverseOf q``       ``?x p ?y`` → ``?y q ?x``, and back
``p owl:propertyChainAxiom (p1 … pn)``  ``?x p1 ?z1 … ?zn-1 pn ?y`` → ``?x p ?y``
``p a owl:SymmetricProperty``  ``?x p ?y`` → ``?y p ?x``
``p a owl:TransitiveProperty`` ``?x p ?y . ?y p ?z`` → ``?x p ?z``
==========================  =============================================

These are the OWL 2 RL rules cax-sco, cax-eqc, prp-spo1, prp-eqp, prp-inv,
prp-spo2, prp-symp and prp-trp restricted to named classes and properties.
``owlrl`` stays the reference: :func:`owlrl_entailments` computes the same
set with the full closure, and a test proves the two agree on the real data
and on a synthetic graph. Axioms of other kinds (domains, ranges,
restrictions) are not compiled; :func:`compile_rules` reports them, so an
ontology change that would need them does not go unnoticed.

Derived triples go to their own named graph, so the published graph is the
asserted one plus exactly these, never the reasoner's axiomatic noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeGuard

import pyoxigraph as ox

from uugraph.pipeline.load import GRAPH_INFERRED, LoadedGraph
from uugraph.rdf.namespaces import OWL, RDF, RDF_TYPE, RDFS
from uugraph.rdf.terms import GraphName, Term

if TYPE_CHECKING:
    from uugraph.progress import StepProgress


COMPILED = {
    RDFS + "subClassOf",
    OWL + "equivalentClass",
    RDFS + "subPropertyOf",
    OWL + "equivalentProperty",
    OWL + "inverseOf",
    OWL + "propertyChainAxiom",
}
NOT_COMPILED = {
    RDFS + "domain",
    RDFS + "range",
    OWL + "someValuesFrom",
    OWL + "allValuesFrom",
    OWL + "hasValue",
    OWL + "hasKey",
    OWL + "sameAs",
    OWL + "intersectionOf",
    OWL + "unionOf",
    OWL + "maxCardinality",
    OWL + "maxQualifiedCardinality",
}


@dataclass(frozen=True)
class Rule:
    """One compiled rule: body triple patterns and the head triple, as SPARQL text.

    ``reads`` and ``writes`` name what the rule matches and produces (a
    property IRI, or ``"a <class>"`` for a type), so the engine can order the
    rules and rerun one only when something it reads has grown.
    """

    axiom: str
    body: str
    head: str
    reads: frozenset[str] = frozenset()
    writes: str = ""

    def insert(self, graphs: list[ox.NamedNode], into: ox.NamedNode) -> str:
        """The rule as a SPARQL Update adding the triples that are not there yet.

        The store derives and adds them in one native step: no Python object is
        made per derived triple, which at a million triples halves the step.
        """
        using = " ".join(f"USING <{g.value}>" for g in graphs)
        return f"INSERT {{ GRAPH <{into.value}> {{ {self.head} }} }} {using} WHERE {{ {self.body} FILTER NOT EXISTS {{ {self.head} }} }}"

    def count_derived(self, graph: ox.NamedNode) -> str:
        """How many triples of the head's form ``graph`` holds: the rule derived something if it grew."""
        return f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ {self.head} }} }}"


@dataclass
class RuleSet:
    rules: list[Rule]
    ignored_axioms: list[str]
    head_properties: set[str]
    head_classes: set[str]


def _list_items(store: ox.Store, head: Term, graph: GraphName) -> list[Term]:
    """The members of the RDF list starting at ``head`` (empty when ``head`` is no list node)."""
    items: list[Term] = []
    node: Term = head
    seen: set[Term] = set()
    while isinstance(node, (ox.NamedNode, ox.BlankNode)) and not (isinstance(node, ox.NamedNode) and node.value == RDF + "nil"):
        if node in seen:
            break
        seen.add(node)
        first = next(iter(store.quads_for_pattern(node, ox.NamedNode(RDF + "first"), None, graph)), None)
        rest = next(iter(store.quads_for_pattern(node, ox.NamedNode(RDF + "rest"), None, graph)), None)
        if first is None or rest is None:
            break
        items.append(first.object)
        node = rest.object
    return items


def compile_rules(loaded: LoadedGraph) -> RuleSet:
    """Read the ontology's axioms and turn each into a rule."""
    store = loaded.store
    rules: list[Rule] = []
    ignored: list[str] = []
    head_properties: set[str] = set()
    head_classes: set[str] = set()

    def named(term: Term) -> TypeGuard[ox.NamedNode]:
        return isinstance(term, ox.NamedNode)

    for quad in sorted(loaded.quads(loaded.ontology_graphs), key=str):
        s, p, o = quad.subject, quad.predicate.value, quad.object
        if p in NOT_COMPILED:
            ignored.append(f"{s} <{p}> {o}")
            continue
        if p not in COMPILED:
            continue
        if p == OWL + "propertyChainAxiom":
            items = _list_items(store, o, quad.graph_name)
            chain = [c for c in items if named(c)]
            if not named(s) or not chain or len(chain) != len(items):
                ignored.append(f"{s} <{p}> (a chain of unnamed properties)")
                continue
            patterns = []
            for i, link in enumerate(chain):
                left = "?x" if i == 0 else f"?z{i}"
                right = "?y" if i == len(chain) - 1 else f"?z{i + 1}"
                patterns.append(f"{left} <{link.value}> {right} .")
            rules.append(Rule(f"{s} owl:propertyChainAxiom", " ".join(patterns), f"?x <{s.value}> ?y .", frozenset(c.value for c in chain), s.value))
            head_properties.add(s.value)
            continue
        if not (named(s) and named(o)):
            ignored.append(f"{s} <{p}> {o} (not between named terms)")
            continue
        if p in (RDFS + "subClassOf", OWL + "equivalentClass"):
            pairs = [(s, o)] if p == RDFS + "subClassOf" else [(s, o), (o, s)]
            for sub, sup in pairs:
                if sub == sup:
                    continue
                rules.append(Rule(f"{sub} ⊑ {sup}", f"?x <{RDF_TYPE}> <{sub.value}> .", f"?x <{RDF_TYPE}> <{sup.value}> .", frozenset({f"a {sub.value}"}), f"a {sup.value}"))
                head_classes.add(sup.value)
        elif p in (RDFS + "subPropertyOf", OWL + "equivalentProperty"):
            pairs = [(s, o)] if p == RDFS + "subPropertyOf" else [(s, o), (o, s)]
            for sub, sup in pairs:
                if sub == sup:
                    continue
                rules.append(Rule(f"{sub} ⊑ {sup}", f"?x <{sub.value}> ?y .", f"?x <{sup.value}> ?y .", frozenset({sub.value}), sup.value))
                head_properties.add(sup.value)
        elif p == OWL + "inverseOf":
            rules.append(Rule(f"{s} inverse {o}", f"?x <{s.value}> ?y .", f"?y <{o.value}> ?x .", frozenset({s.value}), o.value))
            rules.append(Rule(f"{o} inverse {s}", f"?x <{o.value}> ?y .", f"?y <{s.value}> ?x .", frozenset({o.value}), s.value))
            head_properties.update({s.value, o.value})

    for kind in ("SymmetricProperty", "TransitiveProperty"):
        typed = (q for g in loaded.ontology_graphs for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(OWL + kind), g))
        for quad in typed:
            prop = quad.subject
            if not named(prop):
                continue
            if kind == "SymmetricProperty":
                rules.append(Rule(f"{prop} symmetric", f"?x <{prop.value}> ?y .", f"?y <{prop.value}> ?x .", frozenset({prop.value}), prop.value))
            else:
                rules.append(Rule(f"{prop} transitive", f"?x <{prop.value}> ?z . ?z <{prop.value}> ?y .", f"?x <{prop.value}> ?y .", frozenset({prop.value}), prop.value))
            head_properties.add(prop.value)
    return RuleSet(_dependency_order(rules), ignored, head_properties, head_classes)


def _dependency_order(rules: list[Rule]) -> list[Rule]:
    """Order rules so that a rule runs after the rules whose output it reads (cycles keep their order)."""
    ordered: list[Rule] = []
    placed: set[int] = set()
    visiting: set[int] = set()
    producers: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        producers.setdefault(rule.writes, []).append(i)

    def visit(i: int) -> None:
        if i in placed or i in visiting:
            return
        visiting.add(i)
        for key in sorted(rules[i].reads):
            for j in producers.get(key, []):
                visit(j)
        visiting.discard(i)
        placed.add(i)
        ordered.append(rules[i])

    for i in range(len(rules)):
        visit(i)
    return ordered


def reason(loaded: LoadedGraph, step: StepProgress | None = None) -> RuleSet:
    """Run the compiled rules to a fixpoint; derived triples land in the inferred graph.

    Rules run in dependency order, and after the first pass a rule runs again
    only if something it reads grew since it last ran, so an acyclic ontology
    is done in one pass plus a check. Returns the rule set, so callers can
    report what was compiled and ignored.
    """
    ruleset = compile_rules(loaded)
    if step is not None:
        step.total = len(ruleset.rules)  # the first pass; a fixpoint check after it is quick
    graphs = loaded.published_graphs
    store = loaded.store
    clock = 0
    grown: dict[str, int] = {}  # key -> clock at which it last grew
    last_run: dict[int, int] = {}
    while True:
        ran = 0
        for index, rule in enumerate(ruleset.rules):
            if index in last_run and not any(grown.get(key, -1) >= last_run[index] for key in rule.reads):
                continue
            clock += 1
            last_run[index] = clock
            before = _count(store, rule.count_derived(GRAPH_INFERRED))
            store.update(rule.insert(graphs, GRAPH_INFERRED))
            ran += 1
            if step is not None:
                step.advance()
            if _count(store, rule.count_derived(GRAPH_INFERRED)) > before:
                grown[rule.writes] = clock
        if ran == 0:
            return ruleset


def _count(store: ox.Store, query: str) -> int:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    value = next(iter(result))["n"]
    assert isinstance(value, ox.Literal)
    return int(value.value)


# ---------------------------------------------------------------- the reference: owlrl


def owlrl_entailments(loaded: LoadedGraph, ruleset: RuleSet | None = None) -> set[tuple[str, str, str]]:
    """What full OWL-RL closure (owlrl) derives that our axioms speak of.

    The closure is computed on the ontology and the data; of its new triples,
    those whose property is the head of a compiled rule (or whose type is the
    superclass of one) are kept: exactly the set :func:`reason` should derive.
    Triples are returned in N-Triples term syntax, for comparison.
    """
    import owlrl
    import rdflib

    from uugraph.rdf.terms import to_rdflib

    ruleset = ruleset or compile_rules(loaded)
    graph = to_rdflib(loaded, loaded.asserted_graphs)
    before = set(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    derived = set()
    for s, p, o in set(graph) - before:
        if isinstance(s, rdflib.Literal) or isinstance(s, rdflib.BNode) or isinstance(o, rdflib.BNode):
            continue
        if str(p) == RDF_TYPE:
            if str(o) not in ruleset.head_classes:
                continue
        elif str(p) not in ruleset.head_properties:
            continue
        derived.add((s.n3(), p.n3(), o.n3()))
    return derived


def rules_entailments(loaded: LoadedGraph) -> set[tuple[str, str, str]]:
    """The triples :func:`reason` derived, in the same form as :func:`owlrl_entailments`."""
    return {(str(q.subject), str(q.predicate), _nt(q.object)) for q in loaded.store.quads_for_pattern(None, None, None, GRAPH_INFERRED)}


def _nt(term: Term) -> str:
    """N-Triples form of a term, matching rdflib's ``n3()`` for IRIs and literals."""
    from uugraph.rdf.terms import rdflib_term

    if isinstance(term, ox.Triple):  # rdflib has no quoted triples; the rules never derive one
        return str(term)
    return str(rdflib_term(term).n3())
