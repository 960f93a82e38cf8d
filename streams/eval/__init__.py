"""Evaluation harness: ``wirestream eval`` scores the enrichment library on dev data laid out like ``../shared/data``."""
