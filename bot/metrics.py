"""The App's Prometheus metrics, in a registry of their own (one per app, so tests stay apart)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.deliveries = Counter(
            "ssot_webhook_deliveries",
            "Webhook deliveries by event and outcome",
            ["event", "outcome"],
            registry=r,
        )
        self.ack_seconds = Histogram(
            "ssot_webhook_ack_seconds",
            "Time to answer a delivery",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.jobs = Counter("ssot_jobs", "Jobs by kind and outcome", ["kind", "outcome"], registry=r)
        self.job_seconds = Histogram(
            "ssot_job_duration_seconds",
            "Job duration",
            ["kind"],
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
            registry=r,
        )
        self.queue_depth = Gauge("ssot_queue_depth", "Jobs waiting to run", registry=r)
        self.running = Gauge("ssot_jobs_running", "Jobs running", registry=r)
        self.api_calls = Counter(
            "ssot_github_api_calls",
            "GitHub API calls by method and status",
            ["method", "status"],
            registry=r,
        )
        self.cache = Counter("ssot_summary_cache_lookups", "File-summary cache lookups", ["result"], registry=r)
        self.cache_ratio = Gauge(
            "ssot_summary_cache_hit_ratio", "Share of file summaries found in the cache", registry=r
        )
        self.cache_ratio.set_function(self._ratio)
        self._hits = 0
        self._misses = 0

    def _ratio(self) -> float:
        total = self._hits + self._misses
        return self._hits / total if total else 0.0

    def cache_lookups(self, hits: int, misses: int) -> None:
        self._hits += hits
        self._misses += misses
        self.cache.labels("hit").inc(hits)
        self.cache.labels("miss").inc(misses)

    def render(self) -> bytes:
        return generate_latest(self.registry)
