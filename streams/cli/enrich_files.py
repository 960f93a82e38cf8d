"""`wirestream enrich PATH…`: the worker's enrichment of files, without a broker, as JSON lines.

Each file is one message, parsed and enriched by the same :class:`~streams.processing.BatchProcessor` the worker
runs, so each line is the event the worker would publish (or the dead letter it would write, with its reason).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from schemas.models import DeadLetter, EnrichedStory
from streams.config import Settings
from streams.output import SourceRef, to_bytes
from streams.processing import BatchProcessor, RawRecord
from streams.runner import EnrichRunner

Output = EnrichedStory | DeadLetter


async def enrich_files(files: Sequence[Path], settings: Settings) -> AsyncIterator[tuple[Path, Output]]:
    """Yield (file, event or dead letter) for each file, in order, in batches of ``WIRESTREAM_BATCH_SIZE``."""
    settings = settings.model_copy(update={"enrich_mode": "inline"})  # this process is the enrichment process
    processor = BatchProcessor(settings, EnrichRunner(settings))
    for start in range(0, len(files), settings.batch_size):
        chunk = files[start : start + settings.batch_size]
        records = [RawRecord(None, path.read_bytes(), SourceRef(str(path), 0, 0)) for path in chunk]
        result = await processor.process(records)
        by_file: dict[str, Output] = {e.wirestream.source["topic"]: e for e in (*result.enriched, *result.withdrawn)}  # type: ignore[misc]
        by_file.update({d.source_topic: d for d in result.dead_letters})
        for path in chunk:
            yield path, by_file[str(path)]


def json_line(output: Output) -> str:
    """The output as the worker would publish it (compact JSON)."""
    return to_bytes(output).decode()
