"""The /metrics page: no `_created` series, model info without repeated values, the activity log line (issue 17, 7 and 14)."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import generate_latest

from streams import metrics


def test_no_created_series_after_init() -> None:
    metrics.init_series()
    metrics.STORIES_ENRICHED.inc(0)
    page = generate_latest(metrics.REGISTRY).decode()
    assert "wirestream_stories_enriched_total" in page
    assert "_created" not in page


@pytest.mark.parametrize(
    ("model", "labels"),
    [("topics-minilm-selftrain-1", ("topics-minilm-selftrain-1", "")), ("spacy-sm@3.8.0", ("spacy-sm", "3.8.0"))],
)
def test_model_info_never_repeats_a_value_in_two_labels(model: str, labels: tuple[str, str]) -> None:
    assert metrics.model_labels(model) == labels
    metrics.set_model_info({"probe": model})
    page = generate_latest(metrics.REGISTRY).decode()
    line = next(x for x in page.splitlines() if x.startswith("wirestream_model_info{") and 'stage="probe"' in x and labels[0] in x)
    assert line.count(f'"{labels[0]}"') == 1


def test_activity_log_reports_what_changed_and_nothing_when_idle(caplog: pytest.LogCaptureFixture) -> None:
    activity = metrics.ActivityLog()
    assert activity.report() is None
    metrics.STORIES_CONSUMED.labels(format="ninjs").inc(3)
    metrics.STORIES_ENRICHED.inc(2)
    with caplog.at_level(logging.DEBUG, logger="streams.metrics"):
        metrics.count_dead_letter("too_large", None, "wire.raw/0@9", "message is 5,000,000 bytes")
    assert "dead letter too_large (stage none) from wire.raw/0@9: message is 5,000,000 bytes" in caplog.text
    assert activity.report() == "activity: 3 consumed, 2 enriched, 0 withdrawn, 1 dead-lettered (too_large=1)"
    assert activity.report() is None


def test_enrich_error_stages_include_timeout_and_crash() -> None:
    assert {"timeout", "crash"} <= set(metrics.ENRICH_STAGES)
