"""Stance: the shipped ONNX model, target marking/cropping, aggregation and story tone."""

from __future__ import annotations

import numpy as np
import pytest

from schemas.models import Entity, EntityStance
from streams.enrich.stance import (
    DEFAULT_MODEL_DIR,
    LABELS,
    StanceModel,
    StanceQuery,
    aggregate_stance,
    story_tone,
)
from streams.enrich.stance_text import MARK_END, MARK_START, encode_targets, load_tokenizer, mark_spans


def query(sentence: str, *mentions: str) -> StanceQuery:
    """A query whose spans are the first occurrence of each mention text."""
    spans = []
    for m in mentions:
        start = sentence.index(m)
        spans.append((start, start + len(m)))
    return StanceQuery(sentence=sentence, spans=tuple(spans))


@pytest.fixture(scope="module")
def model() -> StanceModel:
    return StanceModel.load(threads=1)


# --------------------------------------------------------------------------- shipped model


def test_shipped_model_files_are_in_the_package() -> None:
    for name in ("model.onnx", "tokenizer.json", "config.json", "TRAINING.md"):
        assert (DEFAULT_MODEL_DIR / name).is_file(), name
    assert (DEFAULT_MODEL_DIR / "model.onnx").stat().st_size < 30_000_000


def test_predict_returns_probabilities(model: StanceModel) -> None:
    probs = model.predict(
        [query("The senator met the mayor on Monday.", "senator"), query("Ann Lee spoke.", "Ann Lee")]
    )
    assert probs.shape == (2, 3)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert model.version


def test_predict_nothing(model: StanceModel) -> None:
    assert model.predict([]).shape == (0, 3)


def test_query_without_a_span_in_the_sentence_is_rejected(model: StanceModel) -> None:
    with pytest.raises(ValueError):
        model.predict([StanceQuery("Short.", ((40, 45),))])


@pytest.mark.parametrize(
    ("sentence", "target", "expected"),
    [
        (
            "Critics slammed Senator Harlow for corruption, calling him a liar who betrayed his voters.",
            "Senator Harlow",
            "negative",
        ),
        (
            "Residents praised Governor Alvarez for her courageous and compassionate leadership during the flood.",
            "Governor Alvarez",
            "positive",
        ),
        ("Mayor Brandt will hold a press conference at city hall on Tuesday at 10 a.m.", "Mayor Brandt", "neutral"),
    ],
)
def test_clear_sentences(model: StanceModel, sentence: str, target: str, expected: str) -> None:
    probs = model.predict([query(sentence, target)])[0]
    assert LABELS[int(probs.argmax())] == expected, probs


@pytest.mark.parametrize(
    "sentence",
    [
        "Ortega was praised for his honesty and courage, while Kessler was indicted for fraud and bribery.",
        "Kessler was indicted for fraud and bribery, while Ortega was praised for his honesty and courage.",
        "While Kessler lied to voters, Ortega bravely told the truth.",
    ],
)
def test_two_targets_with_opposite_stance_in_one_sentence(model: StanceModel, sentence: str) -> None:
    probs = model.predict([query(sentence, "Ortega"), query(sentence, "Kessler")])
    assert LABELS[int(probs[0].argmax())] == "positive", probs
    assert LABELS[int(probs[1].argmax())] == "negative", probs


def test_results_come_back_in_query_order(model: StanceModel) -> None:
    queries = [
        query("Critics slammed Senator Harlow for corruption.", "Senator Harlow"),
        query("Ann Lee, who has led the charity for a decade and won several awards for it, retired.", "Ann Lee"),
        query("Lee spoke.", "Lee"),
    ]
    forward = model.predict(queries)
    assert np.allclose(forward, model.predict(queries[::-1])[::-1], atol=1e-6)
    # int8 dynamic quantization scales activations per batch, so batch mates move probabilities slightly
    alone = np.vstack([model.predict([q]) for q in queries])
    assert np.allclose(forward, alone, atol=0.05)
    assert (forward.argmax(axis=1) == alone.argmax(axis=1)).all()


# --------------------------------------------------------------------------- marking and cropping


def test_mark_spans_merges_overlaps_and_tracks_the_primary_span() -> None:
    text, primary = mark_spans("Ann Lee met Bo.", [(12, 14), (0, 7), (4, 7)])
    assert text == f"{MARK_START}Ann Lee{MARK_END} met {MARK_START}Bo{MARK_END}."
    assert primary == 1


