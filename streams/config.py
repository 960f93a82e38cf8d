"""The one place that reads wirestream's configuration from the environment.

Every setting has a default and an environment variable ``WIRESTREAM_<NAME>`` (upper case).
``deploy/`` files and the README list exactly these variables.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.enrich.config import DEFAULT_STAGES

if TYPE_CHECKING:
    from streams.enrich.config import EnrichConfig

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
EnrichMode = Literal["process", "thread", "inline"]
WorkerRole = Literal["enrich", "state"]
#: Metrics port of a ``state`` worker when none is set, so both roles run side by side on one host.
STATE_METRICS_PORT = 9109


#: Exit status of a worker that stops itself so that its supervisor restarts it (``EX_TEMPFAIL``; see
#: :class:`streams.agent_support.OffsetGuard`).
RESTART_EXIT = 75


class Settings(BaseSettings):
    """wirestream settings; each field is read from ``WIRESTREAM_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_", extra="ignore")

    # --- Kafka connection
    kafka_bootstrap: str = Field(default="localhost:9092", description="Comma-separated bootstrap servers.")
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: SaslMechanism | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_check_hostname: bool = True
    kafka_timeout_s: float = Field(default=10.0, gt=0, description="How long push, tail and a starting worker wait for the broker before giving up.")

    # --- Topics
    app_id: str = Field(default="wirestream", description="Faust app id = Kafka consumer group (of the enrich role).")
    role: WorkerRole = Field(
        default="enrich",
        description="What `wirestream worker` runs: `enrich` (wire.raw to enriched events; stateless) or `state` (the "
        "entity registry and event clusters over wire.enriched, in Faust tables; consumer group <app_id>-state, "
        "metrics on port 9109 unless WIRESTREAM_METRICS_PORT is set).",
    )
    topic_raw: str = "wire.raw"
    topic_enriched: str = "wire.enriched"
    topic_deadletter: str = "wire.deadletter"
    topic_by_iptc_prefix: str = Field(default="wire.topic.", description="Prefix of the per-IPTC-topic output topics.")
    topic_route_min_confidence: float = Field(default=0.4, ge=0, le=1, description="A story goes to wire.topic.<slug> only when that top-level topic's confidence is at least this (wire.enriched keeps every topic).")
    partitions: int = Field(default=4, ge=1, description="Partitions of every topic created at start.")
    replication_factor: int = Field(default=1, ge=1)

    # --- Worker
    metrics_port: int = Field(default=9108, ge=0, description="Port of the worker's /metrics; 0 disables it.")
    metrics_host: str = "127.0.0.1"
    batch_size: int = Field(default=16, ge=1, description="Stories enriched together (stream.take).")
    batch_timeout_s: float = Field(default=0.05, gt=0, description="Longest wait to fill a batch (a backlog fills batches at once; this only delays stories under light load).")
    enrich_mode: EnrichMode = Field(default="process", description="Where enrichment runs: a child process, a thread, or on the event loop (tests).")
    enrich_threads: int = Field(default=1, ge=1, description="Intra-op threads of each ONNX/spaCy model.")
    enrich_timeout_s: float = Field(default=60.0, gt=0, description="Budget for enriching one batch before it is split and retried story by story.")
    lag_poll_interval_s: float = Field(default=5.0, gt=0, description="How often end offsets are read for the lag gauges.")
    stages: str = Field(
        default=",".join(DEFAULT_STAGES),
        description="Enrichment stages in order, comma-separated: registered names (language, entities, linking, topics, "
        "stance, quotes) or 'package.module:factory' import paths of your own stages.",
    )
    stage_wrapper: str | None = Field(
        default=None,
        description="TESTING ONLY ('make faults'): 'module:function' that wraps every stage, e.g. 'faults.inject:wrap'. Unset in production.",
    )
    stage_wrapper_spec: str | None = Field(
        default=None, description="TESTING ONLY: the wrapper's argument, e.g. fault rules 'raise:<stage>:<marker>'."
    )

    # --- Event clusters and near-duplicates (streams/cluster_agent.py)
    cluster_window_h: float = Field(default=72.0, gt=0, description="Stories older than this leave the duplicate/cluster index; idle clusters close.")
    cluster_max_stories: int = Field(default=20_000, ge=100, description="Most stories the index holds per language (oldest leave first): bounds memory (~5 kB a story).")
    cluster_max_clusters: int = Field(default=5_000, ge=10, description="Most open clusters per language (least recently grown close first).")

    # --- Input limits (safe defaults)
    max_message_bytes: int = Field(default=1_000_000, ge=1024, description="Larger inputs are dead-lettered as too_large.")
    max_headline_chars: int = Field(default=1_000, ge=10)
    max_body_chars: int = Field(default=200_000, ge=100)
    max_entities: int = Field(default=200, ge=1, description="Entities kept per story (most salient first).")
    ner_recognizer: Literal["spacy", "model"] = Field(default="spacy", description="Entity recogniser: spaCy `en_core_web_sm` + post-rules, or `model`, the trained ONNX token classifier (streams/enrich/models/ner; better on GUM, worse on CoNLL).")
    quote_learned_cues: bool = Field(default=True, description="Quotes: besides the cue patterns, the learned cue detector (streams/enrich/models/quotes) finds attributions whose verb no list names (`false`: patterns only).")
    stance_max_entities: int = Field(default=8, ge=0, description="Most salient entities that get a stance, besides every person or organisation named at least twice (0 turns stance off).")
    stance_max_sentences: int = Field(default=64, ge=1, description="Sentences read per entity for its stance (the first ones naming it); one model pass per sentence serves every entity it names.")
    parse_timeout_s: float = Field(default=2.0, gt=0, description="Parse time budget per message.")
    xml_max_depth: int = Field(default=64, ge=4)
    json_max_depth: int = Field(default=64, ge=4)

    # --- Local broker (wirestream kafka up|down|status)
    home: Path = Field(default=Path.home() / ".cache" / "wirestream", description="Cache for Kafka jars, broker data and logs.")
    kafka_version: str = "4.1.1"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093

    @model_validator(mode="after")
    def _state_metrics_port(self) -> Settings:
        if self.role == "state" and "metrics_port" not in self.model_fields_set:
            self.metrics_port = STATE_METRICS_PORT
        return self

    @property
    def group_id(self) -> str:
        """The worker's Faust app id and consumer group: ``app_id``, or ``<app_id>-state`` for the state role."""
        return self.app_id if self.role == "enrich" else f"{self.app_id}-state"

    def kafka_client_config(self) -> dict[str, Any]:
        """kafka-python keyword arguments for the configured connection (security included)."""
        cfg: dict[str, Any] = {
            "bootstrap_servers": self.kafka_bootstrap.split(","),
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_sasl_mechanism:
            cfg["sasl_mechanism"] = self.kafka_sasl_mechanism
            cfg["sasl_plain_username"] = self.kafka_sasl_username
            cfg["sasl_plain_password"] = self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None
        if self.kafka_ssl_cafile:
            cfg["ssl_cafile"] = str(self.kafka_ssl_cafile)
        if self.kafka_ssl_certfile:
            cfg["ssl_certfile"] = str(self.kafka_ssl_certfile)
        if self.kafka_ssl_keyfile:
            cfg["ssl_keyfile"] = str(self.kafka_ssl_keyfile)
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            cfg["ssl_check_hostname"] = self.kafka_ssl_check_hostname
        return cfg

    def as_env(self) -> dict[str, str]:
        """These settings as ``WIRESTREAM_*`` environment variables (to start a worker process with them)."""
        env: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, bool):
                value = "true" if value else "false"
            env[f"WIRESTREAM_{name.upper()}"] = str(value)
        return env

    def enrich_config(self) -> EnrichConfig:
        """The enrichment library's configuration these settings ask for (stages, threads, entity cap, stance knobs).

        ``WIRESTREAM_STANCE_MAX_ENTITIES=0`` leaves the stance stage out.
        """
        from streams.enrich.config import EnrichConfig

        stages = tuple(s.strip() for s in self.stages.split(",") if s.strip())
        if self.stance_max_entities == 0:
            stages = tuple(s for s in stages if s != "stance")
        return EnrichConfig(
            stages=stages,
            stage_wrapper=self.stage_wrapper,
            stage_wrapper_spec=self.stage_wrapper_spec,
            threads=self.enrich_threads,
            max_entities=self.max_entities,
            ner_recognizer=self.ner_recognizer,
            quote_learned_cues=self.quote_learned_cues,
            stance_max_entities=self.stance_max_entities,
            stance_max_sentences=self.stance_max_sentences,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once from the environment."""
    return Settings()
