"""Patterns of quotes-rules-3: preposed reported speech after an intro phrase, stance and intent verbs, headline
sources, questions, and the guards against noun cues (sentences written for these tests)."""

from __future__ import annotations

import pytest

from streams.enrich.quotes import find_attributions


def _all(text: str, field: str = "body") -> list[tuple[str, str, str | None]]:
    return [a.strings(text) for a in find_attributions(text, field)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an intro phrase before the speaker is not a postposed content
        (
            "In a long interview, Ng said the port would close in June.",
            [("the port would close in June", "said", "Ng")],
        ),
        # a speaker set off by an apposition, a time phrase and "that" before the content
        (
            "Sam Ortiz, a spokesman for the port, said on Tuesday that the cranes were idle.",
            [("that the cranes were idle", "said", "Sam Ortiz")],
        ),
        # stance verbs: the object is the content
        ("The union endorsed the new contract.", [("the new contract", "endorsed", "The union")]),
        ("Ng criticized the board for its silence.", [("the board for its silence", "criticized", "Ng")]),
        # declined / refused: the infinitive is the content
        ("Ng declined to comment on the strike.", [("to comment on the strike", "declined", "Ng")]),
        # a participle of the new list
        ("Ng cancelled the fair, citing safety concerns.", [("safety concerns", "citing", "Ng")]),
        # intent verbs count only before "to"
        ("Ng wants to reopen the docks.", [("to reopen the docks", "wants", "Ng")]),
        ("Ng wants a new car.", []),
        # strict cues need "that", a colon or a quote after them
        ("The memo states that the fund is empty.", [("that the fund is empty", "states", "The memo")]),
        ("Five other states hold primaries in June.", []),
        # a speaker phrase never ends with a determiner: "the first reports" is a noun phrase
        ("The first reports came from the harbour.", []),
        # negation and adverbs between the speaker and the cue
        ("Ng did not expect the talks to fail.", [("the talks to fail", "expect", "Ng")]),
        ("Ng immediately denied the report.", [("the report", "denied", "Ng")]),
        # a question put to the speaker: the question is the content, the asker its source
        (
            "When asked by a reporter whether the docks would reopen, Ng shrugged.",
            [("whether the docks would reopen", "asked", "a reporter")],
        ),
    ],
)
def test_pattern(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert _all(text) == expected


@pytest.mark.parametrize("field", ["headline", "body"])
def test_headline_source_before_colon(field: str) -> None:
    text = "Ortiz: Port strike will end soon." + ("\n\nThe port was quiet." if field == "body" else "")
    assert _all(text, field) == [("Port strike will end soon", ":", "Ortiz")]


@pytest.mark.parametrize("text", ["Breaking: Port strike ends after ten days.", "EXCLUSIVE: Port strike ends after ten days."])
def test_headline_labels_are_not_sources(text: str) -> None:
    assert _all(text, "headline") == []
