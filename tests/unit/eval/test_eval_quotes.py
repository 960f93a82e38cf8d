"""The PolNeAR quote scorer on a file of that layout written by the test (sentences of our own)."""

from __future__ import annotations

import json
from pathlib import Path

from streams.eval.quotes import KINDS, evaluate_quotes


def _span(text: str, part: str, *more: str) -> dict:
    frags = []
    for p in (part, *more):
        s = text.index(p)
        frags.append([s, s + len(p)])
    start, end = frags[0][0], frags[-1][1]
    return {"start": start, "end": end, "text": text[start:end], "fragments": frags}


def _write(tmp_path: Path) -> Path:
    text = (
        "Bridge opens\n\n"
        "\u201cIt is safe,\u201d Okafor said.\n\n"
        "Brandt said the cost was \u201cfar too high\u201d for the city.\n\n"
        "The council will vote in June, officials said.\n\n"
        "Nobody knows when the tolls start."
    )
    atts = [
        {"id": "E1", "source": _span(text, "Okafor"), "cue": _span(text, "said"), "content": _span(text, "\u201cIt is safe,\u201d"), "kind": None},
        {"id": "E2", "source": _span(text, "Brandt"), "cue": _span(text, "said the"), "content": _span(text, "the cost was \u201cfar too high\u201d for the city"), "kind": None},
        {"id": "E3", "source": _span(text, "officials"), "cue": _span(text, "said."), "content": _span(text, "The council will vote in June"), "kind": None},
        {"id": "E4", "source": None, "cue": _span(text, "knows"), "content": _span(text, "when the tolls start"), "kind": None},
    ]
    path = tmp_path / "polnear" / "dev.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"id": "a1", "annotator": "x", "text": text, "attributions": atts}) + "\n", encoding="utf-8")
    return path


def test_scores_every_kind_and_writes_predictions(tmp_path: Path) -> None:
    _write(tmp_path)
    report = evaluate_quotes(tmp_path, predictions_dir=tmp_path / "pred")
    for kind in KINDS:
        for metric in ("content_f1", "content_f1_overlap", "speaker_accuracy"):
            assert 0.0 <= report[f"quotes.polnear.{kind}.{metric}"] <= 1.0
    assert report["quotes.polnear.direct.content_f1"] == 1.0
    assert report["quotes.polnear.mixed.content_f1"] == 1.0
    assert report["quotes.polnear.all.speaker_accuracy"] == 1.0
    assert report["quotes.polnear.all.gold"] == 4.0
    assert report["quotes.polnear.indirect.content_f1_overlap"] == 2 / 3  # one of two gold found, nothing spurious
    rows = (tmp_path / "pred" / "quotes.polnear.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and json.loads(rows[0])["speaker"] == "Okafor"


def test_missing_file_is_skipped(tmp_path: Path) -> None:
    assert evaluate_quotes(tmp_path) == {}
