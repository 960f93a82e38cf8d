"""Dead letters stay small enough to publish, whatever size the bad input had."""

from __future__ import annotations

import asyncio
import base64

from streams.config import Settings
from streams.output import SourceRef, to_bytes
from streams.processing import DEAD_LETTER_ORIGINAL_BYTES, BatchProcessor, RawRecord


class NoEnrichment:
    async def enrich(self, docs: object) -> list[object]:
        raise AssertionError("nothing here should reach enrichment")


def test_oversize_input_gives_a_bounded_dead_letter() -> None:
    settings = Settings()
    value = b"date 2026-11-20 " + b"word " * (3 * settings.max_message_bytes // 5)  # 3 MB, over the 1 MB limit
    key = b"k" * (2 * DEAD_LETTER_ORIGINAL_BYTES)
    processor = BatchProcessor(settings, NoEnrichment())  # type: ignore[arg-type]
    result = asyncio.run(processor.process([RawRecord(key, value, SourceRef("wire.raw", 1, 42), None)]))
    (letter,) = result.dead_letters
    assert letter.reason == "too_large" and letter.original_size == len(value)
    assert base64.b64decode(letter.original_b64) == value[:DEAD_LETTER_ORIGINAL_BYTES]
    assert base64.b64decode(letter.original_key_b64 or "") == key[:DEAD_LETTER_ORIGINAL_BYTES]
    assert "truncated" in letter.message
    assert len(to_bytes(letter)) < 1_000_000  # fits even a broker with Kafka's default message.max.bytes


def test_small_bad_input_is_kept_whole() -> None:
    processor = BatchProcessor(Settings(), NoEnrichment())  # type: ignore[arg-type]
    result = asyncio.run(processor.process([RawRecord(None, b"\xff\xfe\x00garbage", SourceRef("wire.raw", 0, 1), None)]))
    (letter,) = result.dead_letters
    assert base64.b64decode(letter.original_b64) == b"\xff\xfe\x00garbage" and "truncated" not in letter.message


def test_a_dead_letter_names_the_pushed_file_and_says_so_in_its_headers() -> None:
    from streams.output import FILE_HEADER
    from streams.testing import MemoryPublisher

    processor = BatchProcessor(Settings(), NoEnrichment())  # type: ignore[arg-type]
    record = RawRecord(None, b"", SourceRef("wire.raw", 0, 3), None, headers=((FILE_HEADER, b"m06_empty.txt"),))

    async def run() -> MemoryPublisher:
        result = await processor.process([record])
        publisher = MemoryPublisher()
        await processor.publish(result, publisher)
        return publisher

    ((_topic, _key, value, headers),) = asyncio.run(run()).sent
    assert b'"source_file":"m06_empty.txt"' in value
    assert headers == {"ws-reason": b"empty", FILE_HEADER: b"m06_empty.txt"}
