"""Patterns of quotes-rules-6: a to-infinitive after a cue is its content even behind a lead-in phrase, and the
rest of an interrupted sentence (``A, Ng said, B``) stays with its attribution when learned cues are on
(sentences written for these tests)."""

from __future__ import annotations

import pytest

from streams.enrich.quote_cue_model import load
from streams.enrich.quotes import find_attributions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a lead-in phrase before the speaker, then "agreed to …": the infinitive is the content, not the lead-in
        (
            "In the end, the port authority agreed to lend the ferry company two million dollars.",
            ("to lend the ferry company two million dollars", "agreed", "the port authority"),
        ),
        (
            "Through a spokeswoman, the minister declined to comment on the inquiry.",
            ("to comment on the inquiry", "declined", "the minister"),
        ),
        (
            "This spring, the council vowed to rebuild every school the storm destroyed.",
            ("to rebuild every school the storm destroyed", "vowed", "the council"),
        ),
        # a cue without a to-infinitive list entry keeps its preposed content
        (
            "The canal will reopen in May, the harbor master said to reporters.",
            ("The canal will reopen in May", "said", "the harbor master"),
        ),
    ],
)
def test_to_infinitive_after_a_lead_in(text: str, expected: tuple[str, str, str | None]) -> None:
    assert [a.strings(text) for a in find_attributions(text)] == [expected]


def test_interrupted_rest_is_kept_over_a_learned_cue_inside_it() -> None:
    text = "Back in the valley, Ms. Okafor said, she decided to plant trees on every abandoned mine site."
    found = find_attributions(text, cues=load())
    assert len(found) == 1
    a = found[0]
    assert a.strings(text)[1:] == ("said", "Ms. Okafor")
    assert a.content(text) == "Back in the valley she decided to plant trees on every abandoned mine site"
    assert a.learned is None
