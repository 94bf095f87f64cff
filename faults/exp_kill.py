"""1. The service killed with -9 in the middle of a flood of VK comments, then started again.

VK's Callback server keeps resending what was not acknowledged (here every 0.5-5 s instead of VK's 10 s … 1 h), and
also delivers a few acknowledged events a second time, as VK does now and then. Without $DATABASE_URL the service
runs its own embedded PostgreSQL, as a fresh install does, so the experiment also sees what kill -9 leaves behind.
"""

from __future__ import annotations

import asyncio
import random
import time

from faults.harness import (
    MODERATOR,
    Db,
    Flood,
    SandboxProcess,
    Service,
    button,
    card_counts,
    free_port,
    settled,
    successes,
    wait_until,
)
from faults.pg import postgres_processes, stop_leftover
from faults.report import Report

NAME = "kill"
TITLE = "1. kill -9 of the service mid-flood"
BUDGET = 300
EVENTS = 240
SENDERS = 6
RESENT = 30


async def run(ctx, report: Report) -> None:
    folder = ctx.folder(NAME)
    own_postgres = ctx.pg.external is None
    port = free_port()
    sandbox = SandboxProcess(folder, service_url=f"http://127.0.0.1:{port}", messages_per_minute=1200)
    db_url = None if own_postgres else await ctx.pg.fresh()
    service = Service(folder, sandbox, port=port, database_url=ctx.pg.service_url(db_url) if db_url else None)
    pgdata = folder / "var" / "pgdata"
    try:
        await sandbox.start()
        await service.start(sandbox)
        if own_postgres:
            from pgserver.utils import PostmasterInfo

            info = PostmasterInfo.read_from_pgdata(pgdata)
            assert info is not None
            db_url = info.get_uri()
        assert db_url is not None
        db = Db(db_url)
        await measure(report, sandbox, service, db, pgdata if own_postgres else None)
    finally:
        await service.process.stop()
        await sandbox.close()
        if own_postgres:
            await stop_leftover(pgdata)
        elif db_url:
            await ctx.pg.drop(db_url)


async def measure(report: Report, sandbox: SandboxProcess, service: Service, db: Db, pgdata) -> None:
    flood = Flood(sandbox, "k", EVENTS, senders=SENDERS)
    markers, sent = flood.markers, flood.sent

    async def a_third() -> bool:
        return len(flood.acked()) >= EVENTS // 3

    await wait_until(a_third, timeout=60, step=0.05)
    killed_after = len(flood.acked())
    await service.process.kill9()
    left_after_kill = postgres_processes(pgdata) if pgdata else []
    await asyncio.sleep(2)
    restarted = time.monotonic()
    await service.start(sandbox)
    restart_seconds = time.monotonic() - restarted
    await flood.done
    acked_first = flood.acked()
    for marker in random.Random(7).sample(acked_first, min(RESENT, len(acked_first))):
        await sandbox.resend("wall_reply_new", sent[marker]["object"], sent[marker]["event_id"])
    drained = await settled(db, sandbox, timeout=150)

    deliveries = await flood.check_stored(report, db)
    retries = sum(1 for d in deliveries if d.get("attempt"))
    report.note(f"killed with -9 after {killed_after} of {EVENTS} comments were acknowledged; down for 2 s; "
                f"the new process answered after {restart_seconds:.1f} s; {retries} resends by VK's Callback server, "
                f"{RESENT} acknowledged events delivered a second time")
    report.check("the queues drain after the restart (events, actions, cards)",
                 "drained" if drained else f"still busy after 150 s ({await db.describe_busy()} waiting)", drained)
    items = await db.value("SELECT count(*) FROM items WHERE network = 'vk'")
    report.check("each comment becomes exactly one item", f"{items} items for {EVENTS} comments", items == EVENTS)
    chat = await sandbox.chat()
    counts = card_counts(chat, markers)
    none = [m for m, n in counts.items() if n == 0]
    # The one card the service keeps current per comment: the message its record points at.
    recorded = await flood.card_messages(db)
    live = {m: [c for c in chat if m in c["text"] and c["message_id"] == recorded.get(m)] for m in markers}
    kept = [m for m in markers if len(live[m]) == 1]
    extra = [(m, c) for m in markers for c in chat if m in c["text"] and c["message_id"] != recorded.get(m)]
    report.check("every comment has exactly one card the service keeps current",
                 f"{len(kept)} of {EVENTS} with their card in the chat, {len(none)} with none"
                 f"{' ' + ' '.join(none[:5]) if none else ''}", len(kept) == EVENTS and not none)
    # A send that the kill cut short (Telegram took the message, the record never came) is sent again when its
    # lease runs out: Telegram has no idempotency key, so the first copy stays. One send (a card or a digest of
    # several) is in flight at a time.
    # Harmless means: a press on the copy acts on the right comment once, and the copy then says it is a copy.
    messages = {copy["message_id"] for _marker, copy in extra}  # a digest copy shows several comments
    harmless = 0
    for marker, copy in extra:
        data = button(copy, "Удалить")
        if data is None:
            harmless += 1
            continue
        comment_id = sent[marker]["object"]["id"]
        status, answer = await sandbox.press(copy["message_id"], data, MODERATOR)
        text = ((answer.get("answer") or {}).get("text") or "") if isinstance(answer, dict) else ""

        async def marked(message_id: int = copy["message_id"]) -> bool:
            return any(c["message_id"] == message_id and "старая копия" in c["text"] for c in await sandbox.chat())

        is_marked = await wait_until(marked, timeout=30)
        await settled(db, sandbox, timeout=30)
        done = successes(await sandbox.vk_calls(), "wall.deleteComment").get(comment_id, 0)
        if status == 200 and text and is_marked and done == 1:
            harmless += 1
        report.note(f"the copy of {marker} in message {copy['message_id']} (the card is message "
                    f"{recorded.get(marker)}): a press on its «Удалить» answered «{text[:80]}»; the comment was "
                    f"deleted on VK {done} time(s); the copy "
                    f"{'now says it is a copy' if is_marked else 'was not marked'}")
    report.check("a copy left by the send the kill cut short is harmless (a press on it acts once, then it says it "
                 "is a copy) and there is at most one such message",
                 f"{len(messages)} message(s) left as copies, showing {len(extra)} comment(s) "
                 f"({', '.join(m for m, _ in extra[:3]) or 'none'}), {harmless} of them harmless",
                 len(messages) <= 1 and harmless == len(extra))
    if pgdata is None:
        report.note("external PostgreSQL: what kill -9 leaves of an embedded server is not measured")
        return
    await service.process.stop()
    left = postgres_processes(pgdata)
    report.check("no embedded PostgreSQL is left running once the service is gone (kill -9, restart, clean stop)",
                 f"after kill -9: {len(left_after_kill)} postgres processes kept running; after the restarted "
                 f"service stopped cleanly: {len(left)} still running", not left)
