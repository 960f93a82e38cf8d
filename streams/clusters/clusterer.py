"""The online event clusterer: near-duplicates by MinHash/LSH, events by similarity to open clusters.

In the manner of Miranda et al. (EMNLP 2018, "Multilingual Clustering of Streaming News"): each incoming story is
compared with the clusters it shares entities or salient terms with; its similarity to a cluster combines the cosine
of its embedding with the cluster centroid, the overlap of its entities (stable ``uri`` ids where enrichment linked
them, else canonical names) and of its TF-IDF terms, damped by the time since the cluster last grew and by a
dateline far from the cluster's. Above ``threshold`` it joins the best cluster, else it opens a new one.

State is windowed and bounded: stories older than ``window_s`` (by event time) leave the duplicate index, clusters
that have not grown within the window close, and ``max_stories`` / ``max_clusters`` cap both whatever the rate.
Time comes from the stories (``at``) and the injected ``clock`` only fills in a missing ``at``, so a replay of old
traffic evicts by its own event time. Every decision is recorded in a :class:`StoryRecord`; :meth:`restore` rebuilds
the whole state from those records (what the agent's changelog-backed table holds) without re-deciding anything.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from streams.clusters.features import StoryFeatures
from streams.clusters.minhash import LshIndex, MinHasher, containment

Clock = Callable[[], float]
_DF_SIZE = 1 << 18


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Clusterer settings; weights and thresholds were chosen on the project's labelled set (``streams.eval.clusters``)."""

    window_s: float = 72 * 3600.0  # stories older than this leave the index, idle clusters close
    max_stories: int = 100_000  # hard cap on stories in the index (oldest go first)
    max_clusters: int = 20_000  # hard cap on open clusters (least recently grown go first)
    max_members: int = 200  # members listed per cluster record (size keeps counting)
    decay_s: float = 36 * 3600.0  # time constant of the decay of a cluster's pull
    w_embedding: float = 0.35
    w_entities: float = 0.35
    w_terms: float = 0.30
    threshold: float = 0.33
    dateline_days: int = 3  # a dateline further than this from the cluster's costs ``dateline_penalty``
    dateline_penalty: float = 0.15
    duplicate_jaccard: float = 0.6  # estimated Jaccard of body shingles at which a story is a near-duplicate
    duplicate_containment: float = 0.85  # ... or this share of the shorter story inside the longer one
    duplicate_min_jaccard: float = 0.3  # ... with at least this Jaccard
    max_candidates: int = 32
    cluster_terms: int = 64
    cluster_entities: int = 48
    num_perm: int = 120
    bands: int = 40
    rows: int = 3


@dataclass(frozen=True, slots=True)
class DuplicateRef:
    story_id: str
    version: int
    similarity: float


