"""The Faust application, built from settings. Agents and commands register on it."""

from __future__ import annotations

import ssl

import faust
from faust.types.auth import CredentialsT

from streams.config import Settings, get_settings


def broker_url(settings: Settings) -> str:
    """Faust broker URL for the configured bootstrap servers."""
    return ";".join(f"kafka://{server.strip()}" for server in settings.kafka_bootstrap.split(","))


def broker_credentials(settings: Settings) -> CredentialsT | None:
    """SASL and/or TLS credentials for Faust (aiokafka), or None for PLAINTEXT."""
    context: ssl.SSLContext | None = None
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)
        context.check_hostname = settings.kafka_ssl_check_hostname
        if settings.kafka_ssl_certfile:
            context.load_cert_chain(str(settings.kafka_ssl_certfile), str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None)
    if settings.kafka_security_protocol.startswith("SASL"):
        password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username or "",
            password=password,
            mechanism=settings.kafka_sasl_mechanism or "PLAIN",
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_app(settings: Settings) -> faust.App:
    """A Faust app for ``settings``: raw bytes in and out, at-least-once, no web server."""
    return faust.App(
        settings.group_id,
        broker=broker_url(settings),
        broker_credentials=broker_credentials(settings),
        autodiscover=False,  # streams.__main__ imports the agents and commands: nothing else is scanned
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=False,  # topics are created by streams.kafka.admin.ensure_topics
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",  # a new group must not skip stories pushed before it joined
        web_enabled=False,
        datadir=str(settings.home / "faust-data"),
        Worker="streams.worker:WirestreamWorker",
        producer_acks=-1,
        producer_linger_ms=5,
        producer_max_request_size=max(settings.max_message_bytes * 4, 4_000_000),
        consumer_max_fetch_size=max(settings.max_message_bytes * 2, 4_194_304),
        broker_commit_every=settings.batch_size,
        broker_commit_interval=1.0,
        # A killed worker's partitions move to a live one after this long (Kafka's default is 45 s).
        broker_session_timeout=15.0,
        broker_heartbeat_interval=3.0,
        stream_buffer_maxsize=max(settings.batch_size * 4, 64),
    )


settings = get_settings()
app = create_app(settings)
