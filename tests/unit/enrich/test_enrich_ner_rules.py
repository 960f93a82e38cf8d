"""News post-rules, one parametrized (text, expected) table per declared rule, on hand-made texts.

A case's text marks the model's mentions as ``[text|TYPE]`` or ``[text|TYPE|LABEL]`` (label defaults to TYPE).
"""

from __future__ import annotations

import re

import pytest

from streams.enrich import resources
from streams.enrich.document import Document
from streams.enrich.mentions import RawMention, Sentence
from streams.enrich.ner_rules import (
    DOC_RULES,
    RULES,
    RULES_VERSION,
    SPAN_RULES,
    TYPE_RULES,
    Context,
    DocRule,
    NerRules,
    SpanRule,
    TypeRule,
    is_demonym,
    team_spans,
)

_MARK = re.compile(r"\[([^|\]]+)\|([A-Z]+)(?:\|([A-Z]+))?\]")


@pytest.fixture(scope="module")
def rules() -> NerRules:
    return NerRules.load()


def parse(marked: str) -> tuple[str, list[RawMention]]:
    """The plain text of ``marked`` and the mentions marked in it (all in the body, sentence 0)."""
    text, mentions, last = "", [], 0
    for hit in _MARK.finditer(marked):
        text += marked[last : hit.start()]
        name, etype, label = hit.group(1), hit.group(2), hit.group(3) or hit.group(2)
        mentions.append(RawMention(name, "body", len(text), len(text) + len(name), 0, etype, label))  # type: ignore[arg-type]
        text += name
        last = hit.end()
    return text + marked[last:], mentions


def context(rules: NerRules, marked: str, headline: str = "") -> tuple[Context, list[RawMention]]:
    body, mentions = parse(marked)
    doc = Document("t", headline, body, "en")
    return Context.build(doc, mentions, rules.lexicon), mentions


SPAN_CASES: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    "split_slugs": [
        ("[CRICKET - RIVERTON|ORG] WIN", [("RIVERTON", "ORG")]),
        ("[Shikolen (Belarus|PERSON] won", [("Shikolen", "PERSON"), ("Belarus", "PERSON")]),
        ("[Oval, Surrey|GPE] again", [("Oval", "GPE"), ("Surrey", "GPE")]),
        ("[Vantor Semiconductor|ORG] rose", [("Vantor Semiconductor", "ORG")]),
    ],
    "cut_before_date": [
        ("[Harris's June|PERSON] trip", [("Harris", "PERSON")]),
        ("[Harris's Bar|ORG] opened", [("Harris's Bar", "ORG")]),
    ],
    "combining_form": [
        ("women and [Afro|ORG]-descendants said", [("Afro-descendants", "MISC")]),
        ("[Sino-Japanese|ORG] talks", [("Sino-Japanese", "MISC")]),
        ("the [Euro|ORG] fell", [("Euro", "ORG")]),
        ("[Franco|PERSON] ruled", [("Franco", "PERSON")]),
    ],
    "org_of": [
        ("Researchers at the University of [Eastbrook|PERSON] built", [("University of Eastbrook", "ORG")]),
        ("the [University of Eastbrook|PERSON] said", [("University of Eastbrook", "ORG")]),
        ("at the London School of [Economics|ORG] today", [("London School of Economics", "ORG")]),
        ("The Bank of [Japan|GPE] raised rates", [("Bank of Japan", "ORG")]),
        ("at the port of [Saltmarsh|GPE]", [("Saltmarsh", "GPE")]),
        ("a school of [Athens|GPE] painters", [("Athens", "GPE")]),
    ],
    "common_words": [
        ("[Attendance|PERSON]: 20,000", []),
        ("[Officials|ORG] were few", []),
        ("[FINAL RESULTS|ORG] OF THE DAY IN TOWN", []),
        ("[Vantor|ORG] rose", [("Vantor", "ORG")]),
    ],
    "common_acronym": [
        ("rights of [LBGTQ|ORG] people", []),
        ("rights of [LGBTQ+|ORG] people", []),
        ("rights of [LGBTQ|MISC|NORP] people", [("LGBTQ", "MISC")]),
        ("[NATO|ORG] met", [("NATO", "ORG")]),
    ],
}

