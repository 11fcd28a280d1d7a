#!/usr/bin/env python3
"""One step of the naive rdflib / owlrl / pySHACL stack, as a process of its own.

``bench_scale.py`` runs each step of the naive stack as a separate child
process, so each has its own wall time, peak memory and time cap. A step reads
its input from the file the previous step wrote, and that reading (and the
writing of its own output) is *not* timed: only the step's own work is. The
child says where the timed region starts and ends on stdout, one JSON object a
line::

    {"event": "start"}
    {"event": "end", "seconds": 12.3, ...details}

so the parent can apply the cap to the timed region only. Steps::

    parse      rdflib: parse the Turtle files                  (writes OUT as N-Triples, untimed)
    closure    owlrl: full OWL-RL closure of the graph in IN   (writes OUT as N-Triples, untimed)
    shacl      pySHACL: validate IN with the shapes            (inference='none', advanced=True)
    turtle     rdflib: serialise IN to Turtle                  (into OUT)
    jsonld     rdflib: serialise IN to JSON-LD                 (into OUT)

Usage::

    naive_stack.py parse   --base IRI --out parsed.nt FILE.ttl ...
    naive_stack.py closure --in parsed.nt --out closure.nt
    naive_stack.py shacl   --in closure.nt --base IRI SHAPES.ttl ...
    naive_stack.py turtle  --in closure.nt --out graph.ttl
    naive_stack.py jsonld  --in closure.nt --out graph.jsonld
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def emit(event: str, **fields) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def load_nt(path: str):
    import rdflib

    graph = rdflib.Graph()
    graph.parse(path, format="nt")
    return graph


def write_nt(graph, path: str) -> int:
    """Write ``graph`` as N-Triples; triples N-Triples cannot express (a literal subject) are left out."""
    import rdflib

    bad = [t for t in graph if isinstance(t[0], rdflib.Literal) or isinstance(t[1], (rdflib.Literal, rdflib.BNode))]
    for t in bad:
        graph.remove(t)
    graph.serialize(destination=path, format="nt", encoding="utf-8")
    return len(bad)


def step_parse(args: argparse.Namespace) -> None:
    import rdflib

    emit("start")
    start = time.perf_counter()
    graph = rdflib.Graph()
    for path in args.files:
        graph.parse(path, format="turtle", publicID=args.base)
    seconds = time.perf_counter() - start
    emit("end", seconds=seconds, triples=len(graph))
    write_nt(graph, args.out)


def step_closure(args: argparse.Namespace) -> None:
    import owlrl

    graph = load_nt(args.input)
    before = len(graph)
    emit("start")
    start = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    seconds = time.perf_counter() - start
    emit("end", seconds=seconds, triples_before=before, triples=len(graph))
    dropped = write_nt(graph, args.out)
    emit("wrote", dropped_not_ntriples=dropped)


def step_shacl(args: argparse.Namespace) -> None:
    import rdflib
    from pyshacl import validate

    data = load_nt(args.input)
    shapes = rdflib.Graph()
    for path in args.files:
        shapes.parse(path, format="turtle", publicID=args.base)
    emit("start")
    start = time.perf_counter()
    conforms, report_graph, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    seconds = time.perf_counter() - start
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    results = len(set(report_graph.objects(None, sh.result)))
    emit("end", seconds=seconds, triples=len(data), conforms=bool(conforms), results=results)


def step_serialise(args: argparse.Namespace, fmt: str) -> None:
    graph = load_nt(args.input)
    emit("start")
    start = time.perf_counter()
    graph.serialize(destination=args.out, format=fmt, encoding="utf-8")
    seconds = time.perf_counter() - start
    emit("end", seconds=seconds, triples=len(graph))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("parse", "closure", "shacl", "turtle", "jsonld"))
    parser.add_argument("files", nargs="*", help="Turtle files (parse: the data and ontology; shacl: the shapes)")
    parser.add_argument("--in", dest="input", help="N-Triples input written by the previous step")
    parser.add_argument("--out", help="output file")
    parser.add_argument("--base", help="base IRI for relative IRIs in the Turtle files")
    args = parser.parse_intermixed_args(argv)
    if args.step == "parse":
        step_parse(args)
    elif args.step == "closure":
        step_closure(args)
    elif args.step == "shacl":
        step_shacl(args)
    elif args.step == "turtle":
        step_serialise(args, "turtle")
    else:
        step_serialise(args, "json-ld")
    return 0


if __name__ == "__main__":
    sys.exit(main())
