"""MinHash estimates, the LSH index, text features and the embedding codec."""

from __future__ import annotations

import numpy as np

from streams.clusters.minhash import LshIndex, MinHasher, containment
from streams.clusters.text import shingle_hashes, stable_hash, top_terms
from streams.clusters.vectors import decode_embedding, encode_embedding

TEXT = " ".join(f"word{i}" for i in range(300))


def test_signature_estimates_jaccard() -> None:
    h = MinHasher(120)
    a, b = set(range(1000)), set(range(500, 1500))  # J = 1/3
    est = h.jaccard(h.signature(list(a)), h.signature(list(b)))
    assert abs(est - 1 / 3) < 0.12
    assert h.jaccard(h.signature([1, 2, 3]), h.signature([3, 2, 1])) == 1.0


def test_signatures_agree_across_instances() -> None:
    assert np.array_equal(MinHasher(120).signature(shingle_hashes(TEXT)), MinHasher(120).signature(shingle_hashes(TEXT)))
    assert stable_hash("abc") == 891568578


def test_lsh_finds_near_copies_and_forgets_removed() -> None:
    h, lsh = MinHasher(120), LshIndex(40, 3)
    lsh.insert("a", h.signature(shingle_hashes(TEXT)))
    lsh.insert("b", h.signature(shingle_hashes("completely different words about other things " * 5)))
    near = h.signature(shingle_hashes(TEXT.replace("word150", "changed")))
    assert "a" in lsh.query(near) and "b" not in lsh.query(near)
    lsh.remove("a")
    assert lsh.query(near) == set() and len(lsh) == 1


def test_containment_of_a_trimmed_copy() -> None:
    assert containment(0.5, 100, 50) == 1.0
    assert containment(0.0, 10, 10) == 0.0


def test_top_terms_skip_stopwords() -> None:
    terms = top_terms("Floods in Valencia", "The floods in Valencia said the mayor of Valencia.")
    assert stable_hash("valencia") in terms and stable_hash("the") not in terms


def test_embedding_codec_is_compact_and_close() -> None:
    v = np.random.default_rng(0).normal(size=384).astype(np.float32)
    text = encode_embedding(v)
    assert text is not None and len(text) == 512
    back = decode_embedding(text)
    assert back is not None and float(back @ (v / np.linalg.norm(v))) > 0.999
    assert encode_embedding(None) is None and decode_embedding(None) is None
