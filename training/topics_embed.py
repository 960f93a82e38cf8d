"""Embed texts with the exported int8 encoder, caching the matrices on disk (encode each data set once)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from streams.enrich.onnx_model import OnnxEncoder


def embed(encoder: OnnxEncoder, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
    """L2-normalised embeddings of ``texts`` (sorted by length inside for less padding), shape (n, 384)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        out[idx] = encoder.run(encoder.encode([texts[i] for i in idx]))[0]
    return out


def cached_embed(encoder: OnnxEncoder, texts: Sequence[str], cache_dir: Path, name: str) -> np.ndarray:
    """``embed`` with the result stored under ``cache_dir`` keyed by name, max_length and the texts' hash."""
    digest = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:12]
    path = cache_dir / f"{name}-{encoder.max_length}-{digest}.npy"
    if path.exists():
        return np.load(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    matrix = embed(encoder, texts)
    np.save(path, matrix)
    return matrix

