"""Faust table recovery progress becomes metrics (Faust's recovery hangs, #651/#432/#176, show on a dashboard)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from faust.types import TP

from streams import metrics
from streams.registry_agent import RecoveryExporter


def _app(in_recovery: bool, remaining: dict[TP, int], started: float | None, ended: float | None) -> SimpleNamespace:
    recovery = SimpleNamespace(
        in_recovery=in_recovery, _recovery_started_at=started, _recovery_ended_at=ended,
        active_remaining=lambda: Counter(remaining), standby_remaining=lambda: Counter(),
    )  # fmt: skip
    return SimpleNamespace(tables=SimpleNamespace(recovery=recovery))


def _value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_recovery_progress_and_completion_are_exported() -> None:
    exporter = RecoveryExporter()
    tp = TP("wire.entities.x", 1)
    before = _value("wirestream_table_recoveries_total")
    exporter.poll(_app(True, {tp: 40}, started=1.0, ended=None))  # type: ignore[arg-type]
    assert _value("wirestream_table_recovery_in_progress") == 1
    assert _value("wirestream_table_recovery_remaining_messages", topic="wire.entities.x", partition="1", kind="active") == 40
    exporter.poll(_app(False, {}, started=1.0, ended=3.5))  # type: ignore[arg-type]
    assert _value("wirestream_table_recovery_in_progress") == 0
    assert _value("wirestream_table_recovery_remaining_messages", topic="wire.entities.x", partition="1", kind="active") == 0
    assert _value("wirestream_table_recovery_seconds") == 2.5
    assert _value("wirestream_table_recoveries_total") == before + 1
    exporter.poll(_app(False, {}, started=1.0, ended=3.5))  # type: ignore[arg-type]  # the same recovery, polled again
    assert _value("wirestream_table_recoveries_total") == before + 1
