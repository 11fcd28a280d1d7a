"""The command line: ``uugraph <verb>`` / ``python -m uugraph <verb>``.

Each verb parses its arguments and calls one library function. Results go to
stdout, diagnostics to stderr. Exit codes: 0 ok (the graph conforms), 1 the
data does not conform to the shapes, 2 bad input or a runtime error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from uugraph import __doc__ as package_doc
from uugraph.config import Layout, base_iri, project_root, using_root, version
from uugraph.errors import EXIT_INPUT, EXIT_NONCONFORMING, EXIT_OK, InputError, UugraphError
from uugraph.outputs.store import SERVED_FROM, SITE_CHOICES, SITE_PAGES_BELOW, STORE_CHOICES
from uugraph.pipeline.validate import ENGINES, FORMATS
from uugraph.progress import Progress
from uugraph.remote.publish import PRESETS

N = TypeVar("N", int, float)

EPILOG = """exit codes:
  0  ok: the graph conforms (warnings may be printed)
  1  the data does not conform to the shapes (SHACL violations)
  2  bad input or runtime error: a file that does not parse, a missing folder, an unknown query
  3  a SPARQL server could not be reached (publish, query --endpoint, reconcile)
  4  a SPARQL server refused the credentials
  5  a SPARQL server rejected the request
  130  interrupted (Ctrl-C)
