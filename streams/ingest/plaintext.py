"""The seed plain-text form: ``date YYYY-MM-DD`` then the story.

Layout: optional leading whitespace, ``date YYYY-MM-DD``, then the story text on the same line or the
next; paragraphs are separated by blank lines. The form carries no headline, no id and no language:
the headline is derived from the first sentence (cut at a word boundary past 120 characters), the
id is a content hash, the language is detected.
"""

from __future__ import annotations

import re

from schemas.models import ReasonCode
from streams.ingest.errors import IngestError
from streams.ingest.fields import StoryFields, date_from, invalid
from streams.ingest.limits import ParseContext
from streams.ingest.text import derive_headline, normalize_body

_HEADER = re.compile(r"\A[\ufeff\s]*date[ \t]+(\S+)[ \t]*(?:\r\n|\r|\n)?", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse(text: str, ctx: ParseContext) -> StoryFields:
    """Parse one seed-form story."""
    header = _HEADER.match(text)
    if header is None:
        raise IngestError(ReasonCode.PARSE_ERROR, "plain-text story must start with 'date YYYY-MM-DD'")
    raw_date = header.group(1)
    if not _ISO_DATE.match(raw_date):
        raise invalid("date", f"{raw_date[:40]!r} is not in YYYY-MM-DD form")
    dateline = date_from(raw_date, "date")
    body = normalize_body(text[header.end() :])
    ctx.deadline.check("plaintext")
    return StoryFields(headline=derive_headline(body), body=body, dateline_date=dateline, headline_derived=True)
