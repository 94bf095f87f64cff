"""2. PostgreSQL stopped, and then frozen with SIGSTOP, while VK floods the service and moderators' deletions are on
their way; the service is never restarted.

Every answer VK's Callback server got is read from its log (first attempts and resends alike): while the database is
away the service must ask VK to come back later (503), never answer 500, and never acknowledge what it did not store.
Each phase is judged as soon as it is over, so a phase that hangs still leaves the other's numbers.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import aiohttp

from faults.harness import (
    CITIZENS,
    TEXTS,
    Db,
    SandboxProcess,
    Service,
    acknowledged,
    attempts,
    button,
    card_counts,
    free_port,
    once,
    own_cards,
    settled,
)
from faults.report import Report

NAME = "database"
TITLE = "2. PostgreSQL stopped, then frozen (SIGSTOP), during a flood"
BUDGET = 200
PER_PHASE = 40
OUTAGE = 6.0
SETTLE = 60
PRESSED = 4
MODERATOR = 111111


async def run(ctx, report: Report) -> None:
    """Each outage on a service and database of its own, so that one that does not recover cannot spoil the other."""
    for phase in ("stopped", "frozen"):
        folder = ctx.folder(f"{NAME}/{phase}")
        db_url = await ctx.pg.fresh()
        port = free_port()
        sandbox = SandboxProcess(folder, service_url=f"http://127.0.0.1:{port}", messages_per_minute=1200)
        service = Service(folder, sandbox, port=port, database_url=ctx.pg.service_url(db_url))
        try:
            await sandbox.start()
            await service.start(sandbox)
            pid = service.process.pid
            await outage(report, ctx.pg, phase, sandbox, service, Db(db_url))
            alive = service.process.alive
            report.check(f"{phase}: the service recovers without a restart",
                         f"one process throughout (pid {pid}), {'still running' if alive else 'exited'}",
                         alive and service.process.pid == pid and service.starts == 1)
        finally:
            ctx.pg.thaw()
            await service.process.stop()
            await sandbox.close()
            await ctx.pg.drop(db_url)


async def outage(report: Report, pg, phase: str, sandbox: SandboxProcess, service: Service, db: Db) -> None:
    """One flood with PostgreSQL away in the middle of it, and deletions pressed just before; then its checks."""
    tag = phase[0]
    warm = [f"[{tag}w{i:02d}]" for i in range(PRESSED)]
    own = await own_cards(sandbox, [(marker, TEXTS[0], CITIZENS[0]) for marker in warm])
    cards = [own[marker][0] for marker in warm]
    markers = [f"[{tag}{i:03d}]" for i in range(PER_PHASE)]
    sent: dict[str, dict] = {}

    async def flood() -> None:
        for number, marker in enumerate(markers):
            sent[marker] = await sandbox.comment(f"{marker} {TEXTS[number % len(TEXTS)]}",
                                                 author=CITIZENS[number % len(CITIZENS)])
            await asyncio.sleep(0.1)

    health: list[int] = []
    stop_watch = asyncio.Event()
    watcher = asyncio.create_task(watch(service, health, stop_watch))
    flooding = asyncio.create_task(flood())
    await asyncio.sleep(1.5)
    answers = await asyncio.gather(*(sandbox.press(c["message_id"], button(c, "Удалить") or "", MODERATOR)
                                     for c in cards))
    began = time.monotonic()
    if phase == "stopped":
        await pg.stop()
    else:
        pg.freeze()
    await asyncio.sleep(OUTAGE)
    if phase == "stopped":
        await pg.start_again()
    else:
        pg.thaw()
    back = time.monotonic()
    await flooding
    drained = await settled(db, sandbox, timeout=SETTLE)
    settle = time.monotonic() - back
    stop_watch.set()
    await watcher

    deliveries = await sandbox.deliveries()
    ids = {r["event_id"] for r in sent.values()}
    seen = Counter(d["status"] for d in deliveries if d.get("event_id") in ids)
    report.note(f"{phase}: PostgreSQL away {back - began:.1f} s; VK's deliveries answered {tally(seen)}; /healthz "
                f"answered {tally(Counter(health))}"
                + (f"; queues drained {settle:.0f} s after it was back" if drained else ""))
    others = sum(n for s, n in seen.items() if s is not None and s >= 500 and s != 503)
    report.check(f"{phase}: the webhook answers 503 (retry later), never 500",
                 f"{seen.get(503, 0)} answers 503, {others} other 5xx, {seen.get(None, 0)} timed out",
                 others == 0 and (phase != "stopped" or seen.get(503, 0) > 0))
    acked = acknowledged(deliveries) & ids
    stored = {r["event_id"] for r in await db.rows("SELECT event_id FROM events WHERE network = 'vk'")}
    lost = acked - stored
    report.check(f"{phase}: nothing acknowledged is lost",
                 f"{len(acked)} of {len(ids)} acknowledged, {len(lost)} acknowledged but not stored", not lost)
    counts = card_counts(await sandbox.chat(), markers)
    off = [m for m, n in counts.items() if n != 1]
    queues = "drained" if drained else f"still busy {SETTLE} s after PostgreSQL was back " \
        f"({await db.describe_busy()} waiting)"
    report.check(f"{phase}: back without a restart, every comment carded exactly once",
                 f"queues {queues}; {len(markers) - len(off)} of {len(markers)} with one card"
                 + (f" (off: {' '.join(off[:6])})" if off else ""), drained and not off)
    texts = {int(r["ext_id"].rsplit("_", 1)[-1]): r["text"] for r in await db.rows(
        "SELECT ext_id, text FROM items WHERE network = 'vk'")}
    pressed = [next(cid for cid, text in texts.items() if marker in text) for marker in warm]
    done = attempts(await sandbox.vk_calls(), "wall.deleteComment")
    outcomes = [done.get(cid, []) for cid in pressed]
    answered = sum(1 for status, _answer in answers if status == 200)
    chat = await sandbox.chat()
    shown = sum(1 for marker in warm if any(marker in c["text"] and "Удалено —" in c["text"] for c in chat))
    report.check(f"{phase}: deletions pressed just before the outage reach VK exactly once, and the cards say so",
                 f"{answered} of {len(pressed)} presses answered; wall.deleteComment calls per comment: "
                 + "; ".join(",".join(o) or "none" for o in outcomes) + f"; {shown} of {len(warm)} cards show it",
                 all(once(o) for o in outcomes) and shown == len(warm))


async def watch(service: Service, health: list[int], stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while not stop.is_set():
            try:
                async with http.get(service.url + "/healthz") as response:
                    health.append(response.status)
            except (aiohttp.ClientError, TimeoutError):
                health.append(0)
            await asyncio.sleep(0.5)


def tally(counter: Counter) -> str:
    return ", ".join(f"{s or 'nothing'}×{n}" for s, n in sorted(counter.items(), key=lambda kv: str(kv[0])))
