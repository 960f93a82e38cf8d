"""Small pure helpers: percentiles, rates and arithmetic on histogram buckets (``streams.cli.harness.Metrics.buckets``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between closest ranks; NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def rate_in_window(times: Iterable[float], start: float, end: float) -> tuple[int, float]:
    """Events with ``start <= t < end`` and their rate per second over the window."""
    if end <= start:
        raise ValueError("empty window")
    n = sum(1 for t in times if start <= t < end)
    return n, n / (end - start)


Buckets = dict[float, float]  # upper bound ("le") -> cumulative count


def add_buckets(a: Buckets, b: Buckets) -> Buckets:
    """Bucket-wise sum (histograms of several workers)."""
    return {le: a.get(le, 0.0) + b.get(le, 0.0) for le in sorted(set(a) | set(b))}


def sub_buckets(after: Buckets, before: Buckets) -> Buckets:
    """Observations between two scrapes of the same histogram."""
    return {le: after[le] - before.get(le, 0.0) for le in sorted(after)}


def bucket_quantile(buckets: Buckets, q: float) -> float:
    """``histogram_quantile``-style estimate of the ``q`` quantile (0..1) from cumulative buckets; NaN if empty."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return math.nan
    total = buckets[bounds[-1]]
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return prev_bound  # like Prometheus: the highest finite bound
            if count == prev_count:
                return bound
            return prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = bound, count
    return prev_bound


def completion_rate(times: Sequence[float], start: float, end: float) -> tuple[int, float]:
    """Stories per second from output arrival times in ``[start, end)``, robust to outputs arriving batch by batch.

    The rate is the least-squares slope of the cumulative count over arrival time, so a window that happens to
    catch one batch more or less does not skew it. When the arrivals span less than a quarter of the window (one or
    two bursts), it falls back to count / window. Returns (stories in the window, rate).
    """
    inside = sorted(t for t in times if start <= t < end)
    n = len(inside)
    if n < 2 or inside[-1] - inside[0] < (end - start) / 4:
        return n, n / (end - start)
    mean_t = sum(inside) / n
    mean_k = (n - 1) / 2
    cov = sum((t - mean_t) * (k - mean_k) for k, t in enumerate(inside))
    var = sum((t - mean_t) ** 2 for t in inside)
    return n, cov / var
