"""Ingest benchmark (issue 13): prints, never asserts.

1. Closed loop, 32 and 64 connections, distinct valid VK events (wrk if installed, else a Python client): a bare
   aiohttp app answering "ok"; the same app with one INSERT + COMMIT per request, as usually written
   (`pool.execute`, which also sends asyncpg's reset query) and with a pool that skips the reset (one round trip
   a request); the least group commit one Python process can do (`bench/serve.py`: the best case for gospablik's
   web process); and gospablik (the event committed before "ok"; group commit) — req/s, p50/p99 and the ratios.
   gospablik runs as a deployment that expects floods runs it: `gospablik run --role web`, `gospablik run --role
   worker`, and the emulated VK and Telegram, each a process of its own. It is measured twice: with the worker
   draining behind the webhooks on the same two cores, and with the worker paused (SIGSTOP), as when it runs on
   another machine; each configuration starts on a fresh database after a checkpoint, as the baselines do. The
   rounds alternate the servers and the table gives the median with the spread, and the CPU the answering
   process (gospablik's web process) spent per request: the ratios follow from it where that process is saturated.
2. Open loop (requests leave at a fixed rate, latency counted from when each was due): 1,000 and 2,000 events/s.
3. Sustained 1,000 events/s: the largest backlog of unprocessed events, and the time it takes to drain after.
4. Card latency from the event's receipt to the work chat: under the chat's limit, and the worst wait at a
   steady 2 events/s with the default 20 messages a minute (cards and digests).
5. Memory: the RSS of the web and the worker process idle, and after 100,000 events once the backlog has drained.
6. A spam wave: 30,000 copies of one text from as many accounts; the rate its first and its last copies were
   processed at (each copy is judged against the copies before it).

The large-history comparison is `python -m bench.bench_history` (it builds a 1,000,000-row fixture).
Run: python -m bench.bench_ingest [--seconds 10] [--rounds 2] [--sustain 60] [--quick] [--closed-only]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
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
    fresh_deployment,
    paused,
    postgres,
    process_cpu_seconds,
    quiet_disk,
    server,
    spread,
    watch_backlog,
)
from bench.load import percentile

CONNECTIONS = (32, 64)
BASELINES = (("ok", "bare aiohttp, answers ok"), ("commit", "bare aiohttp + INSERT + COMMIT"),
             ("commit-lean", "the same, pool without reset"), ("group", "least group commit (best case)"))
OURS = (("gospablik", "gospablik, worker draining behind"), ("gospablik-web", "gospablik, worker elsewhere"))
SERVERS = BASELINES + OURS
RUNS = ("ok", "commit", "commit-lean", "group", "gospablik-web", "gospablik")  # each fresh, this order every round
TAGS = {"ok": "o", "commit": "c", "commit-lean": "l", "group": "f", "gospablik-web": "e",
        "gospablik": "g"}  # in event ids: runs never share one


async def _measured(url: str, pid: int, connections: int, seconds: float, tag: str) -> load.Result:
    """One closed-loop run, with the answering process's CPU per request: what the ratios come from."""
    before = process_cpu_seconds(pid)
    found = await load.closed(url, connections=connections, seconds=seconds, secret=SECRET, tag=tag)
    used = process_cpu_seconds(pid) - before
    return dataclasses.replace(found, cpu_us=used / found.requests * 1e6 if found.requests else float("nan"))


async def closed_loop(pg: str, seconds: float, rounds: int) -> dict[tuple[str, int], list[load.Result]]:
    """Every configuration starts as the baselines do, on a fresh database after a checkpoint, so that no figure
    depends on the runs before it (the paused worker's was measured after the draining runs until 2026-11-30)."""
    results: dict[tuple[str, int], list[load.Result]] = {}
    for round_ in range(rounds):
        for mode in RUNS:
            database = await fresh_database(pg) if mode != "ok" else ""
            if database:
                await checkpoint(pg)
            try:
                async with server(mode.removesuffix("-web"), database) as s:
                    elsewhere = s.pids["worker"] if mode == "gospablik-web" else None
                    async with paused(elsewhere, idle=2):
                        await load.closed(s.url, connections=8, seconds=1, secret=SECRET, tag=f"w{round_}{TAGS[mode]}")
                        answering = s.pids.get("web", s.pids.get(mode, 0))  # the process that acknowledges
                        for connections in CONNECTIONS:
                            found = await _measured(s.url, answering, connections, seconds,
                                                    f"r{round_}{TAGS[mode]}{connections}")
                            results.setdefault((mode, connections), []).append(found)
            finally:
                if database:
                    await drop_database(pg, database)
    return results


