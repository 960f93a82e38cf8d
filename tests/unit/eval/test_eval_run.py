"""The eval runner: task selection, skipping without data, report writing and table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.eval.report import format_table
from streams.eval.run import ALL_TASKS, main, parse_candidate, run_eval

SHIPPED = {"topics", "topics.own", "clusters"}


def test_every_task_skipped_on_an_empty_data_dir(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    needs_data = [t for t in ALL_TASKS if t not in SHIPPED]  # these score sets the repository ships
    report = run_eval(tmp_path / "nothing", out, needs_data)
    assert set(report["skipped"]) == set(needs_data)
    assert json.loads(out.read_text())["skipped"] == report["skipped"]
    assert not any(k.startswith("ner.") for k in report)


def test_unknown_task_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown task"):
        run_eval(tmp_path, None, ["ner", "poetry"])
    assert main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r.json"), "--tasks", "poetry"]) == 2


def test_main_writes_report_and_prints_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    assert main(["--data-dir", str(tmp_path), "--out", str(out), "--tasks", "quotes"]) == 0
    assert "skipped quotes" in capsys.readouterr().out
    assert out.is_file()


def test_table_groups_metrics_and_lists_skips() -> None:
    table = format_table({"ner.conll.f1_all": 0.71234, "stance.x.f1m": 0.5, "limit": 3, "skipped": {"lean": "no model"}})
    lines = table.splitlines()
    assert lines[0].startswith("ner.conll.f1_all") and lines[0].endswith("0.712")
    assert "" in lines and "skipped lean: no model" in lines
    assert not any(line.startswith("limit") for line in lines)


def _tiny_conll(root: Path) -> Path:
    """A CoNLL-layout file written here (never the real data): two PERs, one LOC."""
    rows = "-DOCSTART- -X- -X- O\n\nAnna NNP I-NP I-PER\nKarlsson NNP I-NP I-PER\nvisited VBD I-VP O\nStockholm NNP I-NP I-LOC\n" \
           "on IN I-PP O\nMonday NNP I-NP O\n. . O O\n\nKarlsson VBD I-VP I-PER\nleft VBD I-VP O\n. . O O\n"  # fmt: skip
    (root / "conll2003").mkdir(parents=True)
    (root / "conll2003" / "dev.conll").write_text(rows, encoding="utf-8")
    return root


def test_a_candidate_configuration_is_scored_in_the_same_run(tmp_path: Path) -> None:
    data = _tiny_conll(tmp_path / "data")
    report = run_eval(data, None, ["ner"], candidate=parse_candidate(["stance_max_entities=5"]))
    assert report["candidate.config"] == {"stance_max_entities": "5"}
    assert report["ner.conll.f1_per_org_loc"] == report["candidate.ner.conll.f1_per_org_loc"] > 0
    assert report["candidate.model_versions"] == report["model_versions"]
    missing = run_eval(data, None, ["ner"], candidate=parse_candidate(["spacy_model=no_such_spacy_model"]))
    assert "ner.conll.f1_all" in missing and "no_such_spacy_model" in missing["candidate.skipped"]["ner"]
    with pytest.raises(ValueError, match="bad --candidate"):
        parse_candidate(["no_such_knob=3"])


def test_candidate_values_follow_the_field_types() -> None:
    parsed = parse_candidate(["quote_learned_cues=false", "quote_cue_model=/tmp/c.json", "topics_model_dir=/m"])
    assert parsed == {"quote_learned_cues": False, "quote_cue_model": Path("/tmp/c.json"), "topics_model_dir": Path("/m")}
    assert parse_candidate(["quote_learned_cues=TRUE"]) == {"quote_learned_cues": True}
    with pytest.raises(ValueError, match="true or false"):
        parse_candidate(["quote_learned_cues=maybe"])
