"""``ner.gum``: PER/ORG/LOC/MISC named entities derived from GUM, scored on the dev documents of ``splits.md``.

Reads ``<data-dir>/gum`` (``splits.md`` + ``dep/<doc>.conllu``; any folder of that layout, missing documents such
as reddit's are skipped). GUM annotates every mention, named or not, with a type; the CoNLL-style labels are
derived here, and :mod:`training.ner_data` uses the same derivation for training:

1. A mention is *named* when its head token (the one whose syntactic head lies outside the mention) is ``PROPN``.
2. Its type maps person -> PER, organization -> ORG, place -> LOC; event, object, abstract, substance, animal and
   plant -> MISC; time is dropped (CoNLL does not tag dates).
3. The name is the run of ``PROPN`` tokens (and capitalised adjectives, nouns and verbs not opening the sentence:
   "the Catholic Church", "the Armed Forces") around the head inside the mention, joined over lower-case
   connectors ("of", "the", "and", "&", "-", "de", ...) only when another such token follows, plus a number right
   after a name ("Windows 10"): "the University of Michigan" -> "University of Michigan", "Rochester, New York, where
   ..." -> "Rochester" (and "New York" from its own mention), "Spang's" -> "Spang".
4. A person's leading titles (``titles.tsv``: "General", "Mr.") are left out when a ``PROPN`` remains.
5. A name needs one capitalised token (drops e-mail addresses); names inside another name are dropped
   ("Michigan" in "University of Michigan") and of two crossing names the longer wins.

Each document becomes one :class:`~streams.enrich.document.Document` (first sentence the headline, the others
body lines, words joined as the CoNLL-U ``SpaceAfter`` says) and is scored like ``ner.conll``
(:func:`streams.eval.ner.score_aligned`): keys ``ner.gum.f1_per_org_loc``, ``ner.gum.f1_all``,
``ner.gum.per_type.<TYPE>.{precision,recall,f1}``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from streams.enrich import resources
from streams.eval.ner import AlignedDoc, Predictor, align_sentences, score_aligned

GUM_TO_CONLL = {
    "person": "PER",
    "organization": "ORG",
    "place": "LOC",
    **dict.fromkeys(("event", "object", "abstract", "substance", "animal", "plant"), "MISC"),
}
CONNECTORS = frozenset({"of", "the", "and", "&", "-", "de", "du", "des", "la", "le", "del", "da", "von", "van", "for", "on"})
_ENTITY = re.compile(r"\((\d+)-([^()]+?)(\))?(?=\(|\d+\)|$)|(\d+)\)")


@dataclass(frozen=True, slots=True)
class GumSentence:
    """One sentence: its words, IOB2 tags (``B-PER``...) and whether a space follows each word."""

    words: tuple[str, ...]
    tags: tuple[str, ...]
    space_after: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class GumDoc:
    """One GUM document with derived named-entity tags."""

    id: str
    sentences: tuple[GumSentence, ...]


def split_documents(gum_dir: Path, split: str = "dev") -> list[str]:
    """Document names of the ``## <split>`` section of ``splits.md``."""
    names: list[str] = []
    section = None
    for line in (gum_dir / "splits.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif section == split and line.strip().startswith("*"):
            names.append(line.strip().lstrip("*").strip())
    return names


def read_split(gum_dir: Path, split: str = "dev") -> list[GumDoc]:
    """The documents of ``split`` found under ``gum_dir/dep`` (others skipped; none without ``splits.md``)."""
    if not (gum_dir / "splits.md").is_file():
        return []
    paths = [gum_dir / "dep" / f"{name}.conllu" for name in split_documents(gum_dir, split)]
    return [read_gum(p) for p in paths if p.is_file()]


def read_gum(path: Path) -> GumDoc:
    """A CoNLL-U document with named-entity tags derived as the module docstring says."""
    sentences: list[GumSentence] = []
    rows: list[list[str]] = []
    spaces: list[bool] = []
    mwt = (0, 0, True)  # the current multiword token: first word, last word, space after it
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if rows:
                sentences.append(_sentence(rows, spaces))
            rows, spaces, mwt = [], [], (0, 0, True)
        elif not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) != 10:
                continue
            if "-" in cols[0]:  # a multiword token: no space inside, its own SpaceAfter on the last word
                first, last = (int(x) for x in cols[0].split("-"))
                mwt = (first, last, "SpaceAfter=No" not in cols[9])
            elif cols[0].isdigit():
                rows.append(cols)
                idx = int(cols[0])
                if mwt[0] <= idx <= mwt[1]:
                    spaces.append(mwt[2] if idx == mwt[1] else False)
                else:
                    spaces.append("SpaceAfter=No" not in cols[9])
    return GumDoc(path.stem, tuple(sentences))


def _sentence(rows: list[list[str]], spaces: list[bool]) -> GumSentence:
    words = tuple(r[1] for r in rows)
    tags = ["O"] * len(rows)
    for a, b, etype in named_spans(rows):
        tags[a] = f"B-{etype}"
        for k in range(a + 1, b + 1):
            tags[k] = f"I-{etype}"
    return GumSentence(words, tuple(tags), tuple(spaces))


