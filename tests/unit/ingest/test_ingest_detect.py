"""Format sniffing from raw bytes."""

from __future__ import annotations

import pytest

from streams.ingest import sniff_format


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"date 2026-01-02 Story text.", "plaintext"),
        (b" date 2021-04-28 Story on the same line.", "plaintext"),
        (b"\n\n  date 2026-01-02\nStory on the next line.", "plaintext"),
        (b"\xef\xbb\xbfdate 2026-01-02 With a UTF-8 BOM.", "plaintext"),
        (b"DATE 2026-01-02 upper case keyword", "plaintext"),
        (b"date 2021-02-30 impossible dates are still the plaintext form", "plaintext"),
        (b'{"uri": "x", "headlines": []}', "ninjs"),
        (b'\r\n\t {"headline": "ninjs 1.x"}', "ninjs"),
        (b'\xef\xbb\xbf{"uri": "x"}', "ninjs"),
        ('{"uri": "x"}'.encode("utf-16"), "ninjs"),
        (b'<?xml version="1.0"?><newsItem guid="g"/>', "newsml-g2"),
        (b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet/></newsMessage>', "newsml-g2"),
        (b"<g2:newsItem xmlns:g2='http://iptc.org/std/nar/2006-10-01/'/>", "newsml-g2"),
        (b'<?xml version="1.0"?>\n<!-- comment -->\n<newsItem>', "newsml-g2"),
        (b"<html><body>not G2</body></html>", None),
        (b"<newsItemized/>", None),
        (b"[1, 2, 3]", None),
        (b"Just some text without a date line.", None),
        (b"dated 2026-01-02 almost", None),
        (b"date yesterday: no ISO date", None),
        (b"id,headline\n1,x", None),
        (b"", None),
        (b"   \n\t", None),
        (b"\x00\x01\x02\x03", None),
    ],
)
def test_sniff_format(value: bytes, expected: str | None) -> None:
    assert sniff_format(value) == expected
