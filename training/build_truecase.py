"""Build ``streams/enrich/data/truecase.tsv``: the usual casing of words in running news text.

Source: the article texts of ``article-bias-prediction/articles.jsonl`` (Article Bias Prediction, Apache-2.0
annotations; see ``../shared/data/README.md``), a set the project may train on. Only word statistics are kept:
for each word seen at least ``--min-count`` times away from a sentence start, its dominant written form when
that form covers at least ``--min-share`` of those occurrences. No text is copied.

    .venv/bin/python training/build_truecase.py [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

WORD = re.compile(r"[^\W\d_]+(?:['\u2019.-][^\W\d_]+)*\.?")
SENTENCE_END = re.compile(r"[.!?:\"\u201c\u201d]\s*$")
OUT = Path(__file__).resolve().parents[1] / "streams" / "enrich" / "data" / "truecase.tsv"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--min-share", type=float, default=0.75)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    src = args.data_dir / "article-bias-prediction" / "articles.jsonl"
    if not src.exists():
        print(f"skipped: {src} not found", file=sys.stderr)
        return 0
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    with src.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("content_original") or ""
            for para in text.split("\n"):
                last = 0
                for m in WORD.finditer(para):
                    before = para[last : m.start()]
                    last = m.end()
                    word = m.group(0)
                    at_start = m.start() == 0 or bool(SENTENCE_END.search(para[: m.start()])) or before.strip() in ("\"", "\u201c")
                    if at_start or (word.isupper() and len(word) > 6):
                        continue  # sentence-initial capitals and long all-caps words say nothing about usual casing
                    forms[word.lower()][word] += 1
    rows = []
    for key, counter in forms.items():
        total = sum(counter.values())
        form, n = counter.most_common(1)[0]
        if total >= args.min_count and n >= args.min_share * total and len(form) == len(key):
            rows.append((key, form))
    rows.sort()
    header = (f"# Usual casing of words in running English news text (lowercase key, usual form); {len(rows)} words.\n"
              "# Built by training/build_truecase.py from word counts over article-bias-prediction/articles.jsonl\n"
              f"# (min count {args.min_count}, dominant-form share >= {args.min_share}). Word statistics only, no text.\n")
    args.out.write_text(header + "".join(f"{k}\t{v}\n" for k, v in rows), encoding="utf-8")
    print(f"wrote {len(rows)} words to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
