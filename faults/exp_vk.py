"""5. VK error storms while moderators press «Удалить»: VK's front end answering HTTP 502 pages to every method, then
error 6 (too many requests), then error 10 (internal server error); presses keep coming through all of it.

Measured from the VK emulator's log of calls: every deletion reaches VK exactly once after the storm (one success, no
call after it), none is lost, and each card says so.
"""

from __future__ import annotations

import asyncio
import time

from faults.harness import (
    CITIZENS,
    TEXTS,
    Db,
    SandboxProcess,
    Service,
    attempts,
    button,
    card_counts,
    free_port,
    once,
    own_cards,
    settled,
    wait_until,
)
from faults.report import Report

NAME = "vk"
TITLE = "5. VK error storms (HTTP 502, 6, 10) while moderators press «Удалить»"
BUDGET = 150
CARDS = 12
STORMS = (({"method": "*", "status": 502}, 6.0),
          ({"method": "wall.deleteComment", "status": 200, "error_code": 6}, 6.0),
          ({"method": "wall.deleteComment", "status": 200, "error_code": 10}, 6.0))
MODERATORS = (111111, 222222)


async def run(ctx, report: Report) -> None:
    folder = ctx.folder(NAME)
    db_url = await ctx.pg.fresh()
    port = free_port()
    sandbox = SandboxProcess(folder, service_url=f"http://127.0.0.1:{port}", messages_per_minute=1200)
    service = Service(folder, sandbox, port=port, database_url=ctx.pg.service_url(db_url))
    try:
        await sandbox.start()
        await service.start(sandbox)
        await measure(report, sandbox, Db(db_url))
    finally:
        await service.process.stop()
        await sandbox.close()
        await ctx.pg.drop(db_url)


async def measure(report: Report, sandbox: SandboxProcess, db: Db) -> None:
    markers = [f"[v{i:02d}]" for i in range(CARDS)]
    shown = await own_cards(sandbox, [(m, TEXTS[n % 4], CITIZENS[n % len(CITIZENS)]) for n, m in enumerate(markers)])
    ids = {m: delivery["object"]["id"] for m, (_card, delivery) in shown.items()}
    cards = {m: card for m, (card, _delivery) in shown.items()}
    await settled(db, sandbox, timeout=60)
    calls_before = len(await sandbox.vk_calls())
    storm = sum(seconds for _fault, seconds in STORMS)
    started = time.monotonic()
    answers: list[tuple[int, dict]] = []

    async def moderators() -> None:  # a press every storm / CARDS seconds, by the two moderators in turn
        for number, marker in enumerate(markers):
            await asyncio.sleep(max(0.0, started + number * storm / CARDS - time.monotonic()))
            card = cards[marker]
            answers.append(await sandbox.press(card["message_id"], button(card, "Удалить") or "",
                                               MODERATORS[number % 2]))

    pressing = asyncio.create_task(moderators())
    for fault, seconds in STORMS:
        await sandbox.fault(service="vk", for_seconds=seconds, **fault)
        await asyncio.sleep(seconds)
    await pressing

    async def all_deleted() -> bool:
        counts = card_counts([c for c in await sandbox.chat() if "Удалено —" in c["text"]], markers)
        return all(n >= 1 for n in counts.values())

    done = await wait_until(all_deleted, timeout=90, step=0.5)
    finished = time.monotonic() - started - storm
    await settled(db, sandbox, timeout=30)
    calls = (await sandbox.vk_calls())[calls_before:]
    outcomes = attempts(calls, "wall.deleteComment")
    failed = sum(1 for c in calls if "error" in c)
    report.note(f"{len(calls)} VK calls during and after the storms, {failed} of them failed; per comment: "
                + "; ".join(",".join(outcomes.get(ids[m], [])) or "none" for m in markers))
    report.check("the storms reached the service (sanity)", f"{failed} failed VK calls", failed > 0)
    report.check("every press is answered", f"{sum(1 for s, _ in answers if s == 200)} of {CARDS} answered",
                 all(s == 200 for s, _ in answers))
    repeated = [m for m in markers if not once(outcomes.get(ids[m], []))]
    report.check("each deletion is carried out on VK exactly once after the storm (one success, no call after it)",
                 f"{CARDS - len(repeated)} of {CARDS} exactly once"
                 + (f"; off: {', '.join(f'{m} {outcomes.get(ids[m])}' for m in repeated[:4])}" if repeated else ""),
                 not repeated)
    wall = await sandbox.get("/api/vk/wall")
    states = {c["id"]: c["state"] for post in wall["posts"] for c in post["comments"]}
    lost = [m for m in markers if states.get(ids[m]) != "deleted"]
    report.check("none is lost: every pressed comment is deleted on VK and its card says so",
                 f"{CARDS - len(lost)} of {CARDS} deleted on VK; cards updated "
                 + (f"{finished:.0f} s after the storms" if done else "— not all, 90 s after the storms"),
                 not lost and done)
