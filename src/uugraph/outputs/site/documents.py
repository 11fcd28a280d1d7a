"""The Turtle and JSON-LD beside each page: the document's own triples, written with the graph's terms.

Both are made from the triples pass 2 collected for one document (the thing,
its fragments and the blank nodes they reach), never from a parser's
serialiser: prefixed names come from the site's compactor
(:meth:`~uugraph.outputs.site.index.SiteIndex.compact`), and the JSON-LD uses
the published graph's own terms (:class:`uugraph.rdf.compact.Compactor`) with
a per-document ``@context`` holding only what the document uses.
"""

from __future__ import annotations

import json
import re
from typing import cast

from uugraph.outputs.site.index import Nodes, SiteIndex, literal
from uugraph.rdf.namespaces import RDF_TYPE, XSD_STRING

_PN_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def turtle(nodes: Nodes, index: SiteIndex) -> str:
    """The document's triples as Turtle: prefixed names where safe, full IRIs otherwise."""
    assert index.compactor is not None
    prefixes = index.compactor.prefixes
    compact = index.compact
    used: set[str] = set()

    def term(iri: str) -> str:
        short = compact(iri)
        if short != iri:
            prefix, _, local = short.partition(":")
            if prefix != "id" and _PN_LOCAL.match(local):
                used.add(prefix)
                return short
        return f"<{iri}>"

    def obj(o: str) -> str:
        if o[0] == "<":
            return term(o[1:-1])
        if o[0] == '"' and o[-1] == ">":
            at = o.rindex("^^<")
            return o[: at + 2] + term(o[at + 3 : -1])
        return o

    blocks = []
    for s, group in nodes:
        lines: list[str] = []
        previous = None
        for p, o in group:
            if p == previous:
                lines[-1] += " , " + obj(o)
            else:
                lines.append(("a" if p == RDF_TYPE else term(p)) + " " + obj(o))
                previous = p
        subject = s if s[0] == "_" else f"<{s}>"
        blocks.append(subject + "\n    " + " ;\n    ".join(lines) + " .\n")
    header = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in prefixes.items() if prefix in used)
    return header + "\n" + "\n".join(blocks)


def jsonld(nodes: Nodes, index: SiteIndex) -> dict[str, object]:
    """Compact JSON-LD of the document, with a @context of only the prefixes and terms it uses."""
    compactor = index.compactor
    assert compactor is not None
    terms, coercion = compactor.terms, compactor.coercion
    used_prefixes: set[str] = set()
    used_terms: set[str] = set()
    compact = index.compact

    def ciri(iri: str) -> str:
        short = compact(iri)
        if short != iri:
            used_prefixes.add(short.partition(":")[0])
        return short

    def node_id(raw: str) -> str:
        return raw if raw[0] == "_" else ciri(raw[1:-1])

    out = []
    for s, group in nodes:
        node: dict[str, object] = {"@id": s if s[0] == "_" else ciri(s)}
        types = [ciri(o[1:-1]) for p, o in group if p == RDF_TYPE and o[0] == "<"]
        if types:
            node["@type"] = types
        for p, o in group:
            if p == RDF_TYPE and o[0] == "<":
                continue
            term = terms.get(p)
            coerced = None
            if term is not None:
                used_terms.add(p)
                key = term
                coerced = coercion.get(p)
            else:
                key = ciri(p)
            if o[0] == "<" or o[0] == "_":
                ref = node_id(o)
                value: object = ref if coerced == "@id" else {"@id": ref}
            else:
                lexical, language, datatype = literal(o)
                if language:
                    value = {"@value": lexical, "@language": language}
                elif datatype == XSD_STRING:
                    value = {"@value": lexical} if coerced else lexical
                elif coerced == datatype:
                    value = lexical
                else:
                    value = {"@value": lexical, "@type": ciri(datatype)}
            cast(list[object], node.setdefault(key, [])).append(value)
        for key, values in node.items():
            if key != "@id" and isinstance(values, list) and len(values) == 1:
                node[key] = values[0]
        out.append(node)
    definitions: dict[str, object] = {}
    for p in sorted(used_terms, key=lambda p: terms[p]):
        definition: dict[str, str] = {"@id": ciri(p)}
        coerced = coercion.get(p)
        if coerced == "@id":
            definition["@type"] = "@id"
        elif coerced:
            definition["@type"] = ciri(coerced)
        definitions[terms[p]] = definition
    context: dict[str, object] = {k: v for k, v in compactor.prefixes.items() if k in used_prefixes}
    context.update(definitions)
    if len(out) == 1:
        return {"@context": context, **out[0]}
    return {"@context": context, "@graph": out}


def jsonld_text(nodes: Nodes, index: SiteIndex) -> str:
    """:func:`jsonld` as the one-line text the ``.jsonld`` file holds (without its final newline) and the page embeds."""
    return json.dumps(jsonld(nodes, index), ensure_ascii=False, separators=(",", ":"))
