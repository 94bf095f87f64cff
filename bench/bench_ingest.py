"""Ingest benchmark: VK Callback events over HTTP into the real service on the embedded PostgreSQL.

Prints (never asserts):
- acknowledgement latency (p50/p99) and rate: the webhook answers "ok" only after the commit;
- processing rate: stored events turned into judged items with queued cards by the intake worker;
- card delivery rate with the work-chat limit lifted (the emulated Telegram still answers every call).

Run: python -m bench.bench_ingest [--events 2000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.demo import GROUP_ID, build_demo_app, demo_config
from handlers.context import SERVICES

TEXTS = [
    "Когда отремонтируют дорогу на ул. Ленина? Уже третий год обещаете.",
    "Спасибо за субботник, во дворе стало чисто!",
    "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot",
    "Администрация опять ничего не делает, позор!",
    "Подскажите, пожалуйста, часы приёма главы района",
    "Да когда уже этот п*здец с отоплением закончится",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(events: int, concurrency: int) -> None:
    port = 18080
    with tempfile.TemporaryDirectory(prefix="gospablik-bench-") as folder:
        Path(folder).chmod(0o755)
        config, _ = demo_config(host="127.0.0.1", port=port, data_dir=Path(folder))
        config = dataclasses.replace(
            config, telegram=dataclasses.replace(config.telegram, messages_per_minute=1_000_000))
        app, emulators = build_demo_app(config)
        vk = emulators.vk
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        services = app[SERVICES]
        account = config.account("vk", GROUP_ID)
        assert account is not None
        secret = account.settings.secret
        url = f"http://127.0.0.1:{port}/webhooks/vk/{GROUP_ID}"
        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for number in range(events):
            queue.put_nowait(number)

        async def client(session: aiohttp.ClientSession) -> None:
            while not queue.empty():
                number = queue.get_nowait()
                body = {"type": "wall_reply_new", "event_id": f"{number:040x}", "v": "5.199",
                        "group_id": GROUP_ID, "secret": secret,
                        "object": {"id": 100000 + number, "from_id": 51234567 + number % 50, "date": 1767600000,
                                   "text": TEXTS[number % len(TEXTS)] + f" #{number}", "post_id": 1,
                                   "owner_id": -GROUP_ID, "post_owner_id": -GROUP_ID, "attachments": []}}
                started = time.perf_counter()
                async with session.post(url, json=body) as response:
                    assert (await response.text()) == "ok"
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(client(session) for _ in range(concurrency)))
        acked = time.perf_counter() - started

        async def count(query: str) -> int:
            return await services.db.fetchval(query)

        while await count("SELECT count(*) FROM events WHERE status = 'new'"):
            await asyncio.sleep(0.05)
        processed = time.perf_counter() - started
        while await count("SELECT count(*) FROM cards WHERE message_id IS NULL"):
            await asyncio.sleep(0.05)
        delivered = time.perf_counter() - started
        await runner.cleanup()

    print(f"events: {events}, concurrent senders: {concurrency}, one process on the embedded PostgreSQL")
    print(f"acknowledged (stored, committed, 'ok'): {events / acked:,.0f} events/s; "
          f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms")
    print(f"processed into judged items with queued cards: {events / processed:,.0f} events/s "
          f"(all done {processed:.1f} s after the first event)")
    print(f"cards sent to the emulated work chat (limit lifted): {events / delivered:,.0f} cards/s "
          f"(all sent {delivered:.1f} s after the first event)")
    print(f"emulated VK API calls made: {len(vk.calls)} (users.get for authors' names, cached)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    options = parser.parse_args()
    asyncio.run(main(options.events, options.concurrency))
