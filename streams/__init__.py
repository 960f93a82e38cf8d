"""wirestream: a news wire stream processor (Faust agents, Kafka topics, NLP enrichment)."""

__version__ = "0.1.0"
