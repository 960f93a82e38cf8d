"""Kafka plumbing of the worker and the tools: the local broker, topic administration, consumer lag."""
