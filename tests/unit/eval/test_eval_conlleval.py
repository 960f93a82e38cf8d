"""conlleval-style chunking and scoring, and the CoNLL reader/aligner, on tiny synthetic examples."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from streams.enrich.document import Document
from streams.eval.conlleval import count, iob_chunks
from streams.eval.ner import align, evaluate_ner, read_conll, snap


@pytest.mark.parametrize(
    ("tags", "chunks"),
    [
        (["I-PER", "I-PER", "O", "I-LOC"], [(0, 2, "PER"), (3, 4, "LOC")]),
        (["I-PER", "B-PER", "O"], [(0, 1, "PER"), (1, 2, "PER")]),  # IOB1: B- only between same-type chunks
        (["I-ORG", "I-LOC"], [(0, 1, "ORG"), (1, 2, "LOC")]),
        (["B-MISC", "I-MISC", "I-MISC"], [(0, 3, "MISC")]),  # IOB2 reads the same
        (["O", "O"], []),
        ([], []),
    ],
)
def test_iob_chunks(tags: list[str], chunks: list[tuple[int, int, str]]) -> None:
    assert iob_chunks(tags) == chunks


def test_counts_exact_match_only() -> None:
    gold = [("d", (0, 2, "PER")), ("d", (3, 4, "LOC")), ("e", (0, 1, "ORG"))]
    pred = [("d", (0, 2, "PER")), ("d", (3, 5, "LOC")), ("e", (0, 1, "LOC"))]
    c = count(gold, pred)
    assert (c.correct, c.predicted, c.gold) == (1, 3, 3)
    assert c.precision == pytest.approx(1 / 3) and c.recall == pytest.approx(1 / 3) and c.f1 == pytest.approx(1 / 3)
    per = count(gold, pred, ("PER",))
    assert per.f1 == 1.0
    assert count([], [], ("ORG",)).f1 == 0.0


SAMPLE = """-DOCSTART- -X- O O

RIVERTON WINS CUP NNP I-NP I-ORG
-DOCSTART- -X- O O

Anna NNP I-NP I-PER
Berg NNP I-NP I-PER
visited VBD I-VP O
Oslo NNP I-NP I-LOC
. . O O

She PRP I-NP O
met VBD I-VP O
Acme NNP I-NP I-ORG
Corp NNP I-NP I-ORG
. . O O
"""


def conll_file(tmp_path: Path) -> Path:
    path = tmp_path / "conll2003" / "dev.conll"
    path.parent.mkdir(parents=True)
    path.write_text(SAMPLE.replace("RIVERTON WINS CUP NNP I-NP I-ORG", "Riverton NNP I-NP I-ORG\nwins VBZ I-VP O"))
    return path


def test_read_and_align(tmp_path: Path) -> None:
    docs = read_conll(conll_file(tmp_path))
    assert [d.id for d in docs] == ["conll-0000", "conll-0001"]
    aligned = align(docs[1])
    assert aligned.document.headline == "Anna Berg visited Oslo ."
    assert aligned.document.body == "She met Acme Corp ."
    field, s, e = aligned.tokens[3]
    assert (field, aligned.document.headline[s:e]) == ("headline", "Oslo")
    assert snap(aligned, [("body", 8, 17, "ORG"), ("headline", 0, 4, "PERSON"), ("headline", 18, 22, "GPE")]) == [
        (0, 1, "PER"), (3, 4, "LOC"), (7, 9, "ORG")]


def test_evaluate_ner_end_to_end_with_a_fake_predictor(tmp_path: Path) -> None:
    conll_file(tmp_path)

    def predict(docs: Sequence[Document]) -> list[list[tuple[str, int, int, str]]]:
        out = []
        for d in docs:
            spans = []
            if "Anna Berg" in d.headline:
                spans += [("headline", 0, 9, "PERSON"), ("headline", 18, 22, "ORG")]  # Oslo typed wrong
                spans.append(("body", d.body.index("Acme"), d.body.index("Acme") + 9, "ORG"))
            out.append(spans)
        return out

    preds = tmp_path / "preds"
    report = evaluate_ner(tmp_path, predict, predictions_dir=preds)
    # gold: Riverton ORG, Anna Berg PER, Oslo LOC, Acme Corp ORG; predicted: PER ok, ORG(Oslo) wrong, Acme ok
    assert report["ner.conll.per_type.PER.f1"] == 1.0
    assert report["ner.conll.per_type.LOC.recall"] == 0.0
    assert report["ner.conll.per_type.ORG.precision"] == 0.5
    assert report["ner.conll.per_type.ORG.recall"] == 0.5
    assert report["ner.conll.f1_per_org_loc"] == pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))
    assert report["ner.conll.f1_all"] == report["ner.conll.f1_per_org_loc"]  # no MISC here
    lines = (preds / "ner.jsonl").read_text().splitlines()
    assert len(lines) == 2 and '"conll-0001"' in lines[1]
