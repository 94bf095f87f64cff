"""The bare servers the ingest benchmark compares gospablik with, each run in a process of its own so a load
generator never shares its event loop:

- `ok`: a bare aiohttp app that reads the VK Callback POST and answers "ok" — the ceiling of the HTTP stack;
- `commit`: the same bare app with one durable single-row INSERT + COMMIT per request — the ceiling without
  group commit.

gospablik itself runs as deployed (`bench.harness.deployment`). Prints `ready` on stdout once it takes requests.
Run: python -m bench.serve MODE --port N --database-url URL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

import asyncpg
from aiohttp import web

BENCH_TABLE = ("CREATE TABLE IF NOT EXISTS bench_events (id bigserial PRIMARY KEY, event_id text UNIQUE NOT NULL,"
               " payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())")


async def bare(port: int, database_url: str | None) -> web.AppRunner:
    pool = None
    if database_url:
        pool = await asyncpg.create_pool(database_url, min_size=4, max_size=16)
        await pool.execute(BENCH_TABLE)

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        payload = json.loads(body)
        if pool is not None:
            await pool.execute("INSERT INTO bench_events (event_id, payload) VALUES ($1, $2::jsonb)"
                               " ON CONFLICT (event_id) DO NOTHING", payload["event_id"], body.decode())
        return web.Response(text="ok", content_type="text/plain")

    app = web.Application()
    app.router.add_post("/webhooks/{network}/{account}", webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    return runner


async def main(options: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    runner = await bare(options.port, options.database_url if options.mode == "commit" else None)
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    profile = None
    if options.profile:  # where the service's own time goes, for whoever tunes it next
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    await stop.wait()
    if profile is not None:
        profile.disable()
        profile.dump_stats(options.profile)
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("ok", "commit"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write a cProfile of the run to this file")
    asyncio.run(main(parser.parse_args()))
