"""Language identification (streams.enrich.language)."""

from __future__ import annotations

import pytest

from streams.enrich.language import SUPPORTED_LANGUAGES, detect_language, is_supported, primary_subtag


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The central bank left interest rates unchanged on Thursday, citing slowing inflation.", "en"),
        ("Die Zentralbank hat die Leitzinsen am Donnerstag unverändert gelassen und verwies auf die Inflation.", "de"),
        ("El banco central mantuvo sin cambios los tipos de interés el jueves, citando la inflación.", "es"),
        (
            "La banque centrale a laissé ses taux directeurs inchangés jeudi, invoquant le ralentissement de l'inflation.",
            "fr",
        ),
    ],
)
def test_detects_the_language(text: str, expected: str) -> None:
    language, confidence = detect_language(text)
    assert language == expected
    assert 0.5 < confidence <= 1.0


@pytest.mark.parametrize("text", ["", "Hi", "12345 678 90 !!!", "OK ok"])
def test_too_short_to_tell(text: str) -> None:
    assert detect_language(text) == (None, 0.0)


def test_only_the_first_few_kilobytes_are_used() -> None:
    text = "The council met on Monday to discuss the budget. " * 100 + "Der Rat tagte am Montag. " * 5000
    assert detect_language(text)[0] == "en"


@pytest.mark.parametrize(
    ("tag", "primary", "supported"),
    [("en", "en", True), ("en-GB", "en", True), ("EN_us", "en", True), ("de", "de", False), ("de-AT", "de", False)],
)
def test_supported_languages(tag: str, primary: str, supported: bool) -> None:
    assert primary_subtag(tag) == primary
    assert is_supported(tag) is supported
    assert frozenset({"en"}) == SUPPORTED_LANGUAGES


def test_none_is_not_supported() -> None:
    assert is_supported(None) is False
