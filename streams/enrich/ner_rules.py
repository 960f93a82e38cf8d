"""Post-rules over spaCy's entity mentions for news text, driven by lists in ``streams/enrich/data``.

* news agencies (``news_agencies.txt``) are organisations, found even where the model missed them;
* a name after a personal title ("Councillor Priya Ramaswamy", "Dr. Henrik Solberg"), inside or just before the
  mention ("President Alejandro Giammattei" where the model took only the name, as an organisation), is a person;
* a place's demonym ("Guatemalan" next to "Guatemala", "Germans") is MISC, not an organisation;
* a one-word name after "port of", "city of", "town of" ... is a place ("the port of Saltmarsh");
* a possessive followed by a date word ends a name ("Harris's June trip": "Harris", not "Harris's June");
* a one-word mention whose usual casing is lower case ("Attendance", "Extras"), or a mention in a capitals line
  made only of such words ("CUP QUALIFIER"), is dropped;
* in sports stories, a place that is not a country (``countries.txt``) standing next to a score or result
  names a club or team ("Leicestershire beat Somerset", "CHICAGO 72 62") -> ORG; datelines stay places;
* in team-sport stories (not ``individual_sports.txt``), capitalised names directly followed by a score or
  after "v"/"AT" in result, table and fixture lines ("Pohang 3 Ulsan 2", "Bournemouth 4 2 0 2 5 5 6",
  "May 18 v Worcestershire") are teams: ORG, or LOC for countries (national teams), replacing what the model
  found there; full personal names the model found stay people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from streams.enrich import resources
from streams.enrich.document import Document
from streams.enrich.truecase import is_shouting

if TYPE_CHECKING:
    from streams.enrich.entities import RawMention, Sentence

_SPORT_MIN_WORDS = 4
_NUMBER_AFTER = re.compile(r"\s*(\(\w[\w .]*\)\s*)?\d")
_DATE_AFTER = re.compile(r"\s*\d{4}-\d\d-\d\d|\s*,?\s*\(?\w+\s+\d{1,2}\b")
_RESULT_WORDS = re.compile(r"\b(beat|beats|drew|draw|lost to|defeated|v|vs|at|halftime|half-time)\b", re.I)
_WORD = re.compile(r"[a-z]+(?: [a-z]+)?")
_NAME = r"[A-Z][\w'&-]*\.?(?:[ ](?:[A-Z][\w'&-]*\.?|de|del|la|'s))*"
_NAME_SCORE = re.compile(rf"(?<![\w.'-])(?P<name>{_NAME})[ ]\d+(?:-\d+)?(?![\d.:/-])")
_FIXTURE = re.compile(rf"(?:^|[ ])(?:v|vs\.?|AT)[ ](?P<name>{_NAME})")
_FIXTURE_HOME = re.compile(rf"^(?P<name>{_NAME})[ ](?:v|vs\.?|AT)[ ]")
_ATHLETE = re.compile(rf"(?<![\w.'-])(?P<name>{_NAME})[ ]?\([ ]?(?P<country>[A-Z][\w.' ]*?)[ ]?\)")
_INITIAL = re.compile(r"[A-Z]\.(?:[ ]?[A-Z][\w'-]+)")
_ACRONYM = re.compile(r"(?<![\w.&-])[A-Z]{3,6}(?![\w.&-])")
_PLACE_BEFORE = re.compile(r"\b(?:at|in|from|near|to)\s+(?:the\s+)?$", re.I)
_DATELINE = re.compile(r"(?P<place>[A-Z][A-Z.'-]+(?:[ ][A-Z][A-Z.'-]+)*)(?=,?[ ]+(?:\d{4}-\d\d-\d\d|\(\w+\)))")
_SPLIT = re.compile(r"[(),;]")
_POSSESSIVE_THEN = re.compile(r"(?:'|\u2019)s[ ](?P<next>\w+)")
# Titles that only ever precede a person's name (unlike "General" in General Motors or "King" in King's College).
_PERSON_TITLE = re.compile(
    r"(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Rev)\.?[ ]|(?:Councillor|Councilor|Alderman|Alderwoman|Senator|Congressman"
    r"|Congresswoman|Representative|Governor|Mayor|Professor|Sir|Dame|Judge|Reverend)[ ]"
)
_TITLE_BEFORE = re.compile(
    r"\b(?:President|Vice President|Prime Minister|Premier|Chancellor|Minister|Senator|Governor|Mayor|Councillor"
    r"|Mr|Mrs|Ms|Dr|Sen|Rep|Gov)\.?[ ]$"
)
_PLACE_OF = re.compile(
    r"\b(?:port|city|town|village|province|state|region|county|district|island|islands|capital|republic|kingdom"
    r"|municipality|suburb|borough)[ ]of[ ](?:the[ ])?$",
    re.I,
)
_DEMONYM_SUFFIXES = ("n", "an", "ian", "ese", "i", "ish", "ns", "ans", "ians")
_CAPITALISED_NAME = re.compile(r"[A-Z][\w'-]*\.?(?:[ ][A-Z][\w'-]*\.?){0,3}")
_PART = re.compile(r"[^\s(),;](?:[^(),;]*[^\s(),;])?")


@dataclass(frozen=True)
class NerRules:
    """Type corrections for mentions the statistical model gets wrong in news text."""

    agencies: frozenset[str]
    agency_pattern: re.Pattern[str] | None
    countries: frozenset[str]
    sport_words: frozenset[str]
    casing: dict[str, str]
    individual_sports: frozenset[str]
    org_suffixes: frozenset[str]
    calendar: frozenset[str]

    @classmethod
    def load(cls) -> NerRules:
        """Rules with their reference lists loaded from the data folder."""
        agencies = resources.word_list("news_agencies.txt")
        pattern = (
            re.compile(
                r"(?<![\w-])(" + "|".join(re.escape(a) for a in sorted(agencies, key=len, reverse=True)) + r")(?![\w-])"
            )
            if agencies
            else None
        )
        return cls(
            agencies=agencies,
            agency_pattern=pattern,
            countries=frozenset(c.lower() for c in resources.word_list("countries.txt")),
            sport_words=frozenset(w.lower() for w in resources.word_list("sport_words.txt")),
            casing={k.lower(): v for k, v in resources.mapping("truecase.tsv").items()},
            individual_sports=frozenset(w.lower() for w in resources.word_list("individual_sports.txt")),
            calendar=frozenset(resources.word_list("calendar_words.txt")),
            org_suffixes=resources.word_list("org_suffixes.txt"),
        )

    def apply(self, doc: Document, mentions: Sequence[RawMention], sentences: Sequence[Sentence]) -> list[RawMention]:
        """``mentions`` with corrected types, dropped false positives and added agencies, in text order."""
        sport = self.is_sport(doc)
        teams = sport and not self._individual_sport(doc)
        places = self.countries | {m.text.lower() for m in mentions if m.type in ("GPE", "LOC")}
        out: list[RawMention] = []
        for m in self._split_slugs(mentions):
            text = doc.headline if m.field == "headline" else doc.body
            m = self._cut_before_date(m)
            if self._common_words(m, text):
                continue
            if self._dateline(m, text):
                m = replace(m, type="GPE", label="RULE")
            elif m.type != "PERSON" and (self._titled_person(m.text) or _after_title(m, text)):
                m = replace(m, type="PERSON", label="RULE")
            elif m.type not in ("GPE", "LOC") and " " not in m.text and _PLACE_OF.search(text[max(0, m.start - 30) : m.start]):
                m = replace(m, type="GPE", label="RULE")
            elif m.type in ("ORG", "PERSON") and _demonym(m.text, places):
                m = replace(m, type="MISC", label="RULE")
            elif self._organisation(m, text, teams):
                m = replace(m, type="ORG", label="RULE")
            out.append(m)
        if teams:
            out = self._team_lines(doc, out, sentences)
        elif sport:
            out = self._athlete_lines(doc, out, sentences)
        out.extend(self._missed_agencies(doc, out, sentences))
        out.extend(self._missed_dateline(doc, out, sentences))
        out.extend(self._missed_acronyms(doc, out, sentences))
        out.sort(key=lambda m: (m.field != "headline", m.start))
        return out

    def is_sport(self, doc: Document) -> bool:
        """True for sports stories: a sport word opens the headline, or sport words are frequent."""
        head = doc.headline.lower()
        first = _WORD.match(head)
        if first and (first.group(0) in self.sport_words or first.group(0).split(" ")[0] in self.sport_words):
            return True
        words = re.findall(r"[a-z]+", doc.body[:3000].lower())
        return sum(w in self.sport_words for w in words) >= _SPORT_MIN_WORDS

    def _organisation(self, m: RawMention, text: str, teams: bool) -> bool:
        """A news agency, or (in team sports) a place or bare name standing for a team."""
        if m.text in self.agencies or (" " in m.text and m.text.rsplit(" ", 1)[1] in self.org_suffixes):
            return True
        return teams and m.type in ("GPE", "LOC", "PERSON") and m.label != "NORP" and self._names_team(m, text)

    def _titled_person(self, mention: str) -> bool:
        """A personal title followed by one to four capitalised words, none an organisation suffix."""
        title = _PERSON_TITLE.match(mention)
        if not title:
            return False
        rest = mention[title.end() :]
        return _CAPITALISED_NAME.fullmatch(rest) is not None and not any(w in self.org_suffixes for w in rest.split())

    @staticmethod
    def _dateline(m: RawMention, text: str) -> bool:
        """A place opening the body's first line and followed by a date ("LONDON 1996-08-30")."""
        return m.field == "body" and not text[: m.start].strip() and bool(_DATE_AFTER.match(text[m.end : m.end + 40]))

    def _individual_sport(self, doc: Document) -> bool:
        head = doc.headline.lower()
        return any(head.startswith(w) for w in self.individual_sports)

    def _team_lines(self, doc: Document, mentions: list[RawMention], sentences: Sequence[Sentence]) -> list[RawMention]:
        from streams.enrich.entities import RawMention, sentence_index

        out = list(mentions)
        for fname in ("headline", "body"):
            text: str = getattr(doc, fname)
            field_sents = [s for s in sentences if s.field == fname]
            for start, end in self._team_spans(text):
                overlapping = [m for m in out if m.field == fname and m.start < end and start < m.end]
                if any(m.type == "PERSON" and " " in m.text and m.label != "RULE" for m in overlapping):
                    continue  # "Bob Estes 64": a person the model recognised
                name = text[start:end]
                if _INITIAL.match(name):
                    etype = "PERSON"  # "A. Dale 69": a player in a scorecard
                elif name.lower() in self.countries:
                    etype = "LOC"
                else:
                    etype = "ORG"
                out = [m for m in out if m not in overlapping]
                out.append(RawMention(name, fname, start, end, sentence_index(field_sents, start), etype, "RULE"))  # type: ignore[arg-type]
        return out

    def _athlete_lines(
        self, doc: Document, mentions: list[RawMention], sentences: Sequence[Sentence]
    ) -> list[RawMention]:
        """In individual sports, "Name (Country)" names an athlete and the athlete's country."""
        from streams.enrich.entities import RawMention, sentence_index

        out = list(mentions)
        for fname in ("headline", "body"):
            text: str = getattr(doc, fname)
            field_sents = [s for s in sentences if s.field == fname]
            for hit in _ATHLETE.finditer(text):
                country = hit.group("country")
                if country.lower() not in self.countries:
                    continue
                s, e = self._clean_name(text, hit.start("name"), hit.end("name"), allow_initial=True)
                if e <= s:
                    continue
                found = [(s, e, "PERSON"), (hit.start("country"), hit.end("country"), "LOC")]
                for a, b, etype in found:
                    out = [m for m in out if not (m.field == fname and m.start < b and a < m.end)]
                    out.append(RawMention(text[a:b], fname, a, b, sentence_index(field_sents, a), etype, "RULE"))  # type: ignore[arg-type]
        return out

    def _team_spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for line_match in re.finditer(r"[^\n]+", text):
            line = line_match.group(0)
            if len(re.findall(r"\d+", line)) < 2 and not _FIXTURE.search(line):
                continue
            base = line_match.start()
            for m in (*_NAME_SCORE.finditer(line), *_FIXTURE.finditer(line), *_FIXTURE_HOME.finditer(line)):
                s, e = self._clean_name(line, m.start("name"), m.end("name"), allow_initial=True)
                if e > s:
                    spans.append((base + s, base + e))
        return spans

    def _clean_name(self, line: str, start: int, end: int, *, allow_initial: bool = False) -> tuple[int, int]:
        """Drop leading common or calendar words ("In", "May") from a candidate team name; reject initials."""
        words = list(re.finditer(r"\S+", line[start:end]))
        while words:
            w = words[0].group(0)
            usual = self.casing.get(w.lower())
            calendar = w in self.calendar and (len(words) == 1 or words[1].group(0)[:1].isdigit())
            if calendar or (usual is not None and usual.islower() and not w.isupper()) or w.isdigit():
                words.pop(0)
            else:
                break
        if not words:
            return start, start
        first = words[0].group(0)
        if not allow_initial and re.fullmatch(r"[A-Z]\.", first) or re.fullmatch(r"[A-Z]\.[A-Z][\w']+", first):
            return start, start  # "A. Dale 69": a player with an initial
        return start + words[0].start(), start + words[-1].end()

    def _names_team(self, m: RawMention, text: str) -> bool:
        if m.text.lower() in self.countries or _PLACE_BEFORE.search(text[max(0, m.start - 12) : m.start]):
            return False
        after = text[m.end : m.end + 40]
        if _DATE_AFTER.match(after):  # dateline ("LONDON 1996-08-30", "CHICAGO, Aug 30")
            return False
        if m.type in ("PERSON", "MISC"):
            # a person's name next to a score is normal (tennis, golf); only one-word names in result lines
            return (
                " " not in m.text
                and "." not in m.text
                and bool(_NUMBER_AFTER.match(after))
                and self.casing.get(m.text.lower(), m.text)[:1].isupper()
                and _line_has_numbers(text, m.start)
            )
        if _NUMBER_AFTER.match(after):
            return True
        line = _line_of(text, m.start)
        return bool(_RESULT_WORDS.search(line))

    def _common_words(self, m: RawMention, text: str) -> bool:
        """True for mentions made only of words usually written in lower case, where capitals say nothing:
        at the start of a line ("Attendance") or anywhere in a line written in capitals ("CUP QUALIFIER")."""
        line = _line_of(text, m.start)
        if not is_shouting(line) and " " in m.text:
            return False
        words = m.text.lower().split()
        return all((self.casing.get(w) or "X").islower() for w in words)

    def _cut_before_date(self, m: RawMention) -> RawMention:
        """End a mention at an inner possessive followed by a calendar word ("Harris's June" -> "Harris")."""
        for hit in _POSSESSIVE_THEN.finditer(m.text):
            if hit.group("next") in self.calendar and hit.start() > 0:
                return replace(m, text=m.text[: hit.start()], end=m.start + hit.start())
        return m

    @staticmethod
    def _split_slugs(mentions: Sequence[RawMention]) -> list[RawMention]:
        """Cut mentions spanning a wire slug separator ("CRICKET - LEICESTERSHIRE") down to the part after it,
        and split mentions spanning brackets or commas ("Shikolen (Belarus", "Oval, Surrey") into their parts."""
        out: list[RawMention] = []
        for m in mentions:
            cut = m.text.rfind(" - ")
            if cut >= 0:
                offset = cut + 3
                m = replace(m, text=m.text[offset:], start=m.start + offset)
            if not _SPLIT.search(m.text):
                out.append(m)
                continue
            for part in _PART.finditer(m.text):
                s, e = part.span()
                out.append(replace(m, text=part.group(0), start=m.start + s, end=m.start + e))
        return out

    def _missed_acronyms(
        self, doc: Document, found: Sequence[RawMention], sentences: Sequence[Sentence]
    ) -> list[RawMention]:
        """Capitalised acronyms the model missed ("FOMC", "KDP") outside capital lines: organisations, unless
        they are words of ordinary news text (``truecase.tsv``: "CEO", "GDP") or countries."""
        from streams.enrich.entities import RawMention, sentence_index

        added: list[RawMention] = []
        for fname in ("headline", "body"):
            text: str = getattr(doc, fname)
            taken = [(m.start, m.end) for m in found if m.field == fname]
            field_sents = [s for s in sentences if s.field == fname]
            for hit in _ACRONYM.finditer(text):
                s, e = hit.span()
                word = hit.group(0)
                if (
                    word.lower() in self.casing
                    or word.lower() in self.countries
                    or any(a < e and s < b for a, b in taken)
                ):
                    continue
                if is_shouting(_line_of(text, s)):
                    continue
                added.append(RawMention(word, fname, s, e, sentence_index(field_sents, s), "ORG", "RULE"))  # type: ignore[arg-type]
        return added

    @staticmethod
    def _missed_dateline(doc: Document, found: Sequence[RawMention], sentences: Sequence[Sentence]) -> list[RawMention]:
        """The place of a dateline opening the body ("BONN 1996-08-30", "LONDON (Reuters) -"), if the model missed it."""
        from streams.enrich.entities import RawMention

        lead = len(doc.body) - len(doc.body.lstrip())
        hit = _DATELINE.match(doc.body, lead)
        if hit is None or any(m.field == "body" and m.start < hit.end() and hit.start() < m.end for m in found):
            return []
        return [RawMention(hit.group("place"), "body", hit.start(), hit.end(), 0, "GPE", "RULE")]

    def _missed_agencies(
        self, doc: Document, found: Sequence[RawMention], sentences: Sequence[Sentence]
    ) -> list[RawMention]:
        from streams.enrich.entities import RawMention, sentence_index

        if self.agency_pattern is None:
            return []
        added: list[RawMention] = []
        for field in ("headline", "body"):
            text = doc.headline if field == "headline" else doc.body
            taken = [(m.start, m.end) for m in found if m.field == field]
            field_sents = [s for s in sentences if s.field == field]
            for hit in self.agency_pattern.finditer(text):
                s, e = hit.span()
                if any(a < e and s < b for a, b in taken):
                    continue
                added.append(RawMention(hit.group(0), field, s, e, sentence_index(field_sents, s), "ORG", "RULE"))  # type: ignore[arg-type]
        return added


def _after_title(m: RawMention, text: str) -> bool:
    """A full name (two to four capitalised words) right after a title ("President Alejandro Giammattei")."""
    return (
        " " in m.text
        and _CAPITALISED_NAME.fullmatch(m.text) is not None
        and _TITLE_BEFORE.search(text[max(0, m.start - 20) : m.start]) is not None
    )


def _demonym(word: str, places: frozenset[str] | set[str]) -> bool:
    """True for one word made of a known place plus a demonym ending ("Guatemalan", "Germans", "Iraqi")."""
    if " " in word or not word[:1].isupper():
        return False
    low = word.lower()
    for suffix in _DEMONYM_SUFFIXES:
        stem = low[: -len(suffix)]
        if low.endswith(suffix) and len(stem) >= 4 and (stem in places or stem + "a" in places or stem + "y" in places):
            return True
    return False


def _line_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end >= 0 else len(text)]


def _line_has_numbers(text: str, offset: int) -> bool:
    return len(re.findall(r"\d+", _line_of(text, offset))) >= 2
