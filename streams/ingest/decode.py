"""Bytes to text: UTF-8 (optionally with a BOM), UTF-16 with a BOM, or an XML-declared encoding."""

from __future__ import annotations

import codecs
import re

from schemas.models import ReasonCode
from streams.ingest.errors import IngestError

_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")
# C0 controls other than tab/newline/carriage return/form feed, DEL, and C1 controls: binary noise in a news story.
_FORBIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def decode_message(value: bytes) -> str:
    """Decode ``value`` strictly; raise ``decode_error`` for invalid bytes or control characters.

    A leading byte-order mark decides the encoding (and is dropped); otherwise an XML declaration's
    ``encoding`` is honoured; otherwise the bytes must be UTF-8.
    """
    encoding, data = _choose_encoding(value)
    try:
        text = _decode(data, encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            ReasonCode.DECODE_ERROR,
            f"message is not valid {encoding}: {exc.reason} at byte offset {exc.start}",
        ) from None
    bad = _FORBIDDEN_CONTROLS.search(text)
    if bad:
        raise IngestError(
            ReasonCode.DECODE_ERROR,
            f"message contains control character U+{ord(bad.group()):04X} at character {bad.start()}; "
            "binary data is not a news story",
        )
    return text


def _decode(data: bytes, encoding: str) -> str:
    if encoding == "iso8859-1":
        # as browsers do (WHATWG), read a latin-1 label as windows-1252: its 0x80-0x9F are curly quotes and dashes
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return data.decode(encoding, errors="strict")


def _choose_encoding(value: bytes) -> tuple[str, bytes]:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if value.startswith(bom):
            return encoding, value[len(bom) :]
    declared = _XML_DECL.match(value)
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            info = codecs.lookup(name)
        except LookupError:
            raise IngestError(ReasonCode.DECODE_ERROR, f"XML declares an unknown encoding {name!r}") from None
        if info.name.startswith("utf-16") or info.name.startswith("utf-32"):
            # a multi-byte encoding cannot be declared in an ASCII-readable declaration without a BOM
            raise IngestError(
                ReasonCode.DECODE_ERROR, f"XML declares {name!r} but the bytes are not {name} (no byte-order mark)"
            )
        return info.name, value
    return "utf-8", value
