"""Silver labels for the NER model: names two recognisers agree on are labels, disputed names are left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from streams.enrich.document import Document
from streams.enrich.mentions import DocEntities, RawMention, Sentence

tokenizers = pytest.importorskip("tokenizers")

from streams.enrich.ner_model import DEFAULT_MODEL_DIR  # noqa: E402
from training.ner_data import IGNORE, LABELS, label_windows, silver_examples  # noqa: E402

BODY = "Ana Lima met Acme Corp in Lisbon."


@pytest.fixture(scope="module")
def tokenizer() -> object:
    tok = tokenizers.Tokenizer.from_file(str(DEFAULT_MODEL_DIR / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


@dataclass
class FixedRecognizer:
    """Finds the given (text, type) names in the body, one sentence."""

    names: Sequence[tuple[str, str]]

    def recognize(self, docs: Sequence[Document]) -> list[DocEntities]:
        out = []
        for doc in docs:
            sentence = Sentence("body", 0, 0, len(doc.body), doc.body)
            mentions = tuple(
                RawMention(t, "body", doc.body.index(t), doc.body.index(t) + len(t), 0, etype, etype)  # type: ignore[arg-type]
                for t, etype in self.names
            )
            out.append(DocEntities(doc.id, (sentence,), mentions))
        return out


def _labels_by_word(tokenizer: object, examples: list) -> dict[str, list[str]]:
    (ex,) = examples
    enc = tokenizer.encode(BODY, add_special_tokens=False)  # type: ignore[attr-defined]
    # [CLS] + sub-words + [SEP]: the window's labels line up with the encoding shifted by one
    words: dict[str, list[str]] = {}
    for (s, _), label in zip(enc.offsets, ex.labels[1:-1], strict=True):
        word = BODY[BODY.rfind(" ", 0, s) + 1 :].split(" ")[0].rstrip(".")
        words.setdefault(word, []).append("IGNORE" if label == IGNORE else LABELS[label])
    return words


def test_label_windows_ignores_the_given_spans(tokenizer: object) -> None:
    start = BODY.index("Acme")
    examples = label_windows(BODY, [(0, 8, "PER")], [(0, len(BODY))], tokenizer, 128, [(start, start + 9)])
    words = _labels_by_word(tokenizer, examples)
    assert words["Ana"] == ["B-PER"]
    assert words["Acme"] == ["IGNORE", "IGNORE"] and words["Corp"] == ["IGNORE"]
    assert words["Lisbon"] == ["O", "O"]  # "lisbon" and "."


def test_silver_keeps_agreed_names_and_leaves_disputed_ones_unlabelled(tokenizer: object) -> None:
    doc = Document("d1", "", BODY)
    spacy_like = FixedRecognizer([("Ana Lima", "PERSON"), ("Acme Corp", "ORG"), ("Lisbon", "GPE")])
    model_like = FixedRecognizer([("Ana Lima", "PERSON"), ("Acme", "GPE"), ("Lisbon", "LOC")])
    words = _labels_by_word(tokenizer, silver_examples([doc], spacy_like, tokenizer, 128, agree_with=model_like))
    assert words["Ana"] == ["B-PER"] and words["Lima"] == ["I-PER"]
    assert words["Lisbon"] == ["B-LOC", "O"]  # GPE and LOC are both LOC
    assert words["Acme"] == ["IGNORE", "IGNORE"] and words["Corp"] == ["IGNORE"]
    assert words["met"] == ["O"]


def test_silver_without_a_second_recogniser_takes_every_name(tokenizer: object) -> None:
    doc = Document("d1", "", BODY)
    spacy_like = FixedRecognizer([("Acme Corp", "ORG")])
    words = _labels_by_word(tokenizer, silver_examples([doc], spacy_like, tokenizer, 128))
    assert words["Acme"] == ["B-ORG", "I-ORG"] and words["Corp"] == ["I-ORG"]
    assert words["Ana"] == ["O"]
