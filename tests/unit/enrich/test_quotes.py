"""The quotes stage's patterns, quote-mark styles and speaker resolution, on sentences written for these tests."""

from __future__ import annotations

import pytest

from schemas.models import Entity, Mention
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.quote_patterns import quote_spans
from streams.enrich.quotes import extract_quotes, find_attributions, quote_kind
from streams.enrich.stage import StoryState
from streams.enrich.stages.quotes import QuotesStage, build


def _one(text: str) -> tuple[str, str, str | None]:
    found = find_attributions(text)
    assert len(found) == 1, [a.content(text) for a in found]
    a = found[0]
    return a.content(text), text[a.cue[0] : a.cue[1]], text[a.speaker[0] : a.speaker[1]] if a.speaker else None


@pytest.mark.parametrize(
    ("text", "content", "cue", "speaker"),
    [
        # postposed direct quotes, every double-quote style
        ("\u201cThe bridge will open in May,\u201d Okafor said.", "\u201cThe bridge will open in May,\u201d", "said", "Okafor"),
        ('"The bridge will open in May," Okafor said.', '"The bridge will open in May,"', "said", "Okafor"),
        ("``The bridge will open in May,'' Okafor said.", "``The bridge will open in May,''", "said", "Okafor"),
        ("''The bridge will open in May,'' Okafor said.", "''The bridge will open in May,''", "said", "Okafor"),
        ("\u00abThe bridge will open in May,\u00bb Okafor said.", "\u00abThe bridge will open in May,\u00bb", "said", "Okafor"),
        # inverted and with modifiers
        ("\u201cWe have no money left,\u201d said Mayor Lena Brandt.", "\u201cWe have no money left,\u201d", "said", "Mayor Lena Brandt"),
        ("\u201cWe have no money left,\u201d she has also said.", "\u201cWe have no money left,\u201d", "said", "she"),
        # a quote ending with ! or ? before the speaker
        ("\u201cWho pays for this?\u201d Brandt asked.", "\u201cWho pays for this?\u201d", "asked", "Brandt"),
        # speaker and colon before the quote
        ("Okafor said: \u201cThe bridge will open in May.\u201d", "\u201cThe bridge will open in May.\u201d", "said", "Okafor"),
        ("The engineer added, \u201cIt is safe.\u201d", "\u201cIt is safe.\u201d", "added", "The engineer"),
        # apposition between the quote and the cue
        ("\u201cIt is safe,\u201d Okafor, the chief engineer, said.", "\u201cIt is safe,\u201d", "said", "Okafor"),
        # unlisted verb after a quote
        ("\u201cIt is safe!\u201d beamed Anna Okafor.", "\u201cIt is safe!\u201d", "beamed", "Anna Okafor"),
        # reported speech
        # "that" opens the content (PolNeAR puts the complementiser in the content span)
        ("Okafor said that the bridge would open in May.", "that the bridge would open in May", "said", "Okafor"),
        ("The minister told reporters that the bridge would open in May.", "that the bridge would open in May", "told", "The minister"),
        ("The bridge will open in May, a spokesman for the ministry said.", "The bridge will open in May", "said", "a spokesman for the ministry"),
        ("The bridge will open in May, according to the ministry.", "The bridge will open in May", "according to", "the ministry"),
        ("According to Okafor, the bridge will open in May.", "the bridge will open in May", "According to", "Okafor"),
        ("Officials said on Monday the bridge would open in May.", "the bridge would open in May", "said", "Officials"),
        # mixed: a quoted fragment inside reported speech
        ("Okafor said the bridge was \u201cperfectly safe\u201d for cars.", "the bridge was \u201cperfectly safe\u201d for cars", "said", "Okafor"),
    ],
)
def test_pattern(text: str, content: str, cue: str, speaker: str) -> None:
    assert _one(text) == (content, cue, speaker)


def test_participle_takes_the_speaker_of_its_clause() -> None:
    text = "\u201cIt is safe,\u201d Okafor said, adding that the bridge would open in May."
    found = find_attributions(text)
    assert [(a.content(text), text[a.cue[0] : a.cue[1]]) for a in found] == [
        ("\u201cIt is safe,\u201d", "said"),
        ("that the bridge would open in May", "adding"),
    ]
    assert found[1].speaker == found[0].speaker


