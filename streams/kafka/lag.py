"""Consumer lag per partition, read from the broker in a background thread.

Runs outside the event loop on purpose: if the worker's loop stalls, the gauges keep
moving and the "no commits while lag > 0" alert can see it.
"""

from __future__ import annotations

import logging
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from streams import metrics
from streams.config import Settings

log = logging.getLogger(__name__)


class LagMonitor(threading.Thread):
    """Polls committed and end offsets of the raw topic every ``lag_poll_interval_s`` seconds."""

    def __init__(self, settings: Settings, group_id: str | None = None, topic: str | None = None) -> None:
        super().__init__(name="wirestream-lag", daemon=True)
        self.settings = settings
        self.group_id = group_id or settings.app_id
        self.topic = topic or settings.topic_raw
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._last_done_ts: dict[int, float] = {}
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None

    def note_done(self, partition: int, timestamp: float | None) -> None:
        """Record the broker timestamp (seconds) of the newest message fully processed on ``partition``."""
        if timestamp:
            with self._lock:
                self._last_done_ts[partition] = max(timestamp, self._last_done_ts.get(partition, 0.0))

    def stop(self) -> None:
        self._stop_event.set()

    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None or self._consumer is None:
            cfg = self.settings.kafka_client_config()
            self._admin = KafkaAdminClient(client_id="wirestream-lag-admin", **cfg)
            self._consumer = KafkaConsumer(client_id="wirestream-lag", enable_auto_commit=False, **cfg)
        return self._admin, self._consumer

    def _reset(self) -> None:
        for client in (self._admin, self._consumer):
            try:
                if client is not None:
                    client.close()
            except Exception:  # noqa: BLE001 - closing a broken client
                pass
        self._admin = self._consumer = None

    def poll_once(self) -> dict[int, int]:
        """Read offsets once and update the gauges; returns lag per partition."""
        admin, consumer = self._clients()
        partitions = consumer.partitions_for_topic(self.topic) or set()
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        ends = consumer.end_offsets(tps) if tps else {}
        committed = admin.list_group_offsets({self.group_id: None}).get(self.group_id, {})  # kafka-python 3 API
        now = time.time()
        lags: dict[int, int] = {}
        for tp in tps:
            end = int(ends.get(tp, 0))
            meta = committed.get(tp)
            done = int(meta.offset) if meta is not None and meta.offset is not None and meta.offset >= 0 else 0
            lag = max(end - done, 0)
            lags[tp.partition] = lag
            labels = {"topic": self.topic, "partition": str(tp.partition)}
            metrics.END_OFFSET.labels(**labels).set(end)
            metrics.COMMITTED_OFFSET.labels(**labels).set(done)
            metrics.LAG_MESSAGES.labels(**labels).set(lag)
            with self._lock:
                last = self._last_done_ts.get(tp.partition)
            # The oldest unprocessed message is newer than the last processed one, so its age
            # is at most now - last; before anything was processed we fall back to worker start.
            age = 0.0 if lag == 0 else now - (last if last else self._started)
            metrics.LAG_SECONDS.labels(**labels).set(max(age, 0.0))
        return lags

    def run(self) -> None:
        self._started = time.time()
        while not self._stop_event.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # noqa: BLE001 - the broker may be away; keep trying
                metrics.LAG_POLL_ERRORS.inc()
                log.warning("lag poll failed: %r", exc)
                self._reset()
            self._stop_event.wait(self.settings.lag_poll_interval_s)
        self._reset()
