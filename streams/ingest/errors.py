"""The one exception the ingest package raises, carrying a stable reason code."""

from __future__ import annotations

from schemas.models import ReasonCode, SourceFormat


class IngestError(Exception):
    """A message that cannot become a :class:`~schemas.models.Story`.

    ``reason`` is the dead-letter reason code, ``message`` a human-readable explanation,
    ``stage`` the pipeline stage (always ``parse`` here) and ``source_format`` the detected
    format, if detection got that far.
    """

    def __init__(
        self,
        reason: ReasonCode,
        message: str,
        *,
        stage: str = "parse",
        source_format: SourceFormat | None = None,
    ) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message
        self.stage = stage
        self.source_format = source_format

    def with_format(self, source_format: SourceFormat | None) -> IngestError:
        """This error, tagged with ``source_format`` unless it already carries one."""
        if self.source_format is None:
            self.source_format = source_format
        return self
