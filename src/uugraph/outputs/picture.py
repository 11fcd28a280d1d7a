"""A picture of the publisher's neighbourhood: the university, its networks, alliances, commitments and partners.

Drawn with networkx + matplotlib as SVG, coloured by kind and labelled, in
shells around the university: its networks and alliances, then its signed
commitments, then the partner universities of its alliances. Deterministic
(shell layout, fixed SVG id salt, no date in the metadata) so that builds stay
byte-identical. Text stays text in the SVG, so it is searchable and a test can
check that every network is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.pipeline.load import LoadedGraph
from uugraph.rdf.namespaces import ORG, uuo

KIND_COLOURS = {
    "University": "#f4c542",
    "Network": "#4e79a7",
    "Alliance": "#e15759",
    "Commitment": "#59a14f",
    "Partner": "#f28e2b",
}

QUERY = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX uuo: <def/>
SELECT ?node ?kind ?label ?acronym ?via WHERE {
  {
    ?m a org:Membership ; org:member ?center ; org:organization ?node .
    OPTIONAL { ?node a ?alliance . FILTER (?alliance = uuo:Alliance) }
    BIND (IF(BOUND(?alliance), "Alliance", "Network") AS ?kind)
  } UNION {
    ?center uuo:signed ?node . BIND ("Commitment" AS ?kind)
  } UNION {
    ?m a org:Membership ; org:member ?center ; org:organization ?via .
    ?via a uuo:Alliance .
    ?p a org:Membership ; org:organization ?via ; org:member ?node .
    FILTER (?node != ?center)
    BIND ("Partner" AS ?kind)
  }
  ?node skos:prefLabel ?label . FILTER (LANG(?label) = "en")
  OPTIONAL { ?node skos:altLabel ?acronym . FILTER (REGEX(STR(?acronym), "^[A-Z][A-Za-z0-9|-]{1,9}$")) }
}
"""


@dataclass(frozen=True)
class Node:
    iri: str
    kind: str
    label: str


def _select(loaded: LoadedGraph, text: str, base: str | None = None) -> ox.QuerySolutions:
    """The solutions of a SELECT on the published graph."""
    result = loaded.store.query(text, base_iri=base, default_graph=loaded.default_graph)
    assert isinstance(result, ox.QuerySolutions), "a SELECT query gives solutions"
    return result


def neighbourhood(loaded: LoadedGraph, center: str) -> list[Node]:
    """The nodes of the picture, from the published graph."""
    text = QUERY.replace("?center", f"<{center}>")
    best: dict[str, Node] = {}
    for row in _select(loaded, text, base_iri()):
        iri, kind, label = row["node"].value, row["kind"].value, row["label"].value
        acronym = row["acronym"].value if row["acronym"] is not None else None
        shown = acronym if acronym and kind in ("Network", "Alliance") and len(label) > 24 else label
        candidate = Node(iri, kind, shown)
        current = best.get(iri)
        if current is None or (candidate.label, candidate.kind) < (current.label, current.kind):
            best[iri] = candidate
    return sorted(best.values(), key=lambda n: (n.kind, n.label))


@dataclass(frozen=True)
class Content:
    """What the picture shows, read from the published graph: all that :func:`draw` needs of it.

    Kept apart from the drawing so that the reasoned-store cache can keep it
    beside the published graph (:func:`uugraph.pipeline.cache.remember`): a
    ``build`` after ``validate`` then draws the picture without loading the
    data again.
    """

    center: str
    center_label: str
    nodes: tuple[Node, ...]
    #: Each partner university and the alliances it is a partner through, sorted.
    partners_of: tuple[tuple[str, tuple[str, ...]], ...]
    #: (alliance, network) pairs: the alliance was launched through the network.
    launched: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, object]:
        return {
            "center": self.center,
            "center_label": self.center_label,
            "nodes": [[n.iri, n.kind, n.label] for n in self.nodes],
            "partners_of": [[partner, list(alliances)] for partner, alliances in self.partners_of],
            "launched": [list(pair) for pair in self.launched],
        }

    @classmethod
    def from_json(cls, kept: dict[str, object]) -> Content:
        """The content :meth:`to_json` wrote; raises KeyError, TypeError or ValueError on anything else."""
        nodes, partners, launched = kept["nodes"], kept["partners_of"], kept["launched"]
        if not isinstance(nodes, list) or not isinstance(partners, list) or not isinstance(launched, list):
            raise TypeError("the picture's content is not lists")
        return cls(
            str(kept["center"]),
            str(kept["center_label"]),
            tuple(Node(str(i), str(k), str(label)) for i, k, label in nodes),
            tuple((str(partner), tuple(str(a) for a in alliances)) for partner, alliances in partners),
            tuple((str(a), str(n)) for a, n in launched),
        )


