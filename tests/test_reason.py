"""Reasoning: the compiled rules derive exactly what owlrl derives for our axioms."""

from __future__ import annotations

from pathlib import Path

import pytest

from uugraph.build import prepare
from uugraph.config import Layout
from uugraph.pipeline.reason import compile_rules, owlrl_entailments, rules_entailments

ORG = "http://www.w3.org/ns/org#"
BASE = "https://w3id.org/uugraph/"


@pytest.mark.slow
def test_rules_derive_exactly_what_owlrl_derives_on_the_real_data(prepared) -> None:
    ours = rules_entailments(prepared)
    reference = owlrl_entailments(prepared)
    assert ours == reference
    assert len(ours) > 500


def test_every_axiom_of_the_ontology_is_compiled(prepared) -> None:
    ruleset = compile_rules(prepared)
    assert ruleset.ignored_axioms == []
    assert f"{ORG}memberOf" in ruleset.head_properties
    assert "https://schema.org/member" in ruleset.head_properties


def test_membership_node_gives_direct_links_both_ways(prepared) -> None:
    derived = rules_entailments(prepared)
    uu, charm = f"<{BASE}id/org/utrecht-university>", f"<{BASE}id/org/charm-eu>"
    assert (uu, f"<{ORG}memberOf>", charm) in derived
    assert (charm, f"<{ORG}hasMember>", uu) in derived
    assert (uu, "<https://schema.org/memberOf>", charm) in derived
    # Signing a charter is not a membership, but it gives its own direct link.
    mcu = f"<{BASE}id/commitment/magna-charta-universitatum-2020>"
    assert (uu, f"<{BASE}def/signed>", mcu) in derived
    assert (uu, f"<{ORG}memberOf>", mcu) not in derived


def test_a_domain_axiom_is_reported_not_silently_ignored(project_copy: Path) -> None:
    ontology = project_copy / "ontology" / "uugraph.ttl"
    ontology.write_text(
        ontology.read_text(encoding="utf-8") + "\nuuo:focus <http://www.w3.org/2000/01/rdf-schema#domain> uuo:Network .\n",
        encoding="utf-8",
    )
    ruleset = compile_rules(prepare(Layout(root=project_copy), with_queries=False))
    assert any("domain" in axiom for axiom in ruleset.ignored_axioms)
