"""What a format parser extracts, before the shared validation turns it into a Story."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from schemas.models import PubStatus, ReasonCode
from streams.ingest.errors import IngestError
from streams.ingest.limits import ParseContext


@dataclass(frozen=True, slots=True)
class StoryFields:
    """Story fields as found in one input format (``id`` None: derive a content hash)."""

    headline: str
    body: str
    id: str | None = None
    headline_derived: bool = False  # the format has no headline: it is the body's first sentence
    version: int = 1
    dateline_date: date | None = None
    language: str | None = None
    pubstatus: PubStatus = "usable"
    byline: str | None = None
    provider: str | None = None
    urgency: int | None = None


class FormatParser(Protocol):
    """The interface of every input-format module: decoded text in, story fields out."""

    def __call__(self, text: str, ctx: ParseContext) -> StoryFields: ...


def invalid(field: str, problem: str) -> IngestError:
    """A ``validation_error`` naming the offending field."""
    return IngestError(ReasonCode.VALIDATION_ERROR, f"field '{field}': {problem}")


_PUBSTATUS: dict[str, PubStatus] = {
    "usable": "usable",
    "withheld": "withheld",
    "embargoed": "withheld",
    "canceled": "canceled",
    "cancelled": "canceled",
    "withdrawn": "canceled",
    "deleted": "canceled",
    "killed": "canceled",
}


def pubstatus_from(raw: str, field: str) -> PubStatus:
    """Map a ninjs pubstatus or G2 ``stat:`` qcode (and common synonyms) to :data:`PubStatus`."""
    key = raw.strip().lower().removeprefix("stat:")
    try:
        return _PUBSTATUS[key]
    except KeyError:
        raise invalid(field, f"unknown publication status {raw!r} (expected usable, withheld or canceled)") from None


def version_from(raw: object, field: str) -> int:
    """A story version: a positive integer, possibly written as a string (ninjs, G2 attributes)."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise invalid(field, f"must be a positive integer or integer string, got {type_name(raw)}")
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1 or len(text) > 9:
        raise invalid(field, f"must be a positive integer, got {raw!r}")
    return int(text)


def date_from(raw: str, field: str) -> date:
    """The calendar date of an ISO 8601 date or date-time string."""
    text = raw.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise invalid(field, f"{raw[:60]!r} is not a valid ISO 8601 date or date-time ({exc})") from None


_BCP47 = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def language_from(raw: str, field: str) -> str | None:
    """A declared language normalized to BCP 47 case (``en``, ``en-GB``); None when blank."""
    text = raw.strip()
    if not text:
        return None
    if not _BCP47.match(text):
        raise invalid(field, f"{raw[:40]!r} is not a BCP 47 language tag")
    primary, *rest = text.replace("_", "-").split("-")
    return "-".join([primary.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])


def type_name(value: object) -> str:
    """JSON-ish name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
