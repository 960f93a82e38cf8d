"""The ONNX NER recogniser's pure parts: word shapes, window packing, BIO decoding, and the whole path with a
stand-in for the model (no weights needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordPiece

from streams.enrich.document import Document
from streams.enrich.ner_model import (
    DIGIT,
    LOWER,
    MIXED,
    PUNCT,
    TITLE,
    UPPER,
    OnnxEntityRecognizer,
    decode,
    pack,
    special_ids,
    word_shape,
)

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
WORDS = ["anna", "berg", "met", "the", "board", "of", "norvale", "bank", "in", "dunmore", "on", "monday", ".", "##s", "'s"]


def _tokenizer(specials: tuple[str, ...] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")) -> Tokenizer:
    vocab = {w: i for i, w in enumerate([*specials, *WORDS])}
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tok


@pytest.mark.parametrize(
    ("word", "shape"),
    [("anna", LOWER), ("Anna", TITLE), ("NATO", UPPER), ("McBride", MIXED), ("A", TITLE), ("G7", DIGIT), (".", PUNCT)],
)
def test_word_shape(word: str, shape: int) -> None:
    assert word_shape(word) == shape


def test_pack_keeps_sentences_whole_and_offsets_into_the_text() -> None:
    text = "Anna Berg met the board.\nNorvale Bank in Dunmore."
    spans = [(0, 24), (25, len(text))]
    one = pack(_tokenizer(), text, spans, max_length=64)
    assert len(one) == 1 and one[0].ids[0] == 2 and one[0].ids[-1] == 3
    assert [text[s:e] for s, e in one[0].offsets[1:3]] == ["Anna", "Berg"]
    assert one[0].shapes[1:3] == [TITLE, TITLE]
    two = pack(_tokenizer(), text, spans, max_length=9)  # 7 sub-words of room: one sentence a window
    assert len(two) == 2 and text[slice(*two[1].offsets[1])] == "Norvale"


def test_special_ids_prefer_the_sequence_marks_an_mpnet_vocabulary_was_trained_with() -> None:
    assert special_ids(_tokenizer()) == (2, 3)
    mpnet_like = _tokenizer(("<s>", "<pad>", "</s>", "[UNK]", "[PAD]", "[CLS]", "[SEP]"))  # [CLS] is there, unused
    assert special_ids(mpnet_like) == (0, 2)
    window = pack(mpnet_like, "Anna Berg met the board.", [(0, 24)], max_length=64)[0]
    assert (window.ids[0], window.ids[-1]) == (0, 2)


def test_decode_is_lenient_and_snaps_to_words() -> None:
    text = "Anna Berg met Norvale Bank"
    offsets = [(0, 0), (0, 4), (5, 9), (10, 13), (14, 17), (17, 21), (22, 26), (0, 0)]
    labels = ["O", "B-PER", "I-PER", "O", "I-ORG", "I-ORG", "I-ORG", "O"]  # an I- after O opens a name
    assert decode(labels, offsets, text) == [(0, 9, "PER"), (14, 26, "ORG")]
    assert decode(["O", "O", "O", "O", "O", "B-LOC", "O", "O"], offsets, text) == [(14, 21, "LOC")]


def test_recognizer_with_a_stand_in_model(tmp_path: Path) -> None:
    _tokenizer().save(str(tmp_path / "tokenizer.json"))
    (tmp_path / "config.json").write_text(json.dumps({"labels": LABELS, "max_length": 32, "version": "test-1"}))

    def run(ids: np.ndarray, mask: np.ndarray, shapes: np.ndarray) -> np.ndarray:
        """Capitalised words are people, all the more when they follow one (B then I)."""
        logits = np.zeros((*ids.shape, len(LABELS)), dtype=np.float32)
        title = shapes == TITLE
        after = np.zeros_like(title)
        after[:, 1:] = title[:, :-1]
        logits[..., 0] = 1.0
        logits[..., 1] = np.where(title & ~after, 2.0, 0.0)
        logits[..., 2] = np.where(title & after, 2.0, 0.0)
        return logits

    rec = OnnxEntityRecognizer(tmp_path, rules=False, run=run)
    assert rec.version == "test-1"
    doc = Document("d", "", "Yesterday anna met Anna Berg's board.\nThe board met in Dunmore.", "en")
    (result,) = rec.recognize([doc])
    found = [(m.text, m.type, m.sentence) for m in result.mentions]
    assert ("Anna Berg", "PERSON", 0) in found and ("Dunmore", "PERSON", 1) in found
    assert [s.text for s in result.sentences] == ["Yesterday anna met Anna Berg's board.", "The board met in Dunmore."]
    for m in result.mentions:
        assert doc.body[m.start : m.end] == m.text


def test_the_stage_builds_the_configured_recognizer(tmp_path: Path) -> None:
    from streams.enrich.config import EnrichConfig
    from streams.enrich.stages.entities import build

    with pytest.raises(ValueError, match="ner_recognizer"):
        build(EnrichConfig(ner_recognizer="crystal-ball"))
    with pytest.raises(FileNotFoundError):
        build(EnrichConfig(ner_recognizer="model", ner_model_dir=tmp_path))
    assert build(EnrichConfig(ner_recognizer="spacy")).version.startswith("spacy-")