def print_closed(results: dict[tuple[str, int], list[load.Result]], seconds: float, rounds: int) -> None:
    print(f"\n1. Closed loop ({'wrk' if load.shutil.which('wrk') else 'Python client'}, {seconds:.0f} s runs, "
          f"{rounds} alternated rounds; median (min–max))")
    print(f"{'server':<38}{'conns':>6}{'req/s':>26}{'p50 ms':>20}{'p99 ms':>22}{'errors':>8}"
          f"{'CPU µs/req':>22}")
    for mode, title in SERVERS:
        for connections in CONNECTIONS:
            runs = results[(mode, connections)]
            print(f"{title:<38}{connections:>6}{spread([r.rate for r in runs]):>26}"
                  f"{spread([r.p50_ms for r in runs], '{:.1f}'):>20}{spread([r.p99_ms for r in runs], '{:.1f}'):>22}"
                  f"{sum(r.errors for r in runs):>8}{spread([r.cpu_us for r in runs]):>22}")
    for mode, title in OURS:
        for connections in CONNECTIONS:
            ours = [r.rate for r in results[(mode, connections)]]

            def ratio(baseline: str, ours: list[float] = ours, connections: int = connections) -> str:
                theirs = [r.rate for r in results[(baseline, connections)]]
                return spread([o / t for o, t in zip(ours, theirs, strict=True)], "{:.2f}")

            print(f"ratios, {title}, {connections} connections: / bare ok = {ratio('ok')} (target ≥ 0.5); "
                  f"/ bare + commit = {ratio('commit')}, without reset = {ratio('commit-lean')} (target ≥ 2); "
                  f"/ least group commit = {ratio('group')}")


async def pipeline(pg: str, options: argparse.Namespace) -> None:
    async with fresh_deployment(pg) as (s, conn):
        await quiet_disk(conn)
        await asyncio.sleep(3)
        idle_rss = {part: s.rss_mb(part) for part in s.pids}
        print(f"\n2. Open loop (offered rate, {options.open_seconds:.0f} s each; latency from when each "
              "request was due)")
        print(f"{'offered/s':>10}{'achieved/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}"
              f"{'errors':>8}   (target p99 ≤ 50 ms)")
        for rate in (1000, 2000):
            found = await load.open_loop(s.url, rate=rate, seconds=options.open_seconds, secret=SECRET,
                                         tag=f"o{rate}")
            print(f"{rate:>10,}{found['requests'] / found['seconds']:>12,.0f}{found['p50_ms']:>10.1f}"
                  f"{found['p99_ms']:>10.1f}{found['max_ms']:>10.0f}{int(found['errors']):>8}")
            await drained(conn)

        print(f"\n3. Sustained 1,000 events/s for {options.sustain:.0f} s")
        run = asyncio.ensure_future(load.open_loop(s.url, rate=1000, seconds=options.sustain, secret=SECRET,
                                                   tag="s"))
        peak, drain = await watch_backlog(conn, run)
        found = run.result()
        print(f"acknowledged p50 {found['p50_ms']:.1f} ms, p99 {found['p99_ms']:.1f} ms, errors "
              f"{int(found['errors'])}; backlog of unprocessed events: max {peak:,}; drained "
              f"{drain:.1f} s after the load stopped (target ≤ 5 s)")

        stored = int(await conn.fetchval("SELECT count(*) FROM events"))
        if stored < options.memory_events:
            rest = options.memory_events - stored
            run = asyncio.ensure_future(load.open_loop(s.url, rate=2000, seconds=rest / 2000, secret=SECRET,
                                                       tag="m"))
            await watch_backlog(conn, run)
        stored = int(await conn.fetchval("SELECT count(*) FROM events"))
        await asyncio.sleep(5)
        after_rss = {part: s.rss_mb(part) for part in s.pids}
        memory = f"\n5. Memory after {stored:,} events (drained, +5 s), target ≤ 1.2× idle:" + "".join(
            f"\n   {part}: RSS idle {idle_rss[part]:.0f} MB, after {after_rss[part]:.0f} MB = "
            f"{after_rss[part] / idle_rss[part]:.2f}× idle" for part in s.pids)
    await card_latency(pg, options)
    print(memory)


async def settle(conn: asyncpg.Connection, *, at_least: float = 15.0) -> None:
    """Waits out the start: the first security check (10 s after start) posts the demo's alert cards, which would
    take the chat's budget during the first measured minute; steady state is what is measured."""
    began = time.perf_counter()
    while time.perf_counter() - began < at_least or await conn.fetchval("SELECT count(*) FROM cards WHERE behind"):
        await asyncio.sleep(0.5)


