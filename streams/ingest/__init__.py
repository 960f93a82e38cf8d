"""Turn raw ``wire.raw`` message bytes into a validated :class:`~schemas.models.Story`.

One parser module per input format (:mod:`.plaintext`, :mod:`.ninjs`, :mod:`.newsml`), chosen by
:func:`sniff_format`. Every failure is an :class:`IngestError` with a stable :class:`ReasonCode`:

>>> story = parse_message(b"date 2026-01-05 Rain fell. More rain fell.", received_at=datetime.now(UTC))
>>> story.source_format, story.headline
('plaintext', 'Rain fell')
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pydantic import ValidationError

from schemas.models import ReasonCode, SourceFormat, Story
from streams.enrich.language import detect_language
from streams.ingest import newsml, ninjs, plaintext
from streams.ingest.decode import decode_message
from streams.ingest.detect import sniff_format, sniff_text
from streams.ingest.errors import IngestError
from streams.ingest.fields import FormatParser, StoryFields
from streams.ingest.limits import Clock, Deadline, IngestLimits, ParseContext
from streams.ingest.text import clean_inline, content_id

PARSERS: dict[SourceFormat, FormatParser] = {
    "plaintext": plaintext.parse,
    "ninjs": ninjs.parse,
    "newsml-g2": newsml.parse,
}
MIN_DETECTED_CONFIDENCE = 0.5
"""Detected languages below this probability are left unset (None) rather than guessed."""


def parse_message(
    value: bytes | None,
    *,
    received_at: datetime,
    limits: IngestLimits | None = None,
    clock: Clock = time.perf_counter,
) -> Story:
    """Decode, detect, parse and validate one message; raise only :class:`IngestError`.

    ``limits`` defaults to :class:`IngestLimits` () (the ``Settings`` defaults); ``clock`` measures the
    ``parse_timeout_s`` budget (injectable for tests), which covers decoding, detection and parsing but
    not language detection. A naive ``received_at`` is taken as UTC.
    """
    limits = limits or IngestLimits()
    source_format: SourceFormat | None = None
    try:
        deadline = Deadline(limits.parse_timeout_s, clock)
        data = _check_size(value, limits)
        text = decode_message(data)
        if not text.strip():
            raise IngestError(ReasonCode.EMPTY, "message contains only whitespace")
        deadline.check("decode")
        source_format = sniff_text(text)
        if source_format is None:
            raise IngestError(
                ReasonCode.UNKNOWN_FORMAT,
                "message is neither a plain-text story ('date YYYY-MM-DD' then text), a ninjs JSON object nor a "
                f"NewsML-G2 newsItem/newsMessage; it starts with {text.lstrip()[:40]!r}",
            )
        fields = PARSERS[source_format](text, ParseContext(limits, deadline))
        deadline.check(source_format)
        return _to_story(fields, source_format, received_at, limits)
    except IngestError as exc:
        raise exc.with_format(source_format) from None
    except Exception as exc:  # the contract: any input bytes end as an IngestError, never a crash
        raise IngestError(
            ReasonCode.PARSE_ERROR,
            f"unexpected {type(exc).__name__} while parsing: {str(exc)[:200]}",
            source_format=source_format,
        ) from exc


def _check_size(value: bytes | None, limits: IngestLimits) -> bytes:
    if value is None:
        raise IngestError(ReasonCode.EMPTY, "message has no value (null / tombstone)")
    if not isinstance(value, bytes | bytearray | memoryview):
        raise IngestError(ReasonCode.DECODE_ERROR, f"message value must be bytes, got {type(value).__name__}")
    data = bytes(value)
    if not data:
        raise IngestError(ReasonCode.EMPTY, "message value is empty (0 bytes)")
    if len(data) > limits.max_message_bytes:
        raise IngestError(
            ReasonCode.TOO_LARGE,
            f"message is {len(data):,} bytes, larger than the limit of {limits.max_message_bytes:,}",
        )
    return data


def _to_story(fields: StoryFields, source_format: SourceFormat, received_at: datetime, limits: IngestLimits) -> Story:
    headline = clean_inline(fields.headline)
    body = fields.body
    if not body.strip():
        raise IngestError(ReasonCode.VALIDATION_ERROR, "field 'body': story body is empty")
    if len(headline) > limits.max_headline_chars:
        raise IngestError(
            ReasonCode.VALIDATION_ERROR,
            f"field 'headline': {len(headline):,} characters, longer than the limit of {limits.max_headline_chars:,}",
        )
    if len(body) > limits.max_body_chars:
        raise IngestError(
            ReasonCode.VALIDATION_ERROR,
            f"field 'body': {len(body):,} characters, longer than the limit of {limits.max_body_chars:,}",
        )
    language = fields.language
    if language is None:  # outside the parse budget: the first call loads the model (see warm_up_language_model)
        detected, confidence = detect_language(f"{headline}\n\n{body}")
        language = detected if confidence >= MIN_DETECTED_CONFIDENCE else None
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    try:
        return Story(
            id=fields.id or content_id(headline, body, fields.dateline_date),
            version=fields.version,
            headline=headline,
            headline_derived=fields.headline_derived,
            body=body,
            dateline_date=fields.dateline_date,
            language=language,
            source_format=source_format,
            pubstatus=fields.pubstatus,
            received_at=received_at,
            byline=fields.byline,
            provider=fields.provider,
            urgency=fields.urgency,
        )
    except ValidationError as exc:
        problems = "; ".join(f"field '{'.'.join(map(str, err['loc']))}': {err['msg']}" for err in exc.errors())
        raise IngestError(ReasonCode.VALIDATION_ERROR, problems) from None


__all__ = ["PARSERS", "IngestError", "IngestLimits", "parse_message", "sniff_format"]