@dataclass(slots=True)
class Assignment:
    """What the clusterer decided for one story, and what it changed or let go meanwhile."""

    story_id: str
    version: int
    cluster_id: str
    status: str  # "new" (opened a cluster), "joined", "duplicate", "version" (newer version), "repeat" (seen already)
    similarity: float = 0.0
    duplicate_of: DuplicateRef | None = None
    record: StoryRecord | None = None
    evicted_stories: list[str] = field(default_factory=list)
    closed_clusters: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StoryRecord:
    """One story's decision and contribution, enough to rebuild the clusterer (``as_dict``/``of_dict`` are JSON-safe)."""

    story_id: str
    version: int
    cluster_id: str
    at: float
    source: str
    headline: str
    signature: np.ndarray
    shingles: int
    embedding: np.ndarray | None
    entities: dict[str, float]
    names: dict[str, str]
    terms: dict[int, float]
    topics: list[str]
    dateline: date | None = None
    duplicate_of: DuplicateRef | None = None

    def as_dict(self) -> dict[str, Any]:
        from streams.clusters.vectors import encode_embedding

        return {
            "id": self.story_id, "v": self.version, "c": self.cluster_id, "at": self.at, "src": self.source,
            "h": self.headline, "sig": self.signature.astype(np.uint32).tobytes().hex(), "n": self.shingles,
            "emb": encode_embedding(self.embedding), "ents": self.entities, "names": self.names,
            "terms": {str(k): v for k, v in self.terms.items()}, "topics": self.topics,
            "dl": self.dateline.isoformat() if self.dateline else None,
            "dup": [self.duplicate_of.story_id, self.duplicate_of.version, self.duplicate_of.similarity] if self.duplicate_of else None,
        }  # fmt: skip

    @classmethod
    def of_dict(cls, d: dict[str, Any]) -> StoryRecord:
        from streams.clusters.vectors import decode_embedding

        dup = d.get("dup")
        return cls(
            story_id=d["id"], version=int(d["v"]), cluster_id=d["c"], at=float(d["at"]), source=d["src"], headline=d["h"],
            signature=np.frombuffer(bytes.fromhex(d["sig"]), dtype=np.uint32).copy(), shingles=int(d["n"]),
            embedding=decode_embedding(d.get("emb")), entities=dict(d["ents"]), names=dict(d["names"]),
            terms={int(k): float(v) for k, v in d["terms"].items()}, topics=list(d["topics"]),
            dateline=date.fromisoformat(d["dl"]) if d.get("dl") else None,
            duplicate_of=DuplicateRef(dup[0], int(dup[1]), float(dup[2])) if dup else None,
        )  # fmt: skip