async def card_latency(pg: str, options: argparse.Namespace) -> None:
    print("\n4. Card latency, from the event's receipt to the message in the work chat (emulated Telegram)")
    for limit, rate, seconds, what in ((1200, 5.0, options.card_seconds, "under the chat's limit"),
                                       (20, 2.0, options.steady, "steady 2 events/s, 20 messages a minute")):
        async with fresh_deployment(pg, messages_per_minute=limit) as (s, conn):
            await quiet_disk(conn)
            await settle(conn)
            tag = f"c{limit}"
            found = await load.open_loop(s.url, rate=rate, seconds=seconds, secret=SECRET, tag=tag, connections=8)
            waits = await card_waits(conn, tag, int(found["requests"]))
            messages = await conn.fetchval("SELECT count(DISTINCT message_id) FROM cards")
        target = "p95 ≤ 1 s" if limit > 20 else "worst ≤ 10 s"
        print(f"{what} ({rate:g}/s for {seconds:.0f} s, {limit}/min): {len(waits)} of "
              f"{int(found['requests'])} items shown in {messages} messages; p50 {percentile(waits, 0.5):.2f} s, "
              f"p95 {percentile(waits, 0.95):.2f} s, worst {max(waits, default=float('nan')):.2f} s ({target})")


WAVE_RATE = """
SELECT count(processed_at) / nullif(extract(epoch FROM max(processed_at) - min(processed_at)), 0) AS rate
FROM (SELECT processed_at FROM events WHERE event_id LIKE $1 || '%%' ORDER BY id %s LIMIT $2) AS e
"""


async def spam_wave(pg: str, options: argparse.Namespace) -> None:
    """Copies of one text from as many accounts, stored while the worker is paused, then drained: the rate at which
    the first copies were processed against the last ones', each judged against every copy before it."""
    copies, part = options.wave, options.wave // 6
    async with fresh_deployment(pg) as (s, conn):
        await settle(conn)
        async with paused(s.pids["worker"]):
            sent = await load.open_loop(s.url, rate=2000, seconds=copies / 2000, secret=SECRET, tag="wave",
                                        connections=32, wave=True)
        took = await drained(conn)
        first = float(await conn.fetchval(WAVE_RATE % "ASC", "wave", part) or 0)
        last = float(await conn.fetchval(WAVE_RATE % "DESC", "wave", part) or 0)
        states = await conn.fetch("SELECT status, count(*) AS n FROM items GROUP BY status ORDER BY n DESC")
    print(f"\n6. A spam wave: {int(sent['requests']):,} copies of one text from as many accounts, stored with the "
          f"worker paused, drained in {took:.1f} s")
    print(f"processed: the first {part:,} copies at {first:,.0f}/s, the last {part:,} at {last:,.0f}/s"
          f" = {last / first if first else float('nan'):.2f}× (target: not slower as the wave grows); the items: "
          + ", ".join(f"{r['status']} {r['n']:,}" for r in states))


async def main(options: argparse.Namespace) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gospablik-bench-") as folder:
        Path(folder).chmod(0o755)
        async with postgres(Path(folder)) as pg:
            print(f"gospablik ingest benchmark: one machine ({os.cpu_count()} cores), embedded PostgreSQL (fsync on, "
                  "sized for the write rate: bench/harness.WRITE_HEAVY), each server in processes of its own; "
                  "printed, never asserted")
            results = await closed_loop(pg, options.seconds, options.rounds)
            print_closed(results, options.seconds, options.rounds)
            if not options.closed_only:
                await pipeline(pg, options)
                await spam_wave(pg, options)
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s; the large-history comparison: "
          "python -m bench.bench_history)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="each closed-loop run")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds of the closed-loop runs")
    parser.add_argument("--open-seconds", type=float, default=10, help="each open-loop run")
    parser.add_argument("--sustain", type=float, default=60, help="seconds of the sustained 1,000 events/s")
    parser.add_argument("--memory-events", type=int, default=100_000)
    parser.add_argument("--card-seconds", type=float, default=10)
    parser.add_argument("--steady", type=float, default=60, help="seconds of the steady 2 events/s")
    parser.add_argument("--wave", type=int, default=30_000, help="copies in the spam wave")
    parser.add_argument("--closed-only", action="store_true", help="the closed loop (section 1) alone")
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke test of the benchmark itself")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.rounds, options.open_seconds, options.sustain = 3, 1, 3, 10
        options.memory_events, options.card_seconds, options.steady, options.wave = 20_000, 4, 15, 6_000
    asyncio.run(main(options))
