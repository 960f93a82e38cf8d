"""Who said what: quotations and reported speech of a story, attributed to its entities.

Deterministic: patterns, plus an optional learned cue detector. Per field, quoted spans are found first (:func:`quote_patterns.quote_spans`) and
masked, so cue words inside quotes never count; each sentence is then matched against the attribution patterns:

* postposed: ``“Q,” Harris said.`` / ``“Q,” said Harris.`` / ``The plan failed, officials said.``
  (a following ``“Q2.”`` sentence of the same paragraph, or ``, “Q2.”`` after the cue, joins the content);
* preposed: ``Harris said (that) …``, ``Harris told reporters (that) …``, ``Harris said: “Q.”``;
* ``according to X``, before or after the content; participles (``…, adding that …``) take the clause's speaker;
* stance and intent verbs (``X endorsed Y``, ``X declined to …``, ``X wants to …``), ``Asked about Q, …``, and a
  headline's ``Source: content``. A content read forward keeps its ``that`` (the PolNeAR content span does);
* naming cues (``X called Y “Z”``), ``X did A and said …`` (the sentence subject), and source-less raising cues
  (``The court is expected to rule``: subject and infinitive, two fragments around the cue, no speaker).

With a :class:`~streams.enrich.quote_cue_model.CueModel` (the quotes stage ships one), the words it reads as cues
where no pattern found an attribution add attributions of their own (``X pledged / attacked / backed Y``): the
speaker before the cue, the clause after it, kept when the model's attribution filter agrees. They never change
what the patterns found, and never nest inside a pattern's content.

The kind follows the PolNeAR heuristic on the content: ``direct`` when it opens and closes with quote marks,
``mixed`` when it holds one, else ``indirect``. Speakers are resolved by :func:`resolve_speakers`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schemas.models import Entity, Quote, QuoteKind, TextField
from streams.enrich.document import Document
from streams.enrich.quote_cue_model import CueModel, attribution_features
from streams.enrich.quote_patterns import (
    CLOSING_MARKS,
    DATELINE,
    MASK,
    OPENING_MARKS,
    CuePatterns,
    Span,
    inside,
    masked,
    patterns,
    quote_spans,
    sentences,
    strip_span,
)

_TOKEN = re.compile(r"[\w\u00a7][\w'\u2019.&\u00a7/-]*")
_WORD = re.compile(r"\w[\w'\u2019.&-]*")
_MAX_SPEAKER_TOKENS = 7
_PREPOSITIONS = frozenset({"of", "for", "at", "with", "from", "by"})
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
#: What a statement is made in (``said in a statement``, ``… in a news conference on Thursday``).
_VENUE = r"(?:statement|interview|speech|letter|e-?mail|post|tweet|op-ed|appearance|release|call|conference|rally|briefing|debate|memo)"
_SKIP_AFTER_CUE = re.compile(
    rf"(?:\s*,?\s*(?:(?:on|last|this|late|early)\s+)?{_WEEKDAY}(?:\s+(?:night|morning|afternoon|evening))?"
    r"|\s*,?\s*(?:yesterday|today|tonight|earlier|recently|later|last\s+(?:week|month|year|night)|this\s+week)"
    r"|\s*,?\s*(?:in|on|during|at|via)\s+(?:a|an|his|her|their|its|the)\s+(?:[\w'\u2019-]+\s+){0,3}?"
    rf"{_VENUE}"
    r"(?:\s+(?:with|on|to|at)\s+(?-i:[A-Z])[\w.&'\u2019-]*(?:\s+(?-i:[A-Z])[\w.&'\u2019-]*)*)?"
    r"|\s+(?:also|then|later|further|again))*",
    re.IGNORECASE,
)
#: What must follow a cue of ``quote_cue_strict.txt``: ``that``, a colon, a quote, or the end of its clause.
_STRICT_NEXT = re.compile(r"\s*(?:that\b|[:,.;]|\u00a7|$)", re.IGNORECASE)
#: ``Asked about X, …`` / ``…, he said when asked by a reporter if X``: the question is the content, the asker
#: (when named) its source.
_ASKED = re.compile(
    r"(?<![\w-])(?:(?:when|after|before|while)\s+(?:being\s+)?)?(?P<cue>[Aa]sked)"
    r"(?:\s+by\s+(?P<spk>[^,;\u00a7]{2,60}?))?(?:\s+(?:on|last|this)\s+\w+)?"
    r"\s+(?=(?:about|if|whether|what|how|why|who|where|which)\b)"
)
_TO_NEXT = re.compile(r"\s+to\s+[a-z]")
_THAT = re.compile(r"\s*[:,]?\s*", re.IGNORECASE)
_LISTENER_THAT = re.compile(r"(?:\s+[\w.'\u2019&-]+){1,8}?\s+(?=that\s+)")
_LISTENER = re.compile(r"\s+(?:(?:the|a|an|his|her|their)\s+)?(?:(?:[A-Z][\w.&'\u2019-]*\s+)+|[a-z]+\s+)")
_CONNECTOR = re.compile(r"^(?:but|and|so|yet|still|instead)\s*,?\s+", re.IGNORECASE)
_LETTERS = re.compile(r"(?<![\w-])[A-Za-z]+")
_QUOTE_NEXT = re.compile(r"\s*[,:]?\s*\u00a7")
_COLON = re.compile(r"(?:^|(?<=[,;]))(?P<cue>[^,;:\u00a7]{2,80}?)\s*:\s*(?=\u00a7)")
_NAME = r"(?:(?:[A-Z][\w.'\u2019&-]*|de|van|von|al)\s+){0,4}[A-Z][\w.'\u2019&-]*"
_GENERIC_POST = re.compile(
    rf"(?<=\u00a7)\s+(?:(?P<spk>{_NAME}|he|she|they|we|I)\s+(?:\w+\s+)?(?P<cue>[a-z]+(?:ed|s))\b"
    rf"|(?P<cue2>[a-z]+(?:ed|s))\s+(?P<spk2>{_NAME})\b)"
)
_SUBJECT = re.compile(
    rf"\s*(?:(?:but|and|so|yet|then|later|still)\s*,?\s+)?(?P<spk>{_NAME}|he|she|they|we|I|(?:the|a|an|his|her|their|its)\s+(?:[\w'\u2019-]+\s+){{0,3}}?[\w'\u2019-]+(?=\s+[a-z]+(?:ed|s)\b))",
    re.IGNORECASE,
)
_DET_SUBJECT = re.compile(
    r"(?:the|a|an|his|her|their|its)\s+(?:[\w'\u2019-]+\s+){0,3}?[\w'\u2019-]+(?=\s+[a-z]+(?:ed|s)\b|\s*,)",
    re.IGNORECASE,
)
#: ``(D-Wis.)``, ``(R-Utah)``: a party and state label after a legislator's name, blanked out of speaker phrases.
#: First words of a lower-case speaker phrase after its cue (``said one Democratic aide``).
_DETERMINERS = frozenset({"the", "a", "an", "one", "another", "two", "three", "several", "some", "many"})
#: ``…, asking, “Q?”`` / ``Clinton tweeting, “Q”``: a participle cue right before a quote (no comma needed before it).
_PARTICIPLE_QUOTE = re.compile(r"(?<![\w-])(?P<cue>[a-z]+ing)\s*[,:]?\s*(?=\u00a7)")
#: -ing words that are nouns or prepositions, never a speech participle before a quote (``At the briefing, “Q”``).
_ING_NOUNS = frozenset(
    {
        "meeting",
        "briefing",
        "hearing",
        "morning",
        "evening",
        "building",
        "funding",
        "spending",
        "ruling",
        "reading",
        "polling",
        "training",
        "timing",
        "thing",
        "nothing",
        "something",
        "anything",
        "everything",
        "king",
        "spring",
        "during",
        "bring",
        "string",
        "ring",
        "wing",
        "ceiling",
        "offering",
        "opening",
        "filing",
        "shooting",
        "bombing",
        "setting",
        "rating",
        "ending",
        "beginning",
        "feeling",
        "wedding",
        "being",
        "including",
        "regarding",
        "following",
    }
)
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
_PARTY = re.compile(r"\((?:[DRI]|Dem|Rep|Ind)\s*-\s*[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)?\)")
#: ``“Q.” ― Jane Doe`` (vox-pop lists, epigraphs): a quote, a dash or horizontal bar, a name ending the sentence.
_DASH_SPEAKER = re.compile(
    r"(?<=\u00a7)[\s.,]*(?P<cue>[\u2015\u2014]|--)\s*(?P<spk>[A-Z][\w.'\u2019-]*(?:\s+(?:[A-Z][\w.'\u2019-]*|de|van|von|al)){0,5})"
    r"(?:,[^\u00a7]{0,80})?\s*$"
)
_POSTPOSED_END = (",", MASK, "\u2014", "\u2013", "-", "?", "!", ":")
_BASE_CONFIDENCE: dict[QuoteKind, float] = {"direct": 0.95, "mixed": 0.85, "indirect": 0.75}


@dataclass(frozen=True, slots=True)
class Attribution:
    """One attribution found in a field, before speaker resolution (offsets into that field's text)."""

    field: TextField
    fragments: tuple[Span, ...]
    cue: Span
    speaker: Span | None
    learned: float | None = None  # for a learned cue's: the filter's probability that the content is right

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]

    def content(self, text: str) -> str:
        """The content: its fragments joined by one space."""
        return " ".join(text[s:e] for s, e in self.fragments)

    def strings(self, text: str) -> tuple[str, str, str | None]:
        """(content, cue, speaker) as text: the attribution read back out of its field."""
        speaker = text[self.speaker[0] : self.speaker[1]] if self.speaker else None
        return self.content(text), text[self.cue[0] : self.cue[1]], speaker


