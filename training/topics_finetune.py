"""Fine-tune MiniLM with a linear head over the 17 top-level IPTC topics on token windows (torch, CPU)."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from transformers import AutoModel

from training.topics_export import WEIGHTS_DIR, PooledEncoder

log = logging.getLogger("train_topics")


@dataclass(frozen=True, slots=True)
class Window:
    """One training input: token ids (with [CLS] and [SEP]) and the index of its top-level topic."""

    ids: list[int]
    label: int


class Classifier(torch.nn.Module):
    """Pooled, normalised MiniLM embedding followed by a linear layer (the runtime's ``top_w``, ``top_b``)."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.encoder = PooledEncoder(AutoModel.from_pretrained(str(WEIGHTS_DIR)))
        self.head = torch.nn.Linear(384, n_classes)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(ids, mask, torch.zeros_like(ids)))


def batches(windows: Sequence[Window], size: int, rng: random.Random) -> Iterator[list[Window]]:
    """Shuffled batches of similar length (sorted inside pools of 50 batches, then the batches shuffled)."""
    order = list(windows)
    rng.shuffle(order)
    out: list[list[Window]] = []
    pool = size * 50
    for k in range(0, len(order), pool):
        part = sorted(order[k : k + pool], key=lambda w: len(w.ids))
        out += [part[i : i + size] for i in range(0, len(part), size)]
    rng.shuffle(out)
    yield from out


def collate(batch: Sequence[Window]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a batch to its longest window."""
    width = max(len(w.ids) for w in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, w in enumerate(batch):
        ids[row, : len(w.ids)] = torch.tensor(w.ids)
        mask[row, : len(w.ids)] = 1
    return ids, mask, torch.tensor([w.label for w in batch])


def fine_tune(
    windows: Sequence[Window],
    n_classes: int,
    *,
    epochs: float,
    batch_size: int,
    lr: float,
    head_lr: float,
    seed: int,
    init_seed: int | None = None,
    max_steps: int | None = None,
) -> Classifier:
    """AdamW, linear warm-up (6 %) and decay, cross-entropy; ``epochs`` may be fractional.

    ``init_seed`` (default ``seed``) draws the new layer's initial weights, ``seed`` the data order and dropout:
    runs that share ``init_seed`` start from one point and can be averaged weight by weight (a soup)."""
    torch.manual_seed(seed if init_seed is None else init_seed)
    model = Classifier(n_classes)
    if init_seed is not None and init_seed != seed:
        torch.manual_seed(seed)
    rng = random.Random(seed)
    steps_per_epoch = math.ceil(len(windows) / batch_size)
    total = max_steps or max(1, int(steps_per_epoch * epochs))
    optimiser = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": lr},
            {"params": model.head.parameters(), "lr": head_lr},
        ],
        weight_decay=0.01,
    )
    warm = max(1, int(0.06 * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    model.train()
    step, started, loss_sum = 0, time.time(), 0.0
    while step < total:
        for batch in batches(windows, batch_size, rng):
            ids, mask, labels = collate(batch)
            loss = torch.nn.functional.cross_entropy(model(ids, mask), labels)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            step += 1
            loss_sum += float(loss.detach())
            if step % 25 == 0:
                rate = (time.time() - started) / step
                log.info(
                    "step %d/%d loss %.3f (%.2f s/step, %.0f min left)",
                    step, total, loss_sum / 25, rate, rate * (total - step) / 60,
                )
                loss_sum = 0.0
            if step >= total:
                break
    return model.eval()
