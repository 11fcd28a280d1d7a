"""Property tests of the IRI minting rule (uugraph.iris): valid, stable, collision-free IRIs."""

from __future__ import annotations

import re
import unicodedata

import pyoxigraph as ox
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from uugraph import iris
from uugraph.config import base_iri

NAMES = st.text(min_size=1)
FORBIDDEN = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|^`\\]')


def slug_of(iri: str, kind: str = "org") -> str:
    prefix = f"{base_iri()}id/{kind}/"
    assert iri.startswith(prefix), iri
    return iri[len(prefix) :]


def folds_to_capitals(name: str) -> bool:
    """Whether a compatibility character of ``name`` decomposes to a capital ASCII letter (ℌ → H, ™ → TM)."""
    return any(c.isascii() and c.isupper() for c in unicodedata.normalize("NFKD", name.casefold()))


# ---------------------------------------------------------------- properties


@given(NAMES)
@example("ℌ")
@example("\x00")
@example(" ")
@example("北京大学")
def test_mint_gives_a_valid_absolute_iri(name: str) -> None:
    iri = iris.mint("org", name)
    assert not FORBIDDEN.search(iri), iri
    assert ox.NamedNode(iri).value == iri  # Oxigraph accepts it as an IRI …
    assert re.match(r"^[a-z][a-z0-9+.-]*://", iri)  # … and it is absolute
    assert iri.startswith(base_iri() + "id/org/")
    assert "/" not in slug_of(iri)


@given(NAMES)
@example("Eötvös Loránd University")
@example("北京大学")
@example("!!!")
def test_minted_slug_follows_the_rule(name: str) -> None:
    slug = slug_of(iris.mint("org", name))
    assert iris.is_slug(slug), slug
    assert re.fullmatch(iris.SLUG_PATTERN, slug), slug
    # and the slug the shapes require of an organisation's IRI
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*(--[a-z2-7]{6})?", slug), slug


@given(NAMES)
@example("ℌ")
@example("Acme™ University")
def test_compatibility_capitals_are_folded(name: str) -> None:
    slug = slug_of(iris.mint("org", name))
    assert iris.is_slug(slug), slug


@given(NAMES)
def test_mint_is_deterministic(name: str) -> None:
    assert iris.mint("org", name) == iris.mint("org", name)
    assert iris.slug(name) == iris.slug(name)
    assert iris.name_key(name) == iris.name_key(name)


def _variants(name: str) -> st.SearchStrategy[str]:
    """Spellings of ``name`` the rule should or should not treat as the same name."""
    return st.sampled_from(
        [
            name.upper(),
            name.lower(),
            name.swapcase(),
            unicodedata.normalize("NFD", name),
            unicodedata.normalize("NFC", name),
            f"  {name} ",
            name.replace(" ", "-"),
            name.replace(" ", "  "),
            name + ".",
            name + "x",
            name[:-1] or name,
        ]
    )


PAIRS = st.one_of(
    st.tuples(NAMES, NAMES),
    NAMES.flatmap(lambda a: st.tuples(st.just(a), _variants(a))),
)


@given(PAIRS)
@example(("Eötvös Loránd University", "eotvos lorand university"))
@example(("Ruhr-West", "Ruhr West"))
@example(("Science|Business", "science business"))
@example(("北京大学", "東京大学"))
@example(("北京大学", "北京大学 "))
@example(("a", "A"))
def test_same_iri_iff_same_name_key(pair: tuple[str, str]) -> None:
    a, b = pair
    assert (iris.mint("org", a) == iris.mint("org", b)) == (iris.name_key(a) == iris.name_key(b)), (a, b)


@given(NAMES, NAMES)
def test_several_names_make_a_path(a: str, b: str) -> None:
    iri = iris.mint("membership", a, b)
    assert iri == f"{base_iri()}id/membership/{iris.slug(a)}/{iris.slug(b)}"
    ox.NamedNode(iri)


# ---------------------------------------------------------------- examples


def test_latin_names_fold_to_ascii() -> None:
    assert iris.mint("org", "Eötvös Loránd University").endswith("/id/org/eotvos-lorand-university")
    assert iris.mint("org", "Utrecht University") == base_iri() + "id/org/utrecht-university"
    assert iris.slug("Science|Business") == "science-business"
    assert iris.slug("Université Paris-Saclay") == "universite-paris-saclay"
    assert iris.slug("Ludwig-Maximilians-Universität München") == "ludwig-maximilians-universitat-munchen"
    assert iris.slug("Københavns Universitet") == "kobenhavns-universitet"  # ø is folded by the extra table


@pytest.mark.parametrize("name", ["北京大学", "東京大学", "Санкт-Петербургский университет", "جامعة القاهرة", "Ελληνικό Ανοικτό Πανεπιστήμιο"])
def test_non_latin_names_get_a_hash_suffix(name: str) -> None:
    slug = iris.slug(name)
    assert re.fullmatch(r"[a-z0-9-]*--[a-z2-7]{6}", slug), slug
    assert iris.is_slug(slug)


def test_non_latin_names_differ() -> None:
    names = ["北京大学", "東京大学", "清华大学", "Санкт-Петербургский университет", "Московский университет"]
    slugs = [iris.slug(n) for n in names]
    assert len(set(slugs)) == len(slugs), slugs
    assert iris.slug("北京大学") != iris.slug("東京大学")


def test_latin_part_of_a_mixed_name_stays_readable() -> None:
    slug = iris.slug("Universität 北京")
    assert slug.startswith("universitat--"), slug


def test_unknown_kind_and_no_name_are_refused() -> None:
    with pytest.raises(ValueError):
        iris.mint("university", "Utrecht University")
    with pytest.raises(ValueError):
        iris.mint("org")
