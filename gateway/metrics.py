"""Prometheus metrics. One registry per process, so tests and embedders stay independent."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

CONTACTS = Counter(
    "contact_gateway_contacts",
    "Contacts dispatched, by channel and action",
    ["channel", "action"],
    registry=REGISTRY,
)
FAIL_OPEN = Counter(
    "contact_gateway_fail_open",
    "Contacts delivered and journalled because the store was unreachable",
    registry=REGISTRY,
)
DISPATCH_SECONDS = Histogram(
    "contact_gateway_dispatch_seconds",
    "Time spent in dispatch, store included",
    registry=REGISTRY,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
JOURNAL_PENDING = Gauge(
    "contact_gateway_journal_pending",
    "Contacts in the fail-open journal awaiting replay",
    registry=REGISTRY,
)
