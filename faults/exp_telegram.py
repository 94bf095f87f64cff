"""4. Telegram storms while cards are due: first every send and edit answered 429 with `retry_after`, then 5xx; the
work chat keeps Telegram's real limit of 20 messages a minute, in the emulator and in the service's configuration.

Measured from the Bot API emulator's log of every call: the storm was hit, no call came back before `retry_after`
had passed, the emulator's own flood control never tripped, no 60-second window held more than 20 messages, and every
comment ended up carded exactly once after the storm.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from faults.harness import CITIZENS, TEXTS, Db, SandboxProcess, Service, card_counts, free_port, settled, wait_until
from faults.report import Report

NAME = "telegram"
TITLE = "4. Telegram 429 and 5xx storms while cards are due"
BUDGET = 200
COMMENTS = 45  # one a second: more than the chat takes in a minute
LIMIT = 20
RETRY_AFTER = 4
STORM_429 = 15.0
STORM_5XX = 10.0
WRITES = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption", "copyMessage",
          "sendDocument", "sendPhoto", "deleteMessage")


async def run(ctx, report: Report) -> None:
    folder = ctx.folder(NAME)
    db_url = await ctx.pg.fresh()
    port = free_port()
    sandbox = SandboxProcess(folder, service_url=f"http://127.0.0.1:{port}", messages_per_minute=LIMIT)
    service = Service(folder, sandbox, port=port, database_url=ctx.pg.service_url(db_url))
    try:
        await sandbox.start()
        await service.start(sandbox)
        db = Db(db_url)
        await settled(db, sandbox, timeout=60)  # the start-up security cards are out
        await measure(report, sandbox, db)
    finally:
        await service.process.stop()
        await sandbox.close()
        await ctx.pg.drop(db_url)


async def measure(report: Report, sandbox: SandboxProcess, db: Db) -> None:
    chat_id = sandbox.world["telegram"]["work_chat_id"]
    started = time.time()
    for method in ("sendMessage", "editMessageText"):
        await sandbox.fault(service="telegram", method=method, status=429, parameters={"retry_after": RETRY_AFTER},
                            for_seconds=STORM_429)
    markers = [f"[t{i:02d}]" for i in range(COMMENTS)]

    async def citizens() -> None:  # a comment a second, through the storms and after them
        for number, marker in enumerate(markers):
            await sandbox.comment(f"{marker} {TEXTS[number % len(TEXTS)]}", author=CITIZENS[number % len(CITIZENS)])
            await asyncio.sleep(max(0.0, started + number + 1 - time.time()))

    flood = asyncio.create_task(citizens())
    await asyncio.sleep(max(0.0, started + STORM_429 - time.time()))
    await sandbox.fault(service="telegram", method="sendMessage", status=502, description="Bad Gateway",
                        for_seconds=STORM_5XX)
    await sandbox.fault(service="telegram", method="editMessageText", status=500,
                        description="Internal Server Error: restart", for_seconds=STORM_5XX)
    await asyncio.sleep(STORM_5XX)
    storm_over = time.time()
    await flood

    async def all_carded() -> bool:
        return all(n >= 1 for n in card_counts(await sandbox.chat(), markers).values())

    delivered = await wait_until(all_carded, timeout=120, step=0.5)
    finished = time.time() - storm_over
    await settled(db, sandbox, timeout=60)
    counts = card_counts(await sandbox.chat(), markers)
    calls = [c for c in await sandbox.tg_calls() if c["at"] >= started - 1 and str(c.get("chat_id")) == str(chat_id)
             and c["method"] in WRITES]
    judge(report, calls, counts, delivered, finished)


def judge(report: Report, calls: list[dict], counts: dict[str, int], delivered: bool, finished: float) -> None:
    injected = Counter(c["status"] for c in calls if c.get("injected"))
    report.note("answers to the chat's sends and edits: " + ", ".join(
        f"{status}{' (injected)' if injected.get(status) else ''}×{n}"
        for status, n in sorted(Counter(c["status"] for c in calls).items())))
    report.check("the storms reached the service (sanity)",
                 f"{injected.get(429, 0)} injected 429, {sum(n for s, n in injected.items() if s >= 500)} injected 5xx",
                 injected.get(429, 0) > 0 and sum(n for s, n in injected.items() if s >= 500) > 0)
    early = []
    for index, call in enumerate(calls):
        if call["status"] == 429 and call.get("retry_after"):
            until = call["at"] + call["retry_after"]
            early += [later for later in calls[index + 1:] if later["at"] < until - 0.05]
    report.check("after a 429 nothing is sent to the chat before retry_after has passed",
                 f"{len(early)} calls came early" + (f" (first {early[0]['at'] - calls[0]['at']:.1f} s in)"
                                                     if early else ""), not early)
    own = sum(1 for c in calls if c["status"] == 429 and not c.get("injected"))
    accepted = sorted(c["at"] for c in calls if c["status"] == 200)
    busiest = max((sum(1 for t in accepted if start <= t < start + 60) for start in accepted), default=0)
    report.check(f"the chat's limit holds: Telegram's own flood control never trips, at most {LIMIT} a minute",
                 f"{own} answers 429 from the chat's own limit; busiest minute: {busiest} messages",
                 own == 0 and busiest <= LIMIT)
    none = [m for m, n in counts.items() if n == 0]
    many = [m for m, n in counts.items() if n > 1]
    report.check("nothing lost or doubled: every comment carded exactly once after the storm",
                 f"{len(counts) - len(none) - len(many)} of {len(counts)} with one card, {len(none)} with none, "
                 f"{len(many)} with two or more", not none and not many)
    report.check("cards due during the storm are delivered after it",
                 f"all out {finished:.0f} s after the storm ended" if delivered
                 else "not all out 120 s after the storm ended", delivered)
