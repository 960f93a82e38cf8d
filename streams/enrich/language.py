"""Language identification with py3langid (its model ships inside the package)."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

SUPPORTED_LANGUAGES = frozenset({"en"})
"""Primary language subtags the enrichment models handle."""

_MAX_CHARS = 4_000
_MIN_LETTERS = 20


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def warm_up_language_model() -> None:
    """Load the language model now (about 2 s) instead of on the first :func:`detect_language` call."""
    _identifier()


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code and probability of ``text``'s language, e.g. ``("en", 0.99)``.

    Only the first 4,000 characters are used. Returns ``(None, 0.0)`` when the text has fewer
    than 20 letters (too short to tell). The model loads on first call.
    """
    sample = text[:_MAX_CHARS]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return None, 0.0
    language, confidence = _identifier().classify(sample)
    return str(language), float(confidence)


def primary_subtag(language: str) -> str:
    """``en`` for ``en-GB``, ``en_US`` or ``EN``."""
    return language.replace("_", "-").split("-", 1)[0].lower()


def is_supported(language: str | None) -> bool:
    """True when the enrichment models handle ``language`` (a BCP 47 tag); False for None."""
    return language is not None and primary_subtag(language) in SUPPORTED_LANGUAGES
