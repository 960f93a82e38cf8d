"""Train the learned quote-cue detector (``streams/enrich/models/quotes/cues.json``) on PolNeAR ``train.jsonl``.

Two logistic regressions (scikit-learn, L2), both pure feature -> weight tables at run time:

1. **Cue words.** Every candidate word of every masked sentence (:func:`streams.enrich.quotes.masked_sentences`)
   is an example, positive when it lies inside a gold cue (:func:`~streams.enrich.quote_cue_model.candidate_features`).
2. **Attribution filter.** The attributions the cue words add to the patterns'
   (:func:`streams.enrich.quotes.learned_candidates_of`), positive when their content overlaps (>= 0.5) a gold
   content the patterns missed (:func:`~streams.enrich.quote_cue_model.attribution_features`). Cross-fitted: the
   candidates of each half of the articles come from a cue model trained on the other half, so the filter sees
   cue probabilities as they are on unseen text.

Both thresholds are then chosen on ``dev.jsonl`` by ``quotes.polnear.all.content_f1_overlap`` of the whole
extractor (patterns + this model). No text of the corpus is written out: the model is the weights alone.

    make train-quotes          # = .venv-train/bin/python -m training.train_quote_cues --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

from streams.enrich.quote_cue_model import MODEL_FILE, CueModel, candidate_features, tokens
from streams.enrich.quotes import find_attributions, learned_candidates_of, masked_sentences
from streams.eval.quotes import evaluate_quotes, gold_items, match_items, predicted_item, read_articles
from streams.eval.quotes import tokens as word_tokens

CUE_THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
FILTER_THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
#: The cue threshold the filter's training candidates are drawn at (the lowest one tried).
CANDIDATE_THRESHOLD = 0.3


def cue_examples(rows: list[dict]) -> tuple[list[list[str]], list[int]]:
    """Features and labels of every candidate word of ``rows`` (PolNeAR articles)."""
    feats: list[list[str]] = []
    labels: list[int] = []
    for row in rows:
        cue_chars = {i for a in row["attributions"] for s, e in a["cue"]["fragments"] for i in range(s, e)}
        for start, m in masked_sentences(row["text"]):
            toks = tokens(m)
            for i, f in candidate_features(toks):
                feats.append(f)
                labels.append(int(start + toks[i][0] in cue_chars))
    return feats, labels


def filter_examples(rows: list[dict], cues: CueModel) -> tuple[list[list[str]], list[int]]:
    """Features and labels of the attributions ``cues`` adds in ``rows``: positive when the content overlaps a gold
    content that no pattern attribution matched."""
    feats: list[list[str]] = []
    labels: list[int] = []
    for row in rows:
        text = row["text"]
        gold = gold_items(row)
        patterns = [predicted_item(text, a, "indirect", None) for a in find_attributions(text)]
        matched = {i for i, _, _ in match_items(gold, patterns)}
        missed = [g.tokens for i, g in enumerate(gold) if i not in matched]
        for (content, _, _), f in learned_candidates_of(text, cues):
            toks = word_tokens(text, [content])
            feats.append(f)
            labels.append(int(bool(toks) and any(len(g & toks) / max(len(g), len(toks)) >= 0.5 for g in missed)))
    return feats, labels


def fit(feats: list[list[str]], labels: list[int], c: float, seed: int, min_count: int = 1) -> dict[str, float]:
    """Feature weights of an L2 logistic regression over the features seen at least ``min_count`` times; the
    intercept is folded into the always-on feature ``b``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for fs in feats for f in fs)
    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys((f for f in fs if counts[f] >= min_count), 1) for fs in feats]).tocsr()
    x.indices, x.indptr = x.indices.astype("int32"), x.indptr.astype("int32")  # liblinear takes 32-bit indices only
    clf = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=seed)
    clf.fit(x, labels)
    weights = {name: round(float(w), 4) for name, w in zip(vec.get_feature_names_out(), clf.coef_[0], strict=True)}
    weights["b"] = round(weights.get("b", 0.0) + float(clf.intercept_[0]), 4)
    return {k: v for k, v in weights.items() if v != 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    ap.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of the cue model")
    ap.add_argument("--filter-c", type=float, default=0.3, help="inverse L2 strength of the filter")
    ap.add_argument("--min-count", type=int, default=3, help="cue features seen fewer times in training are dropped")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--version", default="quote-cues-lr-2")
    args = ap.parse_args(argv)
    train, dev = args.data_dir / "polnear" / "train.jsonl", args.data_dir / "polnear" / "dev.jsonl"
    if not train.is_file() or not dev.is_file():
        print(f"PolNeAR not found under {args.data_dir}: nothing trained", file=sys.stderr)
        return 1
    t0 = time.time()
    rows = read_articles(train)
    feats, labels = cue_examples(rows)
    print(f"cue words: {len(labels)} candidates, {sum(labels)} inside a cue ({time.time() - t0:.0f} s)", flush=True)
    weights = fit(feats, labels, args.c, args.seed, args.min_count)
    print(f"cue model: {len(weights)} non-zero weights ({time.time() - t0:.0f} s)", flush=True)

    halves = [[r for r in rows if zlib.crc32(r["id"].encode()) % 2 == k] for k in (0, 1)]
    f_feats: list[list[str]] = []
    f_labels: list[int] = []
    for k in (0, 1):
        other = fit(*cue_examples(halves[1 - k]), args.c, args.seed, args.min_count)
        feats_k, labels_k = filter_examples(halves[k], CueModel("half", other, CANDIDATE_THRESHOLD))
        f_feats += feats_k
        f_labels += labels_k
    filter_weights = fit(f_feats, f_labels, args.filter_c, args.seed)
    print(f"filter: {len(f_labels)} attributions, {sum(f_labels)} right ({time.time() - t0:.0f} s)", flush=True)

    base = evaluate_quotes(args.data_dir, path=dev)["quotes.polnear.all.content_f1_overlap"]
    print(f"dev, patterns alone: all overlap F1 {base:.4f}")
    best = (base, CUE_THRESHOLDS[0], FILTER_THRESHOLDS[0])
    sweep = []
    for ct in CUE_THRESHOLDS:
        for ft in FILTER_THRESHOLDS:
            r = evaluate_quotes(args.data_dir, path=dev, cues=CueModel(args.version, weights, ct, filter_weights, ft))
            f1 = r["quotes.polnear.all.content_f1_overlap"]
            sweep.append(
                {"cue": ct, "filter": ft, "f1_overlap": round(f1, 4), "predicted": r["quotes.polnear.all.predicted"]}
            )
            print(
                f"cue {ct:.2f} filter {ft:.2f}: all overlap F1 {f1:.4f}, speaker {r['quotes.polnear.all.speaker_accuracy']:.4f}, "
                f"predicted {int(r['quotes.polnear.all.predicted'])}",
                flush=True,
            )
            if f1 > best[0]:
                best = (f1, ct, ft)
    model = CueModel(args.version, weights, best[1], filter_weights, best[2])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = model.to_json() | {
        "trained_on": "polnear/train.jsonl",
        "c": args.c,
        "filter_c": args.filter_c,
        "min_count": args.min_count,
        "seed": args.seed,
        "dev_sweep": sweep,
    }
    args.out.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: cue {best[1]}, filter {best[2]}, dev all overlap F1 {best[0]:.4f} ({time.time() - t0:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
