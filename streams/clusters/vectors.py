"""The compact form of a story embedding on the wire: base64 of the vector quantised to int8 (x 127)."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

SCALE = 127.0


def encode_embedding(vector: Any) -> str | None:
    """``base64(int8(round(v / |v| * 127)))``: 384 floats become 512 characters; None stays None."""
    if vector is None:
        return None
    v = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    q = np.clip(np.rint(v / norm * SCALE), -127, 127).astype(np.int8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def decode_embedding(text: str | None) -> np.ndarray | None:
    """The unit-length float32 vector of :func:`encode_embedding`'s output (None when absent or empty)."""
    if not text:
        return None
    v = np.frombuffer(base64.b64decode(text), dtype=np.int8).astype(np.float32)
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else None
