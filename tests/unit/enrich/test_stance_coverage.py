"""Stance coverage and cost: which entities are read, multi-target rows, batching by length, deduplication."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from schemas.models import Entity, Mention
from streams.enrich.stages.stance import StanceStage
from streams.enrich.stance import DEFAULT_MODEL_DIR, StanceModel, StanceQuery, aggregate_stance, length_batches
from streams.enrich.stance_text import MARK_END, MARK_START, encode_sentences, encode_targets, load_tokenizer


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")


def marked(tokenizer: Any, ids: list[int], p: int) -> str:
    """The text between the start marker at ``p`` and the next end marker."""
    end = ids.index(tokenizer.token_to_id(MARK_END), p)
    return str(tokenizer.decode(ids[p + 1 : end]))


# --------------------------------------------------------------------------- several targets in one row


def test_one_row_serves_every_target_of_a_sentence(tokenizer: Any) -> None:
    s = "Ortega was praised, while Kessler was indicted; Ortega smiled."
    (rows,) = encode_sentences(tokenizer, [(s, [[(0, 6), (48, 54)], [(26, 33)]])], 96)
    assert len(rows) == 1
    (row,) = rows
    assert [k for k, _ in row.targets] == [0, 1]
    assert all(row.ids[p] == tokenizer.token_to_id(MARK_START) for _, ps in row.targets for p in ps)
    assert [len(ps) for _, ps in row.targets] == [2, 1]
    assert [marked(tokenizer, row.ids, p) for p in row.targets[1][1]] == ["kessler"]
    assert [marked(tokenizer, row.ids, p) for p in row.targets[0][1]] == ["ortega", "ortega"]


def test_a_long_sentence_gets_one_cropped_row_per_target(tokenizer: Any) -> None:
    filler = " ".join(f"word{i}" for i in range(150))
    s = f"Zelinski spoke. {filler} and Moss"
    (rows,) = encode_sentences(tokenizer, [(s, [[(0, 8)], [(len(s) - 4, len(s))]])], 96)
    assert [r.targets[0][0] for r in rows] == [0, 1] and all(len(r.ids) == 96 for r in rows)
    for r, name in zip(rows, ("zelinski", "moss"), strict=True):
        (_, (p,)), = r.targets
        assert marked(tokenizer, r.ids, p) == name


def test_a_single_target_is_encoded_as_before(tokenizer: Any) -> None:
    for s, span in (("Ann Lee spoke.", (0, 7)), (" ".join(["x"] * 200) + " Ann Lee", (400, 407))):
        (rows,) = encode_sentences(tokenizer, [(s, [[span]])], 96)
        assert rows[0].ids == encode_targets(tokenizer, [(s, [span])], 96)[0]


def test_length_batches_limit_padding_and_size() -> None:
    lengths = [10, 80, 12, 11, 82, 40, 9]
    batches = length_batches(lengths, batch_size=3)
    assert sorted(j for b in batches for j in b) == list(range(len(lengths)))
    assert all(len(b) <= 3 for b in batches)
    for b in batches:
        assert max(lengths[j] for j in b) <= 1.5 * min(lengths[j] for j in b) + 8
    assert length_batches([], 4) == []


class FakeSession:
    """A multi-target graph: records the rows it sees; the target at token 1 is negative, others positive."""

    def __init__(self) -> None:
        self.batches: list[np.ndarray] = []

    def run(self, names: Sequence[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        ids = feeds["input_ids"]
        self.batches.append(ids)
        tokens = np.zeros((*ids.shape, 3), dtype=np.float32)
        tokens[:, :, 2] = 4.0
        tokens[:, 1] = [4.0, 0.0, 0.0]
        return [tokens, np.zeros((ids.shape[0], 3), dtype=np.float32)]


def test_queries_of_one_sentence_share_one_forward_row(tokenizer: Any) -> None:
    config = {"labels": ["negative", "neutral", "positive"], "max_length": 96, "version": "fake",
              "marking": "all", "outputs": ["token_logits", "sentence_logits"]}
    session = FakeSession()
    model = StanceModel(session, tokenizer, config)  # type: ignore[arg-type]
    s = "Ortega met Kessler."
    probs = model.predict([StanceQuery(s, ((0, 6),)), StanceQuery("Lee left.", ((0, 3),)), StanceQuery(s, ((11, 18),))])
    assert sum(len(b) for b in session.batches) == 2  # two sentences, two rows, for three queries
    assert probs.argmax(axis=1).tolist() == [0, 0, 2]  # Ortega and Lee sit at token 1 of their rows


# --------------------------------------------------------------------------- aggregation


def test_a_repeated_sentence_counts_once() -> None:
    probs = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]])
    evidence = [("Lee lied.", "headline", 0, 9), ("Lee  lied.", "body", 0, 10), ("Lee won.", "body", 11, 19),
                ("Lee won again.", "body", 20, 34)]
    stance = aggregate_stance(probs, evidence)
    assert stance.polarity == "positive"  # one negative sentence against two positive ones
    assert [e.sentence for e in stance.evidence] == ["Lee won.", "Lee won again.", "Lee lied."]


# --------------------------------------------------------------------------- which entities are read


def ent(i: int, type_: str, salience: float, mentions: int) -> Entity:
    ms = [Mention(text="x", start=0, end=1, sentence=10 * i + k) for k in range(mentions)]  # own sentences
    return Entity(id=f"e{i}", name=f"n{i}", type=type_, salience=salience, mentions=ms)  # type: ignore[arg-type]


def test_persons_and_organisations_come_first_and_every_repeated_one_is_read() -> None:
    stage = StanceStage(None, ("PERSON", "ORG", "GPE"), 3, 64)  # type: ignore[arg-type]
    entities = [
        ent(1, "GPE", 0.3, 3),
        ent(2, "PERSON", 0.2, 1),
        ent(3, "ORG", 0.15, 1),
        ent(4, "MISC", 0.1, 5),
        ent(5, "PERSON", 0.05, 1),
        ent(6, "GPE", 0.04, 1),
        ent(7, "ORG", 0.03, 2),
        ent(8, "PERSON", 0.02, 4),
    ]
    assert [e.id for e in stage.chosen(entities)] == ["e2", "e3", "e5", "e7", "e8"]
    wide = StanceStage(None, ("PERSON", "ORG", "GPE"), 8, 64)  # type: ignore[arg-type]
    assert [e.id for e in wide.chosen(entities)] == ["e1", "e2", "e3", "e5", "e6", "e7", "e8"]
    off = StanceStage(None, ("PERSON",), 1, 64, min_mentions=0)  # type: ignore[arg-type]
    assert [e.id for e in off.chosen(entities)] == ["e2"]


def test_an_entity_named_only_in_sentences_read_anyway_is_covered() -> None:
    stage = StanceStage(None, ("PERSON", "ORG", "GPE"), 1, 64)  # type: ignore[arg-type]
    shared = [Mention(text="x", start=0, end=1, sentence=11)]
    entities = [ent(1, "PERSON", 0.5, 3), ent(2, "PERSON", 0.2, 1).model_copy(update={"mentions": shared}),
                ent(3, "GPE", 0.1, 1).model_copy(update={"mentions": shared}), ent(4, "ORG", 0.1, 1)]
    assert [e.id for e in stage.chosen(entities)] == ["e1", "e2"]  # e2's sentence is read for e1, e4's is not
