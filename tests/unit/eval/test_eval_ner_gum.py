"""``ner.gum``: the named-entity derivation from GUM's CoNLL-U and its scoring, on a tiny layout written here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from streams.enrich.document import Document
from streams.eval.conlleval import iob_chunks
from streams.eval.ner import Span
from streams.eval.ner_gum import align_gum, evaluate_ner_gum, read_gum, split_documents
from streams.eval.run import run_eval

# (form, upos, head, misc); made-up sentences, never GUM text
_SENTENCES = [
    [("Visit", "VERB", 0, "_"), ("to", "ADP", 3, "_"), ("Norvale", "PROPN", 1, "Entity=(1-place-new-sssss-cf1-1-sgl)")],
    [
        ("General", "PROPN", 3, "Entity=(2-person-new-sssss-cf1-1-coref"),
        ("Anna", "PROPN", 3, "_"),
        ("Berg", "PROPN", 5, "SpaceAfter=No|Entity=2)"),
        ("'s", "PART", 3, "_"),
        ("talk", "NOUN", 6, "_"),
        ("at", "ADP", 8, "_"),
        ("the", "DET", 8, "Entity=(3-organization-new-sssss-cf1-1-sgl"),
        ("University", "PROPN", 5, "_"),
        ("of", "ADP", 10, "_"),
        ("Norvale", "PROPN", 8, "Entity=(1-place-giv-sssss-cf1-1-coref)3)"),
        ("ended", "VERB", 0, "_"),
        ("on", "ADP", 13, "_"),
        ("Monday", "PROPN", 11, "Entity=(4-time-new-sssss-cf1-1-sgl)|SpaceAfter=No"),
        (".", "PUNCT", 11, "_"),
    ],
    [
        ("the", "DET", 2, "Entity=(5-person-new-sssss-cf1-1-sgl"),
        ("mayor", "NOUN", 0, "_"),
        ("of", "ADP", 4, "_"),
        ("Dunmore", "PROPN", 2, "Entity=(6-place-new-sssss-cf1-1-sgl)5)"),
        ("mailed", "VERB", 2, "_"),
        ("x@y.org", "PROPN", 5, "Entity=(7-abstract-new-sssss-cf1-1-sgl)"),
    ],
]
_SPLITS = "# Splits\n\n## dev\n\n  * GUM_news_tiny\n  * GUM_reddit_absent\n\n## train\n\n  * GUM_news_other\n"


def _write_gum(root: Path) -> Path:
    """A GUM-layout folder (``splits.md`` + ``dep/``) with one made-up dev document."""
    rows = ["# newdoc id = GUM_news_tiny", "# global.Entity = GRP-etype-infstat-salience-centering-minspan-link-identity"]
    for sent in _SENTENCES:
        rows.append("# text = " + " ".join(w for w, *_ in sent))
        for i, (form, upos, head, misc) in enumerate(sent, start=1):
            rows.append("\t".join([str(i), form, form, upos, "_", "_", str(head), "dep", "_", misc]))
        rows.append("")
    gum = root / "gum"
    (gum / "dep").mkdir(parents=True)
    (gum / "dep" / "GUM_news_tiny.conllu").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (gum / "splits.md").write_text(_SPLITS, encoding="utf-8")
    return root


def _names(root: Path) -> list[tuple[str, str]]:
    doc = read_gum(root / "gum" / "dep" / "GUM_news_tiny.conllu")
    return [(" ".join(s.words[a:b]), t) for s in doc.sentences for a, b, t in iob_chunks(list(s.tags))]


def test_named_mentions_become_conll_names(tmp_path: Path) -> None:
    names = _names(_write_gum(tmp_path))
    # title and possessive left out; the outer organisation wins over the nested place; the non-named mayor, the
    # time and the lower-case address are not names, but the place inside the mayor's mention is
    assert names == [("Norvale", "LOC"), ("Anna Berg", "PER"), ("University of Norvale", "ORG"), ("Dunmore", "LOC")]


def test_splits_and_text_layout(tmp_path: Path) -> None:
    root = _write_gum(tmp_path)
    assert split_documents(root / "gum", "dev") == ["GUM_news_tiny", "GUM_reddit_absent"]
    aligned = align_gum(read_gum(root / "gum" / "dep" / "GUM_news_tiny.conllu"))
    assert aligned.document.headline == "Visit to Norvale"
    assert aligned.document.body.startswith("General Anna Berg's talk at the University of Norvale ended on Monday.\n")
    field, start, end = aligned.tokens[5]
    assert aligned.document.body[start:end] == "Berg" and field == "body"


def _oracle(docs: Sequence[Document]) -> list[list[Span]]:
    """Predicts every name of the tiny document right except the person, which it calls an organisation."""
    out: list[list[Span]] = []
    for d in docs:
        spans: list[Span] = []
        for text, etype in (("Norvale", "GPE"), ("University of Norvale", "ORG"), ("Anna Berg", "ORG"), ("Dunmore", "GPE")):
            fieldname, field = ("headline", d.headline) if text in d.headline else ("body", d.body)
            start = field.find(text)
            spans.append((fieldname, start, start + len(text), etype))
        out.append(spans)
    return out


def test_scores_and_report_keys(tmp_path: Path) -> None:
    report = evaluate_ner_gum(_write_gum(tmp_path), _oracle)
    assert report["ner.gum.documents"] == 1
    assert report["ner.gum.per_type.LOC.f1"] == 1.0
    assert report["ner.gum.per_type.PER.f1"] == 0.0
    assert 0 < report["ner.gum.per_type.ORG.f1"] < 1
    assert report["ner.gum.f1_per_org_loc"] == report["ner.gum.f1_all"] == 0.75


def test_skips_cleanly_without_data(tmp_path: Path) -> None:
    assert evaluate_ner_gum(tmp_path, _oracle) == {}
    report = run_eval(tmp_path / "nothing", None, ["ner.gum"])
    assert "ner.gum" in report["skipped"]
