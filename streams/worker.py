"""The wirestream Worker: prepares topics, metrics and lag monitoring before consuming."""

from __future__ import annotations

import asyncio
import logging

import faust

log = logging.getLogger(__name__)


def prepare_worker() -> None:
    """Load the language model, create topics, expose /metrics, start the lag monitor (blocking; once per worker)."""
    from streams import __version__, metrics
    from streams.agents import parts
    from streams.app import settings
    from streams.enrich.language import warm_up_language_model
    from streams.kafka.admin import ensure_topics

    metrics.init_series()
    warm_up_language_model()  # parsing detects languages on the event loop: load the model before consuming
    settings.home.mkdir(parents=True, exist_ok=True)  # faust's datadir lives here
    ensure_topics(settings)
    metrics.set_build_info(__version__, faust.__version__)
    if metrics.serve(settings.metrics_host, settings.metrics_port):
        log.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    lag_monitor = parts().lag_monitor
    if lag_monitor is not None and not lag_monitor.is_alive():
        lag_monitor.start()


class WirestreamWorker(faust.Worker):
    """Faust worker that runs :func:`prepare_worker` before the app starts consuming."""

    async def on_first_start(self) -> None:
        await asyncio.to_thread(prepare_worker)
        await super().on_first_start()