"""


ROOT_HELP = (
    "project folder holding ontology/, data/, shapes/, queries/ (default: UUGRAPH_ROOT, else the nearest folder "
    "from the working directory up with a pyproject.toml that has [tool.uugraph] or sits beside ontology/)"
)


def _layout(args: argparse.Namespace) -> Layout:
    """The project's folders: --root (via :func:`using_root` in :func:`main`), else the working directory's project."""
    data = Path(args.data).resolve() if getattr(args, "data", None) else None
    return Layout(root=project_root(), data=data)


def cmd_validate(args: argparse.Namespace) -> int:
    """Parse every file of ontology/, data/, shapes/ and queries/, reason, and check the shapes.

    Prints one line per SHACL result ([Violation], [Warning] or [Info], the
    file:line:column of the triple it is about, the focus node, the path and
    the message). --format json, github (workflow commands), junit (JUnit XML)
    or sarif (SARIF 2.1.0) write the same results for CI systems; the exit
    code is the same in every format.
    """
    from uugraph.build import check
    from uugraph.pipeline.validate import render

    layout = _layout(args)
    checked = check(layout, Progress(enabled=not args.quiet), args.engine)
    report = checked.report
    if args.format == "json":
        print(report.to_json())
    elif args.format != "text":
        print(render(report, args.format, version(layout.root)))
    else:
        for result in report.results:
            print(result.line())
    if args.format in ("text", "github"):
        summary = f"{'conforms' if report.conforms else 'does not conform'}: {len(report.violations)} violation(s), {len(report.warnings)} warning(s), {report.triples} triples checked"
        print(summary, file=sys.stderr)
    return EXIT_OK if report.conforms else EXIT_NONCONFORMING


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then write the published graph: Turtle, N-Triples, JSON-LD, its @context and VoID/DCAT.

    The output folder is replaced atomically: a failed build leaves it as it was.
    """
    from uugraph.build import NonConforming, build

    out = Path(args.out)
    try:
        checked = build(_layout(args), out, Progress(enabled=not args.quiet), args.engine, site="never" if args.no_site else args.site, store=args.store)
    except NonConforming as exc:
        for result in exc.report.violations:
            print(result.line(), file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NONCONFORMING
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    if args.format == "json":
        print(json.dumps({"out": str(out), "files": files, "triples": checked.report.triples, "warnings": len(checked.report.warnings)}))
    else:
        for result in checked.report.warnings:
            print(result.line(), file=sys.stderr)
        print(f"built {out}/: {', '.join(files)}", file=sys.stderr)
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    """Run a query from queries/ by name (or a .rq file) on the graph, or on a SPARQL endpoint.

    With --endpoint, credentials come only from UUGRAPH_SPARQL_USER/UUGRAPH_SPARQL_PASSWORD
    (Basic or Digest, as the server asks) or UUGRAPH_SPARQL_TOKEN (Bearer); failed requests
    are retried as by publish. Exit codes beyond 0-2: 3 endpoint unreachable, 4 credentials
    refused, 5 query rejected.

    A query with parameters (grlc's ?_name variables, declared on its '#+ params:' line)
    takes them as --param NAME=VALUE: an IRI, or a slug by the minting rule (network=leru
    is <base>id/org/leru), a date (date=2010-01-01), a literal; unset ones take the
    query's '#+ defaults:'. A bad value is exit 2, naming the parameter.
    """
    from uugraph.pipeline.query import bind_parameters, parse_params, query_parameters, resolve_query, run_embedded, with_values
    from uugraph.rdf.namespaces import prefixes
    from uugraph.remote.query import run_remote

    layout = _layout(args)
    query = resolve_query(args.query, layout.queries_dir)
    bindings = bind_parameters(query_parameters(query.path, query.text), parse_params(args.param or []))
    if args.endpoint:
        table = run_remote(args.endpoint, with_values(query.text, bindings), graph=args.graph, timeout=args.timeout, retries=args.retries)
    else:
        from uugraph.build import prepare

        loaded = prepare(layout, Progress(enabled=not args.quiet), with_queries=False)
        table = run_embedded(loaded, query.text, timeout=args.timeout, bindings=bindings)
    output = table.render(args.format, prefixes())
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two builds: the triples added and removed, as a Markdown changelog (or JSON) and N-Triples patches.

    OLD and NEW are build folders (dist/, dist/0.1.0/: their graph.nt, else graph.ttl,
    else graph.jsonld) or graph files (.nt, .ttl, .jsonld). Blank nodes are compared by
    their canonical form, so reordering or relabelling them is not a change. The
    changelog is grouped by resource and says what changed in words (figures
    "old → new", memberships joined/left, renamed labels, added and removed
    identifiers). With --out DIR it also writes DIR/added.nt and DIR/removed.nt
    (sorted N-Triples: OLD's canonical lines minus removed.nt plus added.nt is NEW)
    and DIR/changes.md. Exits 0 whether or not anything changed.
    """
    from uugraph.curation.diff import diff, render

    result = diff(Path(args.old), Path(args.new))
    if args.out:
        written = result.write(Path(args.out))
        if not args.quiet:
            print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    sys.stdout.write(render(result, args.format))
    return EXIT_OK


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Check the organisations' Wikidata items against a Wikidata SPARQL endpoint, by ROR ID, website and English label.

    Prints per organisation our QID, the endpoint's candidates and how they matched, and a
    verdict: match, mismatch (the endpoint gives another item for our ROR ID or website),
    suggestion (we have none, the endpoint has one), ambiguous (several) or none.
    Lookups are batched with VALUES; every request has a timeout (--timeout) and is retried
    on connection errors and 5xx (--retries), as for publish and query --endpoint.
    Nothing is written unless --write: then each suggestion found BY ROR ID is added as
    `uuo:wikidata <…> ;` to the hand-written data file that states the organisation, one
    inserted line, comments and layout kept. Files generated by import-reference are
    only reported (they are regenerated from the reference CSV). Exit codes beyond 0-2:
    3 endpoint unreachable, 4 credentials refused, 5 request rejected.
    """
    from uugraph.build import prepare
    from uugraph.curation.reconcile import reconcile, write_suggestions

    layout = _layout(args)
    loaded = prepare(layout, Progress(enabled=not args.quiet), with_queries=False)
    result = reconcile(loaded, args.endpoint, timeout=args.timeout, retries=args.retries)
    edited = write_suggestions(result, layout) if args.write else []
    sys.stdout.write(result.to_json() + "\n" if args.format == "json" else result.to_text())
    if args.write and not args.quiet:
        print(f"edited {len(edited)} file(s){': ' if edited else ''}{', '.join(str(p) for p in edited)}", file=sys.stderr)
    return EXIT_OK


def cmd_list_queries(args: argparse.Namespace) -> int:
    """List the queries of queries/ with their summaries."""
    from uugraph.pipeline.load import load_queries

    queries = load_queries(_layout(args).queries_dir)
    if args.format == "json":
        print(json.dumps([{"name": q.name, "summary": q.summary, "description": q.description, "tags": list(q.tags)} for q in queries.values()], indent=2))
    else:
        width = max(len(n) for n in queries)
        for name, q in queries.items():
            print(f"{name.ljust(width)}  {q.summary}")
    return EXIT_OK


def cmd_import_reference(args: argparse.Namespace) -> int:
    """Regenerate data/reference/*.ttl and data/countries.ttl from the reference CSV files."""
    from uugraph.curation.reference import import_reference

    layout = _layout(args)
    written = import_reference(Path(args.reference), layout.data_dir)
    for path in written:
        print(path)
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    """Write a deterministic synthetic data folder shaped like data/, for measuring the pipeline at scale.

    Size it by --triples (asserted triples, approximately) or by --universities/--networks.
    --violations K injects K violations of known kinds, listed in DIR/manifest.json.
    Then run any verb on it with --data DIR.
    """
    from uugraph.curation.synth import synth

    with Progress(enabled=not args.quiet).step("synth", unit="universities") as step:

        def progress(done: int, total: int) -> None:
            step.total, step.done = total, done

        summary = synth(
            Path(args.out),
            triples=args.triples,
            universities=args.universities,
            networks=args.networks,
            violations=args.violations,
            seed=args.seed,
            progress=progress,
        )
    report = {
        "out": str(summary.out),
        "triples": summary.triples,
        "universities": summary.universities,
        "networks": summary.networks,
        "memberships": summary.memberships,
        "violations": len(summary.violations),
    }
    if args.format == "json":
        print(json.dumps(report))
    else:
        print(", ".join(f"{k} {v}" for k, v in report.items()))
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    """Upload the built graph (dist/graph.nt) into a SPARQL server, atomically and idempotently.

    The graph goes into a staging named graph (Graph Store Protocol with --store-endpoint,
    else SPARQL Update) and replaces the live graph with one MOVE when complete; a failed
    upload leaves the previous graph intact, and an unchanged build is not sent again.
    Credentials come only from UUGRAPH_SPARQL_USER/UUGRAPH_SPARQL_PASSWORD (Basic or Digest,
    as the server asks) or UUGRAPH_SPARQL_TOKEN (Bearer).
    Exit codes beyond 0-2: 3 server unreachable, 4 credentials refused, 5 request rejected.
    """
    from uugraph.remote.publish import Client, Endpoints, publish

    if args.preset:
        endpoints = Endpoints.from_preset(args.preset[0], args.preset[1])
        if args.endpoint or args.update_endpoint or args.store_endpoint:
            endpoints = Endpoints(args.endpoint or endpoints.query, args.update_endpoint or endpoints.update, args.store_endpoint or endpoints.store)
    elif args.endpoint and args.update_endpoint:
        endpoints = Endpoints(args.endpoint, args.update_endpoint, args.store_endpoint)
    else:
        raise InputError("publish", None, None, "give --endpoint and --update-endpoint (and --store-endpoint for the Graph Store Protocol), or --preset NAME BASE_URL")

    with Progress(enabled=not args.quiet).step("publish", unit="triples") as step:

        def progress(sent: int, total: int) -> None:
            step.total, step.done = total, sent

        result = publish(
            Path(args.dist),
            endpoints,
            args.graph,
            chunk_triples=args.chunk_triples,
            client=Client(retries=args.retries, timeout=args.timeout),
            progress=progress,
            force=args.force,
            swap_timeout=args.swap_timeout,
        )
    summary = {"graph": result.graph, "triples": result.triples, "checksum": result.checksum, "changed": result.changed, "chunks": result.chunks}
    if args.format == "json":
        print(json.dumps(summary))
    else:
        state = "published" if result.changed else "unchanged, nothing sent"
        print(f"{state}: <{result.graph}> {result.triples} triples ({result.checksum})", file=sys.stderr)
    return EXIT_OK


def cmd_check_engines(args: argparse.Namespace) -> int:
    """Run every query of queries/ on a SPARQL endpoint and compare its answers with the embedded store's.

    The endpoint should hold this project's build (`uugraph publish`), in --graph when given.
    Solutions are compared as multisets, literals by value where the standard allows, ORDER BY
    respected; a difference a query's header documents (`#+ engines: NAME: why`, NAME being
    "endpoint" here) is listed but allowed. Exit 0 when the endpoint agrees, 1 when it differs
    on a query without a documented reason; 3, 4, 5 as for query --endpoint.
    """
    from uugraph.remote.client import Client
    from uugraph.remote.engines import check_endpoint

    names, differences = check_endpoint(_layout(args), args.endpoint, args.graph, client=Client(retries=args.retries, timeout=args.timeout), timeout=args.timeout)
    failing = [d for d in differences if d.documented is None]
    if args.format == "json":
        print(json.dumps({"endpoint": args.endpoint, "queries": len(names), "differences": [{"query": d.query, "what": d.what, "documented": d.documented} for d in differences]}))
    else:
        by_name = {d.query: d for d in differences}
        for name in names:
            found = by_name.get(name)
            state = "agrees" if found is None else (f"differs (documented: {found.documented}): {found.what}" if found.documented else f"DIFFERS: {found.what}")
            print(f"{name}: {state}")
        print(f"{len(names) - len(differences)} of {len(names)} queries agree, {len(differences) - len(failing)} documented, {len(failing)} differ", file=sys.stderr)
    return EXIT_NONCONFORMING if failing else EXIT_OK


def cmd_mint(args: argparse.Namespace) -> int:
    """Print the IRI the minting rule gives a name (for curators adding a resource)."""
    from uugraph.iris import mint

    try:
        print(mint(args.kind, *args.names))
    except ValueError as exc:
        raise InputError("mint", None, None, str(exc)) from exc
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the built graph over HTTP: Cool-URI documents, a read-only SPARQL 1.1 endpoint and the dumps.

    Serves DIR (--dist, default dist/); builds into it first when it has
    neither graph.nt nor a built store, or when --data is given (exit code 1
    if the data does not conform). /id/PATH answers 303 See Other to /doc/PATH, which negotiates
    HTML, Turtle, JSON-LD and N-Triples (or take a suffix: /doc/org/leru.ttl);
    /sparql is the SPARQL 1.1 Protocol endpoint (a query page in a browser);
    /graph.ttl, /graph.nt, /graph.jsonld, /context.jsonld, /void.ttl and
    /.well-known/void are the dumps and the dataset description; the static
    site of DIR/site/ is served where it has a file. Queries run in forked
    worker processes: one running longer than --timeout is killed (503);
    updates and SERVICE are refused. Runs until interrupted (Ctrl-C or
    SIGTERM), then exits 0; exit code 2 when the port cannot be bound.
    """
    from uugraph.web.app import run_serve
    from uugraph.web.graph import Graph
    from uugraph.web.settings import from_arguments

    settings = from_arguments(args, queries_dir=_layout(args).queries_dir)
    dist = settings.dist
    if args.data or not Graph.can_open(dist):
        from uugraph.build import NonConforming, build

        try:
            build(_layout(args), dist, Progress(enabled=not args.quiet))
        except NonConforming as exc:
            for result in exc.report.violations:
                print(result.line(), file=sys.stderr)
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_NONCONFORMING

    def announce(message: str) -> None:
        if not args.quiet:
            print(f"[uugraph] {message}", file=sys.stderr, flush=True)

    run_serve(settings, announce=announce)
    return EXIT_OK


EXIT_INTERRUPTED = 130  # the shell's code for a command ended by SIGINT


def _positive(kind: Callable[[str], N]) -> Callable[[str], N]:
    """An argparse type: ``kind`` of the text, refused unless greater than 0."""

    def convert(text: str) -> N:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
        return value

    return convert


def parser() -> argparse.ArgumentParser:
    from uugraph.pipeline.query import FORMATS as QUERY_FORMATS
    from uugraph.web.settings import add_arguments as add_serve_arguments

    top = argparse.ArgumentParser(
        prog="uugraph",
        description=(package_doc or "").strip().splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"uugraph {version()} (base IRI {base_iri()})")
    top.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    verbs = top.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    def verb(name: str, func: Callable[[argparse.Namespace], int], **kwargs: Any) -> argparse.ArgumentParser:
        doc = (func.__doc__ or "").strip()
        sub = verbs.add_parser(
            name,
            help=doc.splitlines()[0],
            description=doc,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            **kwargs,
        )
        sub.set_defaults(func=func)
        # SUPPRESS: without --root after the verb, the one before it (uugraph --root DIR VERB) stays.
        sub.add_argument("--root", metavar="DIR", default=argparse.SUPPRESS, help=ROOT_HELP)
        sub.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")
        return sub

    v = verb("validate", cmd_validate)
    v.add_argument("--data", metavar="DIR", help="read data from DIR instead of data/")
    v.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="report format: text (default), json, github (workflow commands), junit (JUnit XML) or sarif (SARIF 2.1.0)",
    )
    v.add_argument("--engine", choices=ENGINES, default="store", help="SHACL engine: store (default: evaluates the shapes on the loaded store), turbo (pyshacl-turbo) or pyshacl (the reference)")

    b = verb("build", cmd_build)
    b.add_argument("--data", metavar="DIR", help="read data from DIR instead of data/")
    b.add_argument("--out", metavar="DIR", default="dist", help="output folder (default: dist/)")
    b.add_argument("--format", choices=("text", "json"), default="text", help="summary format (default: text)")
    b.add_argument("--engine", choices=ENGINES, default="store", help="SHACL engine: store (default: evaluates the shapes on the loaded store), turbo (pyshacl-turbo) or pyshacl (the reference)")
    b.add_argument(
        "--site",
        choices=SITE_CHOICES,
        default="auto",
        help=(
            f"write the static site (dist/site/): auto (default) for a graph of fewer than {SITE_PAGES_BELOW:,} triples "
            "(from there on serve renders each page from the store on demand, the same page), always, or never"
        ),
    )
    b.add_argument("--no-site", action="store_true", help="the same as --site never: dumps, bundle and documents only")
    b.add_argument(
        "--store",
        choices=STORE_CHOICES,
        default="auto",
        help=(
            f"write dist/store/, the on-disk store serve opens read-only: auto (default) for a graph of {SERVED_FROM:,} "
            "triples or more, which serve opens it for (a smaller one it loads from graph.nt into memory), always, or never"
        ),
    )

    q = verb("query", cmd_query)
    q.add_argument("query", metavar="NAME|FILE", help="a query name from queries/ (without .rq) or a path to a .rq file")
    q.add_argument("--data", metavar="DIR", help="read data from DIR instead of data/")
    q.add_argument("--format", choices=QUERY_FORMATS, default="table", help="result format (default: table)")
    q.add_argument("--endpoint", metavar="URL", help="run on this SPARQL endpoint instead of the embedded graph")
    q.add_argument("--graph", metavar="IRI", help="with --endpoint: the named graph to query (sent as default-graph-uri)")
    q.add_argument("--timeout", type=_positive(float), default=30.0, metavar="SECONDS", help="stop an embedded query after this long (exit 2); with --endpoint: seconds per request (default 30)")
    q.add_argument("--retries", type=int, default=4, help="with --endpoint: retries with backoff on 5xx, connection errors and timeouts (default 4)")
    q.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="bind a query parameter (repeatable): an IRI or a slug (network=leru), a date (date=2010-01-01), a literal, as the query's '#+ params:' line types it",
    )

    d = verb("diff", cmd_diff)
    d.add_argument("old", metavar="OLD", help="the earlier build: a build folder (dist/, dist/0.1.0/) or a .nt/.ttl/.jsonld file")
    d.add_argument("new", metavar="NEW", help="the later build, the same way")
    d.add_argument("--out", metavar="DIR", help="also write DIR/added.nt, DIR/removed.nt and DIR/changes.md")
    d.add_argument("--format", choices=("markdown", "json"), default="markdown", help="changelog format (default: markdown)")

    rc = verb("reconcile", cmd_reconcile)
    rc.add_argument("--data", metavar="DIR", help="read data from DIR instead of data/")
    rc.add_argument("--endpoint", metavar="URL", default="https://query.wikidata.org/sparql", help="a Wikidata-shaped SPARQL endpoint (default: https://query.wikidata.org/sparql)")
    rc.add_argument("--timeout", type=float, default=30.0, help="seconds per request, the whole answer read (default 30)")
    rc.add_argument("--retries", type=int, default=4, help="retries with backoff on 5xx, connection errors and timeouts (default 4)")
    rc.add_argument("--write", action="store_true", help="add the suggestions found by ROR ID to the data files (default: report only)")
    rc.add_argument("--format", choices=("table", "json"), default="table", help="report format (default: table)")

    lq = verb("queries", cmd_list_queries)
    lq.add_argument("--format", choices=("text", "json"), default="text")

    r = verb("import-reference", cmd_import_reference)
    r.add_argument("--reference", metavar="DIR", default="../shared/reference", help="folder with organisations.csv and members.csv")
    r.add_argument("--data", metavar="DIR", help="write into DIR instead of data/")

    s = verb("synth", cmd_synth)
    s.add_argument("--out", metavar="DIR", required=True, help="folder to write (replaced if it exists)")
    s.add_argument("--triples", type=int, help="about this many asserted triples (default 10000)")
    s.add_argument("--universities", type=int, help="exactly this many universities")
    s.add_argument("--networks", type=int, help="exactly this many networks (default: one per 40 universities)")
    s.add_argument("--violations", type=int, default=0, help="inject this many SHACL violations of known kinds")
    s.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    s.add_argument("--format", choices=("text", "json"), default="text")

    p = verb("publish", cmd_publish)
    p.add_argument("--dist", metavar="DIR", default="dist", help="the build to publish (default: dist/)")
    p.add_argument("--endpoint", metavar="QUERY_URL", help="the SPARQL query endpoint")
    p.add_argument("--update-endpoint", metavar="UPDATE_URL", help="the SPARQL update endpoint")
    p.add_argument("--store-endpoint", metavar="GSP_URL", help="the Graph Store HTTP Protocol endpoint (faster uploads)")
    p.add_argument("--preset", nargs=2, metavar=("NAME", "BASE_URL"), help="fill the endpoints in for a store: " + ", ".join(sorted(PRESETS)))
    p.add_argument("--graph", metavar="IRI", help="the named graph to publish into (default: the dataset IRI)")
    p.add_argument("--chunk-triples", type=int, help="triples per upload request (default 50000 with the Graph Store Protocol, 2000 with SPARQL Update)")
    p.add_argument("--retries", type=int, default=4, help="retries with backoff on 5xx, connection errors and timeouts (default 4)")
    p.add_argument("--timeout", type=_positive(float), default=60.0, metavar="SECONDS", help="seconds per upload or query request, the whole answer read (default 60)")
    p.add_argument("--force", action="store_true", help="upload even when the server already has this build")
    p.add_argument("--swap-timeout", type=float, default=3600.0, metavar="SECONDS", help="how long the final swap may take on the server (a big graph's MOVE takes minutes; default 3600)")
    p.add_argument("--format", choices=("text", "json"), default="text")

    ce = verb("check-engines", cmd_check_engines)
    ce.add_argument("--endpoint", metavar="URL", required=True, help="the SPARQL query endpoint holding the published build")
    ce.add_argument("--graph", metavar="IRI", help="the named graph holding it (sent as default-graph-uri)")
    ce.add_argument("--data", metavar="DIR", help="read data from DIR instead of data/")
    ce.add_argument("--timeout", type=_positive(float), default=60.0, metavar="SECONDS", help="seconds per query (default 60)")
    ce.add_argument("--retries", type=int, default=4, help="retries with backoff on 5xx, connection errors and timeouts (default 4)")
    ce.add_argument("--format", choices=("text", "json"), default="text")

    sv = verb("serve", cmd_serve)
    sv.add_argument("--data", metavar="DIR", help="build from DIR instead of data/ into --dist before serving")
    add_serve_arguments(sv)  # --host, --port, --dist, the limits: declared once, with the server's settings

    m = verb("mint", cmd_mint)
    m.add_argument("kind", help="kind of resource: org, membership, figure, country, person, …")
    m.add_argument("names", nargs="+", help="the name(s) the IRI is minted from")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root = Path(args.root) if getattr(args, "root", None) else None
    try:
        with using_root(root):
            return int(args.func(args))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except UugraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
