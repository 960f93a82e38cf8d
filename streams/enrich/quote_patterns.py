"""The quote marks, sentence boundaries and cue patterns of the quotes stage (:mod:`streams.enrich.quotes`).

Everything here is pure text work on one field (headline or body): find the quoted spans (every quote-mark
style, multi-paragraph quotes that reopen with a mark), split sentences treating quotes as atomic, and build the
cue regexes from the ``data/quote_*.txt`` lists.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from streams.enrich import resources

Span = tuple[int, int]

#: Double-quote marks: (regex alternative, role) with role "open", "close" or "both" (toggles).
_DOUBLE = re.compile(r"``|''|[\u201c\u201d\u201e\"\u00ab\u00bb]")
_OPENERS = {"``", "\u201c", "\u201e", "\u00ab"}
_CLOSERS = {"\u201d", "\u00bb"}
_SINGLE_OPEN = re.compile(r"(?<![\w\u2019'])[\u2018'](?=[A-Za-z0-9])")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?])[\u2019'](?![\w])")
_PARAGRAPH = re.compile(r"[^\n]+")
_QUOTE_START = re.compile(r"\s*(``|''|[\u201c\u201e\"\u00ab\u2018])")
OPENING_MARKS = ("\u201c", '"', "''", "``", "\u00ab", "\u201e", "\u2018", "'")
CLOSING_MARKS = ("\u201d", '"', "''", "\u00bb", "\u2019", "'")
MASK = "\u00a7"  # stands for every character of a quoted span in a masked sentence

_INITIALS = re.compile(r"(?:[A-Z]\.){2,}")
#: Initialisms that end sentences as often as they precede a name.
_SENTENCE_FINAL_INITIALS = frozenset({"u.s", "u.k", "u.n", "d.c", "e.u"})
_END = re.compile(r"[.!?]+(?=[\s\u201d\"')\]]|$)")


def _pair(text: str, marks: list[re.Match[str]], out: list[Span], opened: int | None) -> int | None:
    for m in marks:
        mark = m.group()
        if mark in _OPENERS or (mark not in _CLOSERS and opened is None):
            opened = m.start()
        elif opened is not None:
            out.append((opened, m.end()))
            opened = None
    return opened


def quote_spans(text: str) -> list[Span]:
    """Quoted spans of ``text``, each from its opening mark to its closing mark (both included).

    A quote left open at the end of a paragraph continues when the next paragraph starts with an opening mark
    (the newspaper convention for multi-paragraph quotes); otherwise the unmatched mark is ignored. Single quotes
    count only in paragraphs without double quotes (headline style), where they are unambiguous enough.
    """
    out: list[Span] = []
    opened: int | None = None
    paragraphs = list(_PARAGRAPH.finditer(text))
    for k, para in enumerate(paragraphs):
        start, end = para.span()
        marks = list(_DOUBLE.finditer(text, start, end))
        if (
            opened is not None
            and marks
            and marks[0].start() == start + len(text[start:end]) - len(text[start:end].lstrip())
        ):
            marks = marks[1:]  # the paragraph reopens the quote left open by the previous one
        if not marks and opened is None:
            _single_quotes(text, start, end, out)
            continue
        opened = _pair(text, marks, out, opened)
        if opened is not None:
            nxt = paragraphs[k + 1] if k + 1 < len(paragraphs) else None
            reopen = nxt is not None and _QUOTE_START.match(text, nxt.start()) is not None
            if not reopen:
                opened = None
    out.sort()
    return out


def _single_quotes(text: str, start: int, end: int, out: list[Span]) -> None:
    pos = start
    while (o := _SINGLE_OPEN.search(text, pos, end)) is not None:
        c = _SINGLE_CLOSE.search(text, o.end(), end)
        if c is None:
            return
        if c.start() - o.end() >= 2:
            out.append((o.start(), c.end()))
        pos = c.end()


def inside(spans: list[Span], offset: int) -> Span | None:
    """The span of ``spans`` strictly holding ``offset`` (past its first character), if any."""
    k = bisect_left(spans, (offset, 0)) - 1  # the last span starting before offset (spans never nest)
    if k >= 0 and spans[k][0] < offset < spans[k][1]:
        return spans[k]
    return None


def _is_abbreviation(text: str, dot: int) -> bool:
    m = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 12) : dot])
    if m is None:
        return False
    word = m.group(1).lower().rstrip(".")
    if _INITIALS.fullmatch(m.group(1) + ".") and word not in _SENTENCE_FINAL_INITIALS:
        return True  # "G.K. Butterfield", "J.R.R. Tolkien"; but "in the U.S. The …" ends a sentence
    return word in resources.word_list("quote_abbreviations.txt") or (len(word) == 1 and text[dot - 1].isupper())


#: A wire story's dateline before its first sentence: ``ORLANDO, Fla. (Reuters) -``, ``WASHINGTON --``; and its place
#: when that ends in a state's abbreviation (``ORLANDO, Fla.``), whose period ends no sentence.
DATELINE = re.compile(
    r"\s*[A-Z][A-Z.'\u2019 -]+[A-Z.](?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)?\s*(?:\([^()]{1,30}\))?\s*(?:--|[-\u2014\u2013])\s+"
)
_DATELINE_HEAD = re.compile(r"\s*[A-Z][A-Z.'\u2019 -]*[A-Z],\s*[A-Z][a-z]{1,4}\.")


def sentences(text: str, quotes: list[Span]) -> list[Span]:
    """Sentence spans of ``text`` (no paragraph crossed; a quoted span is never split, except across paragraphs)."""
    out: list[Span] = []
    for para in _PARAGRAPH.finditer(text):
        pstart, pend = para.span()
        start = pstart
        pos = pstart
        while (m := _END.search(text, pos, pend)) is not None:
            pos = m.end()
            cut = m.end()
            q = inside(quotes, m.start())
            if q is not None:
                if q[1] - m.end() > 2 or q[1] > pend:
                    continue  # inside a quote, or a quote's last sentence before its closing mark
                cut = q[1]
            elif m.group() == "." and (
                _is_abbreviation(text, m.start()) or (start == pstart and _DATELINE_HEAD.fullmatch(text, pstart, m.end()))
            ):
                continue  # "Mr. Ng", "ORLANDO, Fla. (Reuters) - …"
            if text[cut : cut + 1] in (")", "]"):
                cut += 1  # "(…, Ng said.) The next …"
            rest = text[cut:pend].lstrip()
            opens = rest[:1].isupper() or rest[:1].isdigit() or rest.startswith(OPENING_MARKS)
            if rest and not (opens or (rest[0] in "([" and rest[1:2].isupper())):  # "… market. (The French …)"
                continue
            if cut > start:
                out.append(strip_span(text, start, cut))
            start = cut
            pos = cut
        if pend > start and text[start:pend].strip():
            out.append(strip_span(text, start, pend))
    return out


def strip_span(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def masked(text: str, quotes: list[Span], start: int, end: int) -> str:
    """``text[start:end]`` with every quoted span's characters replaced by :data:`MASK` (same length)."""
    chars = list(text[start:end])
    for s, e in quotes[max(0, bisect_left(quotes, (start, 0)) - 1) :]:
        if s >= end:
            break
        if e <= start:
            continue
        for i in range(max(s, start), min(e, end)):
            if not text[i].isspace():
                chars[i - start] = MASK
    return "".join(chars)


