"""Patterns of quotes-rules-4: naming cues, a sentence subject before ``and said``, ``according to`` a lower-case
source or after another cue's clause, source-less raising cues, speakers with a slash (sentences written for these
tests)."""

from __future__ import annotations

import pytest

from streams.enrich.quotes import find_attributions


def _all(text: str) -> list[tuple[str, str, str | None]]:
    return [a.strings(text) for a in find_attributions(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # naming cue: the object and the quoted name are the content (when it was said is not: quotes-rules-7)
        (
            "The council member called the plan \u201ca total disaster\u201d on Tuesday.",
            [("the plan \u201ca total disaster\u201d", "called", "The council member")],
        ),
        # "what X called “Q”" keeps its "what" (a mixed content)
        (
            "The league took steps against what it called \u201ca pattern of abuse.\u201d",
            [("what it called \u201ca pattern of abuse.\u201d", "called", "it")],
        ),
        # the subject of a coordinated verb phrase said it
        (
            "Lena Ortiz toured the plant and said the factory would reopen in June.",
            [("the factory would reopen in June", "said", "Lena Ortiz")],
        ),
        # ... also after a lead-in phrase
        (
            "In her remarks, Ortiz visited the plant and said the factory would reopen in June.",
            [("the factory would reopen in June", "said", "Ortiz")],
        ),
        # "according to" a lower-case source
        (
            "The ferry company has 700 employees, according to people familiar with its plans.",
            [("The ferry company has 700 employees", "according to", "people familiar with its plans")],
        ),
        # "according to" after a clause another cue already took: both attributions
        (
            "The board wanted to sell the old depot, according to a lawsuit.",
            [
                ("to sell the old depot", "wanted", "The board"),
                ("The board wanted to sell the old depot", "according to", "a lawsuit"),
            ],
        ),
        # source-less raising cues: the subject and the infinitive, around the cue
        (
            "The harbour authority is expected to approve the new dock this week.",
            [("The harbour authority to approve the new dock this week", "is expected", None)],
        ),
        (
            "After the vote, the mayor appears to have a narrow lead.",
            [("the mayor to have a narrow lead", "appears", None)],
        ),
        # a speaker whose name holds a slash
        (
            "A Daily Courier/Channel 9 poll showed a narrow lead for the mayor.",
            [("a narrow lead for the mayor", "showed", "A Daily Courier/Channel 9 poll")],
        ),
        # a "the ..." subject before a participle is the noun phrase, not its whole clause
        (
            "The mayor cancelled the fair, citing the storm warnings for the weekend.",
            [("the storm warnings for the weekend", "citing", "The mayor")],
        ),
    ],
)
def test_patterns4(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert _all(text) == expected


def test_raising_content_has_two_fragments() -> None:
    text = "The harbour authority is expected to approve the new dock."
    (a,) = find_attributions(text)
    assert [text[s:e] for s, e in a.fragments] == ["The harbour authority", "to approve the new dock"]


def test_thought_is_not_a_cue() -> None:
    assert _all("Many thought the bridge would be finished by May.") == []
