"""Synthetic data shaped like ours, for measuring the pipeline at worldwide scale.

``uugraph synth --triples N --out DIR`` writes a data folder that the pipeline
reads through the same code path as ``data/`` (``--data DIR``): universities
with countries and identifiers, networks with levels and focus, dated and
sourced memberships, figures, commitments and signatures. It copies the real
concept schemes and sources, so the same shapes apply, and the generated
graph conforms to them.

Generation is deterministic: the same arguments give byte-identical files
(a seeded ``random.Random``, no clock). ``--violations K`` injects exactly K
violations of known kinds, round-robin over :data:`VIOLATION_KINDS`, and
writes ``manifest.json`` naming each one's focus node and shape, so a test can
check that validation finds exactly those.

The identifiers are synthetic: names say "Synthetic", ROR-like IDs are made up
and never published; this data lives only in temporary folders.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pycountry

from uugraph.config import project_root

# Asserted triples each kind of thing adds, used to size the graph from --triples.
TRIPLES_PER_UNIVERSITY = 7
TRIPLES_PER_MEMBERSHIP = 12
MEMBERSHIPS_PER_UNIVERSITY = 2.5
CHUNK = 20_000  # subjects per file, so files stay reviewable in size
UU_NETWORKS = 16  # the networks and alliance Utrecht University belongs to on the source page

VIOLATION_KINDS = {
    "two-members": "MembershipShape",
    "start-after-end": "PeriodShape",
    "bad-ror": "IdentifierShape",
    "no-country": "UniversityCountryShape",
    "negative-figure": "FigureShape",
}

PREFIXES = """@prefix uuo: <def/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