TYPE_CASES: dict[str, list[tuple[str, str | None]]] = {
    "dateline": [
        ("[LONDON|ORG] 1996-08-30\nTalks ended.", "GPE"),
        ("Talks in [London|ORG] ended on 1996-08-30.", None),
    ],
    "titled_person": [
        ("[Councillor Priya Ramaswamy|ORG] said", "PERSON"),
        ("[Dr. Henrik Solberg|ORG] said", "PERSON"),
        ("[Dr Henrik Solberg|ORG] said", "PERSON"),
        ("President [Alejandro Giammattei|ORG] said", "PERSON"),
        ("Judge [Ana Ferreira|ORG] ruled", "PERSON"),
        ("[General Motors|ORG] rose", None),
        ("[Mayor of London|ORG] spoke", None),
        ("[Mr Smith Holdings Ltd|ORG] fell", None),
        ("King [Charles Street|LOC] flooded", None),
    ],
    "place_of": [
        ("Dock workers at the port of [Saltmarsh|ORG] walked out.", "GPE"),
        ("in the town of [Kelsford|PERSON] today", "GPE"),
        ("shares of [Vantor|ORG] fell", None),
        ("the port of [New Harbour|ORG]", None),
    ],
    "demonym": [
        ("[Brazilians|PERSON] voted", "MISC"),
        ("[Guatemalan|ORG] officials in [Guatemala|GPE]", "MISC"),
        ("[Reuters|ORG] said", None),
        ("[New Mexican|ORG] food", None),
    ],
    "event_name": [
        ("at the [Lakeport Marathon|GPE] on Sunday", "MISC"),
        ("won the [Nobel Prize|ORG]", "MISC"),
        ("the [Portovale Film Festival|ORG] opened", "MISC"),
        ("in the [Fed Cup|ORG] final", "MISC"),
        ("the [World Cup|MISC] final", None),
        ("in [Lakeport|GPE]", None),
    ],
    "award_object": [
        ("she accepted the [Golden Lantern|LOC] from the jury", "MISC"),
        ("Carvalho wins Portovale's [Golden Lantern|LOC]", "MISC"),
        ("they visited the [Golden Gate|LOC] bridge", None),
        ("she won [New Hampshire|GPE]", None),
        ("they won [South Africa|LOC]", None),
    ],
    "organisation": [
        ("[Interfax|PERSON] said", "ORG"),
        ("[Jeans Mate Corp|PERSON] rose", "ORG"),
        ("[Riverton|GPE] voted", None),
    ],
    "given_name": [
        ("thanks to [Nadia Fortescue|ORG], an accountant", "PERSON"),
        ("a sprint against [Rafael Moura|ORG]", "PERSON"),
        ("the leads, [Beatriz Lima|MISC] and others", "PERSON"),
        ("[Paul Renner|PERSON] said", None),
        ("[Hugo Boss|ORG] cut prices", None),
        ("[John Lewis Partnership|ORG] profits", None),
        ("[Maria University|ORG] opened", None),
        ("[NATO|ORG] met", None),
        ("[Ivan Rome|ORG] in [Rome|GPE]", None),
    ],
}

DOC_CASES: dict[str, list[tuple[str, str, set[tuple[str, str]]]]] = {
    "team_lines": [
        ("SOCCER - CUP RESULTS", "[Riverton|GPE] 3 [Lakeside|PERSON] 2\nItaly 1 Spain 0\nA. Smith 45 , B. Jones 12",
         {("Riverton", "ORG"), ("Lakeside", "ORG"), ("Italy", "LOC"), ("Spain", "LOC"), ("A. Smith", "PERSON"),
          ("B. Jones", "PERSON")}),
        ("Markets rise", "[Riverton|GPE] 3 percent higher, 2 analysts said.", {("Riverton", "GPE")}),
    ],
    "athlete_lines": [
        ("TENNIS - RESULTS", "Jan Novak ( Norway ) beat Piet Aalders ( Netherlands ) 6-3 6-4",
         {("Jan Novak", "PERSON"), ("Norway", "LOC"), ("Piet Aalders", "PERSON"), ("Netherlands", "LOC")}),
        ("Markets rise", "Jan Novak ( Norway ) spoke.", set()),
    ],
    "missed_agencies": [
        ("Party meets", "The minister resigned, Interfax said.", {("Interfax", "ORG")}),
    ],
    "missed_dateline": [
        ("Party meets", "BONN 1996-08-30\nThe party met.", {("BONN", "GPE")}),
        ("Party meets", "The party met in BONN on Monday.", set()),
    ],
    "missed_acronyms": [
        ("Party meets", "The QWZP party met. The CEO left. LBGTQ groups marched.", {("QWZP", "ORG")}),
    ],
}


def _flat(cases: dict[str, list[tuple[object, ...]]]) -> list[object]:
    return [pytest.param(name, *case, id=f"{name}-{i}") for name, rows in cases.items() for i, case in enumerate(rows)]


@pytest.mark.parametrize(("rule", "marked", "expected"), _flat(SPAN_CASES))  # type: ignore[arg-type]
def test_span_rule(rules: NerRules, rule: str, marked: str, expected: list[tuple[str, str]]) -> None:
    span_rule = RULES[rule]
    assert isinstance(span_rule, SpanRule)
    ctx, mentions = context(rules, marked)
    out = [x for m in mentions[:1] for x in span_rule.run(m, ctx)]
    assert [(m.text, m.type) for m in out] == expected
    for m in out:
        assert ctx.text(m.field)[m.start : m.end] == m.text


