"""Turn (sentence, target spans) into the token ids the stance model reads.

The target's mentions are wrapped in marker tokens (``[unused0]`` ... ``[unused1]``, already in the
BERT vocabulary) and long sentences are cropped to ``max_length`` tokens around the first mention.
:func:`encode_sentences` marks several targets of one sentence at once and says which start markers belong to
which target, so one forward pass serves them all. Training (``training/train_stance.py``) and inference
(``streams.enrich.stance``) both use this module, so the two cannot drift apart. Needs only ``tokenizers``
and ``numpy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import AddedToken, Tokenizer

MARK_START = "[unused0]"
MARK_END = "[unused1]"
Span = tuple[int, int]


def load_tokenizer(path: Path) -> Tokenizer:
    """Load ``tokenizer.json`` with the marker tokens registered, no padding and no truncation."""
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    tokenizer.add_special_tokens([AddedToken(MARK_START, normalized=False), AddedToken(MARK_END, normalized=False)])
    return tokenizer


def marker_ids(tokenizer: Tokenizer) -> tuple[int, int]:
    """Ids of the start and end marker tokens; ``ValueError`` if the vocabulary lacks them."""
    start_id, end_id = tokenizer.token_to_id(MARK_START), tokenizer.token_to_id(MARK_END)
    if start_id is None or end_id is None:
        raise ValueError(f"tokenizer has no {MARK_START}/{MARK_END} tokens")
    return start_id, end_id


def merge_spans(spans: Sequence[Span], length: int) -> tuple[list[Span], int]:
    """Clip, sort and merge overlapping spans; also return the index of the span holding ``spans[0]``."""
    clipped = [(max(0, s), min(length, e)) for s, e in spans if min(length, e) > max(0, s)]
    if not clipped:
        return [], -1
    first = clipped[0]
    merged: list[Span] = []
    for start, end in sorted(set(clipped)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    primary = next(i for i, (s, e) in enumerate(merged) if s <= first[0] < e)
    return merged, primary


def mark_spans(sentence: str, spans: Sequence[Span]) -> tuple[str, int]:
    """Wrap every span in marker tokens; return the marked text and which marked span is the primary one.

    The primary span is the one holding ``spans[0]``; it is -1 when no span lies inside the sentence.
    """
    merged, primary = merge_spans(spans, len(sentence))
    parts: list[str] = []
    cursor = 0
    for start, end in merged:
        parts += [sentence[cursor:start], MARK_START, sentence[start:end], MARK_END]
        cursor = end
    parts.append(sentence[cursor:])
    return "".join(parts), primary


def crop_begin(ids: Sequence[int], start_id: int, end_id: int, primary: int, max_length: int) -> int:
    """Where (in ``ids[1:-1]``) a ``max_length`` crop centred on the ``primary``-th marked span begins."""
    inner = ids[1:-1]
    budget = max_length - 2
    starts = [i for i, t in enumerate(inner) if t == start_id]
    if starts and 0 <= primary < len(starts):
        left = starts[primary]
        right = next((i for i in range(left, len(inner)) if inner[i] == end_id), left)
    else:
        left = right = 0
    begin = left if right - left + 1 >= budget else (left + right + 1) // 2 - budget // 2
    return max(0, min(begin, len(inner) - budget))


def crop_ids(ids: Sequence[int], start_id: int, end_id: int, primary: int, max_length: int) -> list[int]:
    """Crop ``[CLS] ... [SEP]`` ids to ``max_length`` keeping the ``primary``-th marked span, centred."""
    if len(ids) <= max_length:
        return list(ids)
    begin = crop_begin(ids, start_id, end_id, primary, max_length)
    return [ids[0], *ids[1:-1][begin : begin + max_length - 2], ids[-1]]


def encode_targets(
    tokenizer: Tokenizer, items: Sequence[tuple[str, Sequence[Span]]], max_length: int
) -> list[list[int]]:
    """Token ids of each (sentence, target spans), marked and cropped to ``max_length``."""
    start_id, end_id = marker_ids(tokenizer)
    marked = [mark_spans(sentence, spans) for sentence, spans in items]
    encodings = tokenizer.encode_batch([text for text, _ in marked])
    return [
        crop_ids(enc.ids, start_id, end_id, primary, max_length)
        for enc, (_, primary) in zip(encodings, marked, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class Row:
    """One model input: token ids, and for each target it serves, the positions of that target's start markers."""

    ids: list[int]
    targets: list[tuple[int, list[int]]]  # (index of the target in its sentence's list, start-marker positions)


def _segments(targets: Sequence[Sequence[Span]], length: int) -> tuple[list[Span], list[list[int]], list[int]]:
    """Merged marked segments of all targets; per target its segment indices and its primary segment."""
    segments, _ = merge_spans([s for spans in targets for s in spans], length)
    own: list[list[int]] = []
    primary: list[int] = []
    for spans in targets:
        inside = [(max(0, s), min(length, e)) for s, e in spans if min(length, e) > max(0, s)]
        own.append([j for j, (a, b) in enumerate(segments) if any(s < b and a < e for s, e in inside)])
        first = inside[0] if inside else None
        primary.append(next((j for j, (a, b) in enumerate(segments) if first and a <= first[0] < b), -1))
    return segments, own, primary


def encode_sentences(
    tokenizer: Tokenizer, items: Sequence[tuple[str, Sequence[Sequence[Span]]]], max_length: int
) -> list[list[Row]]:
    """Rows of each (sentence, [spans of target 0, spans of target 1, ...]) with every target marked at once.

    A sentence that fits ``max_length`` tokens is one row serving all its targets; a longer one gets one row per
    target, cropped around that target's first mention. A target with no span inside the sentence gets no row.
    """
    start_id, end_id = marker_ids(tokenizer)
    plans = [_segments(targets, len(sentence)) for sentence, targets in items]
    texts = []
    for (sentence, _), (segments, _, _) in zip(items, plans, strict=True):
        parts, cursor = [], 0
        for a, b in segments:
            parts += [sentence[cursor:a], MARK_START, sentence[a:b], MARK_END]
            cursor = b
        texts.append("".join([*parts, sentence[cursor:]]))
    out: list[list[Row]] = []
    for enc, (_, own, primary) in zip(tokenizer.encode_batch(texts), plans, strict=True):
        ids = enc.ids
        starts = [i for i, t in enumerate(ids) if t == start_id]
        served = [k for k, segs in enumerate(own) if segs]
        if len(ids) <= max_length:
            out.append([Row(list(ids), [(k, [starts[j] for j in own[k]]) for k in served])] if served else [])
            continue
        rows = []
        for k in served:
            begin = crop_begin(ids, start_id, end_id, primary[k], max_length)
            keep = range(begin + 1, begin + max_length - 1)  # positions in ids that survive the crop
            positions = [starts[j] - begin for j in own[k] if starts[j] in keep]
            rows.append(Row([ids[0], *ids[keep.start : keep.stop], ids[-1]], [(k, positions)]))
        out.append(rows)
    return out


def pad_batch(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Pad id lists to the longest row: ``(input_ids, attention_mask)`` as int64 arrays."""
    width = max((len(r) for r in rows), default=1)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask
