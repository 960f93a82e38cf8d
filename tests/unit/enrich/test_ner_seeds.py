"""The misreadings of issue 12 on ``seeds/`` (and the shared seed story), for both recognisers.

What is still wrong is a strict xfail (so a fix shows up as a failure to update). spaCy runs every post-rule
(:data:`streams.enrich.ner_rules.SPACY_RULES`), which fixes these; the trained model runs only the ones its ablation
kept (``streams/enrich/models/ner/TRAINING.md``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.models import Entity
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.pipeline import Enricher
from streams.enrich.stages import build_stages
from streams.ingest import parse_message

ROOT = Path(__file__).resolve().parents[3]
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_d6655a67d885e624.txt"
RECOGNIZERS = ("model", "spacy")
SEEDS = [
    ("g01_diamond_heart_sensor.xml", "University of Eastbrook", "ORG"),
    ("g04_film_festival_latin1.xml", "Golden Lantern", "MISC"),
    ("p02_lakeport_marathon.txt", "Lakeport Marathon", "MISC"),
    ("p04_cfo_fraud_sentence.txt", "Nadia Fortescue", "PERSON"),
]
OPEN = {  # (recogniser, name): what it reads instead
    ("model", "Lakeport Marathon"): "\"Marathon\" alone (MISC)",
}


@pytest.fixture(scope="module", params=RECOGNIZERS)
def enricher(request: pytest.FixtureRequest) -> Enricher:
    config = EnrichConfig(ner_recognizer=request.param)
    return Enricher(build_stages(config, ["entities"]), config)


def _entities(enricher: Enricher, path: Path) -> list[Entity]:
    doc = Document.of_story(parse_message(path.read_bytes(), received_at=datetime.now(UTC)))
    (result,) = enricher.enrich_batch([doc])
    assert not isinstance(result, Exception), result
    return result.entities


@pytest.mark.parametrize(("seed", "name", "etype"), SEEDS)
def test_seed_names_have_their_type(
    enricher: Enricher, request: pytest.FixtureRequest, seed: str, name: str, etype: str
) -> None:
    recognizer = enricher.config.ner_recognizer
    if (recognizer, name) in OPEN:
        reason = f"open: {recognizer} reads {name!r} as {OPEN[recognizer, name]}"
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    entities = _entities(enricher, ROOT / "seeds" / seed)
    by_name = {e.name: e.type for e in entities}
    assert by_name.get(name) == etype, sorted(by_name.items())
    assert name.split()[-1] not in by_name, "a part of the name read as its own entity"


@pytest.mark.skipif(not SHARED_SEED.is_file(), reason=f"{SHARED_SEED} not present")
def test_identity_terms_are_not_organisations(enricher: Enricher, request: pytest.FixtureRequest) -> None:
    orgs = [e.name for e in _entities(enricher, SHARED_SEED) if e.type == "ORG"]
    assert not [n for n in orgs if n.startswith(("Afro", "LBGTQ", "LGBTQ"))], orgs