@pytest.mark.parametrize(("rule", "marked", "expected"), _flat(TYPE_CASES))  # type: ignore[arg-type]
def test_type_rule(rules: NerRules, rule: str, marked: str, expected: str | None) -> None:
    type_rule = RULES[rule]
    assert isinstance(type_rule, TypeRule)
    ctx, mentions = context(rules, marked)
    assert type_rule.run(mentions[0], ctx) == expected


@pytest.mark.parametrize(("rule", "headline", "marked", "expected"), _flat(DOC_CASES))  # type: ignore[arg-type]
def test_doc_rule(rules: NerRules, rule: str, headline: str, marked: str, expected: set[tuple[str, str]]) -> None:
    doc_rule = RULES[rule]
    assert isinstance(doc_rule, DocRule)
    ctx, mentions = context(rules, marked, headline)
    sents = [Sentence("body", 0, 0, len(ctx.doc.body), ctx.doc.body)]
    out = doc_rule.run(mentions, sents, ctx)
    found = {(m.text, m.type) for m in out}
    assert expected <= found
    assert found - {(m.text, m.type) for m in mentions} <= expected  # nothing added beyond what is expected


def test_every_declared_rule_has_cases() -> None:
    declared = [r.name for r in SPAN_RULES] + [r.name for r in TYPE_RULES] + [r.name for r in DOC_RULES]
    assert len(declared) == len(set(declared)) == len(RULES)
    assert set(declared) == set(SPAN_CASES) | set(TYPE_CASES) | set(DOC_CASES)


def test_rules_version_is_dated() -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", RULES_VERSION)


def test_title_patterns_come_from_the_titles_file(rules: NerRules) -> None:
    lex = rules.lexicon
    for title, kind in resources.table("titles.tsv", 2):
        inside = lex.person_title.match(f"{title} Ana Ferreira") is not None
        before = lex.title_before.search(f"said {title} ") is not None
        assert inside == (kind == "honorific"), title
        assert before == (kind in ("honorific", "office")) or title.endswith("Minister"), title


@pytest.mark.parametrize(
    ("line", "teams"),
    [
        ("Riverton 3 Lakeside 2 ( halftime 1-0 )", ["Riverton", "Lakeside"]),
        ("Northfield 4 2 0 2 5 5 6", ["Northfield"]),
        ("June 18 v Westshire", ["Westshire"]),
        ("In 1996 the club was founded", []),
    ],
)
def test_team_spans(rules: NerRules, line: str, teams: list[str]) -> None:
    assert [line[s:e] for s, e in team_spans(line, rules.lexicon)] == teams


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Guatemalan", True), ("Brazilians", True), ("Guatemala", False), ("Reuters", False), ("New Mexican", False)],
)
def test_is_demonym(word: str, expected: bool) -> None:
    assert is_demonym(word, {"guatemala", "brazil", "mexico"}) is expected


@pytest.mark.parametrize(
    ("marked", "expected"),
    [
        ("Harris named [LBGTQ|ORG] people and [Afro|ORG]-descendants.", {("Afro-descendants", "MISC")}),
        ("Researchers at the University of [Eastbrook|PERSON] said", {("University of Eastbrook", "ORG")}),
        ("She accepted the [Golden Lantern|LOC] from the jury.", {("Golden Lantern", "MISC")}),
        ("A record at the [Lakeport Marathon|LOC] on Sunday.", {("Lakeport Marathon", "MISC")}),
        ("Thanks to [Nadia Fortescue|ORG], an accountant.", {("Nadia Fortescue", "PERSON")}),
    ],
)
def test_apply_fixes_the_misreadings_of_issue_9(rules: NerRules, marked: str, expected: set[tuple[str, str]]) -> None:
    body, mentions = parse(marked)
    doc = Document("i9", "", body, "en")
    out = rules.apply(doc, mentions, [Sentence("body", 0, 0, len(body), body)])
    assert {(m.text, m.type) for m in out} == expected
    assert all(body[m.start : m.end] == m.text for m in out)


def test_apply_keeps_text_order_and_a_slug_cut(rules: NerRules) -> None:
    m = RawMention("SOCCER - RIVERTON", "headline", 0, 17, 0, "ORG", "ORG")
    out = rules.apply(Document("h", "SOCCER - RIVERTON WIN", "Interfax said.", "en"), [m], [])
    assert [(x.field, x.text, x.start) for x in out] == [("headline", "RIVERTON", 9), ("body", "Interfax", 0)]


def test_a_rule_subset_runs_in_declared_order() -> None:
    from streams.enrich.ner_rules import ALL_RULES, MODEL_RULES, SPACY_RULES

    subset = NerRules.load(tuple(reversed(SPACY_RULES)))
    names = [r.name for r in (*subset.span_rules, *subset.type_rules, *subset.doc_rules)]
    assert names == [n for n in ALL_RULES if n in SPACY_RULES]
    assert set(MODEL_RULES) <= set(ALL_RULES)
    with pytest.raises(KeyError, match="unknown NER rules"):
        NerRules.load(("no_such_rule",))