def test_cropping_keeps_the_target() -> None:
    tokenizer = load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")
    filler = " ".join(f"word{i}" for i in range(150))
    for sentence in (f"Zelinski spoke. {filler}", f"{filler} Zelinski spoke. {filler}", f"{filler} and Zelinski"):
        start = sentence.index("Zelinski")
        ids = encode_targets(tokenizer, [(sentence, [(start, start + 8)])], 96)[0]
        assert len(ids) == 96
        text = tokenizer.decode(ids, skip_special_tokens=False)
        assert f"{MARK_START} zelinski {MARK_END}" in text, text
        assert text.startswith("[CLS]") and text.endswith("[SEP]")


def test_short_sentences_are_not_cropped() -> None:
    tokenizer = load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")
    ids = encode_targets(tokenizer, [("Ann Lee spoke.", [(0, 7)])], 96)[0]
    assert tokenizer.decode(ids, skip_special_tokens=False) == f"[CLS] {MARK_START} ann lee {MARK_END} spoke. [SEP]"


# --------------------------------------------------------------------------- aggregation and tone


def evidence(k: int) -> list[tuple[str, str, int, int]]:
    return [(f"sentence {i}", "body", 10 * i, 10 * i + 9) for i in range(k)]


def test_aggregate_picks_the_dominant_polarity_and_orders_evidence() -> None:
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.7, 0.1]])
    stance = aggregate_stance(probs, evidence(5))
    assert stance.polarity == "negative"
    assert [e.sentence for e in stance.evidence] == ["sentence 0", "sentence 2", "sentence 3"]
    assert stance.evidence[0].polarity == "negative" and stance.evidence[0].confidence == pytest.approx(0.8)
    assert sum(stance.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert stance.confidence == pytest.approx(stance.scores["negative"])


def test_aggregate_weights_confident_sentences_more() -> None:
    # the plain mean is neutral (0.38); the one confident positive sentence outweighs four hesitant ones
    probs = np.array([[0.0, 0.1, 0.9]] + [[0.4, 0.45, 0.15]] * 4)
    plain = probs.mean(axis=0)
    assert LABELS[int(plain.argmax())] == "neutral"
    stance = aggregate_stance(probs, evidence(5))
    assert stance.polarity == "positive"
    assert stance.scores["positive"] > plain[2]


def test_aggregate_single_sentence() -> None:
    stance = aggregate_stance(np.array([[0.1, 0.3, 0.6]]), evidence(1))
    assert stance.polarity == "positive" and stance.confidence == pytest.approx(0.6)
    assert stance.evidence[0].start == 0 and stance.evidence[0].end == 9


def test_aggregate_rejects_mismatched_evidence() -> None:
    with pytest.raises(ValueError):
        aggregate_stance(np.array([[0.1, 0.3, 0.6]]), evidence(2))
    with pytest.raises(ValueError):
        aggregate_stance(np.zeros((0, 3)), [])


def entity(name: str, salience: float, scores: tuple[float, float, float] | None) -> Entity:
    stance = None
    if scores is not None:
        polarity = LABELS[int(np.argmax(scores))]
        stance = EntityStance(polarity=polarity, confidence=max(scores), scores=dict(zip(LABELS, scores, strict=True)))
    return Entity(id=name, name=name, type="PERSON", salience=salience, mentions=[], stance=stance)


def test_tone_without_stance_is_neutral_with_no_confidence() -> None:
    for entities in ([], [entity("a", 0.5, None)]):
        tone = story_tone(entities)
        assert tone.polarity == "neutral" and tone.confidence == 0.0 and tone.score == 0.0


def test_tone_follows_the_salient_entity() -> None:
    entities = [entity("a", 0.8, (0.1, 0.2, 0.7)), entity("b", 0.1, (0.9, 0.05, 0.05)), entity("c", 0.1, None)]
    tone = story_tone(entities)
    assert tone.polarity == "positive"
    expected = (0.8 * 0.7 + 0.1 * 0.05 - 0.8 * 0.1 - 0.1 * 0.9) / 0.9
    assert tone.score == pytest.approx(expected, abs=1e-3)
    flipped = story_tone([entity("a", 0.1, (0.1, 0.2, 0.7)), entity("b", 0.8, (0.9, 0.05, 0.05))])
    assert flipped.polarity == "negative" and flipped.score < 0


def test_tone_with_zero_salience_weights_entities_equally() -> None:
    tone = story_tone([entity("a", 0.0, (0.6, 0.3, 0.1)), entity("b", 0.0, (0.2, 0.3, 0.5))])
    assert tone.polarity == "negative"
    assert tone.score == pytest.approx(-0.1, abs=1e-3)
