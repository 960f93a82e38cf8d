"""``linking.gum``: GeoNames linking of the named places of GUM's dev documents.

Reads ``<data-dir>/gum`` (``splits.md`` + ``dep/<doc>.conllu``; any folder of that layout). The gold items are the
place mentions whose head token is a proper noun (``PROPN``) and whose GUM identity is a Wikipedia title. They
are given to the linker as the story's place entities (mentions of one surface form together, the NER left out),
with the document text, so the score measures linking alone.

* ``linking.gum.coverage``: share of gold mentions linked;
* ``linking.gum.precision``: share of linked mentions whose GeoNames entry is the titled place: the title (or its
  part before a comma / parenthesis) is one of the entry's names, and a qualifier that names a country or US
  state ("Portland, Oregon", "Victoria (Australia)") agrees with the entry's.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from schemas.models import Entity, Mention
from streams.enrich.linking.gazetteer import Gazetteer, Place
from streams.enrich.linking.linker import Linker
from streams.enrich.linking.names import norm
from streams.eval.ner_gum import gum_mentions


@dataclass(frozen=True, slots=True)
class GoldPlace:
    """One named place mention of a GUM document: its text, offsets in the rebuilt text and Wikipedia title."""

    doc: str
    text: str
    start: int
    end: int
    title: str


def dev_documents(gum_dir: Path) -> list[str]:
    """Document names of the ``## dev`` section of ``splits.md``."""
    names: list[str] = []
    section = None
    for line in (gum_dir / "splits.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif section == "dev" and line.strip().startswith("*"):
            names.append(line.strip().lstrip("*").strip())
    return names


def read_document(path: Path) -> tuple[str, list[GoldPlace]]:
    """The text of a CoNLL-U document (tokens joined as written) and its gold named places."""
    text_parts: list[str] = []
    pos = 0
    golds: list[GoldPlace] = []
    doc = path.stem
    sentence: list[list[str]] = []

    def flush() -> None:
        nonlocal pos
        offsets: dict[str, tuple[int, int]] = {}
        for cols in sentence:
            form = cols[1]
            offsets[cols[0]] = (pos, pos + len(form))
            text_parts.append(form)
            pos += len(form)
            if "SpaceAfter=No" not in cols[9]:
                text_parts.append(" ")
                pos += 1
        text_parts.append("\n")
        pos += 1
        golds.extend(_sentence_places(doc, sentence, offsets, "".join(text_parts)))
        sentence.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if sentence:
                flush()
        elif not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) == 10 and cols[0].isdigit():
                sentence.append(cols)
    if sentence:
        flush()
    return "".join(text_parts), golds


def _sentence_places(
    doc: str, sentence: list[list[str]], offsets: dict[str, tuple[int, int]], text: str
) -> Iterator[GoldPlace]:
    spans = gum_mentions(sentence)
    for fields, first, last in spans:
        parts = fields.split("-")
        if parts[0] != "place" or len(parts) < 7 or not parts[6]:
            continue
        ids = {sentence[k][0] for k in range(first, last + 1)}
        heads = [sentence[k] for k in range(first, last + 1) if sentence[k][6] not in ids]
        if not heads or heads[0][3] != "PROPN":
            continue
        start, end = offsets[sentence[first][0]][0], offsets[sentence[last][0]][1]
        yield GoldPlace(doc, text[start:end], start, end, unquote("-".join(parts[6:])).replace("_", " "))


def is_same_place(title: str, place: Place, gazetteer: Gazetteer, linker: Linker) -> bool:
    """Whether the GeoNames entry ``place`` is the place the Wikipedia ``title`` names (see the module doc)."""
    names = gazetteer.names_of(place.uri) | {norm(place.name)}
    if norm(title) in names:
        return True
    qualifier = None
    base = title
    if m := re.match(r"^(.*?)\s*\((.+)\)$", title):
        base, qualifier = m.group(1), m.group(2)
    elif "," in title:
        base, qualifier = (s.strip() for s in title.split(",", 1))
    if norm(base) not in names:
        return False
    codes = linker._codes(qualifier) if qualifier else set()
    return not codes or place.country in codes or place.admin1 in codes


def evaluate_linking(
    data_dir: Path, linker: Linker, limit: int | None = None, predictions_dir: Path | None = None
) -> dict[str, float]:
    """Score ``linker`` on ``<data_dir>/gum`` dev; ``limit`` caps the documents."""
    gum = Path(data_dir) / "gum"
    docs = [d for d in dev_documents(gum) if (gum / "dep" / f"{d}.conllu").is_file()][: limit or None]
    total = linked = correct = 0
    rows: list[dict[str, object]] = []
    for name in docs:
        text, golds = read_document(gum / "dep" / f"{name}.conllu")
        groups: dict[str, list[GoldPlace]] = defaultdict(list)
        for g in golds:
            groups[norm(g.text)].append(g)
        entities = [
            Entity(
                id=f"e{i}", name=members[0].text, type="GPE", salience=0.0,
                mentions=[Mention(text=g.text, start=g.start, end=g.end, sentence=0) for g in members],
            )  # fmt: skip
            for i, members in enumerate(groups.values(), start=1)
        ]
        # by span, not start: a nested place ("Manila" in "Manila Bay") starts where its container does
        result = {(m.start, m.end): e for e in linker.link(entities, text) for m in e.mentions}
        for g in golds:
            entity = result.get((g.start, g.end))
            link = entity.link if entity is not None else None
            place = linker.gaz.place_by_uri(link.uri) if link is not None and link.uri else None
            ok = place is not None and is_same_place(g.title, place, linker.gaz, linker)
            total += 1
            linked += place is not None
            correct += ok
            rows.append(
                {"doc": g.doc, "text": g.text, "title": g.title, "linked": place.uri if place else None,
                 "linked_name": place.name if place else None, "correct": ok, "unlinked": link.unlinked if link else None}
            )  # fmt: skip
    if predictions_dir is not None:
        predictions_dir.mkdir(parents=True, exist_ok=True)
        with (predictions_dir / "linking_gum.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if not total:
        return {}
    return {
        "linking.gum.precision": round(correct / linked, 4) if linked else 0.0,
        "linking.gum.coverage": round(linked / total, 4),
        "linking.gum.mentions": float(total),
    }
