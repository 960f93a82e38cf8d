"""Cluster the mentions of one story into entities.

A mention joins an entity when, ignoring titles ("President") and possessives:
* it has the same words as one of the entity's mentions;
* it is the end of a person's name ("Harris" -> "Kamala Harris"), whatever type the model gave it, or the
  surname of a two- or three-word name the model called MISC, which then becomes a person;
* it is the first word of an organisation's name that the model took for a person ("Vantor" -> "Vantor
  Semiconductor"); a place ("Saltmarsh" the town, not "Saltmarsh Terminals") or an adjective ("German") stays apart;
* it is a contiguous run of another same-type name's words ("Leicestershire" -> "Leicestershire CCC");
* it is the acronym of the entity's name ("WHO" -> "World Health Organization");
* it is another name of the same country (``data/country_aliases.tsv``: "U.S." -> "United States");
* it is the "X" of an organisation "<Head> of X" that the model took for a person ("Eastbrook" -> "University of
  Eastbrook").
Ambiguous short forms (matching two entities) stay separate. The canonical name is the longest form; the type is
a vote over mentions (longer forms weigh more), ties broken PERSON > ORG > GPE > LOC > MISC.
:func:`propagate` then adds occurrences of an entity's names that the model missed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

from schemas.models import EntityType
from streams.enrich import resources
from streams.enrich.document import Document
from streams.enrich.mentions import RawMention, Sentence, sentence_index

TYPE_PRECEDENCE: tuple[EntityType, ...] = ("PERSON", "ORG", "GPE", "LOC", "MISC")
RULE_WEIGHT = 3  # a type set by a news post-rule outweighs the model's guesses elsewhere in the story
_POSSESSIVE = re.compile(r"(?:'s|\u2019s|'|\u2019)$")
_WORDS = re.compile(r"[\w.&'\u2019-]+")


@cache
def _titles() -> tuple[tuple[str, ...], ...]:
    """Titles as lower-case word tuples, longest first."""
    titles = {tuple(title.lower().split()) for title, _kind in resources.table("titles.tsv", 2)}
    return tuple(sorted(titles, key=len, reverse=True))


@cache
def _aliases() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Lower-case word tuples of other country names -> those of the usual name ("u.s." -> "united states")."""
    return {
        tuple(alias.lower().split()): tuple(name.lower().split())
        for alias, name in resources.mapping("country_aliases.tsv").items()
    }


def _key(words: tuple[str, ...]) -> tuple[str, ...]:
    """The form mentions are compared by: a country alias becomes the country's usual name."""
    return _aliases().get(words, words)


@cache
def _connectors() -> frozenset[str]:
    return frozenset(w.lower() for w in resources.word_list("name_connectors.txt"))


@lru_cache(maxsize=65536)
def name_words(text: str) -> tuple[str, ...]:
    """The words of a mention as written, without leading titles or a trailing possessive."""
    words = _WORDS.findall(_POSSESSIVE.sub("", text.strip()))
    lowered = [w.lower() for w in words]
    for title in _titles():
        if len(words) > len(title) and tuple(lowered[: len(title)]) == title:
            words = words[len(title) :]
            break
    return tuple(words)


def acronym(words: Sequence[str]) -> str:
    """Initials of the capitalised words of a name ("World Health Organization" -> "WHO")."""
    return "".join(w[0] for w in words if w[:1].isupper() and w.lower() not in _connectors()).upper()


@dataclass
class Cluster:
    """One entity of a story under construction."""

    mentions: list[RawMention] = field(default_factory=list)
    forms: set[tuple[str, ...]] = field(default_factory=set)  # lower-cased word tuples of its mentions
    acronyms: set[str] = field(default_factory=set)
    compact: set[str] = field(default_factory=set)  # forms with the spaces removed
    votes: Counter[str] = field(default_factory=Counter)

    def add(self, m: RawMention) -> None:
        """Add a mention, updating forms, acronyms and the type vote."""
        raw = name_words(m.text)
        self.mentions.append(m)
        words = tuple(w.lower() for w in raw)
        self.forms.add(words)
        self.forms.add(_key(words))
        self.compact.add("".join(raw).lower())
        if len(raw) > 1:
            self.acronyms.add(acronym(raw))
        self.votes[m.type] += (len(raw) or 1) * (RULE_WEIGHT if m.label == "RULE" else 1)

    @property
    def name(self) -> str:
        """The longest form (most words, then most characters; first seen on ties), titles removed."""
        best = max(self.mentions, key=lambda m: (len(name_words(m.text)), len(m.text), -self.mentions.index(m)))
        return " ".join(name_words(best.text)) or best.text

    @property
    def type(self) -> EntityType:
        """Vote of the mentions' types; longer forms weigh more; ties go by :data:`TYPE_PRECEDENCE`."""
        votes = self.votes
        return min(votes, key=lambda t: (-votes[t], TYPE_PRECEDENCE.index(t)))  # type: ignore[return-value,arg-type]

    @property
    def longest(self) -> tuple[str, ...]:
        return max(self.forms, key=len) if self.forms else ()


