"""The stance student's loss: gold labels and a teacher's probabilities (training venv only: needs torch)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from training.stance_distill import UNLABELLED, distillation_loss  # noqa: E402


def test_all_weight_on_gold_is_cross_entropy() -> None:
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    gold = torch.tensor([0, 2])
    teacher = torch.tensor([[0.1, 0.1, 0.8], [0.8, 0.1, 0.1]])
    expected = torch.nn.functional.cross_entropy(logits, gold)
    assert torch.isclose(distillation_loss(logits, gold, teacher, 1.0, 2.0), expected)


def test_unlabelled_target_learns_from_the_teacher_alone() -> None:
    teacher = torch.tensor([[0.7, 0.2, 0.1]])
    matching = torch.log(teacher)  # student logits equal to the teacher's log-probabilities
    gold = torch.tensor([UNLABELLED])
    assert distillation_loss(matching, gold, teacher, 1.0, 1.0).item() == pytest.approx(0.0, abs=1e-6)
    assert distillation_loss(torch.tensor([[0.0, 0.0, 3.0]]), gold, teacher, 1.0, 1.0).item() > 0.5


def test_teacher_term_pulls_towards_the_teacher() -> None:
    gold = torch.tensor([1])
    teacher = torch.tensor([[0.05, 0.9, 0.05]])
    near = distillation_loss(torch.tensor([[0.0, 3.0, 0.0]]), gold, teacher, 0.0, 2.0)
    far = distillation_loss(torch.tensor([[3.0, 0.0, 0.0]]), gold, teacher, 0.0, 2.0)
    assert near < far