def test_a_quote_resumed_after_the_cue_joins_the_content() -> None:
    text = "\u201cIt is safe,\u201d Okafor said. \u201cWe tested it twice.\u201d\n\nThe council met later."
    (a,) = find_attributions(text)
    assert a.content(text) == "\u201cIt is safe,\u201d \u201cWe tested it twice.\u201d"
    assert quote_kind(a.content(text)) == "direct"


def test_multi_paragraph_quote_reopened_with_a_mark() -> None:
    text = "\u201cWe built it in a year.\n\n\u201cAnd it will last a century,\u201d Okafor said."
    assert quote_spans(text) == [(0, len(text) - len(" Okafor said."))]
    (a,) = find_attributions(text)
    assert a.content(text).startswith("\u201cWe built it") and text[a.speaker[0] : a.speaker[1]] == "Okafor"


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Okafor called it \u2018a triumph\u2019 on Monday", ["\u2018a triumph\u2019"]),
        ("Okafor called it 'a triumph' on Monday", ["'a triumph'"]),
        ("Okafor's team didn't call it a triumph", []),
        ("An unclosed \u201cquote here\n\nNext paragraph.", []),
    ],
)
def test_quote_marks(text: str, quoted: list[str]) -> None:
    assert [text[s:e] for s, e in quote_spans(text)] == quoted


def test_scare_quotes_and_cue_words_inside_quotes_are_no_attribution() -> None:
    assert find_attributions("The plan tackles the \u201croot causes\u201d of the flooding.") == []
    text = "\u201cNobody said it would be easy.\u201d"
    assert find_attributions(text) == []


@pytest.mark.parametrize(
    ("content", "kind"),
    [("\u201cAll of it.\u201d", "direct"), ("''All of it.''", "direct"), ("it was \u201call\u201d", "mixed"), ("it was all", "indirect")],
)
def test_kind(content: str, kind: str) -> None:
    assert quote_kind(content) == kind


def _entity(eid: str, name: str, etype: str, body: str, *texts: str) -> Entity:
    mentions = []
    for t in texts:
        start = body.index(t)
        mentions.append(Mention(text=t, field="body", start=start, end=start + len(t), sentence=0))
    return Entity(id=eid, name=name, type=etype, salience=0.1, mentions=mentions)  # type: ignore[arg-type]


BODY = (
    "Vice President Anna Okafor met Mayor Lena Brandt in Kiel. The transport ministry paid for the bridge.\n\n"
    "\u201cIt is safe,\u201d Okafor said.\n\n"
    "The vice-president said the bridge would open in May.\n\n"
    "\u201cWe have no money left,\u201d Brandt said. She added that the city would borrow.\n\n"
    "The cost was too high, a spokesman for the ministry said."
)


def test_speakers_resolve_by_name_title_and_pronoun() -> None:
    entities = [
        _entity("e1", "Anna Okafor", "PERSON", BODY, "Anna Okafor"),
        _entity("e2", "Lena Brandt", "PERSON", BODY, "Lena Brandt"),
        _entity("e3", "transport ministry", "ORG", BODY, "transport ministry"),
    ]
    quotes = extract_quotes(Document("d", "", BODY), entities)
    got = [(q.speaker, q.speaker_name, q.kind) for q in quotes]
    assert got == [
        ("Okafor", "Anna Okafor", "direct"),
        ("The vice-president", "Anna Okafor", "indirect"),
        ("Brandt", "Lena Brandt", "direct"),
        ("She", "Lena Brandt", "indirect"),
        ("a spokesman for the ministry", None, "indirect"),
    ]
    assert all(BODY[q.start : q.end].startswith(q.text[:5]) for q in quotes)
    assert quotes[0].speaker_entity_id == "e1" and quotes[-1].confidence < quotes[0].confidence


def test_stage_contract_and_determinism() -> None:
    stage = build(EnrichConfig())
    assert isinstance(stage, QuotesStage) and stage.name == "quotes" and stage.writes == ("quotes",)
    assert stage.cues is not None and stage.version.endswith("+" + stage.cues.version)
    assert build(EnrichConfig(quote_learned_cues=False)).cues is None
    states = [StoryState(doc=Document("d", "", BODY)), StoryState(doc=Document("e", "", "No quotes here."))]
    first = stage.run(states)
    assert first == stage.run(states)
    assert len(first[0]["quotes"]) == 5 and first[1]["quotes"] == []
