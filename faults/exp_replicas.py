"""6. Two replicas of the service on one PostgreSQL behind a round-robin balancer, and two moderators pressing
«Удалить» on the same card at the same moment, card after card.

The presses reach the replicas through Telegram's webhook and the balancer, so the two presses of a pair are mostly
decided by different processes. Promised: exactly one deletion on VK per card, one presser told it is accepted, and
the other told who handles the card.
"""

from __future__ import annotations

import asyncio

from faults.balancer import Balancer
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

NAME = "replicas"
TITLE = "6. two replicas, simultaneous presses on the same card"
BUDGET = 150
CARDS = 10
PRESSERS = {111111: "Мария Захарова", 222222: "Ольга Котова"}


async def run(ctx, report: Report) -> None:
    folder = ctx.folder(NAME)
    db_url = await ctx.pg.fresh()
    ports = [free_port(), free_port()]
    balancer = Balancer([f"http://127.0.0.1:{port}" for port in ports])
    sandbox = SandboxProcess(folder, service_url=balancer.url, messages_per_minute=1200)
    replicas = [Service(folder, sandbox, name=f"replica-{tag}", port=port, public_url=balancer.url,
                        database_url=ctx.pg.service_url(db_url)) for tag, port in zip("ab", ports, strict=True)]
    try:
        await balancer.start()
        await sandbox.start()
        await replicas[0].start(sandbox)  # the first one leads: it sets the webhook
        await replicas[1].start()
        await measure(report, sandbox, balancer, replicas, Db(db_url))
    finally:
        for replica in replicas:
            await replica.process.stop()
        await sandbox.close()
        await balancer.close()
        await ctx.pg.drop(db_url)


async def measure(report: Report, sandbox: SandboxProcess, balancer: Balancer, replicas: list[Service], db: Db) -> None:
    markers = [f"[r{i:02d}]" for i in range(CARDS)]
    shown = await own_cards(sandbox, [(m, TEXTS[n % 4], CITIZENS[n % len(CITIZENS)]) for n, m in enumerate(markers)])
    ids = {m: delivery["object"]["id"] for m, (_card, delivery) in shown.items()}
    cards = {m: card for m, (card, _delivery) in shown.items()}
    await settled(db, sandbox, timeout=60)
    pairs = []
    for marker in markers:
        card = cards[marker]
        data = button(card, "Удалить") or ""
        answers = await asyncio.gather(*(sandbox.press(card["message_id"], data, who) for who in PRESSERS))
        pairs.append((marker, card["message_id"], answers))

    async def all_deleted() -> bool:
        counts = card_counts([c for c in await sandbox.chat() if "Удалено —" in c["text"]], markers)
        return all(n >= 1 for n in counts.values())

    done = await wait_until(all_deleted, timeout=60, step=0.5)
    await settled(db, sandbox, timeout=30)
    outcomes = attempts(await sandbox.vk_calls(), "wall.deleteComment")
    split = sum(1 for _m, message_id, _a in pairs
                if len({balancer.presses.get((who, message_id)) for who in PRESSERS}) == 2)
    report.note("requests per replica: " + ", ".join(f"{backend.rsplit(':', 1)[-1]} {route}×{n}"
                                                      for (backend, route), n in sorted(balancer.served.items())))
    report.check("both replicas take presses (sanity)",
                 f"{split} of {CARDS} pairs of presses were decided by two different replicas", split > 0)
    told, accepted, unanswered = 0, 0, 0
    samples: list[str] = []
    for _marker, _message_id, answers in pairs:
        texts = {who: (answer.get("answer") or {}).get("text") or "" for who, (status, answer)
                 in zip(PRESSERS, answers, strict=True) if status == 200}
        unanswered += len(PRESSERS) - len(texts)
        winners = [who for who, text in texts.items() if text.startswith("Принято")]
        if len(winners) == 1:
            accepted += 1
            loser = next(who for who in PRESSERS if who != winners[0])
            if PRESSERS[winners[0]] in texts.get(loser, ""):
                told += 1
            elif len(samples) < 2:
                samples.append(texts.get(loser, "(no answer)"))
    report.check("every press is answered", f"{2 * CARDS - unanswered} of {2 * CARDS} answered", unanswered == 0)
    report.check("one presser of each pair is told the deletion is accepted",
                 f"{accepted} of {CARDS} pairs with exactly one «Принято»", accepted == CARDS)
    report.check("the other presser is told who handles the card",
                 f"{told} of {CARDS} named the winner" + (f"; e.g. «{samples[0]}»" if samples else ""), told == CARDS)
    repeated = [m for m in markers if not once(outcomes.get(ids[m], []))]
    report.check("exactly one VK action per card",
                 f"{CARDS - len(repeated)} of {CARDS} deleted exactly once"
                 + (f"; off: {', '.join(f'{m} {outcomes.get(ids[m])}' for m in repeated[:4])}" if repeated else "")
                 + ("" if done else "; not every card shows the deletion"), not repeated and done)
    report.check("both replicas are still running", ", ".join(
        f"{r.process.name}: {'running' if r.process.alive else 'exited'}" for r in replicas),
        all(r.process.alive for r in replicas))
