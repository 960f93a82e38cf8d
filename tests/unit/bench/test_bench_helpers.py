"""Pure helpers of the benchmark: percentiles, rates, histogram arithmetic, corpus variation."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from bench.corpus import SourceText, compose_body, load_seeds, make_corpus, mixed_corpus
from bench.stats import add_buckets, bucket_quantile, completion_rate, percentile, rate_in_window, sub_buckets
from streams.cli.harness import Metrics
from streams.ingest import parse_message

SOURCES = [
    SourceText(f"Headline {i}", tuple(f"Paragraph {i}.{j} says the council met. " + "word " * 40 for j in range(3)))
    for i in range(5)
]


def test_percentile_interpolates_between_ranks() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 90) == pytest.approx(4.6)
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_rate_in_window_counts_half_open_interval() -> None:
    assert rate_in_window([0.0, 1.0, 2.0, 3.0], 1.0, 3.0) == (2, 1.0)


def test_completion_rate_is_not_fooled_by_batches() -> None:
    # batches of 4 stories every 2 s: 2 stories/s, whatever the window's edges
    times = [b * 2.0 + 0.001 * i for b in range(10) for i in range(4)]
    stories, rate = completion_rate(times, 0.5, 15.0)
    assert stories == 28
    assert rate == pytest.approx(2.0, rel=0.01)
    assert completion_rate([], 0, 1) == (0, 0.0)


METRICS = """# HELP wirestream_freshness_seconds x
wirestream_freshness_seconds_bucket{le="0.1"} 1.0
wirestream_freshness_seconds_bucket{le="0.5"} 3.0
wirestream_freshness_seconds_bucket{le="1.0"} 4.0
wirestream_freshness_seconds_bucket{le="+Inf"} 4.0
wirestream_freshness_seconds_count 4.0
wirestream_stage_duration_seconds_bucket{le="0.1",stage="parse"} 9.0
"""


def test_histogram_parse_diff_and_quantile() -> None:
    after = Metrics.parse(METRICS).buckets("wirestream_freshness_seconds")
    assert after == {0.1: 1.0, 0.5: 3.0, 1.0: 4.0, math.inf: 4.0}
    assert add_buckets(after, {0.1: 1.0, 2.0: 1.0}) == {0.1: 2.0, 0.5: 3.0, 1.0: 4.0, 2.0: 1.0, math.inf: 4.0}
    before = {0.1: 1.0, 0.5: 1.0, 1.0: 1.0, math.inf: 1.0}
    window = sub_buckets(after, before)
    assert window == {0.1: 0.0, 0.5: 2.0, 1.0: 3.0, math.inf: 3.0}
    assert bucket_quantile(window, 0.5) == pytest.approx(0.1 + 0.4 * 1.5 / 2)
    assert math.isnan(bucket_quantile({}, 0.5))


def test_compose_body_reaches_the_target_length() -> None:
    for words in (50, 300, 800):
        body = compose_body(SOURCES, 2, words)
        assert words <= len(body.split()) < words + 50


def test_corpus_ids_are_unique_and_parse_as_ninjs() -> None:
    corpus = mixed_corpus(SOURCES, count=11, short=60, long=150, tag="t")
    ids = [s.id for s in corpus]
    assert len(set(ids)) == 11
    for s in corpus:
        story = parse_message(s.value, received_at=datetime.now(UTC))
        assert story.id == s.id
        assert story.source_format == "ninjs"
        assert story.language == "en"
    assert {len(s.value) > 0 for s in make_corpus(SOURCES, count=3, words=60, tag="u")} == {True}


def test_seed_sources_are_english_stories() -> None:
    sources = load_seeds()
    assert len(sources) >= 5
    assert all(s.headline and s.paragraphs for s in sources)