def gum_mentions(rows: list[list[str]]) -> list[tuple[str, int, int]]:
    """(entity fields, first, last word index) of every GUM mention of a sentence."""
    open_spans: dict[str, list[tuple[str, int]]] = defaultdict(list)
    spans: list[tuple[str, int, int]] = []
    for i, cols in enumerate(rows):
        misc = next((f[len("Entity=") :] for f in cols[9].split("|") if f.startswith("Entity=")), "")
        for m in _ENTITY.finditer(misc):
            if m.group(1):
                if m.group(3):
                    spans.append((m.group(2), i, i))
                else:
                    open_spans[m.group(1)].append((m.group(2), i))
            elif open_spans.get(m.group(4)):
                fields, first = open_spans[m.group(4)].pop()
                spans.append((fields, first, i))
    return spans


@cache
def _titles() -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(t.split()) for t, _ in resources.table("titles.tsv", 2))


def named_spans(rows: list[list[str]]) -> list[tuple[int, int, str]]:
    """Derived (first, last word index inclusive, CoNLL type) names of one sentence's CoNLL-U rows."""
    upos = [r[3] for r in rows]
    forms = [r[1] for r in rows]
    found: list[tuple[int, int, str, int]] = []  # + the mention's length, so an outer mention's type wins a tie
    for fields, first, last in gum_mentions(rows):
        etype = GUM_TO_CONLL.get(fields.split("-")[0])
        ids = {rows[k][0] for k in range(first, last + 1)}
        heads = [k for k in range(first, last + 1) if rows[k][6] not in ids]
        if etype is None or not heads or upos[heads[0]] != "PROPN":
            continue
        a, b = _run(forms, upos, heads[0], first, last)
        if etype == "PER":
            a = _strip_title(forms, upos, a, b)
        if any(forms[k][:1].isupper() for k in range(a, b + 1)):
            found.append((a, b, etype, last - first))
    found.sort(key=lambda s: (-(s[1] - s[0]), -s[3], s[0]))
    kept: list[tuple[int, int, str]] = []
    for a, b, etype, _ in found:
        if not any(a <= kb and ka <= b for ka, kb, _ in kept):
            kept.append((a, b, etype))
    return sorted(kept)


def _run(forms: Sequence[str], upos: Sequence[str], head: int, lo: int, hi: int) -> tuple[int, int]:
    """The PROPN run around ``head`` within [lo, hi], over connectors, plus a number right after it."""
    ends = []
    for step in (-1, 1):
        j = head
        while True:
            k = j + step
            while lo <= k <= hi and not _name_like(forms, upos, k) and forms[k].lower() in CONNECTORS:
                k += step
            if lo <= k <= hi and _name_like(forms, upos, k):
                j = k
            else:
                break
        if step == 1 and j + 1 <= hi and upos[j + 1] == "NUM":
            j += 1
        ends.append(j)
    return ends[0], ends[1]


def _name_like(forms: Sequence[str], upos: Sequence[str], k: int) -> bool:
    """A PROPN, or a capitalised adjective/noun/verb not opening the sentence ("Catholic" Church, "Armed" Forces)."""
    return upos[k] == "PROPN" or (k > 0 and upos[k] in ("ADJ", "NOUN", "VERB") and forms[k][:1].isupper())


def _strip_title(forms: Sequence[str], upos: Sequence[str], a: int, b: int) -> int:
    """Skip leading titles ("General", "Prime Minister") while a PROPN remains after them."""
    titles = _titles()
    moved = True
    while moved:
        moved = False
        for n in (3, 2, 1):
            rest = range(a + n, b + 1)
            if tuple(forms[a : a + n]) in titles and any(upos[k] == "PROPN" for k in rest):
                a += n
                while a < b and upos[a] != "PROPN":
                    a += 1
                moved = True
                break
    return a


def align_gum(doc: GumDoc) -> AlignedDoc:
    """``doc`` as a Document (first sentence the headline, then body lines) with each word's offsets and tag."""
    return align_sentences(doc.id, [
        [(w, t, k > 0 and sent.space_after[k - 1]) for k, (w, t) in enumerate(zip(sent.words, sent.tags, strict=True))]
        for sent in doc.sentences
    ])  # fmt: skip


def evaluate_ner_gum(
    data_dir: Path,
    predict: Predictor,
    *,
    limit: int | None = None,
    predictions_dir: Path | None = None,
    batch_size: int = 4,
) -> dict[str, float]:
    """Score ``predict`` on the GUM dev documents under ``data_dir/gum``; ``{}`` when there are none."""
    docs = [align_gum(d) for d in read_split(Path(data_dir) / "gum", "dev")]
    if not docs:
        return {}
    return score_aligned(docs, predict, "ner.gum", limit=limit, predictions_dir=predictions_dir, batch_size=batch_size)
