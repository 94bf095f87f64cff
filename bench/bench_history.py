"""Does the history matter? The same measurements on an empty database and on one holding 1,000,000 handled
events, items, sent cards and audit entries (`bench.history_fixture`): ingest rate (closed loop, 32 connections),
card latency under the chat's limit, the backlog's drain, and PostgreSQL's CPU while the service idles; between
the card latency and the floods, the hot paths' query plans on the large database (EXPLAIN ANALYZE), so that a
full scan shows up here first.

The ingest rate is measured in alternated rounds, each on a fresh copy of its database, with the worker paused
(the acknowledgement path alone) and with it draining behind on the same cores, whose share of the two cores
swings the rate by a fifth from one run to the next: a single run each once made the large database look 40 %
faster. Every phase starts with no autovacuum at work on the server (`harness.settled`).

Printed, never asserted. Run: python -m bench.bench_history [--rows 1000000] [--seconds 10] [--rounds 3]
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
    drained,
    drop_database,
    fresh_database,
    paused,
    postgres,
    postgres_cpu_seconds,
    quiet_disk,
    server,
    settled,
    spread,
)
from bench.history_fixture import build
from bench.load import percentile
from bot.db.database import Database, migrate
from bot.demo import GROUP_ID
from bot.moderation.intake import BATCH

LABELS = ("empty", "large")

HOT_PATHS = {
    "intake claim (events due)": (
        "WITH due AS (SELECT id FROM events WHERE (status = 'new') AND (retry_at IS NULL OR retry_at <= now())"
        f" ORDER BY id FOR UPDATE SKIP LOCKED LIMIT {BATCH}) SELECT id FROM due", ()),
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
        ([f"hist_{n}" for n in range(1, BATCH + 1)], GROUP_ID)),
    "metrics: queue depths": (
        "SELECT count(*) FROM events WHERE status = 'new' UNION ALL SELECT count(*) FROM cards WHERE behind", ()),
    "retention: handled events past their time": (
        "SELECT id FROM events WHERE status = 'done' AND received_at < now() - interval '14 days'"
        " ORDER BY received_at LIMIT 5000", ()),
}


async def cards_and_idle(pg: str, database: str, tag: str, card_seconds: float, *,
                         idle: bool) -> tuple[list[float], float]:
    """Card waits at 5 events/s under the chat's limit, then (`idle`) PostgreSQL's CPU while the service idles."""
    await settled(pg)  # each phase starts on a quiet server: not paying for the fixture's or the last phase's writes
    async with server("gospablik", database, messages_per_minute=1200) as s:  # before the floods: no cards queued
        conn = await asyncpg.connect(database)
        try:
            await asyncio.sleep(3)
            sent = await load.open_loop(s.url, rate=5, seconds=card_seconds, secret=SECRET, tag=tag, connections=8)
            waits = await card_waits(conn, tag, int(sent["requests"]))
            if not idle:
                return waits, float("nan")
            # Idle: every card sent, nothing due, the disk quiet (a checkpoint, then any autovacuum it set off).
            # Measured here, not after the floods below: a flood's 60,000 cards keep the outbox sending digests
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
            return waits, (postgres_cpu_seconds(database) - cpu) / (time.perf_counter() - began) * 100
        finally:
            await conn.close()


async def ingest(pg: str, database: str, seconds: float, tag: str) -> dict[str, float]:
    """The closed loop twice on one deployment: with the worker paused (the acknowledgement path alone, as with the
    worker on another machine; the events it stored are then deleted unhandled, so the history stays the same),
    then with the worker draining behind on the same cores, and how long the drain took after."""
    await settled(pg)
    async with server("gospablik", database) as s:
        conn = await asyncpg.connect(database)
        try:
            async with paused(s.pids["worker"], idle=3):
                alone = await load.closed(s.url, connections=32, seconds=seconds, secret=SECRET, tag=f"{tag}e")
                await asyncio.sleep(1)  # the last groups' commits
                await conn.execute("DELETE FROM events WHERE event_id LIKE $1 || '%'", f"{tag}e")
                await conn.execute("VACUUM (ANALYZE) events")  # now, not by autovacuum during the next run
            await settled(pg)
            behind = await load.closed(s.url, connections=32, seconds=seconds, secret=SECRET, tag=f"{tag}g")
            drain = await drained(conn, every=0.1)
        finally:
            await conn.close()
    return {"alone": alone.rate, "rate": behind.rate, "p99": behind.p99_ms, "drain": drain}


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
            databases: dict[str, str] = {}
            try:
                for label in LABELS:
                    databases[label] = await fresh_database(pg)
                    db = await Database.connect(databases[label], max_size=1)
                    try:
                        await migrate(db)
                    finally:
                        await db.close()
                took = await build(databases["large"], options.rows)
                print(f"history of {options.rows:,} events, items, cards and audit entries written in {took:.0f} s")
                waits: dict[str, list[float]] = {label: [] for label in LABELS}
                idle_cpu: dict[str, float] = {}
                for round_ in range(options.card_rounds):  # alternated, the waits of every round pooled
                    for label in LABELS:
                        found, cpu = await cards_and_idle(pg, databases[label], f"k{round_}{label[0]}",
                                                          options.card_seconds, idle=round_ == 0)
                        waits[label] += found
                        idle_cpu.setdefault(label, cpu)
                print("\nHot paths on the large database (EXPLAIN ANALYZE):")
                await explain(databases["large"])  # before the floods below leave their cards waiting for the chat
                runs: dict[str, list[dict[str, float]]] = {label: [] for label in LABELS}
                for round_ in range(options.rounds):  # alternated: the machine's drift falls on both alike
                    for label in LABELS if round_ % 2 == 0 else LABELS[::-1]:
                        # Each run on a fresh copy: a run's 60,000 processed events must not become the next's history.
                        copy = await fresh_database(pg, template=databases[label])
                        try:
                            runs[label].append(await ingest(pg, copy, options.seconds, f"h{round_}{label[0]}"))
                        finally:
                            await drop_database(pg, copy)
            finally:
                for database in databases.values():
                    await drop_database(pg, database)
    print(f"\nHistory comparison ({options.rows:,} rows; within 10 % is the target; CPU target < 2 %). Ingest: "
          f"{options.rounds} alternated rounds of {options.seconds:.0f} s, each on a fresh copy of its database, "
          f"median (min–max) and the ratio per round; cards: the waits of {options.card_rounds} alternated rounds "
          "pooled")
    print(f"{'':<44}{'empty':>24}{'large':>24}{'large/empty':>20}")
    for key, title, fmt in (("alone", "ingest, worker elsewhere, req/s", "{:,.0f}"),
                            ("rate", "ingest, worker draining behind, req/s", "{:,.0f}"),
                            ("p99", "ingest p99 (worker draining), ms", "{:.1f}"),
                            ("drain", "backlog drained after the run, s", "{:.1f}")):
        empty, large = [r[key] for r in runs["empty"]], [r[key] for r in runs["large"]]
        ratios = [b / a if a else float("nan") for a, b in zip(empty, large, strict=True)]
        print(f"{title:<44}{spread(empty, fmt):>24}{spread(large, fmt):>24}{spread(ratios, '{:.2f}'):>20}")
    once = {label: {"card_p50": percentile(waits[label], 0.5) * 1000, "card_p95": percentile(waits[label], 0.95) * 1000,
                    "idle_cpu": idle_cpu[label]} for label in LABELS}
    cards = " / ".join(str(len(waits[label])) for label in LABELS)
    for key, title, fmt in (("card_p50", f"card latency p50, ms (5/s, {cards} cards)", "{:.1f}"),
                            ("card_p95", "card latency p95, ms", "{:.1f}"),
                            ("idle_cpu", "PostgreSQL CPU, service idle, % of a core", "{:.2f}")):
        empty_one, large_one = once["empty"][key], once["large"][key]
        ratio = large_one / empty_one if empty_one else float("nan")
        print(f"{title:<44}{fmt.format(empty_one):>24}{fmt.format(large_one):>24}{ratio:>20.2f}")


def at_least_one(text: str) -> int:
    if int(text) < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return int(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10, help="each ingest run")
    parser.add_argument("--rounds", type=at_least_one, default=3, help="alternated rounds of the ingest runs")
    parser.add_argument("--card-seconds", type=float, default=30,
                        help="events at 5 a second for the card latency: its p95 needs well over 20 of them")
    parser.add_argument("--card-rounds", type=at_least_one, default=4,
                        help="alternated rounds of the card latency: a p95 within 10 %% needs some 600 cards")
    asyncio.run(main(parser.parse_args()))
