"""A BERT-family encoder served by onnxruntime with a `tokenizers` tokenizer.

Shared by the stance and topic models; no torch at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer


def make_session(model_path: Path, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime CPU session limited to ``threads`` intra-op threads (default 1)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Tokenize with ``tokenizer.json`` and run ``model.onnx`` from one model directory.

    The graph takes ``input_ids``, ``attention_mask`` and, if declared, ``token_type_ids``.
    Batches are padded only to their own longest example (dynamic padding).
    """

    def __init__(self, model_dir: Path, *, max_length: int = 256, threads: int = 1, onnx_file: str = "model.onnx") -> None:
        self.model_dir = Path(model_dir)
        self.max_length = max_length
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        self.session = make_session(self.model_dir / onnx_file, threads)
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.output_names = [o.name for o in self.session.get_outputs()]

    def encode(self, texts: Sequence[str]) -> list[Encoding]:
        """Tokenize ``texts`` (truncated to ``max_length`` tokens)."""
        return self.tokenizer.encode_batch(list(texts))

    def feed(self, encodings: Sequence[Encoding]) -> dict[str, np.ndarray]:
        """Pad ``encodings`` to their longest and build the session's input dict."""
        width = max((len(e.ids) for e in encodings), default=1)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return feed

    def run(self, encodings: Sequence[Encoding]) -> list[np.ndarray]:
        """Run the graph on one padded batch; returns every output."""
        return self.session.run(self.output_names, self.feed(encodings))
