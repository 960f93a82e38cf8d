"""The wirestream Worker: checks the broker and the metrics port, prepares topics, metrics and lag monitoring.

A worker that cannot start says why in one line on stderr and exits 1 within ``WIRESTREAM_KAFKA_TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Iterable
from typing import Any

import faust
from mode import Service

log = logging.getLogger(__name__)

#: Exit code of a worker that could not start (broker unreachable, metrics port in use).
EXIT_CANNOT_START = 1
#: Seconds between two activity lines in the log (throughput and dead letters of the last interval).
ACTIVITY_INTERVAL_S = 60.0
#: Third-party loggers that flood ``-l info`` with per-connection lines; kept at WARNING.
CHATTY_LOGGERS = ("kafka",)


class WorkerStartError(RuntimeError):
    """The worker cannot start; the message is the one line shown to the user."""


class DemoteHarmless(logging.Filter):
    """Lower Faust's "Aiokafka has not sent fetch request ... since start" from ERROR to WARNING.

    Faust logs it for every assigned partition while the agent is still loading its models (no fetch yet), which is
    expected at start. A real stall is caught by the lag gauges and the ``WirestreamConsumerStalled`` alert.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and "has not sent fetch request" in str(record.msg) and "since start" in str(record.msg):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_chatty_loggers() -> None:
    """Keep kafka-python's connection chatter out of ``-l info`` and demote Faust's harmless start-up error."""
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("faust.transport.drivers.aiokafka").addFilter(DemoteHarmless())


def _serve_metrics(host: str, port: int) -> bool:
    from streams import metrics

    try:
        return metrics.serve(host, port)
    except OSError as exc:
        raise WorkerStartError(
            f"port {port} in use ({host}:{port}: {exc.strerror or exc}) — set WIRESTREAM_METRICS_PORT to a free port, or 0 to disable metrics"
        ) from None


def prepare_worker() -> None:
    """Check the metrics port and the broker, load the language model, create topics, start the lag monitor.

    Blocking; once per worker. Raises :class:`WorkerStartError` with a one-line reason.
    """
    from streams import __version__, metrics
    from streams.app import settings
    from streams.kafka.admin import BrokerUnreachable, check_broker, ensure_topics, quiet_kafka_logs
    from streams.kafka.lag import LagMonitor
    from streams.topics import Topics

    metrics.init_series()
    serving = _serve_metrics(settings.metrics_host, settings.metrics_port)  # first: a port clash fails at once
    try:
        check_broker(settings)
    except BrokerUnreachable as exc:
        raise WorkerStartError(f"{exc}; is it running (`wirestream kafka up`)? Check WIRESTREAM_KAFKA_BOOTSTRAP") from None
    topics = Topics.of(settings)
    lag_monitor: LagMonitor | None
    if settings.role == "enrich":
        from streams.agents import parts
        from streams.enrich.language import warm_up_language_model

        log.info(
            "wirestream %s worker: broker %s, group %s, consuming %s, publishing %s, %s and %s* (%d IPTC topics)",
            __version__, settings.kafka_bootstrap, settings.group_id, topics.raw, topics.enriched, topics.deadletter,
            topics.iptc_prefix, len(topics.by_iptc()),
        )  # fmt: skip
        warm_up_language_model()  # parsing detects languages on the event loop: load the model before consuming
        lag_monitor = parts().lag_monitor
    else:
        log.info(
            "wirestream %s state worker: broker %s, group %s, consuming %s, publishing %s and %s",
            __version__, settings.kafka_bootstrap, settings.group_id, topics.enriched, topics.entities, topics.clusters,
        )  # fmt: skip
        lag_monitor = LagMonitor(settings, group_id=settings.group_id, topic=topics.enriched)
    settings.home.mkdir(parents=True, exist_ok=True)  # faust's datadir lives here
    with quiet_kafka_logs(logging.ERROR):
        ensured = ensure_topics(settings)
    if ensured.created:
        log.info("created topics: %s", ", ".join(ensured.created))
    metrics.set_build_info(__version__, faust.__version__)
    if serving:
        log.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    else:
        log.info("metrics disabled (WIRESTREAM_METRICS_PORT=0)")
    if lag_monitor is not None and not lag_monitor.is_alive():
        lag_monitor.start()


def assigned_summary(assigned: Iterable[Any], internal_suffix: str = "-__assignor-__leader") -> str:
    """``wire.raw[0,1]`` for a set of TPs (Faust's internal leader topic left out)."""
    by_topic: dict[str, list[int]] = {}
    for tp in assigned:
        if not tp.topic.endswith(internal_suffix):
            by_topic.setdefault(tp.topic, []).append(tp.partition)
    return ", ".join(f"{topic}[{','.join(map(str, sorted(parts)))}]" for topic, parts in sorted(by_topic.items())) or "none"


class WirestreamWorker(faust.Worker):
    """Faust worker that runs :func:`prepare_worker` once logging is set up, before the app starts consuming."""

    _activity: Any = None

    async def on_first_start(self) -> None:
        await super().on_first_start()  # sets up logging: our start-up lines need it
        quiet_chatty_loggers()
        try:
            await asyncio.to_thread(prepare_worker)
        except WorkerStartError as exc:
            print(f"error: wirestream worker cannot start: {exc}", file=sys.__stderr__ or sys.stderr, flush=True)
            raise SystemExit(EXIT_CANNOT_START) from None
        from streams import metrics

        self._activity = metrics.ActivityLog()
        self.app.on_partitions_assigned.connect(self._on_assigned)  # type: ignore[arg-type]  # mode's signal typing

    async def _on_assigned(self, sender: Any, assigned: Iterable[Any], **kwargs: Any) -> None:
        log.info("partitions assigned: %s", assigned_summary(assigned))

    @Service.timer(ACTIVITY_INTERVAL_S)
    async def _log_activity(self) -> None:
        if self._activity is not None:
            line = self._activity.report()
            if line:
                log.info("%s", line)

    def _on_sigint(self) -> None:
        """Ctrl-C: stop gracefully, without mode's ``-INT- -INT- ...`` line."""
        self._flag_as_shutdown_by_signal()
        log.info("Ctrl-C: stopping")
        self._schedule_shutdown(signal.SIGINT)
