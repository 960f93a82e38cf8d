"""Input format detection from the first bytes of a message."""

from __future__ import annotations

import re

from schemas.models import SourceFormat

_SNIFF_CHARS = 65_536
_SEED_HEADER = re.compile(r"date[ \t]+\d{4}-\d{1,2}-\d{1,2}(?=\s|$)", re.IGNORECASE)
_G2_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:newsItem|newsMessage)[\s/>]")


def sniff_format(value: bytes) -> SourceFormat | None:
    """Guess the input format of a raw message; None when it is none of the three.

    Tolerates a byte-order mark and leading whitespace. Detection only looks at the start of the
    message: ``{`` means ninjs JSON, ``<`` with a ``newsItem``/``newsMessage`` element means NewsML-G2,
    ``date YYYY-MM-DD`` means the seed plain-text form.
    """
    head = value[: _SNIFF_CHARS * 2]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    return sniff_text(text)


def sniff_text(text: str) -> SourceFormat | None:
    """:func:`sniff_format` for already decoded text."""
    head = text[:_SNIFF_CHARS].lstrip("\ufeff \t\r\n\f\v")
    if head.startswith("{"):
        return "ninjs"
    if head.startswith("<"):
        return "newsml-g2" if _G2_ROOT.search(head) else None
    if _SEED_HEADER.match(head):
        return "plaintext"
    return None
