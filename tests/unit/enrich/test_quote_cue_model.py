"""The learned cue detector: its features, its JSON form, and what it adds to the patterns (never changes them)."""

from __future__ import annotations

import pytest

from streams.enrich.quote_cue_model import CueModel, attribution_features, candidate_features, load, tokens
from streams.enrich.quote_patterns import MASK
from streams.enrich.quotes import find_attributions

#: Sentences written for these tests: verbs of stance and intent that no cue list of the patterns names.
STANCE_VERBS = [
    ("The board hailed the merger as a turning point for the company.", "hailed", "The board"),
    ("The council backed the plan to close the bridge on Sundays.", "backed", "The council"),
    ("The teachers' union attacked the minister for cutting the school budget.", "attacked", "The teachers' union"),
]


def test_candidates_are_lower_case_words_or_the_first_word() -> None:
    m = f"Then the Mayor said {MASK * 6} and 42 voters agreed."
    toks = tokens(m)
    words = [toks[i][1] for i, _ in candidate_features(toks)]
    assert words == ["Then", "the", "said", "and", "voters", "agreed"]  # no "Mayor", no quote, no number


def test_features_are_deterministic_and_see_the_neighbours() -> None:
    toks = tokens("Lee pledged to act.")
    (i, feats), *_ = [(i, f) for i, f in candidate_features(toks) if toks[i][1] == "pledged"]
    assert feats == dict(candidate_features(toks))[i]
    assert {"w=pledged", "p1=lee", "n1=to", "s3=ged", "b"} <= set(feats)


def test_probability_and_json_round_trip() -> None:
    model = CueModel("t", {"b": -4.0, "w=hailed": 8.0}, 0.5, {"b": 1.0, "spk=none": -5.0}, 0.5)
    toks = tokens("The board hailed the merger.")
    probs = {toks[i][1]: model.probability(f) for i, f in candidate_features(toks)}
    assert probs["hailed"] > 0.95 and probs["merger"] < 0.05
    assert [m for m in model.cues("The board hailed the merger.")][0][:2] == (10, 16)
    assert CueModel.from_json(model.to_json()) == model
    with_speaker = attribution_features("The board hailed it all.", (17, 23), (10, 16), (0, 9), 0.9)
    without = attribution_features("The board hailed it all.", (17, 23), (10, 16), None, 0.9)
    assert model.right(with_speaker) > 0.5 > model.right(without)
    assert CueModel("t", {}, 0.5).right(without) == 1.0  # no filter: every attribution stays


def test_a_hand_weighted_model_adds_the_attribution_the_patterns_miss() -> None:
    text = "The board hailed the merger as a turning point for the company."
    assert find_attributions(text) == []
    model = CueModel("t", {"b": -10.0, "w=hailed": 20.0}, 0.5)
    (a,) = find_attributions(text, cues=model)
    assert a.strings(text) == ("the merger as a turning point for the company", "hailed", "The board")
    assert a.learned == 1.0 and find_attributions("Lee said it rained.")[0].learned is None


def test_auxiliaries_join_the_verb_after_them() -> None:
    text = "Farmers have long opposed the new reservoir, which would flood their fields."
    model = CueModel("t", {"b": -10.0, "w=have": 20.0}, 0.5)
    (a,) = find_attributions(text, cues=model)
    assert a.strings(text) == ("the new reservoir", "have long opposed", "Farmers")


def test_a_cue_of_function_words_alone_adds_nothing() -> None:
    text = "Lee went to the market in the morning."
    assert find_attributions(text, cues=CueModel("t", {"b": -10.0, "w=to": 20.0}, 0.5)) == []


@pytest.mark.parametrize(("text", "cue", "speaker"), STANCE_VERBS)
def test_the_shipped_model_reads_stance_verbs(text: str, cue: str, speaker: str) -> None:
    assert find_attributions(text) == []
    found = [a.strings(text) for a in find_attributions(text, cues=load())]
    assert [(c, s) for _, c, s in found] == [(cue, speaker)]


def test_learned_cues_never_change_what_the_patterns_find() -> None:
    text = (
        "\u201cWe will not back down,\u201d Ng said. The union backed the strike and said the port would stay shut. "
        "Officials, who declined to comment, hailed the deal, according to a statement."
    )
    rules = find_attributions(text)
    both = find_attributions(text, cues=load())
    assert rules and all(a in both for a in rules)


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("The council backed the plan and has since left the talks.", "the plan"),
        ("The council backed the plan on Friday in a close vote.", "the plan"),
        ("The council backed the plan \u2015 just as it did last year.", "the plan"),
        ("The council backed the plan, which closes the bridge.", "the plan"),
    ],
)
def test_a_learned_content_ends_where_a_new_clause_or_a_day_begins(text: str, content: str) -> None:
    (a,) = find_attributions(text, cues=CueModel("t", {"b": -10.0, "w=backed": 20.0}, 0.5))
    assert a.strings(text)[0] == content
