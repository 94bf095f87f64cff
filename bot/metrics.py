"""The numbers an operator watches (`/metrics`, Prometheus text format): what came in and what was refused, how
full each queue is and how old its oldest row, how long an item takes to reach the chat, what the networks and
the chat answered, and what the classifier said.

Counters are counted where things happen; the queue gauges are read from the database when `/metrics` is scraped,
so every replica reports the same queues and nothing is counted twice.
"""

from __future__ import annotations

import functools
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS = Counter("gospablik_events", "Inbound events and webhook requests by outcome (stored, duplicate, refused)",
                 ["network", "outcome", "reason"], registry=REGISTRY)


@functools.lru_cache(maxsize=512)
def events_counted(network: str, outcome: str, source: str) -> Any:
    """The counter of one kind of inbound event, looked up once (a webhook asks on every request)."""
    return EVENTS.labels(network, outcome, source)


INGEST_COMMITS = Counter("gospablik_ingest_commits", "Inbox transactions committed (each holds a group of events)",
                         registry=REGISTRY)
INGEST_BATCH = Histogram("gospablik_ingest_batch_events", "Events stored by one inbox commit (group commit)",
                         buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=REGISTRY)
PROCESSED = Counter("gospablik_events_processed", "Stored events the intake worker finished, by outcome",
                    ["outcome"], registry=REGISTRY)
QUEUE_DEPTH = Gauge("gospablik_queue_depth", "Rows waiting in a queue (due now or later)", ["queue"],
                    registry=REGISTRY)
QUEUE_DUE = Gauge("gospablik_queue_due", "Rows of a queue that are due now", ["queue"], registry=REGISTRY)
QUEUE_OLDEST = Gauge("gospablik_queue_oldest_seconds", "Age of the oldest row of a queue that is due now", ["queue"],
                     registry=REGISTRY)
CARD_LATENCY = Histogram("gospablik_card_latency_seconds", "From an item's receipt to its first card in the chat",
                         buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800), registry=REGISTRY)
ACTIONS = Counter("gospablik_actions", "Actions on the networks by outcome and the network's error code",
                  ["network", "action", "outcome", "code"], registry=REGISTRY)
NETWORK_ERRORS = Counter("gospablik_network_errors", "Errors the networks' APIs answered, and whether a retry helps",
                         ["network", "code", "transient"], registry=REGISTRY)
RETRIES = Counter("gospablik_retries", "Calls put back to be tried again", ["what"], registry=REGISTRY)
CHAT_WRITES = Counter("gospablik_workchat_writes", "Messages the work chat took", ["kind"], registry=REGISTRY)
CHAT_ERRORS = Counter("gospablik_workchat_errors", "Errors the work chat answered", ["error"], registry=REGISTRY)
VERDICTS = Counter("gospablik_verdicts", "The classifier's labels on items (clean: none)", ["label"],
                   registry=REGISTRY)
LEADER = Gauge("gospablik_leader", "1 while this replica is the leader", registry=REGISTRY)

# queue -> (SQL of its waiting rows: each matches a partial index, so a scrape never reads the history; SQL of the
# due ones among them; the column that ages them)
QUEUES: dict[str, tuple[str, str, str]] = {
    "events": ("status = 'new'", "retry_at <= now()", "received_at"),
    "actions": ("status = 'pending'", "retry_at <= now()", "created_at"),
    "cards": ("behind", "retry_at <= now()", "updated_at"),
    "publications": ("status = 'scheduled'", "due_at <= now()", "due_at"),
}


async def queue_state(conn: Any) -> dict[str, dict[str, float]]:
    """Each queue's waiting and due rows and the age of its oldest due row, in one round trip."""
    parts = []
    for name, (waiting, due, column) in QUEUES.items():
        parts.append(
            f"(SELECT '{name}' AS queue, count(*) AS waiting, count(*) FILTER (WHERE {due}) AS due,"
            f" coalesce(extract(epoch FROM now() - min({column}) FILTER (WHERE {due})), 0) AS oldest"
            f" FROM {name} WHERE {waiting})")
    rows = await conn.fetch(" UNION ALL ".join(parts))
    return {r["queue"]: {"waiting": float(r["waiting"]), "due": float(r["due"]), "oldest": float(r["oldest"])}
            for r in rows}


async def render(conn: Any) -> bytes:
    for name, state in (await queue_state(conn)).items():
        QUEUE_DEPTH.labels(name).set(state["waiting"])
        QUEUE_DUE.labels(name).set(state["due"])
        QUEUE_OLDEST.labels(name).set(state["oldest"])
    return generate_latest(REGISTRY)
