"""`/metrics` under a small flood, and `/healthz` naming what is wrong."""

from __future__ import annotations

import asyncio
import re

from handlers.context import SERVICES
from tests.conftest import GROUP_ID, Stack, wall_comment


def value(text: str, name: str, **labels: str) -> float:
    """One sample of the Prometheus text; 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit(" ", 1)[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


async def scrape(stack: Stack) -> str:
    assert stack.http is not None
    async with stack.http.get(f"{stack.base}/metrics") as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return await response.text()


async def test_metrics_count_a_flood_and_its_cards(stack: Stack) -> None:
    before = await scrape(stack)
    stored = value(before, "gospablik_events_total", network="vk", outcome="stored")
    refused = value(before, "gospablik_events_total", network="vk", outcome="refused", reason="wrong secret")
    await asyncio.gather(*(stack.event("wall_reply_new", wall_comment(7000 + n, f"Поток для метрик {n}"))
                           for n in range(30)))
    assert stack.http is not None
    async with stack.http.post(f"{stack.base}/webhooks/vk/{GROUP_ID}", json={
            "type": "wall_reply_new", "event_id": "f" * 40, "object": {}, "group_id": GROUP_ID, "secret": "wrong"}):
        pass
    await stack.settled(timeout=60)
    after = await scrape(stack)
    assert value(after, "gospablik_events_total", network="vk", outcome="stored") - stored == 30
    assert value(after, "gospablik_events_total", network="vk", outcome="refused", reason="wrong secret") \
        - refused == 1
    assert value(after, "gospablik_card_latency_seconds_count") >= 1
    assert value(after, "gospablik_workchat_writes_total", kind="send") >= 1
    assert value(after, "gospablik_verdicts_total", label="clean") >= 30
    assert value(after, "gospablik_queue_depth", queue="events") == 0
    assert value(after, "gospablik_leader") == 1


async def test_healthz_names_a_stuck_queue(stack: Stack) -> None:
    assert stack.http is not None
    async with stack.http.get(f"{stack.base}/healthz") as response:
        body = await response.json()
    assert response.status == 200 and body["status"] == "ok" and body["checks"]["leader"] is True
    await stack.stop_service()
    await stack.start_service(loops=False)  # the routes answer, but nothing processes the inbox
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    await services.db.execute(  # an event that has waited an hour, due all along
        "INSERT INTO events (network, account_id, event_id, type, payload, received_at, retry_at)"
        " VALUES ('vk', $1, 'stuck', 'wall_reply_new', '{}', now() - interval '1 hour', now() - interval '1 hour')",
        GROUP_ID)
    async with stack.http.get(f"{stack.base}/healthz") as response:
        body = await response.json()
    assert response.status == 503 and body["status"] == "unhealthy"
    assert any(p.startswith("events not draining: 1 due, the oldest for 36") for p in body["problems"]), body


def test_the_dashboard_asks_only_for_metrics_the_service_serves() -> None:
    import json
    from pathlib import Path

    from bot.metrics import REGISTRY

    served = set()
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    for family in REGISTRY.collect():
        served |= {family.name + suffix for suffix in suffixes[family.type]}
    dashboard = json.loads((Path(__file__).resolve().parent.parent / "deploy" / "monitoring" /
                            "gospablik-dashboard.json").read_text(encoding="utf-8"))
    asked = {name for panel in dashboard["panels"] for target in panel["targets"]
             for name in re.findall(r"gospablik_\w+", target["expr"])}
    assert asked and asked <= served, asked - served