def quote_kind(content: str) -> QuoteKind:
    """``direct`` / ``mixed`` / ``indirect`` by the quote marks of ``content`` (the PolNeAR heuristic)."""
    t = content.strip()
    if t.startswith(("\u201c", '"', "''", "``", "\u00ab", "\u2018")) and t.endswith(
        ("\u201d", '"', "''", "\u00bb", "\u2019")
    ):
        return "direct"
    if any(q in t for q in ("\u201c", "\u201d", '"', "''", "``", "\u00ab", "\u00bb")):
        return "mixed"
    return "indirect"


# --------------------------------------------------------------------------- speaker phrases


def _speaker_before(m: str, pos: int, pats: CuePatterns) -> Span | None:
    """The speaker phrase ending right before ``pos`` of the masked sentence ``m`` (relative offsets)."""
    tokens = list(_TOKEN.finditer(m, 0, pos))
    picked: list[re.Match[str]] = []
    gap_end = pos
    for tok in reversed(tokens):
        if m[tok.end() : gap_end].strip() or MASK in tok.group():
            break
        word = tok.group().lower()
        if word in pats.pronouns:
            if not picked:
                picked.append(tok)
            break
        if word in pats.stops or len(picked) >= _MAX_SPEAKER_TOKENS:
            break
        picked.append(tok)
        gap_end = tok.start()
    while picked and picked[-1].group().lower() in _PREPOSITIONS:
        picked.pop()
    while len(picked) > 1 and picked[0].group().endswith("ly") and picked[0].group().islower():
        picked.pop(0)  # "Ng immediately posted": an adverb before the cue is not part of the speaker
    if not picked or _not_speaker_end(picked[0].group()):
        return None
    return picked[-1].start(), picked[0].end()


#: Words a speaker phrase never ends with: the cue word after them is a noun or an adjective
#: (``the states``, ``five other states``, ``the first reports``).
_NOT_SPEAKER_END = frozenset(
    {"the", "a", "an", "this", "these", "those", "every", "each", "no", "any", "other", "own", "new", "key", "swing",
     "early", "first", "last", "such", "initial", "recent", "latest", "earlier", "previous", "conflicting",
     "unconfirmed", "multiple", "numerous", "separate", "similar"}
)


#: The phrase between a closing quote and its cue: ``“Q,” a narrator in the ad asks``.
_AFTER_QUOTE = re.compile(r"\u00a7[,?!]?\s+(?P<spk>[^,;:.?!\u00a7\u2014\u2013()]+?)\s*$")


def _speaker_after_quote(m: str, start: int, pos: int, pats: CuePatterns) -> Span | None:
    """The whole phrase between the last quote before ``pos`` and the cue at ``pos``, when it reads as a speaker:
    at most 12 words, opening with a determiner or a capital, and none of the speaker stops (verbs, ``and``,
    ``that``…) but ``in`` and ``on``."""
    q = m.rfind(MASK, start, pos)
    if q < 0 or (a := _AFTER_QUOTE.match(m, q, pos)) is None:
        return None
    words = a.group("spk").split()
    if not words or len(words) > 12 or not (words[0][0].isupper() or words[0].lower() in _DETERMINERS):
        return None
    if any(w.lower() in pats.stops and w.lower() not in ("in", "on") for w in words):
        return None
    return a.span("spk")


def _not_speaker_end(word: str) -> bool:
    return word.lower() in _NOT_SPEAKER_END


_ACCORDING_SOURCE = re.compile(r"\s+(?P<spk>[^,;:()\u00a7\u2014]{3,90}?)\s*(?=[,;:\u2014]|\.?$)")


def _according_source(m: str, pos: int) -> Span | None:
    """The source after ``according to`` when it is not a name: ``according to people familiar with the plan``."""
    a = _ACCORDING_SOURCE.match(m, pos)
    if a is None or len(a.group("spk").split()) > 12:
        return None
    return a.span("spk")


