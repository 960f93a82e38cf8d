"""linking.gum on a tiny folder laid out like GUM (splits.md + dep/*.conllu), made here."""

from __future__ import annotations

from pathlib import Path

from streams.enrich.linking import Linker
from streams.enrich.stages.linking import load_gazetteer
from streams.eval.linking import evaluate_linking, read_document

_DOC = "\n".join(
    [
        "# newdoc id = GUM_test_one",
        "# global.Entity = GRP-etype-infstat-salience-centering-minspan-link-identity",
        "# text = Portland, Oregon lies far from Athens in Greece and Xqzzy.",
        "\t".join(["1", "Portland", "Portland", "PROPN", "NNP", "_", "4", "nsubj", "_", "Entity=(1-place-new-sssss-cf1-1-coref-Portland%2C_Oregon|SpaceAfter=No"]),
        "\t".join(["2", ",", ",", "PUNCT", ",", "_", "3", "punct", "_", "_"]),
        "\t".join(["3", "Oregon", "Oregon", "PROPN", "NNP", "_", "1", "appos", "_", "Entity=(2-place-new-sssss-cf2-1-coref-Oregon)1)"]),
        "\t".join(["4", "lies", "lie", "VERB", "VBZ", "_", "0", "root", "_", "_"]),
        "\t".join(["5", "far", "far", "ADV", "RB", "_", "4", "advmod", "_", "_"]),
        "\t".join(["6", "from", "from", "ADP", "IN", "_", "7", "case", "_", "_"]),
        "\t".join(["7", "Athens", "Athens", "PROPN", "NNP", "_", "4", "obl", "_", "Entity=(3-place-new-sssss-cf3-1-coref-Athens)"]),
        "\t".join(["8", "in", "in", "ADP", "IN", "_", "9", "case", "_", "_"]),
        "\t".join(["9", "Greece", "Greece", "PROPN", "NNP", "_", "7", "nmod", "_", "Entity=(4-place-new-sssss-cf4-1-coref-Greece)"]),
        "\t".join(["10", "and", "and", "CCONJ", "CC", "_", "11", "cc", "_", "_"]),
        "\t".join(["11", "Xqzzy", "Xqzzy", "PROPN", "NNP", "_", "9", "conj", "_", "Entity=(5-place-new-sssss-cf5-1-coref-Xqzzy)|SpaceAfter=No"]),
        "\t".join(["12", ".", ".", "PUNCT", ".", "_", "4", "punct", "_", "_"]),
        "",
    ]
)


def _folder(tmp_path: Path) -> Path:
    gum = tmp_path / "gum"
    (gum / "dep").mkdir(parents=True)
    (gum / "splits.md").write_text("# Splits\n\n## dev\n\n  * GUM_test_one\n\n## test\n\n  * GUM_other\n", encoding="utf-8")
    (gum / "dep" / "GUM_test_one.conllu").write_text(_DOC, encoding="utf-8")
    return tmp_path


def test_reads_named_places_with_titles(tmp_path: Path) -> None:
    text, golds = read_document(_folder(tmp_path) / "gum" / "dep" / "GUM_test_one.conllu")
    assert [(g.text, g.title) for g in golds] == [
        ("Oregon", "Oregon"),
        ("Portland, Oregon", "Portland, Oregon"),
        ("Athens", "Athens"),
        ("Greece", "Greece"),
        ("Xqzzy", "Xqzzy"),
    ]
    assert all(text[g.start : g.end] == g.text for g in golds)


def test_scores_precision_and_coverage(tmp_path: Path) -> None:
    report = evaluate_linking(_folder(tmp_path), Linker(load_gazetteer()))
    assert report["linking.gum.mentions"] == 5
    # Xqzzy is in no gazetteer; Athens is the capital of Greece: the story naming the US (Oregon) is no evidence
    # for a small American Athens
    assert report["linking.gum.coverage"] == 0.8
    assert report["linking.gum.precision"] == 1.0


def test_a_subdivision_without_geonames_id_is_judged_by_name() -> None:
    from streams.eval.linking import is_same_place

    linker = Linker(load_gazetteer())
    nsw = linker.gaz.place_by_uri("iso3166-2:AU-NSW")
    assert nsw is not None
    assert is_same_place("New South Wales", nsw, linker.gaz, linker)
    assert not is_same_place("Queensland", nsw, linker.gaz, linker)
