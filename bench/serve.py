"""The bare servers the ingest benchmark compares gospablik with, each run in a process of its own so a load
generator never shares its event loop:

- `ok`: a bare aiohttp app that reads the VK Callback POST and answers "ok" — the ceiling of the HTTP stack;
- `commit`: the same bare app with one durable single-row INSERT + COMMIT per request, written as such an app
  usually is (`pool.execute`): asyncpg then also sends its reset query on every release, a second round trip;
- `commit-lean`: the same with a pool that skips the reset — exactly one round trip per request, the strict
  reading of "one INSERT + COMMIT per request";
- `group`: the least a group commit can do in one Python process (each request parked on a future, one
  multi-row INSERT per group, no checks, no dedup answer, no metrics) — the best case gospablik's web process is
  measured against, not a service.

gospablik itself runs as deployed (`bench.harness.deployment`). Prints `ready` on stdout once it takes requests.
Run: python -m bench.serve MODE --port N --database-url URL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web

BENCH_TABLE = ("CREATE TABLE IF NOT EXISTS bench_events (id bigserial PRIMARY KEY, event_id text UNIQUE NOT NULL,"
               " payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())")


INSERT_ONE = ("INSERT INTO bench_events (event_id, payload) VALUES ($1, $2::jsonb)"
              " ON CONFLICT (event_id) DO NOTHING")
INSERT_GROUP = ("INSERT INTO bench_events (event_id, payload) SELECT i, p::jsonb FROM unnest($1::text[], $2::text[])"
                " AS u(i, p) ON CONFLICT (event_id) DO NOTHING")


async def _no_reset(_conn: asyncpg.Connection) -> None:
    """Nothing to undo: these connections never LISTEN, lock or prepare by name."""


async def bare(port: int, mode: str, database_url: str) -> web.AppRunner:
    pool = None
    if mode != "ok":
        lean = {"reset": _no_reset} if mode in ("commit-lean", "group") else {}
        pool = await asyncpg.create_pool(database_url, min_size=4, max_size=16, **lean)
        await pool.execute(BENCH_TABLE)
    store = _group_commit(pool) if pool is not None and mode == "group" else None

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        payload = json.loads(body)
        if store is not None:
            await store(payload["event_id"], body.decode())
        elif pool is not None:
            await pool.execute(INSERT_ONE, payload["event_id"], body.decode())
        return web.Response(text="ok", content_type="text/plain")

    app = web.Application()
    app.router.add_post("/webhooks/{network}/{account}", webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    return runner


def _group_commit(pool: asyncpg.Pool) -> Callable[[str, str], Awaitable[None]]:
    """One flush at a time stores everything waiting in one statement, as gospablik's inbox does (two in flight
    made the groups half as large and cost this app 5-20 % of its rate)."""
    waiting: list[tuple[str, str, asyncio.Future[None]]] = []
    flushing = [0]
    tasks: set[asyncio.Task[None]] = set()

    async def flush() -> None:
        try:
            while waiting:
                group = waiting[:]
                waiting.clear()
                try:
                    await pool.execute(INSERT_GROUP, [g[0] for g in group], [g[1] for g in group])
                except Exception as exc:  # everybody in the group answers 500
                    for *_, future in group:
                        if not future.done():  # a request whose client left was cancelled
                            future.set_exception(exc)
                    continue
                for *_, future in group:
                    if not future.done():
                        future.set_result(None)
        finally:
            flushing[0] -= 1

    def store(event_id: str, text: str) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        waiting.append((event_id, text, future))
        if flushing[0] < 1:
            flushing[0] += 1
            task = asyncio.ensure_future(flush())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return future

    return store


async def main(options: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    runner = await bare(options.port, options.mode, options.database_url)
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
    parser.add_argument("mode", choices=("ok", "commit", "commit-lean", "group"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write a cProfile of the run to this file")
    asyncio.run(main(parser.parse_args()))
