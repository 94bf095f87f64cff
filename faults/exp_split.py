"""7. The service split in two (`gospablik run --role web` and `--role worker`), each killed with -9 in the middle of
a flood of VK comments and started again: first the web process, then the worker.

Killing the web process tests the acknowledgement (an event is acknowledged only once committed, whatever process
commits it); killing the worker tests that nothing the web process stored waits for it: the new worker claims what
the old one held once its lease runs out, and what was never claimed at once.
"""

from __future__ import annotations

import asyncio
import time

from faults.harness import (
    Db,
    Flood,
    SandboxProcess,
    Service,
    card_counts,
    free_port,
    settled,
    wait_until,
)
from faults.report import Report

NAME = "split"
TITLE = "7. web and worker processes, each killed with -9 mid-flood"
BUDGET = 240
EVENTS = 240
SENDERS = 6


async def run(ctx, report: Report) -> None:
    folder = ctx.folder(NAME)
    db_url = await ctx.pg.fresh()
    port = free_port()
    sandbox = SandboxProcess(folder, service_url=f"http://127.0.0.1:{port}", messages_per_minute=1200)
    worker = Service(folder, sandbox, name="worker", public_url=f"http://127.0.0.1:{port}",
                     database_url=ctx.pg.service_url(db_url), role="worker")
    web = Service(folder, sandbox, name="web", port=port, database_url=ctx.pg.service_url(db_url), role="web")
    try:
        await sandbox.start()
        await worker.start(sandbox)  # leads: sets the chat's webhook to the web process
        await web.start()
        await measure(report, sandbox, web, worker, Db(db_url))
    finally:
        await web.process.stop()
        await worker.process.stop()
        await sandbox.close()
        await ctx.pg.drop(db_url)


async def measure(report: Report, sandbox: SandboxProcess, web: Service, worker: Service, db: Db) -> None:
    async def restart(service: Service) -> float:
        await service.process.kill9()
        await asyncio.sleep(2)
        began = time.monotonic()
        await service.start(sandbox if service is worker else None)
        return time.monotonic() - began

    flood = Flood(sandbox, "s", EVENTS, senders=SENDERS)

    async def a_third() -> bool:
        return len(flood.acked()) >= EVENTS // 3

    await wait_until(a_third, timeout=90, step=0.05)
    first = len(flood.acked())
    report.note(f"web killed after {first} comments were acknowledged; it answered again {await restart(web):.1f} s "
                f"after its restart")
    await flood.done  # VK resends what failed while the web process was down

    async def working() -> bool:  # the worker is in the middle of it: events stored but not yet all carded
        return await db.value("SELECT count(*) FROM items WHERE network = 'vk'") >= EVENTS // 2

    await wait_until(working, timeout=90, step=0.05)
    busy = await db.describe_busy()
    processed = await db.value("SELECT count(*) FROM items WHERE network = 'vk'")
    report.note(f"worker killed with {processed} of {EVENTS} comments processed and {busy} waiting; it answered again "
                f"{await restart(worker):.1f} s after its restart")
    drained = await settled(db, sandbox, timeout=150)

    await flood.check_stored(report, db)
    report.check("the queues drain after both restarts (events, actions, cards)",
                 "drained" if drained else f"still busy after 150 s ({await db.describe_busy()} waiting)", drained)
    items = await db.value("SELECT count(*) FROM items WHERE network = 'vk'")
    report.check("each comment becomes exactly one item", f"{items} items for {EVENTS} comments", items == EVENTS)
    chat = await sandbox.chat()
    markers = flood.markers
    counts = card_counts(chat, markers)
    recorded = await flood.card_messages(db)
    kept = [m for m in markers if any(m in c["text"] and c["message_id"] == recorded.get(m) for c in chat)]
    none = [m for m, n in counts.items() if n == 0]
    copies = {c["message_id"] for m in markers for c in chat if m in c["text"] and c["message_id"] != recorded.get(m)}
    report.check("every comment has its card in the chat, kept current by the service",
                 f"{len(kept)} of {EVENTS} with their card, {len(none)} with none", len(kept) == EVENTS)
    report.check("at most one message is left as a copy (a send the worker's kill cut short; experiment 1 shows a "
                 "press on such a copy acts once)", f"{len(copies)} message(s) left as copies", len(copies) <= 1)
