"""Patterns of quotes-rules-7 (sentences written for these tests): a colon before the speaker does not make the
clause before it the content; noun cues after ``initial``/``recent``; the rest after an inverted speaker skips its
apposition; a content ends before a ``though``-clause with its own cue, before where and when it was said, and
before ``, where …`` / ``, using …``; ``X said, and “Q”`` keeps the quotation; a headline-case cue is a cue; the
whole phrase between a quote and its cue is the speaker; a fronted ``As X said that A, …`` ends at its comma; a
content ends before ``, Lee said …``; cue words in another sense (``found itself``, ``showed up``, ``all 50
states``) are no cues; an object cue's content is its object alone (``endorsed Lee at a rally``); a wire
dateline (``LAKEPORT, Ore. (Wire) -``) neither splits the first sentence nor hides its subject; and no text makes the
patterns raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.enrich.quote_cue_model import load
from streams.enrich.quotes import find_attributions


def strings(text: str) -> list[tuple[str, str, str | None]]:
    return [a.strings(text) for a in find_attributions(text)]


def test_colon_before_the_speaker_reads_forward() -> None:
    text = "The vote split the chamber on Friday: farmers said the new levy would ruin them."
    assert strings(text) == [("the new levy would ruin them", "said", "farmers")]


def test_colon_after_a_quote_still_reads_backward() -> None:
    text = "“We will rebuild,” the mayor said."
    assert strings(text) == [("“We will rebuild,”", "said", "the mayor")]


@pytest.mark.parametrize("adjective", ["initial", "recent", "conflicting", "unconfirmed"])
def test_a_cue_after_an_adjective_is_a_noun(adjective: str) -> None:
    text = f"Following {adjective} reports of the flood, the governor said the dam had held."
    assert strings(text) == [("the dam had held", "said", "the governor")]


def test_rest_after_an_inverted_speaker_skips_the_apposition() -> None:
    text = "The harbor, said Mira Tal, a historian at the port museum, was built by convicts in 1840."
    (a,) = find_attributions(text)
    assert a.strings(text)[1:] == ("said", "Mira Tal")
    assert a.content(text) == "The harbor was built by convicts in 1840"


def test_apposition_alone_after_an_inverted_speaker_is_not_content() -> None:
    text = "The ferry will stop running, says Ole Brandt, founder and chief executive of the Lakeport line."
    (a,) = find_attributions(text)
    assert a.content(text) == "The ferry will stop running"


@pytest.mark.parametrize("conj", ["though", "although", "while"])
def test_content_ends_before_a_subordinate_attribution(conj: str) -> None:
    text = f"Ms. Ruiz said the mill would close in March, {conj} she noted that the union was still talking."
    assert strings(text) == [
        ("the mill would close in March", "said", "Ms. Ruiz"),
        ("that the union was still talking", "noted", "she"),
    ]


@pytest.mark.parametrize(
    "venue", ["in a statement on Thursday", "in an interview", "on Twitter", "on Monday", "during a news conference"]
)
def test_content_ends_before_where_and_when_it_was_said(venue: str) -> None:
    text = f"The teachers' union called for more school investment {venue}."
    assert strings(text) == [("more school investment", "called for", "The teachers' union")]


@pytest.mark.parametrize(
    "tail", ["where 18 electoral votes are at stake", "using an average of the five latest surveys"]
)
def test_content_ends_before_where_and_using(tail: str) -> None:
    text = f"Polls show a close contest in the state, {tail}."
    assert strings(text) == [("a close contest in the state", "show", "Polls")]


def test_quotation_after_said_and_is_the_rest() -> None:
    text = "Most of the riders were students, she said, and “nobody had ever asked them.”"
    (a,) = find_attributions(text)
    assert a.content(text) == "Most of the riders were students and “nobody had ever asked them.”"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Harbor Could Reopen by Spring, Port Chief Says",
            ("Harbor Could Reopen by Spring", "Says", "Port Chief"),
        ),
        (
            "Mayor Says Flood Defenses Will Hold Through Winter",
            ("Flood Defenses Will Hold Through Winter", "Says", "Mayor"),
        ),
    ],
)
def test_headline_case_cue_is_a_cue(text: str, expected: tuple[str, str, str]) -> None:
    assert strings(text) == [expected]


def test_capitalised_cue_inside_a_sentence_is_still_a_name() -> None:
    text = "She watched Fox News Reports every night before the vote."
    assert strings(text) == []


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“So why did he not pay?” a narrator in the campaign ad asks.", "a narrator in the campaign ad"),
        ("“We will win,” the head of the union at the plant said.", "the head of the union at the plant"),
        ("“We will win,” Harris said.", "Harris"),
    ],
)
def test_the_whole_phrase_between_quote_and_cue_is_the_speaker(text: str, speaker: str) -> None:
    (a,) = find_attributions(text)
    assert a.strings(text)[2] == speaker


_SEPARATORS = st.sampled_from(["", " ", "  ", ", ", ",", " \n", "\n\n", " \u2014 ", ": ", ". ", "? "])
_WORDS = st.lists(st.sampled_from(["the", "a", "Harris", "Lakeport Council", "and", "that", "in", "rain", "on Friday"]),
                  max_size=5).map(" ".join)  # fmt: skip
_QUOTES = st.sampled_from(["\u201cIt will rain,\u201d", "''We won.''", '"No."', "\u201c", "\u201d", '"', "''", "(", ")"])
_CUES = st.sampled_from(["said", "Says", "told", "according to", "agreed to", "asked"])
_TEXTS = st.lists(st.one_of(_SEPARATORS, _WORDS, _QUOTES, _CUES), max_size=14).map("".join)


@settings(max_examples=500, deadline=None)
@given(_TEXTS)
def test_any_text_gives_attributions_inside_it(text: str) -> None:
    """Whatever the punctuation, quote marks, spacing and cue words, the patterns and the learned cues never raise
    and every span lies inside the text."""
    for a in find_attributions(text, cues=load()):
        for s, e in (*a.fragments, a.cue, *([a.speaker] if a.speaker else [])):
            assert 0 <= s <= e <= len(text)


@pytest.mark.parametrize("lead", ["Even as", "While", "Although", "When", "After"])
def test_a_fronted_subordinate_attribution_ends_at_its_comma(lead: str) -> None:
    text = f"{lead} the mayor said that the ferry would run, the council voted to sell it."
    (a,) = find_attributions(text)
    assert a.strings(text) == ("that the ferry would run", "said", "the mayor")


def test_content_ends_before_a_new_speakers_clause_after_a_comma() -> None:
    text = "Most riders said the ferry was late, the mayor said it was early."
    assert strings(text) == [("the ferry was late", "said", "Most riders"), ("it was early", "said", "the mayor")]


@pytest.mark.parametrize(
    "text",
    [
        "Eventually the bank found itself at the center of the crisis.",
        "The minister showed up at the harbor after the storm had passed.",
        "Ben Ode, a labor economist at a liberal think tank, was not at the meeting.",
        "The port added 2,000 jobs in December while the mill closed.",
        "The union added to its lead in the count on Sunday.",
        "Across all 50 states, turnout rose by a third in the spring vote.",
        "The mayor did well in some states that held early votes.",
    ],
)
def test_a_cue_word_in_another_sense_is_no_cue(text: str) -> None:
    assert strings(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Ode endorsed Ms. Lund at a rally in the port on Sunday.", ("Ms. Lund", "endorsed", "Mr. Ode")),
        ("The union endorsed her early, before the primary.", ("her", "endorsed", "The union")),
        ("The mayor praised the volunteers during a visit to the shelter.", ("the volunteers", "praised", "The mayor")),
    ],
)
def test_an_object_cues_content_is_its_object(text: str, expected: tuple[str, str, str]) -> None:
    assert strings(text) == [expected]


def test_a_dateline_does_not_split_the_first_sentence() -> None:
    text = "LAKEPORT, Ore. (Wire) - The mayor toured the flooded docks on Thursday and said the ferry would run again."
    assert strings(text) == [("the ferry would run again", "said", "The mayor")]
