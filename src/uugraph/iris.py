"""The IRI minting rule: how a name becomes a stable, collision-free IRI.

Every resource lives under ``<base>id/<kind>/<slug>``. The slug is made from a
name so that the same name always gives the same IRI and different names never
share one:

* Names in the Latin script are case-folded, stripped of diacritics and joined
  with hyphens: ``"Eötvös Loránd University"`` → ``eotvos-lorand-university``.
  Spellings that differ only in case, accents or punctuation are the same name.
* A name with letters outside the Latin script (or none at all) keeps what
  folds to ASCII and adds ``--`` and six base32 characters of a SHA-256 of the
  full name, so ``"北京大学"`` and ``"東京大学"`` differ. A folded slug never
  contains ``--``, so the two forms cannot collide.

IRIs are forever: once minted and published, an IRI is never reused for
another thing or deleted (see the README).
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from uugraph.config import base_iri

KINDS = (
    "org",
    "membership",
    "signature",
    "figure",
    "country",
    "place",
    "person",
    "post",
    "commitment",
    "concept",
    "scheme",
    "source",
)

SLUG_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*(--[a-z2-7]{6})?"
_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")


def _folded_tokens(name: str) -> tuple[list[str], bool]:
    """Split ``name`` into ASCII tokens; report whether anything non-Latin was dropped."""
    # NFKD first: compatibility characters (ℌ, ™, ﬁ) decompose to letters that may be capitals.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    tokens: list[str] = []
    current: list[str] = []
    lossy = False
    for char in decomposed:
        if unicodedata.combining(char):
            continue  # a diacritic: part of the same Latin letter
        if char.isascii() and char.isalnum():
            current.append(char)
            continue
        if char.isalnum():
            lossy = True  # a letter or digit of another script
        if current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    # Latin letters that NFKD does not decompose (ø, æ, ß, đ, ł …).
    return tokens, lossy


_LATIN_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"})


def name_key(name: str) -> str:
    """The form of a name that identity is decided on.

    Two names with the same key are the same name and mint the same IRI.

    >>> name_key("Eötvös Loránd University") == name_key("eotvos lorand university")
    True
    >>> name_key("Ruhr-West") == name_key("Ruhr West")
    True
    """
    tokens, lossy = _folded_tokens(name.casefold().translate(_LATIN_EXTRA))
    if lossy or not tokens:
        return "u:" + unicodedata.normalize("NFC", " ".join(name.casefold().split()))
    return "a:" + " ".join(tokens)


def slug(name: str) -> str:
    """Mint the slug for ``name`` by the rule above.

    >>> slug("Eötvös Loránd University")
    'eotvos-lorand-university'
    >>> slug("Science|Business")
    'science-business'
    >>> slug("北京大学").startswith("n--")
    True
    """
    key = name_key(name)
    if key.startswith("a:"):
        return key[2:].replace(" ", "-")
    tokens, _ = _folded_tokens(name.casefold().translate(_LATIN_EXTRA))
    digest = base64.b32encode(hashlib.sha256(key.encode("utf-8")).digest()).decode("ascii")
    readable = "-".join(tokens) if tokens else "n"
    return f"{readable}--{digest[:6].lower()}"


def mint(kind: str, *names: str) -> str:
    """The full IRI for a thing of ``kind`` named by one or more names.

    Several names make a path (a membership is minted from its member and its
    organisation): ``mint("membership", "LERU", "Utrecht University")``.

    >>> mint("org", "Utrecht University").endswith("/id/org/utrecht-university")
    True
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of resource {kind!r}; expected one of {', '.join(KINDS)}")
    if not names:
        raise ValueError("mint needs at least one name")
    return f"{base_iri()}id/{kind}/" + "/".join(slug(n) for n in names)


def is_slug(text: str) -> bool:
    """Whether ``text`` is a slug the rule can produce.

    >>> is_slug("utrecht-university"), is_slug("Utrecht University")
    (True, False)
    """
    return bool(_SLUG_RE.match(text))


def document_path(iri: str) -> str | None:
    """The path of the document that describes ``iri``, relative to the base (Cool URIs: thing ≠ page).

    A thing ``<base>id/org/leru`` is described by ``<base>doc/org/leru``; a
    fragment (``…#period``) by its page; an ontology term ``<base>def/University``
    by ``<base>doc/def/University`` and the ontology ``<base>def/`` by
    ``<base>doc/def``. The static site stores the document as
    ``doc/org/leru.html`` (and ``.ttl``, ``.jsonld``); the server answers
    ``/id/org/leru`` with 303 to ``/doc/org/leru``. IRIs outside the base have
    no document here.

    >>> document_path(base_iri() + "id/org/leru")
    'doc/org/leru'
    >>> document_path(base_iri() + "id/membership/leru/utrecht-university#period")
    'doc/membership/leru/utrecht-university'
    >>> document_path(base_iri() + "def/University"), document_path(base_iri() + "def/")
    ('doc/def/University', 'doc/def')
    >>> document_path("https://ror.org/04pp8hn57") is None
    True
    """
    base = base_iri()
    if not iri.startswith(base):
        return None
    rest = iri[len(base) :].split("#", 1)[0]
    if rest.startswith("id/") and len(rest) > 3:
        return "doc/" + rest[3:]
    if rest == "def/":
        return "doc/def"
    if rest.startswith("def/"):
        return "doc/" + rest
    return None


def thing_iri(document: str) -> str | None:
    """The IRI a document path describes: the inverse of :func:`document_path`.

    >>> thing_iri("doc/org/leru") == base_iri() + "id/org/leru"
    True
    >>> thing_iri("doc/def") == base_iri() + "def/"
    True
    """
    document = document.strip("/")
    if document == "doc/def":
        return base_iri() + "def/"
    if document.startswith("doc/def/"):
        return base_iri() + document[len("doc/") :]
    if document.startswith("doc/") and len(document) > 4:
        return base_iri() + "id/" + document[len("doc/") :]
    return None