def content(loaded: LoadedGraph, center: str | None = None) -> Content:
    """What the picture of ``center`` (the publisher, by default) shows, from the published graph of ``loaded``."""
    center = center or base_iri() + "id/org/utrecht-university"
    nodes = neighbourhood(loaded, center)
    center_label = next(
        (r["l"].value for r in _select(loaded, f'SELECT ?l WHERE {{ <{center}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = "en") }} LIMIT 1')),
        "Utrecht University",
    )
    partners_of: dict[str, set[str]] = {}
    for row in _select(
        loaded,
        f"""PREFIX org: <{ORG}> PREFIX uuo: <{uuo()}>
        SELECT ?a ?p WHERE {{ ?m org:member <{center}> ; org:organization ?a . ?a a uuo:Alliance .
                              ?x org:organization ?a ; org:member ?p . FILTER(?p != <{center}>) }}""",
    ):
        partners_of.setdefault(row["p"].value, set()).add(row["a"].value)
    drawn = {n.iri for n in nodes}
    launched = {(row["a"].value, row["n"].value) for row in _select(loaded, f"SELECT ?a ?n WHERE {{ ?a <{uuo('launchedThrough')}> ?n }}")}
    return Content(
        center,
        center_label,
        tuple(nodes),
        tuple((partner, tuple(sorted(alliances))) for partner, alliances in sorted(partners_of.items())),
        tuple(sorted((a, n) for a, n in launched if a in drawn and n in drawn)),
    )


def draw(shown: Content, path: Path) -> list[Node]:
    """Write the SVG picture of ``shown`` to ``path``; returns the nodes drawn (none: no file)."""
    if not shown.nodes:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    center, center_label, nodes = shown.center, shown.center_label, list(shown.nodes)
    partners_of = dict(shown.partners_of)
    graph = nx.Graph()
    graph.add_node(center, label=center_label, kind="University")
    for node in nodes:
        graph.add_node(node.iri, label=node.label, kind=node.kind)
    for alliance, network in shown.launched:
        graph.add_edge(network, alliance)
    for node in nodes:
        if node.kind == "Partner":
            for alliance in partners_of.get(node.iri, ()):
                graph.add_edge(alliance, node.iri)
        else:
            graph.add_edge(center, node.iri)
    shells = [
        [center],
        [n.iri for n in nodes if n.kind in ("Network", "Alliance", "Commitment")],
        [n.iri for n in nodes if n.kind == "Partner"],
    ]
    shells = [s for s in shells if s]
    positions = nx.shell_layout(graph, nlist=shells)

    plt.rcParams["svg.fonttype"] = "none"  # keep text as text
    plt.rcParams["svg.hashsalt"] = "uugraph"  # stable ids
    figure, axes = plt.subplots(figsize=(14, 14))
    axes.set_axis_off()
    nx.draw_networkx_edges(graph, positions, ax=axes, edge_color="#999999", width=0.8)
    for kind, colour in KIND_COLOURS.items():
        members = [n for n, data in graph.nodes(data=True) if data["kind"] == kind]
        nx.draw_networkx_nodes(graph, positions, nodelist=members, node_color=colour, node_size=900 if kind != "University" else 2400, ax=axes, label=kind)
    nx.draw_networkx_labels(graph, positions, labels={n: d["label"] for n, d in graph.nodes(data=True)}, font_size=8, ax=axes)
    axes.legend(loc="lower left", frameon=False, markerscale=0.5)
    axes.set_title(f"{center_label}: networks, alliances, commitments and partners", fontsize=12)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    return nodes
