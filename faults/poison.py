"""Seeded generator of bad wire messages (poison input) for the fault cases.

Categories: invalid UTF-8, other encodings, control characters, binary noise, empty, truncated JSON, deeply nested
JSON, ninjs with wrong types, huge headlines, XML entity-expansion bombs, XML external entities, bodies above the
size limit, unknown formats, impossible dates. Each message's expected dead-letter reason comes from the worker's
own parser run here (the oracle); the generator also states which reasons each category may legitimately get, so a
parser that accepted, say, an XML bomb, or rejected it for the wrong reason, is reported rather than trusted.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from faults.reconcile import Expect, Outgoing
from streams.ingest import IngestError, IngestLimits, parse_message

Maker = Callable[[random.Random, int], bytes | None]

WORDS = ("council", "harbour", "minister", "budget", "storm", "election", "market", "river", "strike", "festival")


def _sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _plain(rng: random.Random) -> str:
    return f"date 2026-11-20 {_sentence(rng, 6)} {_sentence(rng)}\n\n{_sentence(rng)}"


def _ninjs_doc(rng: random.Random, i: int) -> dict[str, object]:
    return {
        "uri": f"urn:poison:{i}",
        "type": "text",
        "language": "en",
        "headlines": [{"value": _sentence(rng, 6), "role": "main"}],
        "bodies": [{"value": _sentence(rng) + " " + _sentence(rng), "role": "main"}],
    }


def invalid_utf8(rng: random.Random, i: int) -> bytes:
    data = bytearray(_plain(rng).encode())
    bad = rng.choice([b"\xff", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\xbc", b"\x80", b"\xed\xa0\x80"])
    pos = rng.randrange(16, len(data))
    return bytes(data[:pos] + bad + data[pos:])


def other_encoding(rng: random.Random, i: int) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:  # Latin-1 accents without a declaration
        return f"date 2026-11-20 Café owners in Zürich {_sentence(rng)} Señor Müller said.".encode("latin-1")
    if kind == 1:  # UTF-16 without a byte-order mark
        return _plain(rng).encode("utf-16-le")
    if kind == 2:  # Shift-JIS
        return ("date 2026-11-20 東京の市場 " + _sentence(rng) + " 株価が上昇した。").encode("shift_jis")
    return f'<?xml version="1.0" encoding="x-klingon-{i}"?><newsItem guid="g{i}"/>'.encode()


def control_chars(rng: random.Random, i: int) -> bytes:
    text = _plain(rng)
    pos = rng.randrange(16, len(text))
    ctl = chr(rng.choice([0, 1, 2, 7, 8, 11, 14, 27, 31, 127, 0x85, 0x9F]))
    return (text[:pos] + ctl + text[pos:]).encode()


def binary_noise(rng: random.Random, i: int) -> bytes:
    return rng.randbytes(rng.randrange(8, 4096))


def empty(rng: random.Random, i: int) -> bytes | None:
    return rng.choice([None, b"", b" ", b"\n\n\t  ", b"\r\n"])


def truncated_json(rng: random.Random, i: int) -> bytes:
    data = orjson.dumps(_ninjs_doc(rng, i))
    return data[: rng.randrange(2, len(data) - 1)]


def nested_json(rng: random.Random, i: int) -> bytes:
    depth = rng.randrange(65, 5000)
    if rng.random() < 0.5:
        return b'{"uri": "x", "a": ' + b"[" * depth + b"]" * depth + b"}"
    inner = b'{"a": ' * depth + b"1" + b"}" * depth
    return b'{"uri": "x", "headlines": [{"value": "h"}], "bodies": [{"value": "b"}], "deep": ' + inner + b"}"


def ninjs_wrong_types(rng: random.Random, i: int) -> bytes:
    doc = _ninjs_doc(rng, i)
    field, value = rng.choice([
        ("headlines", 42), ("headlines", "a string"), ("bodies", {"value": 3}), ("bodies", [{"value": 7}]),
        ("headlines", [{"value": ["x"]}]), ("uri", ["a", "b"]), ("version", "seven"), ("pubStatus", 5),
        ("language", {"code": "en"}), ("firstCreated", "not a date"), ("bodies", []), ("urgency", "very"),
    ])  # fmt: skip
    doc[field] = value
    if rng.random() < 0.2:
        return orjson.dumps([doc])  # an array, not an object
    return orjson.dumps(doc)


def huge_headline(rng: random.Random, i: int) -> bytes:
    doc = _ninjs_doc(rng, i)
    doc["headlines"] = [{"value": "Breaking " * rng.randrange(120, 6000), "role": "main"}]
    return orjson.dumps(doc)


def xml_bomb(rng: random.Random, i: int) -> bytes:
    levels = rng.randrange(3, 10)
    ents = ['<!ENTITY e0 "lol">'] + [f'<!ENTITY e{n} "{("&e" + str(n - 1) + ";") * 10}">' for n in range(1, levels)]
    body = f"<p>&e{levels - 1};</p>"
    if rng.random() < 0.3:  # quadratic blow-up: one huge entity referenced many times
        ents = [f'<!ENTITY a "{"x" * rng.randrange(1000, 20000)}">']
        body = "<p>" + "&a;" * rng.randrange(100, 2000) + "</p>"
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE newsItem [' + "".join(ents) + "]>"
        f'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="bomb-{i}"><contentMeta><headline>Bomb</headline>'
        f"</contentMeta><contentSet><inlineXML><html><body>{body}</body></html></inlineXML></contentSet></newsItem>"
    ).encode()


def xml_external(rng: random.Random, i: int) -> bytes:
    target = rng.choice(["file:///etc/passwd", "file:///proc/self/environ", "http://169.254.169.254/latest/meta-data/",
                         "https://example.invalid/evil.dtd", "../../secrets.txt"])
    decl = rng.choice([
        f'<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "{target}">]>',
        f'<!DOCTYPE newsItem [<!ENTITY % p SYSTEM "{target}"> %p;]>',
        f'<!DOCTYPE newsItem SYSTEM "{target}">',
    ])  # fmt: skip
    return (
        f'<?xml version="1.0"?>\n{decl}<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="xxe-{i}">'
        "<contentMeta><headline>Leak &xxe;</headline></contentMeta><contentSet><inlineXML><html><body>"
        "<p>&xxe;</p></body></html></inlineXML></contentSet></newsItem>"
    ).encode()


def unknown_format(rng: random.Random, i: int) -> bytes:
    return rng.choice([
        f"Just some words {i}: {_sentence(rng)}", f"<html><body><p>{_sentence(rng)}</p></body></html>",
        f"id,headline\n{i},{_sentence(rng, 4)}", f"--- {i}\nyaml: {_sentence(rng, 3)}\n",
    ]).encode()  # fmt: skip


def bad_date(rng: random.Random, i: int) -> bytes:
    return f"date 2026-{rng.choice(['02-30', '13-01', '00-10', '11-31'])} {_sentence(rng)} {_sentence(rng)}".encode()


def oversize_maker(limit: int) -> Maker:
    """Bodies of several MB above ``limit`` bytes (plain text or ninjs)."""

    def oversize(rng: random.Random, i: int) -> bytes:
        size = limit + rng.randrange(limit // 2, 4 * limit)
        filler = (_sentence(rng) + " ") * (size // 80 + 1)
        if rng.random() < 0.5:
            return ("date 2026-11-20 Oversize story. " + filler).encode()
        doc = _ninjs_doc(rng, i)
        doc["bodies"] = [{"value": filler, "role": "main"}]
        return orjson.dumps(doc)

    return oversize


@dataclass(frozen=True, slots=True)
class Category:
    """A kind of bad message, its share of the mix, and the reasons it may legitimately get."""

    name: str
    make: Maker
    weight: float
    reasons: frozenset[str]


def categories(limit: int) -> list[Category]:
    """The poison mix (weights are relative; oversize messages are kept rare: they are megabytes each)."""
    R = frozenset  # noqa: N806
    return [
        Category("invalid_utf8", invalid_utf8, 10, R({"decode_error"})),
        Category("other_encoding", other_encoding, 8, R({"decode_error"})),
        Category("control_chars", control_chars, 8, R({"decode_error"})),
        Category("binary_noise", binary_noise, 10, R({"decode_error", "unknown_format"})),
        Category("empty", empty, 4, R({"empty"})),
        Category("truncated_json", truncated_json, 10, R({"parse_error", "unknown_format"})),
        Category("nested_json", nested_json, 6, R({"parse_error", "validation_error"})),
        Category("ninjs_wrong_types", ninjs_wrong_types, 12, R({"validation_error", "parse_error", "unknown_format"})),
        Category("huge_headline", huge_headline, 5, R({"validation_error"})),
        Category("xml_bomb", xml_bomb, 8, R({"xml_forbidden"})),
        Category("xml_external", xml_external, 8, R({"xml_forbidden"})),
        Category("unknown_format", unknown_format, 6, R({"unknown_format"})),
        Category("bad_date", bad_date, 4, R({"validation_error"})),
        Category("oversize", oversize_maker(limit), 0.1, R({"too_large"})),
    ]


@dataclass
class PoisonMix:
    """Generated bad messages plus how they were classified by the oracle."""

    messages: list[Outgoing]
    by_category: Counter[str]
    by_reason: Counter[str]
    accepted: Counter[str]  # category -> generated messages the parser accepted (not poison after all; dropped)
    off_category: Counter[str]  # category -> messages rejected for a reason the category does not allow


def poison(count: int, *, seed: int = 0, limits: IngestLimits | None = None, min_oversize: int = 3) -> PoisonMix:
    """``count`` bad messages (seeded), each with the reason the worker should dead-letter it for."""
    limits = limits or IngestLimits()
    rng = random.Random(seed)
    cats = categories(limits.max_message_bytes)
    weights = [c.weight for c in cats]
    oversize = next(c for c in cats if c.name == "oversize")
    chosen = [oversize] * min(min_oversize, count) + rng.choices(cats, weights, k=max(count - min_oversize, 0))
    mix = PoisonMix([], Counter(), Counter(), Counter(), Counter())
    now = datetime.now(UTC)
    for i, cat in enumerate(chosen):
        value = cat.make(rng, i)
        try:
            parse_message(value, received_at=now, limits=limits)
        except IngestError as err:
            reason = err.reason.value
        else:
            mix.accepted[cat.name] += 1
            continue
        if reason not in cat.reasons:
            mix.off_category[cat.name] += 1
        allowed = frozenset({reason, "parse_timeout"})  # a loaded worker may run out of parse budget first
        mix.messages.append(Outgoing(f"poison:{seed}:{i}".encode(), value, Expect("dead", cat.name, allowed)))
        mix.by_category[cat.name] += 1
        mix.by_reason[reason] += 1
    rng.shuffle(mix.messages)
    return mix
