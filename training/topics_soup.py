"""Average fine-tuned topic models weight by weight (a model soup): runs that started from the same weights
(``--init-seed``) and differ in data order, exported by ``training.train_topics`` to ONNX.

Works on the float graphs (``model.fp32.onnx``) and heads (``top.npz``) the runs leave in their work directories;
the graphs come from one export code path, so their initializers match by name and shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic


def save_top(work: Path, top_w: np.ndarray, top_b: np.ndarray) -> None:
    """The top-level layer of one run, beside its float graph."""
    np.savez(work / "top.npz", top_w=top_w.astype(np.float32), top_b=top_b.astype(np.float32))


def average(works: Sequence[Path], out: Path) -> tuple[np.ndarray, np.ndarray]:
    """Write the mean of ``works``' float graphs to ``out/model.fp32.onnx`` and its int8 version to
    ``out/model.onnx``; returns the mean top-level layer (weights, bias)."""
    graphs = [onnx.load(str(w / "model.fp32.onnx")) for w in works]
    first = graphs[0]
    others = [{i.name: i for i in g.graph.initializer} for g in graphs[1:]]
    for init in first.graph.initializer:
        value = numpy_helper.to_array(init)
        if not np.issubdtype(value.dtype, np.floating):
            continue
        arrays = [value] + [numpy_helper.to_array(o[init.name]) for o in others]
        if any(a.shape != value.shape for a in arrays):
            raise ValueError(f"{init.name}: shapes differ across runs; not one architecture")
        init.CopyFrom(numpy_helper.from_array(np.mean(arrays, axis=0).astype(value.dtype), init.name))
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(first, str(out / "model.fp32.onnx"))
    quantize_dynamic(str(out / "model.fp32.onnx"), str(out / "model.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True)
    tops = [np.load(w / "top.npz") for w in works]
    top_w = np.mean([t["top_w"] for t in tops], axis=0)
    top_b = np.mean([t["top_b"] for t in tops], axis=0)
    save_top(out, top_w, top_b)
    return top_w, top_b
