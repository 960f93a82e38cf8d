"""Input limits and the per-message parse time budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from schemas.models import ReasonCode
from streams.config import Settings
from streams.ingest.errors import IngestError

Clock = Callable[[], float]


@dataclass(frozen=True)
class IngestLimits:
    """Safe limits applied to every incoming message.

    Defaults equal the :class:`~streams.config.Settings` defaults (env ``WIRESTREAM_MAX_MESSAGE_BYTES``,
    ``..._MAX_HEADLINE_CHARS``, ``..._MAX_BODY_CHARS``, ``..._PARSE_TIMEOUT_S``, ``..._XML_MAX_DEPTH``,
    ``..._JSON_MAX_DEPTH``).
    """

    max_message_bytes: int = 1_000_000
    max_headline_chars: int = 1_000
    max_body_chars: int = 200_000
    parse_timeout_s: float = 2.0
    xml_max_depth: int = 64
    json_max_depth: int = 64

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestLimits:
        """Limits taken from the worker settings."""
        return cls(
            max_message_bytes=settings.max_message_bytes,
            max_headline_chars=settings.max_headline_chars,
            max_body_chars=settings.max_body_chars,
            parse_timeout_s=settings.parse_timeout_s,
            xml_max_depth=settings.xml_max_depth,
            json_max_depth=settings.json_max_depth,
        )


class Deadline:
    """Parse time budget, checked between steps (cheap: no threads, no signals)."""

    def __init__(self, budget_s: float, clock: Clock = time.perf_counter) -> None:
        self._clock = clock
        self._budget_s = budget_s
        self._start = clock()

    @property
    def elapsed_s(self) -> float:
        """Seconds since the budget started."""
        return self._clock() - self._start

    def check(self, step: str) -> None:
        """Raise ``parse_timeout`` when the budget is spent; ``step`` names where."""
        elapsed = self.elapsed_s
        if elapsed > self._budget_s:
            raise IngestError(
                ReasonCode.PARSE_TIMEOUT,
                f"parsing took longer than the {self._budget_s:g} s budget ({elapsed:.3f} s, at step '{step}')",
            )


@dataclass(frozen=True)
class ParseContext:
    """What every format parser gets besides the decoded text."""

    limits: IngestLimits
    deadline: Deadline
