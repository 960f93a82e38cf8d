"""Leave-one-out ablation of the NER post-rules on CoNLL dev and GUM dev (evaluation only, nothing is fitted).

    .venv/bin/python -m training.ner_ablation --data-dir ../shared/data [--model-dir streams/enrich/models/ner]

Each recogniser's raw mentions (no rules) are computed once per document and cached; every run then applies the
rules without one of them and scores the whole entities stage (clustering included) as ``wirestream eval`` does.
A rule's gain is full-set F1 minus F1 without it, on PER/ORG/LOC (``f1_per_org_loc``). Prints one JSON line
per rule.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from streams.enrich import ner_rules
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.mentions import DocEntities
from streams.enrich.pipeline import Enricher
from streams.enrich.stages.entities import EntitiesStage, Recognizer
from streams.eval.ner import enricher_predictor, evaluate_ner
from streams.eval.ner_gum import evaluate_ner_gum


@dataclass
class CachedRules:
    """A recogniser's raw output, cached by document id, with a chosen rule set applied on top."""

    raw: Recognizer
    rules: ner_rules.NerRules
    version: str = "ablation"

    def __post_init__(self) -> None:
        self._cache: dict[str, DocEntities] = {}

    def recognize(self, docs: Sequence[Document]) -> list[DocEntities]:
        missing = [d for d in docs if d.id not in self._cache]
        if missing:
            self._cache.update((d.id, a) for d, a in zip(missing, self.raw.recognize(missing), strict=True))
        out = []
        for d in docs:
            a = self._cache[d.id]
            out.append(replace(a, mentions=tuple(self.rules.apply(d, a.mentions, a.sentences))))
        return out


def scores(data_dir: Path, cached: CachedRules) -> dict[str, float]:
    predict = enricher_predictor(Enricher([EntitiesStage(cached, 1_000_000)], EnrichConfig()))
    conll = evaluate_ner(data_dir, predict)
    gum = evaluate_ner_gum(data_dir, predict)
    return {"conll": round(conll["ner.conll.f1_per_org_loc"], 4), "gum": round(gum["ner.gum.f1_per_org_loc"], 4),
            "conll_all": round(conll["ner.conll.f1_all"], 4), "gum_all": round(gum["ner.gum.f1_all"], 4)}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--model-dir", type=Path, default=None, help="the trained model instead of spaCy")
    ap.add_argument("--all-rules", action="store_true", help="ablate every declared rule, not only the kept ones")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    if args.model_dir:
        from streams.enrich.ner_model import OnnxEntityRecognizer

        raw: Recognizer = OnnxEntityRecognizer(args.model_dir, rules=False, threads=args.threads)
    else:
        from streams.enrich.entities import EntityRecognizer

        raw = EntityRecognizer.load()
        raw._rules = ner_rules.NerRules(ner_rules.Lexicon.load(), (), (), ())  # type: ignore[attr-defined]
    kept = ner_rules.MODEL_RULES if args.model_dir else ner_rules.ABLATED_SPACY_RULES
    pool = ner_rules.ALL_RULES if args.all_rules else kept
    full = ner_rules.NerRules.load(pool)
    cached = CachedRules(raw, full)
    base = scores(args.data_dir, cached)
    print(json.dumps({"rule": "(all)", **base}), flush=True)
    cached.rules = ner_rules.NerRules.load(())
    print(json.dumps({"rule": "(none)", **scores(args.data_dir, cached)}), flush=True)
    for name in pool:
        cached.rules = ner_rules.NerRules.load(tuple(n for n in pool if n != name))
        s = scores(args.data_dir, cached)
        gain = {f"gain_{k}": round(base[k] - v, 4) for k, v in s.items()}
        print(json.dumps({"rule": name, **s, **gain}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