def cluster_id_for(story_id: str) -> str:
    """A cluster's id, derived from its first story so that re-processing after a crash finds the same id."""
    return "cl-" + hashlib.blake2b(story_id.encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class Cluster:
    """An open event cluster: sums of its members' features and who its members are."""

    cluster_id: str
    first_story: str
    headline: str
    first_seen: float
    last_seen: float
    size: int = 0
    members: dict[str, tuple[int, str]] = field(default_factory=dict)  # story id -> (version, source)
    centroid: np.ndarray | None = None
    n_embedded: int = 0
    entities: Counter[str] = field(default_factory=Counter)  # weights (floats) per entity key
    names: dict[str, str] = field(default_factory=dict)
    terms: Counter[int] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    datelines: set[date] = field(default_factory=set)
    sources: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    _centroid_norm: float = 0.0
    _entity_norm: float = 0.0
    _term_norm: float = 0.0  # idf-weighted, as of the cluster's last change (idf drifts slowly)
    _index_keys: tuple[list[str], list[int]] = field(default_factory=lambda: ([], []))

    def record(self, *, status: str = "open", top: int = 8) -> dict[str, Any]:
        """The cluster as ``wire.clusters`` publishes it (see ``schemas.models.EventCluster``)."""
        return {
            "cluster_id": self.cluster_id,
            "status": status,
            "first_story": self.first_story,
            "headline": self.headline,
            "size": self.size,
            "duplicates": self.duplicates,
            "members": [{"story_id": k, "version": v, "source": s} for k, (v, s) in self.members.items()],
            "sources": [s for s, _ in self.sources.most_common()],
            "top_entities": [
                {"key": k, "name": self.names.get(k, k), "weight": round(w / max(self.size, 1), 4)}
                for k, w in self.entities.most_common(top)
            ],
            "topics": [t for t, _ in self.topics.most_common(3)],
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


class EventClusterer:
    """Assigns each story of one partition of the stream (e.g. one language) to an event cluster."""

    def __init__(self, config: ClusterConfig | None = None, *, clock: Clock = time.time) -> None:
        self.config = cfg = config or ClusterConfig()
        self.clock = clock
        self.hasher = MinHasher(cfg.num_perm)
        self.lsh = LshIndex(cfg.bands, cfg.rows)
        self.stories: OrderedDict[str, StoryRecord] = OrderedDict()
        self.clusters: OrderedDict[str, Cluster] = OrderedDict()
        self._by_entity: dict[str, set[str]] = {}
        self._by_term: dict[int, set[str]] = {}
        self._df = np.zeros(_DF_SIZE, dtype=np.float32)
        self._docs = 0.0
        self.watermark = 0.0
        self.counts: Counter[str] = Counter()

    # ------------------------------------------------------------------ public

    def observe(self, f: StoryFeatures) -> Assignment:
        """Assign ``f`` (a new story, a newer version, or a repeat of one already seen) and evict what expired."""
        at = f.at if f.at > 0 else self.clock()
        f.at = at
        known = self.stories.get(f.story_id)
        result = self._known(known, f) if known is not None else self._new(f)
        self.counts[result.status] += 1
        self.watermark = max(self.watermark, at)
        result.evicted_stories, result.closed_clusters = self.evict()
        return result

    def evict(self, now: float | None = None) -> tuple[list[str], list[str]]:
        """Drop stories older than the window or over the cap, close idle or surplus clusters; returns their ids."""
        cfg = self.config
        horizon = (self.watermark if now is None else now) - cfg.window_s
        gone: list[str] = []
        while self.stories:
            sid, rec = next(iter(self.stories.items()))
            if rec.at >= horizon and len(self.stories) <= cfg.max_stories:
                break
            self.stories.popitem(last=False)
            self.lsh.remove(sid)
            gone.append(sid)
        closed: list[str] = []
        while self.clusters:
            cid, cl = next(iter(self.clusters.items()))
            if cl.last_seen >= horizon and len(self.clusters) <= cfg.max_clusters:
                break
            self._close(cid)
            closed.append(cid)
        return gone, closed

    def restore(self, records: Iterable[StoryRecord]) -> int:
        """Rebuild the state from recorded decisions (in event-time order); returns how many were applied."""
        n = 0
        for rec in sorted(records, key=lambda r: (r.at, r.story_id)):
            known = self.stories.get(rec.story_id)
            if known is not None and known.version >= rec.version:
                continue
            if known is not None:
                self.stories[rec.story_id] = rec
                cl = self.clusters.get(rec.cluster_id)
                if cl is not None:
                    cl.members[rec.story_id] = (rec.version, rec.source)
            else:
                self._apply(rec)
            self.watermark = max(self.watermark, rec.at)
            n += 1
        self.evict()
        return n

    def cluster(self, cluster_id: str) -> Cluster | None:
        return self.clusters.get(cluster_id)

    def stats(self) -> dict[str, int]:
        """Sizes of the state (for metrics and the memory check)."""
        return {
            "stories": len(self.stories), "clusters": len(self.clusters), "lsh_buckets": self.lsh.bucket_count(),
            "entity_keys": len(self._by_entity), "term_keys": len(self._by_term),
        }  # fmt: skip

    # ------------------------------------------------------------------ decisions

    def _known(self, known: StoryRecord, f: StoryFeatures) -> Assignment:
        if f.version <= known.version:  # a re-delivery or replay: same answer, nothing changes
            return Assignment(known.story_id, known.version, known.cluster_id, "repeat", 1.0, known.duplicate_of, known)
        rec = self._record(f, known.cluster_id, known.duplicate_of)
        rec.at = known.at  # a version keeps its story's place in the window
        self.stories[f.story_id] = rec
        self.lsh.insert(f.story_id, f.signature)
        cl = self.clusters.get(known.cluster_id)
        if cl is not None:
            cl.members[f.story_id] = (f.version, f.source)
            cl.last_seen = max(cl.last_seen, f.at)
            self.clusters.move_to_end(cl.cluster_id)
        return Assignment(f.story_id, f.version, known.cluster_id, "version", 1.0, known.duplicate_of, rec)

    def _new(self, f: StoryFeatures) -> Assignment:
        dup = self._duplicate(f)
        if dup is not None:
            original = self.stories[dup.story_id]
            if original.cluster_id in self.clusters:
                rec = self._record(f, original.cluster_id, dup)
                self._apply(rec)
                return Assignment(f.story_id, f.version, rec.cluster_id, "duplicate", dup.similarity, dup, rec)
        best, score = self._best_cluster(f)
        if best is not None and score >= self.config.threshold:
            rec = self._record(f, best, dup)
            self._apply(rec)
            return Assignment(f.story_id, f.version, best, "joined", round(score, 4), dup, rec)
        rec = self._record(f, cluster_id_for(f.story_id), dup)
        self._apply(rec)
        return Assignment(f.story_id, f.version, rec.cluster_id, "new", 1.0, dup, rec)

    def _duplicate(self, f: StoryFeatures) -> DuplicateRef | None:
        cfg = self.config
        best: DuplicateRef | None = None
        for sid in self.lsh.query(f.signature):
            if sid == f.story_id:
                continue
            other = self.stories.get(sid)
            if other is None:
                continue
            j = MinHasher.jaccard(f.signature, other.signature)
            c = containment(j, f.shingles, other.shingles)
            if j >= cfg.duplicate_jaccard or (c >= cfg.duplicate_containment and j >= cfg.duplicate_min_jaccard):
                sim = round(max(j, c), 4)
                if best is None or sim > best.similarity:
                    best = DuplicateRef(other.story_id, other.version, sim)
        return best

    def _candidates(self, f: StoryFeatures) -> list[str]:
        hits: Counter[str] = Counter()
        for key in f.entities:
            hits.update(self._by_entity.get(key, ()))
        for term in sorted(f.terms, key=lambda t: -f.terms[t])[:12]:
            hits.update(self._by_term.get(term, ()))
        return [cid for cid, _ in hits.most_common(self.config.max_candidates)]

    def _best_cluster(self, f: StoryFeatures) -> tuple[str | None, float]:
        best, best_score = None, -1.0
        doc_terms = self._weighted_terms(f.terms)
        doc_norm = math.sqrt(sum(w * w for w in doc_terms.values())) or 1.0
        ent_norm = math.sqrt(sum(w * w for w in f.entities.values())) or 1.0
        for cid in self._candidates(f):
            cl = self.clusters[cid]
            score = self.similarity(f, cl, doc_terms, doc_norm, ent_norm)
            if score > best_score:
                best, best_score = cid, score
        return best, best_score

    def similarity(
        self, f: StoryFeatures, cl: Cluster, doc_terms: dict[int, float], doc_norm: float, ent_norm: float
    ) -> float:
        """The combined, time-damped similarity of a story to a cluster (0 to about 1)."""
        cfg = self.config
        emb = 0.0
        if f.embedding is not None and cl.centroid is not None and cl._centroid_norm > 0:
            emb = max(0.0, float(f.embedding @ cl.centroid) / cl._centroid_norm)
        ent = 0.0
        if f.entities and cl._entity_norm > 0:
            ent = sum(w * cl.entities.get(k, 0.0) for k, w in f.entities.items()) / (ent_norm * cl._entity_norm)
        term = 0.0
        if doc_terms and cl.terms:
            dot = sum(w * cl.terms.get(t, 0.0) * self._idf(t) for t, w in doc_terms.items())
            term = dot / (doc_norm * (cl._term_norm or 1.0))
        score = cfg.w_embedding * emb + cfg.w_entities * ent + cfg.w_terms * term
        if f.embedding is None or cl.centroid is None:  # no vector on one side: rescale the other two
            score = score / max(1e-9, cfg.w_entities + cfg.w_terms)
        gap = max(0.0, f.at - cl.last_seen)
        score *= math.exp(-gap / cfg.decay_s)
        if f.dateline and cl.datelines and min(abs((f.dateline - d).days) for d in cl.datelines) > cfg.dateline_days:
            score -= cfg.dateline_penalty
        return score

    # ------------------------------------------------------------------ state

    def _record(self, f: StoryFeatures, cluster_id: str, dup: DuplicateRef | None) -> StoryRecord:
        return StoryRecord(
            story_id=f.story_id, version=f.version, cluster_id=cluster_id, at=f.at, source=f.source, headline=f.headline,
            signature=f.signature, shingles=f.shingles, embedding=f.embedding, entities=dict(f.entities),
            names=dict(f.names), terms=dict(f.terms), topics=list(f.topics), dateline=f.dateline, duplicate_of=dup,
        )  # fmt: skip

    def _idf(self, term: int) -> float:
        return math.log((self._docs + 1.0) / (float(self._df[term & (_DF_SIZE - 1)]) + 1.0)) + 1.0

    def _weighted_terms(self, terms: dict[int, float]) -> dict[int, float]:
        return {t: w * self._idf(t) for t, w in terms.items()}

    def _apply(self, rec: StoryRecord) -> None:
        """Add a decided story to the index and its cluster (opening the cluster if it is the first member)."""
        cfg = self.config
        self.stories[rec.story_id] = rec
        self.lsh.insert(rec.story_id, rec.signature)
        for t in rec.terms:
            self._df[t & (_DF_SIZE - 1)] += 1.0
        self._docs += 1.0
        if self._docs > 200_000:  # keep document frequencies a recent estimate
            self._df *= 0.5
            self._docs *= 0.5
        cl = self.clusters.get(rec.cluster_id)
        if cl is None:
            cl = Cluster(rec.cluster_id, rec.story_id, rec.headline, rec.at, rec.at)
            self.clusters[rec.cluster_id] = cl
        cl.size += 1
        if rec.duplicate_of is not None:
            cl.duplicates += 1
        if len(cl.members) < cfg.max_members:
            cl.members[rec.story_id] = (rec.version, rec.source)
        cl.first_seen = min(cl.first_seen, rec.at)
        cl.last_seen = max(cl.last_seen, rec.at)
        cl.sources[rec.source] += 1
        cl.topics.update(rec.topics[:1])
        if rec.dateline:
            cl.datelines.add(rec.dateline)
        if rec.embedding is not None:
            cl.centroid = (
                rec.embedding.astype(np.float32).copy() if cl.centroid is None else cl.centroid + rec.embedding
            )
            cl.n_embedded += 1
            cl._centroid_norm = float(np.linalg.norm(cl.centroid))
        for k, w in rec.entities.items():
            cl.entities[k] += w  # type: ignore[assignment]  # Counter of float weights
            cl.names.setdefault(k, rec.names.get(k, k))
        for t, w in rec.terms.items():
            cl.terms[t] += w  # type: ignore[assignment]  # Counter of float weights
        if len(cl.entities) > 2 * cfg.cluster_entities:
            cl.entities = Counter(dict(cl.entities.most_common(cfg.cluster_entities)))
            cl.names = {k: cl.names[k] for k in cl.entities if k in cl.names}
        if len(cl.terms) > 2 * cfg.cluster_terms:
            cl.terms = Counter(dict(cl.terms.most_common(cfg.cluster_terms)))
        cl._entity_norm = math.sqrt(sum(w * w for w in cl.entities.values()))
        cl._term_norm = math.sqrt(sum((w * self._idf(t)) ** 2 for t, w in cl.terms.items()))
        self.clusters.move_to_end(cl.cluster_id)
        self._reindex(cl)

    def _reindex(self, cl: Cluster) -> None:
        ents = [k for k, _ in cl.entities.most_common(self.config.cluster_entities)]
        terms = [t for t, _ in cl.terms.most_common(24)]
        old_e, old_t = cl._index_keys
        for k in set(old_e) - set(ents):
            self._discard(self._by_entity, k, cl.cluster_id)
        for t in set(old_t) - set(terms):
            self._discard(self._by_term, t, cl.cluster_id)
        for k in ents:
            self._by_entity.setdefault(k, set()).add(cl.cluster_id)
        for t in terms:
            self._by_term.setdefault(t, set()).add(cl.cluster_id)
        cl._index_keys = (ents, terms)

    @staticmethod
    def _discard(index: dict[Any, set[str]], key: Any, cid: str) -> None:
        ids = index.get(key)
        if ids is not None:
            ids.discard(cid)
            if not ids:
                del index[key]

    def _close(self, cid: str) -> None:
        cl = self.clusters.pop(cid)
        ents, terms = cl._index_keys
        for k in ents:
            self._discard(self._by_entity, k, cid)
        for t in terms:
            self._discard(self._by_term, t, cid)
