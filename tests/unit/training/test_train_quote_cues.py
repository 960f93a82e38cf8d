"""The quote-cue training examples: which candidate words are positive, which added attributions are right."""

from __future__ import annotations

from streams.enrich.quote_cue_model import CueModel
from training.train_quote_cues import cue_examples, filter_examples

TEXT = "The board hailed the merger as a turning point. Lee went home."


def _row(content: tuple[int, int]) -> dict:
    attribution = {
        "cue": {"start": 10, "end": 16, "fragments": [[10, 16]]},
        "content": {"start": content[0], "end": content[1], "fragments": [list(content)]},
        "source": {"start": 0, "end": 9, "fragments": [[0, 9]]},
    }
    return {"id": "t1", "text": TEXT, "attributions": [attribution]}


def test_the_words_inside_a_gold_cue_are_the_positives() -> None:
    feats, labels = cue_examples([_row((17, 46))])
    words = [next(f for f in fs if f.startswith("w=")) for fs in feats]
    assert [w for w, y in zip(words, labels, strict=True) if y] == ["w=hailed"]
    assert len(labels) == 12  # every word but none capitalised inside a sentence


def test_an_added_attribution_is_right_when_it_overlaps_a_missed_gold_content() -> None:
    model = CueModel("t", {"b": -10.0, "w=hailed": 20.0}, 0.5)
    _, right = filter_examples([_row((17, 46))], model)
    _, wrong = filter_examples([_row((48, 61))], model)  # the gold content is elsewhere
    assert right == [1] and wrong == [0]
