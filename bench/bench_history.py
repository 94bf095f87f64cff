"""Does the history matter? The same measurements on an empty database and on one holding 1,000,000 handled
events, items, sent cards and audit entries (`bench.history_fixture`): ingest rate (closed loop, 32 connections),
card latency under the chat's limit, the backlog's drain, and PostgreSQL's CPU while the service idles. Then the
hot paths' query plans on the large database (EXPLAIN ANALYZE), so that a full scan shows up here first.

Printed, never asserted. Run: python -m bench.bench_history [--rows 1000000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import asyncpg

from bench import load
from bench.harness import (
    SECRET,
    card_waits,
    checkpoint,
    drained,
    drop_database,
    fresh_database,
    postgres,
    postgres_cpu_seconds,
    quiet_disk,
    server,
)
from bench.history_fixture import build
from bench.load import percentile
from bot.db.database import Database, migrate
from bot.demo import GROUP_ID

HOT_PATHS = {
    "intake claim (events due)": (
        "WITH due AS (SELECT id FROM events WHERE (status = 'new') AND (retry_at IS NULL OR retry_at <= now())"
        " ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 50) SELECT id FROM due", ()),
    "outbox claim (card behind)": (
        "WITH due AS (SELECT id FROM cards WHERE (behind AND retry_at <= now()) AND (sending_until IS NULL"
        " OR sending_until <= now()) ORDER BY (message_id IS NULL), updated_at, id FOR UPDATE SKIP LOCKED LIMIT 1)"
        " SELECT id FROM due", ()),
    "spam wave: copies of a text (200 most recent)": (
        "SELECT count(DISTINCT author_id) FROM (SELECT author_id FROM items WHERE network = 'vk' AND account_id = $1"
        " AND fingerprint = 'spamwave' AND first_seen_at > now() - interval '24 hours' ORDER BY first_seen_at DESC"
        " LIMIT 200) AS recent WHERE author_id <> 1", (GROUP_ID,)),
    "batch: items already known": (
        "SELECT k.ext_id FROM unnest($1::text[]) AS k(ext_id) WHERE EXISTS (SELECT 1 FROM items i"
        " WHERE i.network = 'vk' AND i.account_id = $2 AND i.kind = 'comment' AND i.ext_id = k.ext_id)",
        ([f"hist_{n}" for n in range(1, 51)], GROUP_ID)),
    "metrics: queue depths": (
        "SELECT count(*) FROM events WHERE status = 'new' UNION ALL SELECT count(*) FROM cards WHERE behind", ()),
    "retention: handled events past their time": (
        "SELECT id FROM events WHERE status = 'done' AND received_at < now() - interval '14 days'"
        " ORDER BY received_at LIMIT 5000", ()),
}


async def measure(pg: str, database: str, seconds: float, label: str, card_seconds: float) -> dict[str, float]:
    found: dict[str, float] = {}
    await checkpoint(pg)  # each phase starts on a quiet disk: not paying for the fixture's or the last phase's writes
    async with server("gospablik", database, messages_per_minute=1200) as s:  # first: no cards queued before
        conn = await asyncpg.connect(database)
        try:
            await asyncio.sleep(3)
            tag = f"k{label}"
            sent = await load.open_loop(s.url, rate=5, seconds=card_seconds, secret=SECRET, tag=tag, connections=8)
            waits = await card_waits(conn, tag, int(sent["requests"]))
            found["card_p50"], found["card_p95"] = percentile(waits, 0.5) * 1000, percentile(waits, 0.95) * 1000
            # Idle: every card sent, nothing due, the disk quiet (a checkpoint, then any autovacuum it set off).
            # Measured here, not after the flood below: the flood's 60,000 cards keep the outbox sending digests
            # for hours at 20 messages a minute, and its dirty pages are written out for a while, more of them
            # where the indexes are larger — PostgreSQL's housekeeping after a flood, not the idle service's cost.
            deadline = time.perf_counter() + 120
            while await conn.fetchval("SELECT count(*) FROM cards WHERE behind") and time.perf_counter() < deadline:
                await asyncio.sleep(0.2)
            await quiet_disk(conn)
            while await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                                      " AND datname = current_database()") and time.perf_counter() < deadline:
                await asyncio.sleep(0.5)
            await asyncio.sleep(5)
            cpu, began = postgres_cpu_seconds(database), time.perf_counter()
            await asyncio.sleep(20)
            found["idle_cpu"] = (postgres_cpu_seconds(database) - cpu) / (time.perf_counter() - began) * 100
        finally:
            await conn.close()
    await checkpoint(pg)
    async with server("gospablik", database) as s:
        await asyncio.sleep(3)
        result = await load.closed(s.url, connections=32, seconds=seconds, secret=SECRET, tag=f"h{label}")
        found["rate"], found["p99"] = result.rate, result.p99_ms
        conn = await asyncpg.connect(database)
        try:
            found["drain"] = await drained(conn, every=0.1)
        finally:
            await conn.close()
    return found


async def explain(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        for name, (sql, args) in HOT_PATHS.items():
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", *args)
            lines = [r[0] for r in plan]
            nodes = [line.strip() for line in lines if "Scan" in line or "Index" in line][:2]
            took = next((line for line in lines if line.startswith("Execution Time")), "")
            print(f"  {name:<46} {took.replace('Execution Time: ', ''):>12}  {' / '.join(nodes)[:110]}")
    finally:
        await conn.close()


async def main(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="gospablik-history-") as folder:
        Path(folder).chmod(0o755)
        async with postgres(Path(folder)) as pg:
            results = {}
            for label in ("empty", "large"):
                database = await fresh_database(pg)
                try:
                    db = await Database.connect(database, max_size=1)
                    try:
                        await migrate(db)
                    finally:
                        await db.close()
                    if label == "large":
                        took = await build(database, options.rows)
                        print(f"history of {options.rows:,} events, items, cards and audit entries written in "
                              f"{took:.0f} s")
                    results[label] = await measure(pg, database, options.seconds, label, options.card_seconds)
                    if label == "large":
                        print("\nHot paths on the large database (EXPLAIN ANALYZE):")
                        await explain(database)
                finally:
                    await drop_database(pg, database)
    empty, large = results["empty"], results["large"]
    print(f"\nHistory comparison ({options.rows:,} rows; within 10 % is the target; CPU target < 2 %)")
    print(f"{'':<44}{'empty':>12}{'large':>12}{'large/empty':>13}")
    for key, title, fmt in (("rate", "ingest, req/s (32 connections)", "{:,.0f}"), ("p99", "ingest p99, ms", "{:.1f}"),
                            ("drain", "backlog drained after the run, s", "{:.1f}"),
                            ("card_p50", "card latency p50, ms (5 events/s)", "{:.1f}"),
                            ("card_p95", "card latency p95, ms", "{:.1f}"),
                            ("idle_cpu", "PostgreSQL CPU, service idle, % of a core", "{:.2f}")):
        ratio = large[key] / empty[key] if empty[key] else float("nan")
        print(f"{title:<44}{fmt.format(empty[key]):>12}{fmt.format(large[key]):>12}{ratio:>13.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10, help="the ingest run")
    parser.add_argument("--card-seconds", type=float, default=30,
                        help="events at 5 a second for the card latency: its p95 needs well over 20 of them")
    asyncio.run(main(parser.parse_args()))
