"""Distillation material for the stance student: a teacher's probabilities and unlabelled news sentences.

A teacher is a ``train_stance`` run on a larger encoder (``--base``); its work folder holds ``best.pt``. The
student learns from the teacher's probabilities on NewsMTSC train and on sentences of BBC articles (from the
301st: the first 300 are the speed eval's) whose persons and organisations spaCy finds, each sentence's
distinct names marked as its targets, as the runtime marks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:  # train_stance imports this module
    from training.train_stance import Group, Spans

UNLABELLED = -1
TARGET_TYPES = ("PERSON", "ORG")


def news_groups(
    data_dir: Path, n_articles: int, skip: int = 300, max_targets: int = 8, min_targets: int = 1
) -> list[Group]:
    """One group per sentence of BBC articles ``skip+1..skip+n`` naming at least ``min_targets`` distinct persons
    or organisations; labels :data:`UNLABELLED`."""
    from streams.enrich.entities import EntityRecognizer
    from streams.eval.speed import BBC_FILE, read_articles

    docs = read_articles(data_dir / BBC_FILE, skip + n_articles)[skip:]
    recognizer = EntityRecognizer.load()
    out: list[Group] = []
    for i in range(0, len(docs), 16):
        for found in recognizer.recognize(docs[i : i + 16]):
            by_sentence: dict[tuple[str, int], dict[str, Spans]] = {}
            for m in found.mentions:
                if m.type in TARGET_TYPES:
                    by_sentence.setdefault((m.field, m.sentence), {}).setdefault(m.text, []).append((m.start, m.end))
            for (field, index), names in by_sentence.items():
                if len(names) < min_targets:
                    continue
                sentence = found.sentence(field, index)  # type: ignore[arg-type]
                targets = [[(s - sentence.start, e - sentence.start) for s, e in spans] for spans in names.values()]
                targets = targets[:max_targets]
                out.append((sentence.text, targets, [UNLABELLED] * len(targets)))
    return out


def teacher_probabilities(
    teacher_work: Path, teacher_base: Path, groups: Sequence[Group], threads: int = 2
) -> np.ndarray:
    """The teacher's probabilities ``(targets, 3)`` for every target of ``groups``, in their order."""
    from transformers import AutoModel

    from streams.enrich.stance_text import load_tokenizer
    from training.train_stance import StanceNet, encode_groups, predict_torch

    torch.set_num_threads(threads)
    tokenizer = load_tokenizer(teacher_base / "tokenizer.json")
    encoder = AutoModel.from_pretrained(str(teacher_base), attn_implementation="eager")
    net = StanceNet(encoder, encoder.config.hidden_size)
    net.load_state_dict(torch.load(teacher_work / "best.pt"))
    rows, labels = encode_groups(tokenizer, groups)
    return predict_torch(net, rows, len(labels))


def distillation_loss(
    logits: torch.Tensor, gold: torch.Tensor, teacher: torch.Tensor, gold_weight: float, temperature: float
) -> torch.Tensor:
    """Mean over targets of ``gold_weight`` x cross-entropy (labelled targets only) + the rest x T² x
    KL(teacher ‖ student) at temperature T; an unlabelled target (gold -1) takes the KL term at full weight."""
    labelled = gold >= 0
    soft_teacher = torch.softmax(torch.log(teacher.clamp(min=1e-8)) / temperature, -1)
    log_student = torch.log_softmax(logits / temperature, -1)
    kl = nn.functional.kl_div(log_student, soft_teacher, reduction="none").sum(-1) * temperature**2
    ce = nn.functional.cross_entropy(logits, gold.clamp(min=0), reduction="none")
    per_target = torch.where(labelled, gold_weight * ce + (1.0 - gold_weight) * kl, kl)
    return per_target.mean()
