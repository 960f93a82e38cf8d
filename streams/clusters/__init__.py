"""Near-duplicates and event clusters across the stream: pure library code (no Faust, no Kafka).

* :mod:`streams.clusters.minhash` -- MinHash signatures of word shingles and an LSH index (numpy).
* :mod:`streams.clusters.clusterer` -- the online event clusterer (embedding + entities + terms + time decay),
  windowed and bounded, with an injected clock; its per-story records rebuild it after a restart.
* :mod:`streams.clusters.features` -- a story's features from an enriched event.
"""

from streams.clusters.clusterer import Assignment, ClusterConfig, EventClusterer, StoryRecord
from streams.clusters.features import StoryFeatures, features_of_event
from streams.clusters.minhash import LshIndex, MinHasher

__all__ = [
    "Assignment",
    "ClusterConfig",
    "EventClusterer",
    "LshIndex",
    "MinHasher",
    "StoryFeatures",
    "StoryRecord",
    "features_of_event",
]