def _speaker_after(m: str, pos: int, pats: CuePatterns) -> Span | None:
    """The speaker phrase starting right after ``pos`` of the masked sentence ``m`` (``…, said Harris``)."""
    picked: list[re.Match[str]] = []
    gap_start = pos
    for tok in _TOKEN.finditer(m, pos):
        if m[gap_start : tok.start()].strip() or MASK in tok.group():
            break
        word = tok.group().lower()
        if word in pats.pronouns and not picked:
            return tok.start(), tok.end()
        if word in pats.stops or len(picked) >= _MAX_SPEAKER_TOKENS:
            break
        picked.append(tok)
        gap_start = tok.end()
        if (
            tok.group().endswith(".")
            and tok.group().lower().rstrip(".") not in ("mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "u.s")
            and not _INITIALS.fullmatch(tok.group())
        ):
            break
    while picked and picked[-1].group().lower() in _PREPOSITIONS:
        picked.pop()
    if not picked or not (picked[0].group()[0].isupper() or picked[0].group().lower() in _DETERMINERS):
        return None
    end = picked[-1].end()
    if m[end - 1] == "." and picked[-1].group().lower().rstrip(".") not in ("mr", "mrs", "ms", "dr", "jr", "sr"):
        end -= 1
    return picked[0].start(), end


# --------------------------------------------------------------------------- content spans


def _subject(m: str, pos: int, pats: CuePatterns) -> Span | None:
    """The subject at ``pos`` of the masked sentence: a name, a pronoun or a short ``the …`` phrase."""
    s = _SUBJECT.match(m, pos)
    if s is None:
        return None
    a, b = s.span("spk")
    words = m[a:b].split()
    if (
        words[0][0].islower()
        and words[0].lower() not in pats.pronouns
        and words[0].lower() not in ("the", "a", "an", "his", "her", "their", "its")
    ):
        return None
    if words[0].lower() in pats.stops:
        return None
    if words[0].lower() in ("the", "a", "an", "his", "her", "their", "its"):
        # the case-blind name pattern also takes "The mayor cancelled the fair": keep the phrase before its verb
        d = _DET_SUBJECT.match(m, a)
        if d is not None:
            return d.span()
    if (
        words[0][0].isupper()
        and words[0].lower() not in _DETERMINERS
        and words[0].lower() not in ("his", "her", "their", "its")
    ):  # the name pattern is matched case-blind: end it at its first lower-case word
        for w in re.finditer(r"\S+", m[a:b]):
            if w.start() and w.group()[0].islower() and w.group() not in ("de", "van", "von", "al"):
                return a, _trim(m, a, a + w.start())[1]
    return a, b


def _apposed_speaker(m: str, start: int, pos: int, pats: CuePatterns) -> tuple[Span, Span] | None:
    """``“Q,” Jane Doe, a professor at X, said``: the speaker before an apposition, and the content before it."""
    last = m.rfind(MASK, start, pos)
    if last < 0:
        return None
    speaker = _subject(m, last + 1, pats)
    if speaker is None or not m[speaker[1] :].lstrip().startswith(","):
        return None
    return speaker, _trim(m, start, last + 1)


def _ends_clause(m: str, pos: int) -> bool:
    """Whether a postposed speaker ending at ``pos`` closes its clause (end, comma, or a time phrase then end)."""
    rest = m[_SKIP_AFTER_CUE.match(m, pos).end() :].lstrip()  # type: ignore[union-attr]
    return not rest or rest[0] in ".,;:!?)\u2014\u2013-" or rest.startswith(MASK)


def _name_before_comma(m: str, start: int, pos: int) -> bool:
    """Whether ``m[start:pos]`` ends with ``, Sam Ng,`` (a name set off by commas: an apposition before a cue)."""
    head = m[start:pos].rstrip().removesuffix(",")
    comma = head.rfind(",")
    words = head[comma + 1 :].split()
    return comma >= 0 and 0 < len(words) <= 4 and all(w[0].isupper() for w in words)


def _apposition_subject(m: str, start: int, pos: int, pats: CuePatterns) -> Span | None:
    """The speaker of ``In a statement, her lawyer, Sam Ng, said …`` / ``Ng, a former aide, said …``: the last
    comma-separated phrase before ``pos`` that starts with a capitalised word (a name), at most 7 words."""
    seg_end = pos
    for comma in [start - 1, *(i for i in range(start, pos) if m[i] == ",")][::-1]:
        a, b = _trim(m, comma + 1, seg_end)
        words = m[a:b].split()
        if (
            words
            and 0 < len(words) <= _MAX_SPEAKER_TOKENS
            and words[0][0].isupper()
            and words[0].lower() not in pats.stops
            and (sub := _subject(m, a, pats)) is not None
            and sub[1] <= b
        ):
            return a, b
        seg_end = comma
    return None


def _speech_gerund(m: str, c: re.Match[str]) -> bool:
    """An unlisted ``-ing`` verb set off by commas before a quote: ``…, tweeting, “Q”``, ``…, chanting: “Q”``."""
    word = c.group("cue").lower()
    before = m[: c.start("cue")].rstrip()
    return word not in _ING_NOUNS and before.endswith((",", ";")) and m[c.end("cue") : c.end()].strip() in (",", ":")


_COORD = re.compile(
    r"(?:\s*[,;]\s*|\s+[\u2014\u2013-]+\s*|\s+)(?:and|but|though|although|whereas)\s+(?:then\s+|also\s+)?$", re.IGNORECASE
)
_COORD_ONLY = re.compile(r"\s*(?:[,;]\s*|[\u2014\u2013-]+\s*)?(?:and|but)\s+(?:then\s+|also\s+)?", re.IGNORECASE)


_COMMA_COORD = re.compile(r"\s*[,;]\s*(?:(?:and|but|though|although|while|whereas|even\s+as)\s+)?$", re.IGNORECASE)


def _forward_stop(m: str, pos: int, events: list[tuple[int, str, re.Match[str]]], pats: CuePatterns) -> int:
    """Where a content read forward from ``pos`` ends: the sentence end, a semicolon, or a coordinated attribution
    of its own (``… and warned that …``, ``— and he noted that …``, ``, citing …``)."""
    stop = len(m)
    if (semi := m.find(";", pos)) != -1:
        stop = semi
    for start, kind, c in events:
        if start <= pos or start >= stop:
            continue
        if kind == "participle" or (kind == "according" and m[:start].rstrip().endswith(",")):
            return c.start()
        if kind == "cue":
            ms = c.start("mods") if c.group("mods") else c.start("cue")
            spk = _speaker_before(m, ms, pats)
            head = spk[0] if spk is not None and m[spk[0] : spk[1]].lower() in pats.pronouns else ms
            if (coord := _COORD.search(m, pos, head)) is not None:
                return coord.start()
            if spk is not None and (coord := _COMMA_COORD.search(m, pos, spk[0])) is not None:
                return coord.start()  # "…, but Ng said the bank …" / "…, Lee said it …": a new speaker's clause
    if (rel := _WHERE_USING.search(m, pos, stop)) is not None and MASK not in m[rel.start() : stop]:
        stop = rel.start()
    if (adv := _TRAILING_VENUE.search(m, pos, stop)) is not None and adv.start() > pos:
        return adv.start()
    return stop


#: Where an object ends (``pats.objects``): a preposition, a time word, a conjunction or a comma after it.
_AFTER_OBJECT = re.compile(
    r"\s+(?:in|at|during|on|over|after|before|for|with|by|as|last|this|early|late|earlier|when|while|but|and)\b|\s*[,;(]",
    re.IGNORECASE,
)

#: A subordinating word right before a speaker (``Even as Ng said …``, ``When the bank announced …``): the clause
#: it opens is fronted, so the content read forward ends at the clause's comma.
_SUBORDINATE = re.compile(
    r"(?:^|[,;\s])(?:as|while|although|though|when|whenever|after|before|because|since|if|once)$", re.IGNORECASE
)

#: A place's relative clause or a method tacked on after the content (``Polls show a close race in the state,
#: where 18 votes are up for grabs``, ``…, using an average of polls``).
_WHERE_USING = re.compile(r",\s+(?:where|using)\s")

#: Where and when it was said, ending a content read forward (``… called for more investment in a statement on
#: Thursday``): part of the cue's circumstances, not of what was said.
_TRAILING_VENUE = re.compile(
    rf"\s+(?:(?:in|during)\s+(?:a|an|his|her|their|its|the)\s+(?:[\w-]+\s+)?{_VENUE}|on\s+(?:twitter|facebook|instagram))"
    rf"(?:\s+(?:on|last|this)\s+\w+)?\s*[.!?]?\s*$|\s+on\s+{_WEEKDAY}\s*[.!?]?\s*$",
    re.IGNORECASE,
)


#: First words after a cue that open an adverbial, not a reported clause (``…, he said in remarks``).
_NOT_CLAUSE = frozenset(
    {"in", "at", "on", "of", "for", "with", "to", "during", "after", "before", "about", "from", "by", "as", "when",
     "while", "because", "via", "through", "without", "outside", "inside", "near", "over", "under", "into", "onto",
     "following", "amid", "among", "since", "until", "referring", "speaking", "who", "which", "whose", "where",
     "and", "but", "or", "so", "than", "then", "according", "this", "last", "late", "early", "earlier",
     "yesterday", "today", "tonight", "recently", "later", "repeatedly", "again", "also", "afterward", "afterwards"}
)


#: ``said in a 2015 call with donors that …``: an adverbial phrase between the cue and a ``that`` clause; not a
#: relative ``that`` (``in an interview that aired``), whose next word is a verb.
_ADVERBIAL_THAT = re.compile(
    r"\s+(?:in|on|at|during|via|through|after|before|while)\s+[^,;:()\u00a7\u2014]{2,70}?\s+(?P<that>that)\s+"
    r"(?!(?:was|were|is|are|will|would|had|has|have|could|can|ran|aired|appeared|included|came|took|made|followed)\b"
    r"|[a-z]+ed\b|(?!(?:his|this|its|us|has)\b)[a-z]+s\b)[\w\u00a7]",
)


def _adverbial_that(m: str, ce: int, pos: int) -> int | None:
    """The start of the ``that`` clause after an adverbial phrase at the cue's end ``ce`` or at ``pos`` (after the
    time and venue phrases): ``… during a call with donors that``, ``… in an interview on Friday at his office that``."""
    a = _ADVERBIAL_THAT.match(m, ce) or _ADVERBIAL_THAT.match(m, pos)
    return a.start("that") if a is not None else None


def _forward_clause(m: str, ce: int, cue: str, pats: CuePatterns) -> bool:
    """Whether a preposed content follows the cue ending at ``ce`` (``In May, Ng said the bank …``): a word that
    opens a clause right after it (time phrases skipped), not an adverbial (``…, Ng said in remarks``)."""
    pos = _SKIP_AFTER_CUE.match(m, ce).end()  # type: ignore[union-attr]
    if _adverbial_that(m, ce, pos) is not None:
        return True
    w = _WORD.match(m, pos + 1) if m[pos : pos + 1] == " " else None
    if w is not None and w.group() == "to" and cue.lower() in pats.to_verbs and _TO_NEXT.match(m, pos):
        return True  # "In the end, Ng agreed to lend …": the infinitive is the content
    if w is None or w.group().lower() in _NOT_CLAUSE or w.group().lower() in pats.participle_words:
        return False
    start = _forward_start(m, ce, cue, pats)
    stop = min(i for i in (m.find(",", start), m.find(";", start), len(m)) if i >= 0)
    return len(_WORD.findall(m[start:stop])) >= 3


_AND_CUE = re.compile(r"[^\s,;\u00a7]\s+and\s+(?:then\s+|also\s+|later\s+)?$", re.IGNORECASE)
_LEAD_IN = re.compile(r"\s*(?:[A-Z][a-z]*\s+)?(?:in|at|on|during|after|before|for|with|from|by|speaking|asked)\b[^,\u00a7]{0,60},\s*", re.IGNORECASE)


def _sentence_subject(m: str, start: int, end: int, pats: CuePatterns) -> Span | None:
    """The subject opening the clause at ``start`` (a lead-in like ``In his speech,`` skipped), if it ends before
    ``end`` and is followed by its verb (or an apposition): ``Ng met the families and said …``."""
    if (dateline := DATELINE.match(m, start, end)) is not None:
        start = dateline.end()  # "ORLANDO, Fla. (Reuters) - Obama met …"
    if (lead := _LEAD_IN.match(m, start, end)) is not None:
        start = lead.end()
    sub = _subject(m, start, pats)
    if sub is None or sub[1] >= end or m[sub[0] : sub[1]].lower() in ("we", "i"):
        return None
    return sub


def _has_content(m: str, start: int, end: int) -> bool:
    seg = m[start:end]
    return MASK in seg or len(_WORD.findall(seg)) >= 2


def _trim(m: str, start: int, end: int) -> Span:
    """Trim spaces, a leading connector and trailing separators (never a closing quote mark)."""
    while start < end and m[start].isspace():
        start += 1
    if m[start : start + 1] in ("(", "[") and not {")", "]"} & set(m[start:end]):
        start += 1  # "(The service is rarely full, Ng said.)": the bracket the sentence opens with is not content
    if (c := _CONNECTOR.match(m, start, end)) is not None and c.end() < end:
        start = c.end()
    while end > start and (m[end - 1].isspace() or m[end - 1] in ",;:\u2014\u2013-."):
        end -= 1
    return start, end


def _quote_only(m: str, start: int, end: int, lead_words: int = 0) -> Span:
    """A content that ends with a quote after a lead-in (``As for costs, “Q,” said X``, ``X told CBS, “Q”``) is the
    quote alone: the lead-in must end with ``,``, ``:`` or a dash. ``lead_words`` > 0 caps the lead-in's length."""
    q0 = end
    while q0 > start and (m[q0 - 1] == MASK or m[q0 - 1].isspace()):
        q0 -= 1
    while q0 < end and m[q0].isspace():
        q0 += 1
    if q0 >= end or q0 == start or m[end - 1] != MASK:
        return start, end
    lead = m[start:q0].rstrip()
    if not lead.endswith((",", ":", "\u2014", "--", "\u2013")) or MASK in lead:
        return start, end
    if lead_words and len(_WORD.findall(lead)) > lead_words:
        return start, end
    return q0, end


def _leading_quote(m: str, start: int, end: int) -> Span:
    """``X says, “Q,” until …``: a content opening with a quote that a comma closes is the quote alone."""
    q1 = start
    while q1 < end and (m[q1] == MASK or m[q1].isspace()):
        q1 += 1
    while q1 > start and m[q1 - 1].isspace():
        q1 -= 1
    if q1 == start or q1 >= end or m[start] != MASK or MASK in m[q1:end]:
        return start, end
    return (start, q1) if m[q1:end].lstrip().startswith((",", "\u2014", "--")) else (start, end)


def _forward_start(m: str, pos: int, cue: str, pats: CuePatterns) -> int:
    """Where the content starts after a preposed cue ending at ``pos`` (time phrases, listener, ``that`` skipped)."""
    ce, pos = pos, _SKIP_AFTER_CUE.match(m, pos).end()  # type: ignore[union-attr]
    if (clause := _adverbial_that(m, ce, pos)) is not None:
        return clause
    if cue.lower() in pats.listeners:
        if (t := _LISTENER_THAT.match(m, pos)) is not None and MASK not in t.group() and "," not in t.group():
            return t.end()
        if (lst := _LISTENER.match(m, pos)) is not None and lst.group().strip().lower() not in ("that", "the"):
            pos = lst.end() - 1
            pos = _SKIP_AFTER_CUE.match(m, pos).end()  # type: ignore[union-attr]
    return _THAT.match(m, pos).end()  # type: ignore[union-attr]


def _extend_over_quotes(quotes: list[Span], start: int, end: int) -> Span:
    """Widen a content span whose ends fall inside a quoted span (multi-paragraph quotes) to the whole quote."""
    q = inside(quotes, start + 1)
    if q is not None and q[0] < start:
        start = q[0]
    q = inside(quotes, end - 1)
    if q is not None and q[1] > end:
        end = q[1]
    return start, end


def _masked_sentence(text: str, start: int, end: int, quotes: list[Span]) -> str:
    """The sentence ``text[start:end]`` as the patterns read it: quotes masked, party labels (``(D-Va.)``) blanked."""
    return _PARTY.sub(lambda p: " " * len(p.group()), masked(text, quotes, start, end))


def _quotes_and_sentences(text: str) -> tuple[list[Span], list[Span]]:
    """The quoted spans of ``text`` and its sentences as the patterns read them (short tails merged)."""
    quotes = quote_spans(text)
    return quotes, _merge_tails(text, sentences(text, quotes), patterns())


def masked_sentences(text: str) -> list[tuple[int, str]]:
    """``(start, masked sentence)`` of every sentence of ``text``, as :func:`find_attributions` reads them."""
    quotes, sents = _quotes_and_sentences(text)
    return [(s, _masked_sentence(text, s, e, quotes)) for s, e in sents]


#: Words between a speaker and a learned cue: auxiliaries and adverbs (``Ng has long opposed``).
_AUXILIARIES = frozenset(
    {"has", "have", "had", "is", "are", "was", "were", "be", "been", "being", "will", "would", "could", "can",
     "may", "might", "should", "must", "also", "not", "never", "still", "already", "just", "do", "does", "did",
     "now", "again", "long", "once", "even", "only"}
)
_FUNCTION_CUE_WORDS = frozenset(
    {"to", "for", "about", "that", "of", "on", "in", "with", "as", "by", "from", "against", "and", "the", "a"}
)
_NEXT_WORD = re.compile(r"\s+[a-z][\w'\u2019-]*")


def _auxiliary(word: str) -> bool:
    return word in _AUXILIARIES or (word.endswith("ly") and word.islower())


#: Where a content read forward from a learned cue ends, short of the sentence end: a new clause.
_LEARNED_STOP = re.compile(
    r",(?!\s*\u00a7)|;|\s[\u2014\u2013\u2015]\s|\s--\s"
    r"|\s(?:and|but)\s+(?=(?:has|have|had|is|was|will|would|said|says|then|also)\b)"
    r"|\s(?:on|last|this)\s+(?=(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|month|year)\b)"
)


def _learned_attributions(
    m: str, spans: list[tuple[int, int, float]], pats: CuePatterns
) -> list[tuple[Span, Span, Span | None, float]]:
    """``(content, cue, speaker, probability)`` (offsets in ``m``) for the learned cue words ``spans`` of a masked
    sentence: adjacent cue words join one cue (its probability the highest); the speaker is the phrase before it
    (auxiliaries and adverbs skipped) or else the sentence's subject, the content the clause after it, or the
    clause before ``, X <cue>`` when nothing follows."""
    runs: list[tuple[int, int, float]] = []
    for s, e, p in spans:
        if runs and not m[runs[-1][1] : s].strip():
            runs[-1] = (runs[-1][0], e, max(p, runs[-1][2]))
        else:
            runs.append((s, e, p))
    out: list[tuple[Span, Span, Span | None, float]] = []
    for cs, ce, p in runs:
        while (w := _NEXT_WORD.match(m, ce)) is not None and _auxiliary(m[cs:ce].split()[-1]):
            ce = w.end()  # "have long" + "opposed": the verb after the auxiliaries the model took
        if all(w in _FUNCTION_CUE_WORDS for w in m[cs:ce].lower().split()):
            continue  # "to", "for" alone: the cue word of a longer cue the model did not take
        head = cs
        while (w := re.search(r"([A-Za-z]+)\s+$", m[:head])) is not None and _auxiliary(w.group(1)):
            head = w.start(1)
        speaker = _speaker_before(m, head, pats) or _sentence_subject(m, 0, head, pats)
        content_start = _forward_start(m, ce, m[cs:ce], pats)
        stop = _LEARNED_STOP.search(m, content_start)
        stop_at = stop.start() if stop else len(m)
        if _has_content(m, content_start, stop_at):
            content = _trim(m, content_start, stop_at)
        elif speaker is not None and m[: speaker[0]].rstrip().endswith(",") and _has_content(m, 0, speaker[0]):
            content = _trim(m, 0, speaker[0])
        else:
            continue
        out.append((content, (cs, ce), speaker, p))
    return out


def learned_candidates(
    text: str,
    start: int,
    end: int,
    quotes: list[Span],
    cues: CueModel,
    found: list[tuple[Span, Span, Span | None]],
    rests: Sequence[Span] = (),
) -> list[tuple[tuple[Span, Span, Span | None], list[str]]]:
    """The attributions the learned cues add to the sentence ``text[start:end]`` (absolute offsets), each with its
    :func:`~streams.enrich.quote_cue_model.attribution_features`, before the model's filter; ``found`` are the
    patterns' attributions of the sentence, which the learned ones never touch."""
    m = _masked_sentence(text, start, end, quotes)
    # Attributions nested in a pattern's content (``Ng said Lee wants to …``) are left out: on PolNeAR dev,
    # adding them cost more in precision than they won in recall.
    taken = [(s - start, e - start) for content, cue, _ in found for s, e in (content, cue)]
    taken += [(s - start, e - start) for s, e in rests]
    spans = [c for c in cues.cues(m) if not any(a <= c[0] < b for a, b in taken)]
    out = []
    for content, cue, speaker, p in _learned_attributions(m, spans, patterns()) if spans else ():
        if any(s < content[1] and content[0] < e for s, e in taken):
            continue
        spans_abs = (
            (start + content[0], start + content[1]),
            (start + cue[0], start + cue[1]),
            (start + speaker[0], start + speaker[1]) if speaker else None,
        )
        out.append((spans_abs, attribution_features(m, content, cue, speaker, p)))
    return out


def learned_candidates_of(text: str, cues: CueModel) -> list[tuple[tuple[Span, Span, Span | None], list[str]]]:
    """:func:`learned_candidates` of every sentence of ``text`` (training the filter reads these)."""
    pats = patterns()
    quotes, sents = _quotes_and_sentences(text)
    out = []
    for s, e in sents:
        found = _attributions_in(text, s, e, quotes, pats)
        out += learned_candidates(text, s, e, quotes, cues, found, list(_rests(text, quotes, e, found, pats).values()))
    return out


def _with_learned(
    found: list[tuple[Span, Span, Span | None]],
    candidates: list[tuple[tuple[Span, Span, Span | None], list[str]]],
    cues: CueModel,
    right: dict[Span, float],
) -> list[tuple[Span, Span, Span | None]]:
    """``found`` (the patterns' attributions of a sentence) plus the :func:`learned_candidates` that the model's
    filter keeps, first come first served: one whose cue or content falls inside an earlier one is dropped too.
    Each kept one's filter probability goes into ``right``, keyed by its cue."""
    extra: list[tuple[Span, Span, Span | None]] = []
    for a, feats in candidates:
        if (p := cues.right(feats)) >= cues.filter_threshold and not any(_crosses(a, b) for b in extra):
            extra.append(a)
            right[a[1]] = p
    return sorted(found + extra, key=lambda a: a[0][0]) if extra else found


def _crosses(a: tuple[Span, Span, Span | None], b: tuple[Span, Span, Span | None]) -> bool:
    """Whether two attributions share text: a cue or a content of one inside a cue or a content of the other."""
    return any(s1 < e2 and s2 < e1 for s1, e1 in a[:2] for s2, e2 in b[:2])


def _attributions_in(
    text: str, start: int, end: int, quotes: list[Span], pats: CuePatterns
) -> list[tuple[Span, Span, Span | None]]:
    """``(content, cue, speaker)`` spans (absolute offsets) of the sentence ``text[start:end]``."""
    m = _masked_sentence(text, start, end, quotes)
    events: list[tuple[int, str, re.Match[str]]] = [(c.start("cue"), "asked", c) for c in _ASKED.finditer(m)]
    events += [(c.start("cue"), "cue", c) for c in _cue_matches(m, pats)]
    events += [(c.start("cue"), "according", c) for c in pats.according.finditer(m)]
    events += [(c.start("cue"), "participle", c) for c in pats.participle.finditer(m)]
    events += [(c.start("cue"), "colon", c) for c in _COLON.finditer(m)]
    events += [(c.start(), "generic", c) for c in _GENERIC_POST.finditer(m)]
    events += [(c.start("cue"), "dash", c) for c in _DASH_SPEAKER.finditer(m)]
    events += [(c.start("cue"), "raising", c) for c in _RAISING.finditer(m)]
    if (poll := _POLL.match(m)) is not None:
        events.append((poll.start("cue"), "poll", poll))
    events += [
        (c.start("cue"), "participle", c)
        for c in _PARTICIPLE_QUOTE.finditer(m)
        if (c.group("cue").lower() in pats.participle_words or _speech_gerund(m, c))
        and not any(e[1] == "participle" and e[0] == c.start("cue") for e in events)
    ]
    events.sort(key=lambda e: e[0])
    found: list[tuple[Span, Span, Span | None]] = []
    consumed = 0
    last_speaker: Span | None = None
    for _, kind, c in events:
        cs, ce = c.span("cue") if kind != "generic" else c.span()
        if cs < consumed:
            continue
        cue_span = (cs, ce)
        content: Span | None = None
        speaker: Span | None = None
        if kind == "asked":
            stop = re.search(r"[,;:.?!\u00a7\u2014]", m[c.end() :])
            stop_at = c.end() + stop.start() if stop else len(m)
            if not _has_content(m, c.end(), stop_at):
                continue
            speaker = c.span("spk") if c.group("spk") else None
            if speaker is None and c.start() == c.start("cue"):
                speaker = _speaker_before(m, c.start("cue"), pats)  # "Ng asked whether …"
            content = _trim(m, c.end(), stop_at)
            consumed = content[1]
        elif kind == "according":
            speaker = _speaker_after(m, ce, pats) or _according_source(m, ce)
            if speaker is None:
                continue
            head = m[consumed:cs].strip()
            if consumed and head in ("", ",") and found:
                # "Ng intended to sell the site, according to a lawsuit": the whole clause is the lawsuit's account
                content = _trim(m, 0, cs)
            elif not head or _CONNECTOR.match(head + " ") or head.lower() in ("but", "and"):
                comma = m.find(",", speaker[1])
                if comma != -1 and _has_content(m, comma + 1, len(m)):
                    content = _trim(m, comma + 1, len(m))
            elif _has_content(m, consumed, cs):
                content = _trim(m, consumed, cs)
            if content is None:
                continue
            consumed = max(content[1], speaker[1])
        elif kind == "raising":
            seg = max(m.rfind(ch, consumed, cs) for ch in ",;:(\u00a7\u2014")
            subj = _trim(m, max(seg + 1, consumed), cs)
            content_start = c.end()
            stop_at = _forward_stop(m, content_start, events, pats)
            n_subj = len(_WORD.findall(m[subj[0] : subj[1]]))
            if not 0 < n_subj <= 12 or not _has_content(m, content_start, stop_at):
                continue
            content = (subj[0], _trim(m, content_start, stop_at)[1])
            consumed = stop_at
        elif kind == "poll":
            speaker = c.span("spk")
            stop_at = _forward_stop(m, c.end(), events, pats)
            if not _has_content(m, c.end(), stop_at):
                continue
            content = _trim(m, c.end(), stop_at)  # not consumed: "In a poll, 40% said …" holds the said clause too
        elif kind == "dash":
            if not _has_content(m, consumed, cs):
                continue
            speaker = c.span("spk")
            content = _trim(m, consumed, c.start())
            consumed = len(m)
        elif kind in ("colon", "generic"):
            stop = re.search(r"[,.;:!?\u00a7]", m[c.end() :])
            clause_end = c.end() + stop.start() if stop else len(m)
            if any(e[1] == "cue" and c.start() <= e[2].start("cue") < clause_end for e in events):
                continue  # a listed cue already covers this clause
            if kind == "colon":
                speaker = _subject(m, c.start(), pats)
                if speaker is None or speaker[0] > cs:
                    continue
                cue_span = (max(cs, speaker[1]), ce) if ce > speaker[1] else (ce - 1, ce)
                cue_span = _trim(m, *cue_span) if m[cue_span[0] : cue_span[1]].strip(" :") else (ce - 1, ce)
                content = _trim(m, c.end(), len(m))
            else:
                inverted = c.group("cue2") is not None
                speaker = c.span("spk2") if inverted else c.span("spk")
                cue_span = c.span("cue2") if inverted else c.span("cue")
                content = _quote_only(m, *_trim(m, consumed, c.start()))
                ce = cue_span[1]
            consumed = max(content[1], ce)
        elif kind == "participle":
            speaker = _speaker_before(m, cs, pats) if m[cs - 1 : cs] == " " else None  # "footage of Ng asking, “Q”"
            speaker = speaker or last_speaker or _subject(m, 0, pats)
            if speaker is None:
                continue
            content_start = _forward_start(m, ce, c.group("cue"), pats)
            stop_at = _forward_stop(m, content_start, events, pats)
            if not _has_content(m, content_start, stop_at):
                continue
            content = _quote_only(m, *_trim(m, content_start, stop_at), lead_words=4)
            consumed = stop_at
        else:
            ms = c.start("mods") if c.group("mods") else cs
            if c.group("cue").lower() in pats.strict and not _STRICT_NEXT.match(m, ce):
                continue  # "the states", "pledged delegates", "the rally continues"
            if c.group("cue").lower() in pats.infinitive and not _TO_NEXT.match(m, ce):
                continue  # "Ng wants a recount" is not reported; "Ng wants to recount the votes" is
            if c.group("cue").lower() in ("show", "shows") and _SHOW_NOUN.search(m, 0, cs):
                continue  # "his radio show", "Ng's show": the noun
            if (other := _OTHER_SENSE.get(c.group("cue").lower())) is not None and other.match(m, ce):
                continue  # "found himself", "showed up", "think tank", "added 292,000 jobs": not speech
            if c.group("cue").lower() in _PLURAL_NOUN_CUES and _QUANTIFIER_BEFORE.search(m, 0, cs):
                continue  # "all 50 states", "some states", "two reports": the plural noun
            speaker = _speaker_before(m, ms, pats)
            if (whole := _speaker_after_quote(m, consumed, ms, pats)) is not None and (speaker is None or whole[0] < speaker[0]):
                speaker = whole  # "“Q,” the head of the union at the plant said": the whole phrase after the quote
            before = m[consumed : speaker[0] if speaker else ms].rstrip()
            quote_next = _QUOTE_NEXT.match(m, _SKIP_AFTER_CUE.match(m, ce).end()) is not None  # type: ignore[union-attr]
            if quote_next and speaker is None and "," in m[consumed:ms]:
                speaker = _subject(m, consumed, pats)  # "Smith, a former aide, wrote: “…”"
                before = ""
            if speaker is not None and before.endswith(MASK) and _has_content(m, consumed, len(before) + consumed):
                content = _quote_only(m, *_trim(m, consumed, consumed + len(before)))
                consumed = ce
            elif speaker is not None and quote_next:
                content = _leading_quote(m, *_trim(m, _forward_start(m, ce, c.group("cue"), pats), len(m)))
                consumed = len(m)
            elif (
                speaker is not None
                and before.endswith(_POSTPOSED_END)
                and _has_content(m, consumed, len(before) + consumed)
                and not (before.endswith((",", ":")) and _forward_clause(m, ce, c.group("cue"), pats))
            ):
                content = _quote_only(m, *_trim(m, consumed, consumed + len(before)))
                consumed = ce
            elif speaker is not None and (not before or before[-1].isalnum() or before.endswith((",", ":"))):
                content_start = _forward_start(m, ce, c.group("cue"), pats)
                stop_at = _forward_stop(m, content_start, events, pats)
                if _SUBORDINATE.search(before) and (comma := m.find(",", content_start, stop_at)) != -1:
                    stop_at = comma  # "Even as Ng said that A, the bank …": the fronted clause ends at its comma
                is_object = c.group("cue").lower() in pats.objects
                if is_object and (pp := _AFTER_OBJECT.search(m, content_start + 1, stop_at)):
                    stop_at = pp.start()  # "Ng endorsed Lee at a rally on Sunday": the object is the content
                if not (_has_content(m, content_start, stop_at) or (is_object and _WORD.search(m, content_start, stop_at))):
                    continue  # an object may be one word: "Ng endorsed Lee"
                content = _quote_only(m, *_trim(m, content_start, stop_at), lead_words=4)
                consumed = stop_at
            elif speaker is None and last_speaker is not None and _COORD_ONLY.fullmatch(m[consumed:ms]):
                speaker = last_speaker  # "…, and said a curfew would continue": the subject of the clause before
                content_start = _forward_start(m, ce, c.group("cue"), pats)
                stop_at = _forward_stop(m, content_start, events, pats)
                if not _has_content(m, content_start, stop_at):
                    continue
                content = _trim(m, content_start, stop_at)
                consumed = stop_at
            elif speaker is None and _AND_CUE.search(m, consumed, ms) and (
                speaker := last_speaker or _sentence_subject(m, consumed, ms, pats)
            ):
                # "Ng met the families and said the city must act": the subject of the sentence said it
                content_start = _forward_start(m, ce, c.group("cue"), pats)
                stop_at = _forward_stop(m, content_start, events, pats)
                if not _forward_clause(m, ce, c.group("cue"), pats) or not _has_content(m, content_start, stop_at):
                    continue
                content = _quote_only(m, *_trim(m, content_start, stop_at), lead_words=4)
                consumed = stop_at
            elif (
                speaker is None
                and m[consumed:ms].rstrip().endswith(",")
                and (apposed := _apposed_speaker(m, consumed, ms, pats))
            ):
                speaker, content = apposed
                consumed = ce
            elif speaker is None and m[consumed:ms].rstrip().endswith(_POSTPOSED_END):
                speaker = _speaker_after(m, ce, pats)
                if speaker is None and MASK not in m[consumed:ms] and _forward_clause(m, ce, c.group("cue"), pats):
                    speaker = _apposition_subject(m, consumed, ms, pats)  # "Ng, a spokesman, said on Friday that …"
                    content_start = _forward_start(m, ce, c.group("cue"), pats)
                    stop_at = _forward_stop(m, content_start, events, pats)
                    if speaker is None or not _has_content(m, content_start, stop_at):
                        continue
                    content = _quote_only(m, *_trim(m, content_start, stop_at), lead_words=4)
                    consumed = stop_at
                elif (
                    speaker is not None
                    and MASK not in m[consumed:ms]
                    and (not _ends_clause(m, speaker[1]) or _name_before_comma(m, consumed, ms))
                ):
                    # not "…, said Smith." but "Smith, a former aide, said the bank …": the subject before the apposition
                    speaker = _apposition_subject(m, consumed, ms, pats)
                    content_start = _forward_start(m, ce, c.group("cue"), pats)
                    if speaker is None or not _has_content(m, content_start, len(m)):
                        continue
                    content = _quote_only(m, *_trim(m, content_start, len(m)), lead_words=4)
                    consumed = len(m)
                else:
                    if speaker is None or not _has_content(m, consumed, ms):
                        continue
                    content = _quote_only(m, *_trim(m, consumed, ms))
                    consumed = speaker[1]
            else:
                continue
        if content is None or content[1] <= content[0]:
            continue
        if kind == "cue" and c.group("cue").lower() in _NAMING and content[1] <= cs:
            continue  # a naming cue's content follows it: "…, Ng called in to the show" is not a quote
        if (
            speaker is not None
            and kind == "cue"
            and c.group("cue").lower() in _NAMING
            and (what := _WHAT.search(m, 0, speaker[0])) is not None
            and content[0] > cs
        ):
            content = (what.start(), content[1])  # "what she called “a disgrace”": PolNeAR keeps the "what"
        last_speaker = speaker
        found.append(
            (
                (start + content[0], start + content[1]),
                (start + cue_span[0], start + cue_span[1]),
                (start + speaker[0], start + speaker[1]) if speaker else None,
            )
        )
    return found


#: A poll as the source of its sentence: ``In a May Gallup poll, conducted by phone, Ng led by 5 points``.
_POLL = re.compile(
    r"\s*(?:(?:but|and|yet)\s+)?(?P<cue>in)\s+(?P<spk>[^,;:.\u00a7]{0,80}?\b(?:poll|polls|survey|surveys))\b"
    r"[^,;:.\u00a7]{0,60},\s*(?:(?:conducted|released|taken|published)\b[^,;:\u00a7]{0,60},\s*)?",
    re.IGNORECASE,
)


#: What follows a cue word when it is used in a sense other than speech.
_OTHER_SENSE: dict[str, re.Pattern[str]] = {
    **dict.fromkeys(
        ("found", "find", "finds"),
        re.compile(r"\s+(?:himself|herself|itself|themselves|myself|ourselves|yourself|yourselves)\b", re.IGNORECASE),
    ),
    **dict.fromkeys(("showed", "show", "shows"), re.compile(r"\s+up\b", re.IGNORECASE)),
    **dict.fromkeys(("think",), re.compile(r"\s+tanks?\b", re.IGNORECASE)),
    **dict.fromkeys(("added", "adds", "add"), re.compile(r"\s+(?:to\b|(?:about|around|nearly|more\s+than|some)?\s*\$?\d)", re.IGNORECASE)),
}
#: Cue words that are also plural nouns, and the quantifier before them that makes them the noun.
_PLURAL_NOUN_CUES = frozenset({"states", "reports", "shows", "claims", "calls", "notes", "remarks", "comments"})
_QUANTIFIER_BEFORE = re.compile(
    r"(?<![\w-])(?:some|several|many|most|both|few|all|various|\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten"
    r"|dozen)\s+$",
    re.IGNORECASE,
)

#: The word before ``show(s)`` when it is the noun (``the show``, ``her talk show``, ``Ng's show``).
_SHOW_NOUN = re.compile(
    r"(?<![\w-])(?:the|a|an|his|her|their|its|this|that|our|your|my|tv|talk|radio|news|game|morning|night|reality"
    r"|hour-?long|[\w-]+['\u2019]s)\s+$",
    re.IGNORECASE,
)


#: Naming cues (``X called Y “Z”``) and the ``what`` before their speaker (``what she called “Q”``).
_NAMING = frozenset({"called", "calls", "dubbed"})
_WHAT = re.compile(r"(?<![\w-])what\s+$", re.IGNORECASE)


#: Source-less raising cues (``The court is expected to rule``, ``Ng appears to lead``): the subject and the
#: infinitive are the content (PolNeAR: two fragments around the cue), no speaker.
_RAISING = re.compile(
    r"(?<![\w-])(?P<cue>(?:(?:is|are|was|were|be|been)\s+(?:not\s+|also\s+|widely\s+|now\s+)?expected"
    r"|(?:appears|appeared|seems|seemed)))\s+(?=to\s+[a-z])",
    re.IGNORECASE,
)


def _headline_case(m: str) -> bool:
    """Whether a sentence is set in headline case (``Graham Says Trump Could Address Clean Energy``): every word of
    four letters or more capitalised, at least four of them, so a capitalised cue word there is still a cue."""
    long_words = [w for w in _LETTERS.findall(m) if len(w) >= 4]
    return len(long_words) >= 4 and all(w[0].isupper() for w in long_words)


def _cue_matches(m: str, pats: CuePatterns) -> list[re.Match[str]]:
    """``pats.cue.finditer(m)``, but the (long) cue regex is tried only where a word could start a cue."""
    out: list[re.Match[str]] = []
    end = 0
    headline_case: bool | None = None  # computed at the first capitalised cue word, if any
    for w in _LETTERS.finditer(m):
        if w.start() < end or w.group().lower() not in pats.cue_starts:
            continue
        if (c := pats.cue.match(m, w.start())) is not None:
            if m[c.start("cue")].isupper() and m[: c.start()].strip(" " + MASK + "".join(OPENING_MARKS)):
                if headline_case is None:
                    headline_case = _headline_case(m)
                if not headline_case:
                    continue  # "the United States", "Fox News Reports": a capitalised cue word in a sentence is a name
            out.append(c)
            end = c.end()
    return out


def _pure_quote(text: str, quotes: list[Span], start: int, end: int) -> Span | None:
    """The quoted span that is the whole of ``text[start:end]`` (give or take a final mark), if any."""
    q = inside(quotes, start + 1)
    if q is None or q[0] != start:
        return None
    rest = text[q[1] : end].strip()
    return q if rest in ("", ".", ",") else None


def find_attributions(text: str, field: TextField = "body", cues: CueModel | None = None) -> list[Attribution]:
    """Every attribution of ``text`` (one field), in text order; ``cues`` adds the words it reads as cues."""
    pats = patterns()
    quotes, sents = _quotes_and_sentences(text)
    found = [_attributions_in(text, s, e, quotes, pats) for s, e in sents]
    rests = [_rests(text, quotes, e, f, pats) for (_, e), f in zip(sents, found, strict=True)]
    right: dict[Span, float] = {}
    if cues is not None:
        found = [
            _with_learned(f, learned_candidates(text, s, e, quotes, cues, f, list(r.values())), cues, right)
            for (s, e), f, r in zip(sents, found, rests, strict=True)
        ]
    for k in range(len(sents) - 1):
        if not found[k] and (lead := _colon_lead(text, quotes, sents[k], sents[k + 1], pats)) is not None:
            found[k] = [lead]
    if sents and not found[0] and (head := _headline_colon(text, sents[0])) is not None:
        found[0] = [head]
    out: list[Attribution] = []
    for k, (_, e) in enumerate(sents):
        for content, cue, speaker in found[k]:
            fragments = _around_cue(text, _extend_over_quotes(quotes, *content), cue, speaker)
            if (rest := rests[k].get(cue)) is not None:
                fragments.append(rest)  # "Rates fell, Ng said, and the bank would cut again."
            elif text[content[0] : content[0] + 2].startswith(OPENING_MARKS) and cue[0] > content[1]:
                # ``“A,” he said, “B.”`` then ``“C.”`` sentences of the same paragraph join the content
                tail = _after_cue_quote(text, quotes, max(speaker[1] if speaker else 0, cue[1]), e)
                if tail is not None:
                    fragments.append(tail)
                for k2 in range(k + 1, len(sents)):
                    s2, e2 = sents[k2]
                    if found[k2] or (q := _pure_quote(text, quotes, s2, e2)) is None:
                        break
                    if "\n" in text[fragments[-1][1] : s2]:
                        break  # a quote paragraph after it is a new attribution in PolNeAR as often as not
                    fragments.append(q)
            elif cue[0] > content[1] and inside(quotes, content[1] - 1) is not None and k + 1 < len(sents):
                # ``Ng “lost the vote,” Lee said. “He knows it.”``: a mixed content goes on in the quote after it
                s2, e2 = sents[k + 1]
                if not found[k + 1] and "\n" not in text[e:s2] and (q := _pure_quote(text, quotes, s2, e2)):
                    fragments.append(q)
            out.append(Attribution(field, tuple(fragments), cue, speaker, right.get(cue)))
    return out


def _rests(
    text: str, quotes: list[Span], end: int, found: list[tuple[Span, Span, Span | None]], pats: CuePatterns
) -> dict[Span, Span]:
    """The resumed rest (:func:`_interrupted_rest`) of each of a sentence's pattern attributions whose content
    comes before its cue, keyed by the cue; none when another attribution of the sentence follows that cue."""
    out: dict[Span, Span] = {}
    for content, cue, speaker in found:
        if (
            cue[0] > content[1]
            and not text[content[0] : content[0] + 2].startswith(OPENING_MARKS)
            and not any(c2[0] > cue[1] for _, c2, _ in found)
            and (rest := _interrupted_rest(text, quotes, max(speaker[1] if speaker else 0, cue[1]), end, pats))
            and (speaker is None or speaker[0] < cue[0] or (rest := _past_apposition(text, quotes, rest, end, pats)))
        ):
            out[cue] = rest
    return out


def _past_apposition(text: str, quotes: list[Span], rest: Span, end: int, pats: CuePatterns) -> Span | None:
    """The rest after an inverted speaker: itself when it resumes the content (:data:`_RESUMED`), else what
    resumes after the apposition it opens with (``A, said Ng, a historian, is that …``), else none."""
    if _RESUMED.match(text, rest[0]):
        return rest
    comma = text.find(",", rest[0], rest[1])
    after = _interrupted_rest(text, quotes, comma, end, pats) if comma != -1 else None
    return after if after is not None and _RESUMED.match(text, after[0]) else None


#: How the rest after an inverted speaker resumes the content (``A, said Ng, “B”``, ``A, says Ng, will fall``);
#: anything else there is an apposition (``…, said Ng, a professor at …``, ``…, says Ng, founder of …``).
_RESUMED = re.compile(
    r"[\"'\u201c\u2018]|(?:and|but|or|so|yet|is|are|was|were|will|would|could|can|should|may|might|must|has|have|had"
    r"|does|did|do)\b"
)


def _around_cue(text: str, content: Span, cue: Span, speaker: Span | None) -> list[Span]:
    """The content's fragments: one span, or the two around a source-less cue inside it (``The court // to rule``)."""
    if speaker is not None or not content[0] < cue[0] < cue[1] < content[1]:
        return [content]
    return [strip_span(text, content[0], cue[0]), strip_span(text, cue[1], content[1])]


#: ``Smith: Talks will resume`` / ``Poll: Ng leads in Ohio``: a headline that gives its source before a colon.
_HEADLINE_COLON = re.compile(r"(?P<spk>[A-Z][\w.'\u2019&-]*(?:\s+[A-Z][\w.'\u2019&-]*){0,3})\s*:\s+(?=\S)")
#: Headline labels before a colon that are not a source (``Breaking: …``, ``Watch: …``).
_HEADLINE_LABELS = frozenset(
    {"the", "wow", "look", "breaking", "revealed", "bombshell", "exclusive", "update", "watch", "video", "busted",
     "boom", "byline", "just", "leaked", "photos", "listen", "opinion", "editorial", "analysis", "live", "fact",
     "factcheck", "read", "transcript", "correction", "latest", "notice", "daily", "email", "newsletter", "quiz",
     "review", "interview", "podcast", "explainer", "recap"}
)


def _headline_colon(text: str, sent: Span) -> tuple[Span, Span, Span] | None:
    """``Ng: Talks will resume.`` as the first line of a field (a headline): the source before the colon, the rest
    the content. Labels (``Breaking:``), all-caps kickers (``EXCLUSIVE:``) and numbers are not sources."""
    s, e = sent
    line_end = text.find("\n", s)
    if s != len(text) - len(text.lstrip()) or (line_end != -1 and line_end < e):
        return None
    h = _HEADLINE_COLON.match(text, s, e)
    if h is None:
        return None
    spk = h.group("spk")
    words = spk.lower().split()
    if (
        spk.isupper()
        or words[0].strip(".") in _HEADLINE_LABELS
        or words[-1] in _HEADLINE_LABELS
        or re.search(r"\d|['\u2019]s\b", spk)
    ):
        return None
    content = _trim(text, h.end(), e)
    if len(_WORD.findall(text[content[0] : content[1]])) < 3 or len(_WORD.findall(text[s:e])) > 30:
        return None
    colon = text.index(":", h.end("spk"))
    return content, (colon, colon + 1), h.span("spk")


def _colon_lead(
    text: str, quotes: list[Span], sent: Span, nxt: Span, pats: CuePatterns
) -> tuple[Span, Span, Span] | None:
    """``Smith continued:`` / ``The Times reports:`` ending a paragraph, the next paragraph a quote: that quote."""
    s, e = sent
    if (
        not text[s:e].endswith(":")
        or "\n" not in text[e : nxt[0]]
        or not text[nxt[0] : nxt[0] + 2].startswith(OPENING_MARKS)
    ):
        return None
    q = inside(quotes, nxt[0] + 1)
    if q is None or q[0] != nxt[0]:
        return None
    m = masked(text, quotes, s, e)
    for c in reversed(_cue_matches(m, pats)):
        if _SKIP_AFTER_CUE.match(m, c.end()).end() != len(m) - 1:  # type: ignore[union-attr]
            continue
        speaker = _speaker_before(m, c.start("mods") if c.group("mods") else c.start("cue"), pats)
        if speaker is None:
            return None
        return q, (s + c.start("cue"), s + c.end("cue")), (s + speaker[0], s + speaker[1])
    return None


def _interrupted_rest(text: str, quotes: list[Span], pos: int, end: int, pats: CuePatterns) -> Span | None:
    """The rest of a sentence interrupted by its attribution (``A, Ng said, B.``): ``B`` after the comma."""
    m = masked(text, quotes, pos, end)
    skip = _SKIP_AFTER_CUE.match(m).end()  # type: ignore[union-attr]
    if not m[skip:].startswith(","):
        return None
    a, b = _trim(m, skip + 1, len(m))
    if pats.participle.match(m, skip) is not None or (len(_WORD.findall(m[a:b])) < 3 and MASK not in m[a:b]):
        return None  # "…, she said, and “Q.”": a quotation is a rest however few words surround it
    return pos + a, pos + b


_RESUME = re.compile(r"(?:[,:;]|\s(?:but|and))\s*$")


def _after_cue_quote(text: str, quotes: list[Span], pos: int, end: int) -> Span | None:
    """The quote that resumes a split quotation after its cue and ends the sentence: ``“A,” he said, “B.”``,
    ``“A,” Tester said, referring to the bill, “B.”``, ``“A,” he said, but “B.”``."""
    k = bisect_left(quotes, (pos, 0))
    if k >= len(quotes) or quotes[k][1] > end or text[quotes[k][1] : end].strip() not in ("", "."):
        return None
    q = quotes[k]
    between = text[pos : q[0]]
    if between.strip() and (not _RESUME.search(between) or patterns().participle.search(between) is not None):
        return None  # "…,” she said, adding: “B”" is an attribution of its own
    return q


def _merge_tails(text: str, sents: list[Span], pats: CuePatterns) -> list[Span]:
    """Join ``Harris said.`` to the sentence before when that one ends with a closing quote (``“Stop!” Harris said.``)."""
    out: list[Span] = []
    for s, e in sents:
        if out:
            ps, pe = out[-1]
            seg = text[s:e]
            if (
                text[pe - 1 : pe] in CLOSING_MARKS
                and "\n" not in text[pe:s]
                and (c := next(iter(_cue_matches(seg, pats)), None)) is not None
                and not any(ch in seg[: c.start()] for ch in ",;:")
                and len(_WORD.findall(seg[: c.start()])) <= 5
                and (c.end() == len(seg) or not seg[c.end()].isalnum())
                and not any(mark in seg[c.end() :] for mark in OPENING_MARKS)  # "She adds, “Q”" has its own content
            ):
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


# --------------------------------------------------------------------------- speakers


@dataclass(frozen=True, slots=True)
class _Mention:
    rank: int  # 0 headline, 1 body
    start: int
    end: int
    text: str
    entity: Entity


_FIELD_RANK: dict[str, int] = {"headline": 0, "body": 1}


def _mentions(entities: Sequence[Entity], quotes: Mapping[TextField, list[Span]]) -> list[_Mention]:
    out = [
        _Mention(_FIELD_RANK[m.field], m.start, m.end, m.text, e)
        for e in entities
        for m in e.mentions
        if inside(quotes.get(m.field, []), m.start) is None
    ]
    out.sort(key=lambda x: (x.rank, x.start))
    return out


def _last_word(text: str) -> str:
    words = [w for w in _WORD.findall(text) if w[0].isupper()]
    return words[-1].lower().rstrip(".").removesuffix("\u2019s").removesuffix("'s") if words else ""


def _before(mentions: list[_Mention], rank: int, pos: int, types: Sequence[str]) -> list[_Mention]:
    """Mentions of ``types`` before ``pos`` of field ``rank`` (the body also sees the headline), latest first."""
    return [
        x for x in reversed(mentions) if x.entity.type in types and (x.rank < rank or (x.rank == rank and x.end <= pos))
    ]


def resolve_speaker(
    text: str, rank: int, span: Span, mentions: list[_Mention], pats: CuePatterns
) -> tuple[Entity | None, str]:
    """The entity a speaker span resolves to (or None) and how: ``mention``, ``name``, ``pronoun``, ``title``."""
    s, e = span
    phrase = text[s:e]
    lower = phrase.lower()
    hits = [x for x in mentions if x.rank == rank and x.start < e and x.end > s]
    if hits:
        hits.sort(key=lambda x: (x.entity.type != "PERSON", -(min(e, x.end) - max(s, x.start))))
        return hits[0].entity, "mention"
    if lower in pats.pronouns:
        types = pats.pronouns[lower]
        previous = _before(mentions, rank, s, types)
        if lower == "who":
            previous = [x for x in previous if x.rank == rank and s - x.end <= 40]
        for t in types:  # the first listed type is the most likely one
            for x in previous:
                if x.entity.type == t:
                    return x.entity, "pronoun"
        return None, "unresolved"
    if last := _last_word(phrase):
        named = [x for x in reversed(mentions) if _last_word(x.text) == last or _last_word(x.entity.name) == last]
        if named:
            named.sort(key=lambda x: x.entity.type != "PERSON")
            return named[0].entity, "name"
    words = lower.replace("-", " ")
    if not lower.startswith(("a ", "an ")):
        for title, fallback in pats.titles.items():
            if not words.endswith(title.replace("-", " ")):
                continue
            persons = _before(mentions, rank, s, ("PERSON",))
            key = title.replace("-", " ")
            for x in persons:
                field_text_before = (
                    text[max(0, x.start - 30) : x.start].lower().replace("-", " ") if x.rank == rank else ""
                )
                if key in field_text_before or key in x.text.lower().replace("-", " "):
                    return x.entity, "title"
            if fallback and persons:
                return persons[0].entity, "title"
            break
    return None, "unresolved"


def _confidence(kind: QuoteKind, how: str, has_speaker: bool, learned: float | None = None) -> float:
    """The kind's base confidence (a learned cue's: its filter probability) times the speaker resolution's factor."""
    factor = (
        {"mention": 1.0, "name": 1.0, "pronoun": 0.85, "title": 0.8, "unresolved": 0.7}[how] if has_speaker else 0.5
    )
    return round((_BASE_CONFIDENCE[kind] if learned is None else learned) * factor, 3)


def extract_quotes(doc: Document, entities: Sequence[Entity] = (), cues: CueModel | None = None) -> list[Quote]:
    """Quotes of ``doc`` (headline, then body, in text order) with speakers resolved to ``entities``; ``cues``
    (the learned cue detector) adds attributions whose cue no pattern lists."""
    return [q for _, q in attributed_quotes(doc, entities, cues)]


def attributed_quotes(
    doc: Document, entities: Sequence[Entity] = (), cues: CueModel | None = None
) -> list[tuple[Attribution, Quote]]:
    """Like :func:`extract_quotes`, each quote with the :class:`Attribution` (spans) it was built from."""
    pats = patterns()
    texts: dict[TextField, str] = {"headline": doc.headline, "body": doc.body}
    quotes = {f: quote_spans(t) for f, t in texts.items()}
    mentions = _mentions(entities, quotes)
    out: list[tuple[Attribution, Quote]] = []
    for field, text in texts.items():
        for a in find_attributions(text, field, cues):
            content = a.content(text)
            kind = quote_kind(content)
            entity: Entity | None = None
            how = "unresolved"
            if a.speaker is not None:
                entity, how = resolve_speaker(text, _FIELD_RANK[field], a.speaker, mentions, pats)
            quote = Quote(
                text=content,
                field=field,
                start=a.start,
                end=a.end,
                kind=kind,
                cue=text[a.cue[0] : a.cue[1]],
                speaker=text[a.speaker[0] : a.speaker[1]] if a.speaker else None,
                speaker_entity_id=entity.id if entity else None,
                speaker_name=entity.name if entity else None,
                confidence=_confidence(kind, how, a.speaker is not None, a.learned),
            )
            out.append((a, quote))
    return out
