"""Split quotations, lead-ins, dash attributions, appositions and coordinated reported speech (sentences written
for these tests)."""

from __future__ import annotations

import pytest

from streams.enrich.quotes import find_attributions


def _all(text: str) -> list[tuple[str, str, str | None]]:
    return [a.strings(text) for a in find_attributions(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a quote split by its attribution, resumed after a participial aside or "but"
        (
            "\u201cEvery year we wait,\u201d Ng said, pointing to the map, \u201cthe sea comes closer.\u201d",
            [("\u201cEvery year we wait,\u201d \u201cthe sea comes closer.\u201d", "said", "Ng")],
        ),
        (
            "\u201cI like the mayor,\u201d she said, but \u201che has no plan for the harbour.\u201d",
            [("\u201cI like the mayor,\u201d \u201che has no plan for the harbour.\u201d", "said", "she")],
        ),
        # ... but a participle cue before the resumed quote is an attribution of its own
        (
            "\u201cWe cannot pay for this,\u201d Ng said, adding later, \u201cNobody can.\u201d",
            [("\u201cWe cannot pay for this,\u201d", "said", "Ng"), ("\u201cNobody can.\u201d", "adding", "Ng")],
        ),
        # a legislator's party label and initials do not break the speaker or the following sentence
        (
            "\u201cThis is a sad day,\u201d said Rep. A.B. Smith (D-N.C.), head of the caucus. \u201cHe knew. He hid it.\u201d",
            [("\u201cThis is a sad day,\u201d \u201cHe knew. He hid it.\u201d", "said", "Rep. A.B. Smith")],
        ),
        (
            "\u201cThe vote is rigged,\u201d Sen. Jo Park (R-Utah) said Friday.",
            [("\u201cThe vote is rigged,\u201d", "said", "Sen. Jo Park")],
        ),
        # a lead-in before the quote is not part of the content
        (
            "As for the budget, \u201cwe will cut nothing,\u201d said the treasurer.",
            [("\u201cwe will cut nothing,\u201d", "said", "the treasurer")],
        ),
        (
            "Ng told the host, \u201cWe will cut nothing.\u201d",
            [("\u201cWe will cut nothing.\u201d", "told", "Ng")],
        ),
        # but a mixed quote keeps its reported clause
        (
            "Ng said the budget was \u201ca disaster\u201d for schools.",
            [("the budget was \u201ca disaster\u201d for schools", "said", "Ng")],
        ),
        # a vox-pop line: quote, horizontal bar or em dash, name
        (
            "\u201cHe never listens to us.\u201d \u2015 Maria T. Lopez",
            [("\u201cHe never listens to us.\u201d", "\u2015", "Maria T. Lopez")],
        ),
        (
            "\u201cThe buses are always late.\u201d \u2014 Tom Berg, a nurse",
            [("\u201cThe buses are always late.\u201d", "\u2014", "Tom Berg")],
        ),
        # a participle right before a quote, listed or set off by commas
        (
            "Ng mocked the plan on Sunday, tweeting, \u201cNo bridge, no vote.\u201d",
            [("\u201cNo bridge, no vote.\u201d", "tweeting", "Ng")],
        ),
        # a lower-case speaker after an inverted cue
        (
            "\u201cThey have no plan at all,\u201d said one Democratic aide.",
            [("\u201cThey have no plan at all,\u201d", "said", "one Democratic aide")],
        ),
    ],
)
def test_direct_pattern(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert _all(text) == expected


def test_participle_right_before_a_quote_takes_the_name_before_it() -> None:
    text = "The video shows Ng asking, \u201cWhere did the money go?\u201d"
    ((content, cue, speaker),) = _all(text)
    assert (content, cue) == ("\u201cWhere did the money go?\u201d", "asking") and speaker and speaker.endswith("Ng")


def test_paragraph_ending_in_a_colon_attributes_the_next_quote_paragraph() -> None:
    text = (
        "The council met late.\n\nThe chairman continued:\n\n\u201cWe will not sell the harbour. Not this year.\u201d"
    )
    assert _all(text) == [("\u201cWe will not sell the harbour. Not this year.\u201d", "continued", "The chairman")]


def test_a_quote_paragraph_after_an_attributed_quote_stays_separate() -> None:
    text = "\u201cWe are ready,\u201d Ng said.\n\n\u201cWe were always ready.\u201d"
    assert _all(text) == [("\u201cWe are ready,\u201d", "said", "Ng")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an attribution interrupting reported speech: both parts are the content
        (
            "Rates fell sharply, Ng said, and the bank would cut again.",
            [("Rates fell sharply and the bank would cut again", "said", "Ng")],
        ),
        # a subject set off by an apposition before a preposed cue
        ("Ng, a former aide, said the bank would cut again.", [("the bank would cut again", "said", "Ng")]),
        (
            "In a statement, one of the lawyers, Sam Ng, said the videos showed the car.",
            [("the videos showed the car", "said", "Sam Ng")],
        ),
        # coordinated attributions each get their own content
        (
            "The mayor announced a new budget and said the curfew would continue through the weekend.",
            [
                ("a new budget", "announced", "The mayor"),
                ("the curfew would continue through the weekend", "said", "The mayor"),
            ],
        ),
        (
            "Ng said the talks would resume soon \u2014 and she noted that the union had agreed.",
            [("the talks would resume soon", "said", "Ng"), ("that the union had agreed", "noted", "she")],
        ),
        (
            "Ng said the talks had failed; the union blamed the port.",
            [("the talks had failed", "said", "Ng")],
        ),
    ],
)
def test_reported_speech_pattern(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert _all(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Trade with the United States grew by a third.",
        "She moved to the United States in May.",
    ],
)
def test_capitalised_cue_words_inside_a_sentence_are_names(text: str) -> None:
    assert find_attributions(text) == []
