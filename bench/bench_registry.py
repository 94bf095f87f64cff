"""The public registry page under load: what a municipal site embedding it costs the service.

Prints (never asserts): requests a second and latency for `/registry` with 100 accounts — a plain GET (rendered
once per registry version, then served from memory after one index probe), a conditional GET answered 304, and
the first render after a change; plus the size of the page and of the CSV.

Run: python -m bench.bench_registry [--accounts 100] [--requests 2000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.demo import build_demo_app, demo_config
from bot.registry import desk, store
from handlers.context import SERVICES


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def hammer(session: aiohttp.ClientSession, url: str, requests: int, concurrency: int,
                 headers: dict[str, str] | None = None) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    statuses: set[int] = set()
    left = iter(range(requests))

    async def worker() -> None:
        for _ in left:
            started = time.perf_counter()
            async with session.get(url, headers=headers or {}) as response:
                await response.read()
                statuses.add(response.status)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, min(statuses)


async def main(accounts: int, requests: int, concurrency: int) -> None:
    port = 18090
    with tempfile.TemporaryDirectory(prefix="gospablik-bench-") as folder:
        Path(folder).chmod(0o755)
        config, _ = demo_config(host="127.0.0.1", port=port, data_dir=Path(folder))
        app, _emulators = build_demo_app(config)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        services = app[SERVICES]
        async with services.db.transaction() as conn:
            for n in range(accounts):
                await store.add(conn, {"unit": f"МКУ №{n}", "network": "MAX", "kind": "канал", "name": f"Канал {n}",
                                       "url": f"https://max.ru/channel_{n}", "created_on": date(2025, 1, 1),
                                       "reported_on": date(2025, 1, 5), "responsible": "директор"},
                                actor=store.Actor("bench"), clock=desk.clock(config))
        url = f"http://127.0.0.1:{port}/registry"
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                page = await response.read()
                etag = response.headers["ETag"]
            async with session.get(url + ".csv") as response:
                csv_size = len(await response.read())
            print(f"registry of {accounts + len(config.accounts)} accounts: page {len(page) / 1024:.1f} KiB, "
                  f"CSV {csv_size / 1024:.1f} KiB")
            for title, headers in (("GET /registry", None),
                                   ("GET /registry, If-None-Match (304)", {"If-None-Match": etag})):
                took, latencies, status = await hammer(session, url, requests, concurrency, headers)
                print(f"{title}: {requests / took:,.0f} req/s, p50 {statistics.median(latencies) * 1000:.1f} ms, "
                      f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms (status {status})")
            renders = []
            for n in range(20):
                async with services.db.transaction() as conn:
                    await store.edit(conn, 1, {"name": f"Администрация {n}"}, actor=store.Actor("bench"),
                                     clock=desk.clock(config))
                started = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                renders.append(time.perf_counter() - started)
            print(f"first GET after a change (read + render): p50 {statistics.median(renders) * 1000:.1f} ms, "
                  f"max {max(renders) * 1000:.1f} ms")
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.accounts, args.requests, args.concurrency))
