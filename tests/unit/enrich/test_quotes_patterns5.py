"""Patterns of quotes-rules-5: an adverbial phrase between the cue and its ``that`` clause, a comma-coordinated
clause of a new speaker ending a content, a poll as the source of its sentence, more cue verbs, appositions after
inverted speakers, bracketed sentences, mixed contents going on in the next quote (sentences written for these
tests)."""

from __future__ import annotations

import pytest

from streams.enrich.quotes import find_attributions


def _all(text: str) -> list[tuple[str, str, str | None]]:
    return [a.strings(text) for a in find_attributions(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "said in <adverbial phrase> that …": the that-clause is the content
        (
            "The harbor master said during a briefing for shipping agents that the canal would reopen soon.",
            [("that the canal would reopen soon", "said", "The harbor master")],
        ),
        # a known adverbial with a weekday after it ("in an interview on Monday that …")
        (
            "The mayor said in a radio interview on Monday that the tunnel would close for repairs.",
            [("that the tunnel would close for repairs", "said", "The mayor")],
        ),
        # "…, but <new speaker> said …" ends the content of the cue before it
        (
            "Traffic data shows the bridge carrying more trucks than before, but the engineer said the deck was sound.",
            [
                ("the bridge carrying more trucks than before", "shows", "Traffic data"),
                ("the deck was sound", "said", "the engineer"),
            ],
        ),
        # a poll as the source: "In a … poll, <content>"
        (
            "In a Harbor Institute poll released Friday, 41 percent of residents backed the new ferry line.",
            [("41 percent of residents backed the new ferry line", "In", "a Harbor Institute poll")],
        ),
        # … with a participle phrase after the poll
        (
            "In a regional survey, conducted by phone in March, the governor led her rival by six points.",
            [("the governor led her rival by six points", "In", "a regional survey")],
        ),
        # cue verbs "blamed" and "mentioned"
        (
            "The union blamed the ministry for the delays at the port.",
            [("the ministry for the delays at the port", "blamed", "The union")],
        ),
        (
            "The minister mentioned that the budget would be cut again.",
            [("that the budget would be cut again", "mentioned", "The minister")],
        ),
        # an apposition after an inverted speaker is not a resumed content
        (
            "The levy may be \u201ca blunt tool,\u201d said Mara Quist, a lecturer in tax law at the city college.",
            [("The levy may be \u201ca blunt tool,\u201d", "said", "Mara Quist")],
        ),
        # a bracketed sentence is a sentence of its own, without its bracket
        (
            "The ferry runs twice a day. (The night service, it turns out, is rarely full, Quist said.) Fares rose.",
            [("The night service, it turns out, is rarely full", "said", "Quist")],
        ),
        # a mixed content goes on in the quoted sentence after it (same paragraph only)
        (
            "The mayor \u201clost the vote fair and square,\u201d Lee said. \u201cShe knows it and so do we.\u201d",
            [("The mayor \u201clost the vote fair and square,\u201d \u201cShe knows it and so do we.\u201d", "said", "Lee")],
        ),
        (
            "The mayor \u201clost the vote fair and square,\u201d Lee said.\n\n\u201cShe knows it and so do we.\u201d",
            [("The mayor \u201clost the vote fair and square,\u201d", "said", "Lee")],
        ),
    ],
)
def test_patterns(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert _all(text) == expected


def test_show_after_a_determiner_is_the_noun() -> None:
    assert _all("The host taped her radio show on the pier, and the ratings were poor.") == []
    assert _all("New figures show the port handling fewer ships.") == [
        ("the port handling fewer ships", "show", "New figures")
    ]


def test_naming_cue_takes_no_content_before_it() -> None:
    # "called" names what follows it; the clause before it is not its content
    assert _all("Late on Sunday, a listener from the harbor district called in to the morning program.") == []


def test_declined_is_a_cue_only_before_to() -> None:
    assert _all("The port authority declined to say when the cranes would return.") == [
        ("to say when the cranes would return", "declined", "The port authority")
    ]
    assert _all("Through a lawyer, the captain declined the offer of a hearing.") == []


def test_relative_that_after_an_adverbial_is_not_a_clause() -> None:
    # "on a show that aired …": the "that" opens a relative clause, so the content is not cut there
    text = "The mayor said on a show that aired Monday the city was safe."
    got = _all(text)
    assert got and not got[0][0].startswith("that aired")