def _contains(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def _match(cluster: Cluster, words: tuple[str, ...], raw: tuple[str, ...], mtype: EntityType) -> str | None:
    """How a mention matches a cluster: "same", "person" (part of a person's name), "org" (an organisation's
    first word), "part", "acronym" or None."""
    if words in cluster.forms or _key(words) in cluster.forms or (len(words) <= 3 and "".join(words) in cluster.compact):
        return "same"  # "TimeWarner" is "Time Warner"
    ctype = cluster.type
    for form in cluster.forms:
        if len(form) <= len(words):
            continue
        # surname ("Harris" of "Kamala Harris"), or family name first ("Wang" of "Wang Donghai")
        if ctype == "PERSON" and (form[-len(words) :] == words or (len(words) == 1 and form[0] == words[0])):
            return "person"
        # a name the model called MISC whose surname it calls a person ("Agnes Whitfield" ... "Whitfield")
        if ctype == "MISC" and mtype == "PERSON" and len(words) == 1 and 2 <= len(form) <= 3 and form[-1] == words[0]:
            return "surname"
        if ctype == mtype and _contains(form, words):
            return "part"
        if ctype == "ORG" and len(words) == 1 and mtype == "PERSON" and (form[0] == words[0] or _of_tail(form) == words):
            return "org"
    if len(raw) == 1 and raw[0].isupper() and 2 <= len(raw[0]) <= 6 and raw[0] in cluster.acronyms:
        return "acronym"
    return None


def _of_tail(form: tuple[str, ...]) -> tuple[str, ...]:
    """The "X" of a three-word "<Head> of X" form ("university of eastbrook" -> ("eastbrook",)), else ()."""
    return form[2:] if len(form) == 3 and form[1] == "of" else ()


def _position(m: RawMention) -> tuple[bool, int, int]:
    return (m.field != "headline", m.start, m.end)


def cluster_mentions(mentions: Sequence[RawMention]) -> list[Cluster]:
    """Entities of a story from its mentions; clusters come out in order of first mention."""
    clusters: list[Cluster] = []
    for m in sorted(mentions, key=lambda m: (-len(name_words(m.text)), -len(m.text), _position(m))):
        raw = name_words(m.text)
        words = tuple(w.lower() for w in raw)
        if not words:
            continue
        hits = [(c, how) for c in clusters if (how := _match(c, words, raw, m.type))]
        exact = [h for h in hits if h[1] == "same"]
        if len(hits) == 1 or len(exact) == 1:
            target, how = exact[0] if exact else hits[0]
        else:
            target, how = Cluster(), "new"
            clusters.append(target)
        # part of a person's or organisation's name: the model's other label for the short form
        # ("Wang" as ORG, "Vantor" as PERSON) does not vote
        short_type: EntityType | None = "PERSON" if how == "person" else "ORG" if how == "org" else None
        if how == "surname":  # the person reading outweighs the model's MISC for the full name
            m = replace(m, label="RULE")
        target.add(replace(m, type=short_type) if short_type else m)
    for c in clusters:
        c.mentions.sort(key=_position)
    clusters.sort(key=lambda c: _position(c.mentions[0]))
    return clusters


def propagate(
    doc: Document, clusters: Sequence[Cluster], sentences: Sequence[Sentence], casing: Mapping[str, str]
) -> None:
    """Add to each entity the occurrences of its names (and a person's surname) that the model missed.

    Only capitalised, whole-word occurrences count, and never a name whose usual casing is lower case
    (a surname like "May" or "Such" would match ordinary words). ``casing`` is
    :func:`streams.enrich.truecase.casing` (lower-cased word -> usual form).
    """
    taken: dict[str, list[tuple[int, int]]] = {"headline": [], "body": []}
    for c in clusters:
        for m in c.mentions:
            taken[m.field].append((m.start, m.end))
    forms: dict[str, Cluster] = {}
    ambiguous: set[str] = set()
    for c in clusters:
        names = {" ".join(name_words(m.text)) for m in c.mentions}
        if c.type == "PERSON":
            names |= {name_words(m.text)[-1] for m in c.mentions if len(name_words(m.text)) > 1}
        for name in names:
            if len(name) < 3 or not name[:1].isupper() or (casing.get(name.lower(), name)[:1].islower()):
                continue
            if name in forms and forms[name] is not c:
                ambiguous.add(name)
            forms[name] = c
    for name in ambiguous:
        forms.pop(name, None)
    if not forms:
        return
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + r")(?![\w-])"
    )
    for fname in ("headline", "body"):
        text: str = getattr(doc, fname)
        field_sents = [s for s in sentences if s.field == fname]
        for hit in pattern.finditer(text):
            s, e = hit.span()
            if any(a < e and s < b for a, b in taken[fname]):
                continue
            c = forms[hit.group(0)]
            c.mentions.append(
                RawMention(
                    hit.group(0),
                    fname,
                    s,
                    e,
                    sentence_index(field_sents, s),  # type: ignore[arg-type]
                    c.type,
                    "PROPAGATED",
                )
            )  # not via add(): found mentions do not vote
            taken[fname].append((s, e))
    for c in clusters:
        c.mentions.sort(key=lambda m: (m.field != "headline", m.start))