"""

LEVELS = ["european", "global", "national"]
FOCUS = ["research", "education", "innovation", "mobility", "internationalisation", "lifelong-learning", "advocacy", "events"]
ROR_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


@dataclass(frozen=True)
class SynthSummary:
    out: Path
    universities: int
    networks: int
    memberships: int
    figures: int
    triples: int
    violations: list[dict[str, str]]


def plan(triples: int | None, universities: int | None, networks: int | None) -> tuple[int, int]:
    """How many universities and networks make about ``triples`` asserted triples."""
    if universities is None:
        target = triples or 10_000
        per_university = TRIPLES_PER_UNIVERSITY + MEMBERSHIPS_PER_UNIVERSITY * TRIPLES_PER_MEMBERSHIP
        universities = max(10, int(target / per_university))
    if networks is None:
        networks = max(5, universities // 40)
    return universities, networks


def synth(
    out: Path,
    *,
    triples: int | None = None,
    universities: int | None = None,
    networks: int | None = None,
    violations: int = 0,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SynthSummary:
    """Write a synthetic data folder into ``out`` (replacing it)."""
    universities, networks = plan(triples, universities, networks)
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    real_data = project_root() / "data"
    for name in ("concepts.ttl", "sources.ttl"):
        shutil.copyfile(real_data / name, out / name)

    every_country = sorted(pycountry.countries, key=lambda c: str(c.alpha_2))
    countries = [str(c.alpha_2) for c in every_country]
    count = 0
    lines = [PREFIXES]
    for code, country in zip(countries, every_country, strict=True):
        name = (getattr(country, "common_name", None) or country.name).replace('"', "'")
        lines.append(
            f'<id/country/{code.lower()}> a schema:Country ; skos:prefLabel "{name}"@en ; '
            f'uuo:iso3166Alpha2 "{code}" ; uuo:iso3166Alpha3 "{country.alpha_3}" ; uuo:iso3166Numeric "{country.numeric}" .\n'
        )
        count += 5
    (out / "countries.ttl").write_text("".join(lines), encoding="utf-8")

    source = "<id/source/synthetic>"
    lines = [PREFIXES, f'{source} a uuo:Source ; rdfs:label "Synthetic data for benchmarks"@en .\n']
    count += 2
    network_ids = [f"synthetic-network-{i:05d}" for i in range(networks)]
    for i, slug in enumerate(network_ids):
        level = LEVELS[i % len(LEVELS)]
        focus = FOCUS[i % len(FOCUS)]
        country_code = countries[rng.randrange(len(countries))].lower()
        lines.append(
            f'<id/org/{slug}> a uuo:Network ; skos:prefLabel "Synthetic Network {i}"@en ; uuo:country <id/country/{country_code}> ; '
            f"uuo:level <id/concept/level/{level}> ; uuo:focus <id/concept/focus/{focus}> ; prov:wasDerivedFrom {source} .\n"
        )
        count += 6
    lines.append(
        '<id/commitment/synthetic-charter> a uuo:Charter ; skos:prefLabel "Synthetic Charter"@en ; uuo:commitsTo <id/concept/value/academic-freedom> ; prov:wasDerivedFrom <id/source/synthetic> .\n'
    )
    count += 4
    # The publisher itself, as in the real data: Utrecht University, a member of
    # as many networks as on the source page, so that the queries scoped to
    # "UU's networks" do the work they do on a real worldwide graph.
    lines.append(
        '<id/org/utrecht-university> a uuo:University ; skos:prefLabel "Utrecht University"@en ; '
        "uuo:country <id/country/nl> ; uuo:ror <https://ror.org/0synthu00> ; prov:wasDerivedFrom <id/source/synthetic> .\n"
    )
    count += 5
    for n in range(min(networks, UU_NETWORKS)):
        membership = f"id/membership/{network_ids[n]}/utrecht-university"
        lines.append(
            f"<{membership}> a org:Membership ; org:member <id/org/utrecht-university> ; org:organization <id/org/{network_ids[n]}> ; "
            f"org:role <id/concept/role/member> ; org:memberDuring <{membership}#period> ; prov:wasDerivedFrom {source} .\n"
            f"<{membership}#period> a time:Interval ; time:hasBeginning <{membership}#start> .\n"
            f'<{membership}#start> a time:Instant ; time:inXSDgYear "{2000 + n}"^^xsd:gYear .\n'
        )
        count += 10
    (out / "networks.ttl").write_text("".join(lines), encoding="utf-8")

    injected: list[dict[str, str]] = []
    kinds = list(VIOLATION_KINDS)
    # Which university gets which violation: spread evenly, deterministic.
    slots = {}
    if violations:
        step = max(1, universities // violations)
        for k in range(violations):
            slots[min(universities - 1, k * step)] = kinds[k % len(kinds)]
        if len(slots) < violations:
            raise ValueError(f"cannot inject {violations} violations into {universities} universities")

    memberships = 0
    figures = 0
    members_per_network = [0] * networks
    file_index = 0
    lines = [PREFIXES]
    for u in range(universities):
        slug = f"synthetic-university-{u:07d}"
        iri = f"<id/org/{slug}>"
        kind = slots.get(u)
        country_code = countries[rng.randrange(len(countries))].lower()
        ror = "0" + "".join(rng.choice(ROR_ALPHABET) for _ in range(6)) + f"{rng.randrange(100):02d}"
        if kind == "bad-ror":
            ror = "X" + ror[1:]
            injected.append({"kind": kind, "focus": f"id/org/{slug}", "shape": VIOLATION_KINDS[kind]})
        parts = [f'{iri} a uuo:University ; skos:prefLabel "Synthetic University {u}"@en']
        if kind == "no-country":
            injected.append({"kind": kind, "focus": f"id/org/{slug}", "shape": VIOLATION_KINDS[kind]})
        else:
            parts.append(f"uuo:country <id/country/{country_code}>")
        parts += [f"uuo:ror <https://ror.org/{ror}>", f"schema:url <https://synthetic-{u}.example/>", f"prov:wasDerivedFrom {source}"]
        lines.append(" ; ".join(parts) + " .\n")
        count += len(parts) + 1
        joined = rng.sample(range(networks), k=min(networks, 2 + (u % 2)))
        for n in joined:
            network = network_ids[n]
            membership = f"id/membership/{network}/{slug}"
            start = 1990 + rng.randrange(30)
            end = start + 1 + rng.randrange(10) if rng.random() < 0.2 else None
            if kind == "start-after-end" and n == joined[0]:
                end = start - 1
                injected.append({"kind": kind, "focus": f"{membership}#period", "shape": VIOLATION_KINDS[kind]})
            member_parts = [
                f"<{membership}> a org:Membership",
                f"org:member {iri}",
                f"org:organization <id/org/{network}>",
                "org:role <id/concept/role/member>",
                f"org:memberDuring <{membership}#period>",
                f"prov:wasDerivedFrom {source}",
                'uuo:lastChecked "2026-11-25"^^xsd:date',
            ]
            if end is not None:
                member_parts.append("uuo:howEnded <id/concept/membership-change/left>")  # an ended membership says how (MembershipChangeShape)
            if kind == "two-members" and n == joined[0]:
                # A second member that no other injected membership of this network has: two of them with the
                # same second member would overlap each other (MembershipOverlapShape), a violation nobody injected.
                twins = sum(1 for v in injected if v["kind"] == kind)
                other = (n + 1 + twins) % networks
                other = (other + 1) % networks if other == n else other
                member_parts.append(f"org:member <id/org/{network_ids[other]}>")
                injected.append({"kind": kind, "focus": membership, "shape": VIOLATION_KINDS[kind]})
            lines.append(" ;\n    ".join(member_parts) + " .\n")
            count += len(member_parts)
            period = f"<{membership}#period> a time:Interval ; time:hasBeginning <{membership}#start>"
            instants = [f'<{membership}#start> a time:Instant ; time:inXSDgYear "{start}"^^xsd:gYear .\n']
            count += 4
            if end is not None:
                period += f" ; time:hasEnd <{membership}#end>"
                instants.append(f'<{membership}#end> a time:Instant ; time:inXSDgYear "{end}"^^xsd:gYear .\n')
                count += 3
            lines.append(period + " .\n")
            lines.extend(instants)
            memberships += 1
            members_per_network[n] += 1
        if kind == "negative-figure":
            figure = f"id/figure/{slug}/member-countries/2026"
            lines.append(
                f"<{figure}> a uuo:Figure ; schema:observationAbout {iri} ; uuo:measure <id/concept/measure/member-countries> ; "
                f'schema:value "-1"^^xsd:integer ; uuo:asOf "2026"^^xsd:gYear ; prov:wasDerivedFrom {source} .\n'
            )
            injected.append({"kind": kind, "focus": figure, "shape": VIOLATION_KINDS[kind]})
            figures += 1
            count += 6
        if (u + 1) % CHUNK == 0:
            (out / f"universities-{file_index:04d}.ttl").write_text("".join(lines), encoding="utf-8")
            file_index += 1
            lines = [PREFIXES]
            if progress:
                progress(u + 1, universities)
    if len(lines) > 1:
        (out / f"universities-{file_index:04d}.ttl").write_text("".join(lines), encoding="utf-8")

    # Figures and signatures per network: counted from what was generated, so they are true.
    lines = [PREFIXES]
    for i, slug in enumerate(network_ids):
        figure = f"<id/figure/{slug}/member-universities/2026>"
        lines.append(
            f"{figure} a uuo:Figure ; schema:observationAbout <id/org/{slug}> ; uuo:measure <id/concept/measure/member-universities> ; "
            f'schema:value "{members_per_network[i]}"^^xsd:integer ; uuo:asOf "2026"^^xsd:gYear ; prov:wasDerivedFrom {source} .\n'
        )
        figures += 1
        count += 6
    for u in range(0, universities, 7):
        slug = f"synthetic-university-{u:07d}"
        lines.append(
            f"<id/signature/synthetic-charter/{slug}> a uuo:Signature ; uuo:signatory <id/org/{slug}> ; "
            f'uuo:signedCommitment <id/commitment/synthetic-charter> ; <http://purl.org/dc/terms/date> "2020-01-01"^^xsd:date ; prov:wasDerivedFrom {source} .\n'
        )
        count += 5
    (out / "figures-and-signatures.ttl").write_text("".join(lines), encoding="utf-8")
    (out / "manifest.json").write_text(
        json.dumps({"seed": seed, "universities": universities, "networks": networks, "violations": injected}, indent=1) + "\n",
        encoding="utf-8",
    )
    return SynthSummary(out, universities, networks, memberships, figures, count, injected)