def _alternation(words: frozenset[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class CuePatterns:
    """Compiled cue regexes and the word lists of speaker phrases (from ``data/quote_*.txt``)."""

    cue: re.Pattern[str]
    cue_starts: frozenset[str]  # first words of cues and modifiers, lower case
    strict: frozenset[str]  # cues that are nouns as often as verbs: "that", ":" or a quote must follow them
    infinitive: frozenset[str]  # verbs of intent that are cues only before "to" ("wants to …")
    to_verbs: frozenset[str]  # cues whose "to" opens their content ("In May, Ng agreed to sell"), the above included
    objects: frozenset[str]  # cues whose content is their object alone ("Ng endorsed Lee at a rally" -> "Lee")
    participle: re.Pattern[str]
    participle_words: frozenset[str]
    according: re.Pattern[str]
    listeners: frozenset[str]
    stops: frozenset[str]
    pronouns: dict[str, tuple[str, ...]]
    titles: dict[str, bool]


@cache
def patterns() -> CuePatterns:
    """The cue patterns, built once from the data files."""
    cues = resources.word_list("quote_cues.txt") | resources.word_list("quote_cue_infinitive.txt")
    mod_words = resources.word_list("quote_cue_modifiers.txt")
    mods = _alternation(mod_words)
    cue = re.compile(rf"(?<![\w-])(?P<mods>(?:(?:{mods})\s+)*)(?P<cue>{_alternation(cues)})(?![\w-])", re.IGNORECASE)
    participles = resources.word_list("quote_cue_participles.txt")
    participle = re.compile(rf"[,;]\s*(?:and\s+)?(?P<cue>{_alternation(participles)})(?![\w-])", re.IGNORECASE)
    according = re.compile(r"(?<![\w-])(?P<cue>according\s+to)(?![\w-])", re.IGNORECASE)
    pronouns = {p: tuple(t.split(",")) for p, t in resources.table("quote_pronouns.txt", 2)}
    titles = {t.lower(): f == "yes" for t, f in resources.table("quote_speaker_titles.txt", 2)}
    infinitive = frozenset(w.lower() for w in resources.word_list("quote_cue_infinitive.txt"))
    return CuePatterns(
        cue=cue,
        cue_starts=frozenset(w.split()[0].lower() for w in cues | mod_words),
        strict=frozenset(w.lower() for w in resources.word_list("quote_cue_strict.txt")),
        infinitive=infinitive,
        to_verbs=infinitive | {w.lower() for w in resources.word_list("quote_cue_to_verbs.txt")},
        objects=frozenset(w.lower() for w in resources.word_list("quote_cue_objects.txt")),
        participle=participle,
        participle_words=frozenset(w.lower() for w in participles),
        according=according,
        listeners=frozenset(w.lower() for w in resources.word_list("quote_listener_verbs.txt")),
        stops=frozenset(w.lower() for w in resources.word_list("quote_speaker_stops.txt")),
        pronouns=pronouns,
        titles=titles,
    )
