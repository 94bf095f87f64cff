"""3. A fuzz of malformed and forged requests to the webhook routes (VK, OK) and the Telegram webhook, with real
traffic going on in between: real comments through VK's Callback server and real presses by a moderator.

Promised: no request gets a 5xx, the fuzz makes the service do nothing on any network (no deletion, ban, reply or
message), and the real comments are carded and the real presses carried out as if nothing happened.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from typing import Any

import aiohttp
from hypothesis import strategies as st

from faults.fuzz_cases import (
    Case,
    authentic_odd,
    collect,
    encode,
    ok_bodies,
    telegram_updates,
    vk_envelopes,
)
from faults.harness import (
    TEXTS,
    Db,
    SandboxProcess,
    Service,
    attempts,
    button,
    card_counts,
    free_port,
    once,
    wait_until,
)
from faults.report import Report

NAME = "fuzz"
TITLE = "3. fuzz: malformed and forged webhook and Telegram requests"
BUDGET = 200
VALID_EVERY = 250
SENDERS = 12
PRESSED = 3
MODERATOR = 111111
WRITES = {"vk": ("deleteComment", "restoreComment", "ban", "unban", "createComment", "messages.send", "wall.post",
                 "wall.edit", "wall.delete"),
          "ok": ("deleteDiscussionComment", "addDiscussionComment", "markCommentAsSpam", "graph.user.messages",
                 "mediatopic.post", "group.blockUser")}


async def run(ctx, report: Report) -> None:
    folder = ctx.folder(NAME)
    db_url = await ctx.pg.fresh()
    port = free_port()
    sandbox = SandboxProcess(folder, service_url=f"http://127.0.0.1:{port}", messages_per_minute=1200)
    service = Service(folder, sandbox, port=port, database_url=ctx.pg.service_url(db_url))
    try:
        await sandbox.start()
        await service.start(sandbox)
        await measure(report, sandbox, service, Db(db_url))
    finally:
        await service.process.stop()
        await sandbox.close()
        await ctx.pg.drop(db_url)


def build_cases(world: dict[str, Any], tokens: list[str], message_ids: list[int]) -> list[Case]:
    rng = random.Random(20261130)
    vk, ok, tg = world["vk"], world["ok"], world["telegram"]
    gid, oid = vk["group_id"], ok["group_id"]
    vk_path, ok_path = f"/webhooks/vk/{gid}", f"/webhooks/ok/{oid}/{ok['webhook_secret']}"
    tg_path, json_type = "/webhooks/telegram", {"Content-Type": "application/json"}
    secret_header = {"X-Telegram-Bot-Api-Secret-Token": tg["webhook_secret"], **json_type}
    cases = [Case("vk: forged or malformed envelope", "vk", vk_path, encode(v, rng), headers=json_type)
             for v in collect(vk_envelopes(gid, vk["secret"]), 1400)]
    cases += [Case("vk: right secret, U+0000, lone surrogates, odd fields", "vk", vk_path, encode(v, rng),
                   headers=json_type) for v in collect(authentic_odd(gid, vk["secret"]), 400)]
    junk = collect(st.binary(max_size=300) | st.text(max_size=200).map(str.encode), 1000)
    cases += [Case("vk: not JSON, not UTF-8", "vk", vk_path, body) for body in junk[:400]]
    cases += [Case("ok: wrong path secret", "ok", f"/webhooks/ok/{oid}/{secret}", encode(body, rng),
                   headers=json_type)
              for secret, body in zip(collect(st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s)
                                              .map(lambda s: s.encode("utf-8", "surrogatepass").hex()), 500),
                                      collect(ok_bodies(), 500), strict=False)]
    cases += [Case("ok: right path, malformed body", "ok", ok_path, encode(v, rng), headers=json_type)
              for v in collect(ok_bodies(), 600)]
    cases += [Case("ok: not JSON, not UTF-8", "ok", ok_path, body) for body in junk[400:700]]
    updates = collect(telegram_updates(tg["work_chat_id"], [m["user_id"] for m in world["staff"]] + [700700],
                                       tokens, message_ids), 1200)
    cases += [Case("telegram: wrong or missing secret header", "telegram", tg_path, encode(u, rng),
                   headers={**json_type, **({"X-Telegram-Bot-Api-Secret-Token": s} if s else {})})
              for u, s in zip(updates[:400], [rng.choice(["", "x", tg["webhook_secret"] + "x",
                                                          tg["webhook_secret"].lower(), tg["webhook_secret"][:-1]])
                                              for _ in range(400)], strict=True)]
    cases += [Case("telegram: right secret, odd or forged updates and presses", "telegram", tg_path,
                   encode(u, rng), headers=secret_header) for u in updates[400:]]
    cases += [Case("telegram: right secret, not JSON", "telegram", tg_path, body, headers=secret_header)
              for body in junk[700:]]
    cases += replayed_presses(tokens, message_ids, tg, secret_header, json_type)
    cases += extremes(vk_path, ok_path, tg_path, gid, vk["secret"], secret_header, json_type)
    rng.shuffle(cases)
    return cases


def replayed_presses(tokens: list[str], message_ids: list[int], tg: dict, secret_header: dict,
                     json_type: dict) -> list[Case]:
    """Real buttons pressed by someone who may not: an outsider, in another chat, or without Telegram's secret."""
    cases = []
    for number, (token, message_id) in enumerate(zip(tokens, message_ids, strict=False)):
        for who, chat, headers in ((700700, tg["work_chat_id"], secret_header), (111111, -100999, secret_header),
                                   (111111, tg["work_chat_id"], json_type)):
            update = {"update_id": 10**6 + number, "callback_query": {
                "id": f"forged{number}{who}{chat}", "from": {"id": who, "is_bot": False, "first_name": "Кто-то"},
                "chat_instance": "1", "data": token,
                "message": {"message_id": message_id, "date": 1767600000,
                            "chat": {"id": chat, "type": "supergroup", "title": "x"}}}}
            cases.append(Case("telegram: real buttons pressed by outsiders, elsewhere, unsigned", "telegram",
                              "/webhooks/telegram", json.dumps(update).encode(), headers=headers))
    return cases


def extremes(vk_path: str, ok_path: str, tg_path: str, gid: int, secret: str, secret_header: dict,
             json_type: dict) -> list[Case]:
    """Deep nesting, bodies over the limit, other methods and addresses."""
    deep = [("[" * 100_000 + "]" * 100_000).encode(), ('{"a":' * 50_000 + "1" + "}" * 50_000).encode(),
            json.dumps({"type": "wall_reply_new", "group_id": gid, "secret": secret, "event_id": "deep",
                        "object": {"id": 1}})[:-1].encode() + b', "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"]
    huge = json.dumps({"type": "wall_reply_new", "group_id": gid, "secret": secret, "event_id": "huge",
                       "object": {"id": 5, "text": "я" * 1_100_000}}).encode()
    cases = []
    for path, headers in ((vk_path, json_type), (ok_path, json_type), (tg_path, secret_header)):
        cases += [Case("deep nesting (100 000 levels)", path.split("/")[2], path, body, headers=headers)
                  for body in deep for _ in range(4)]
        cases += [Case("body over the size limit", path.split("/")[2], path, huge, headers=headers) for _ in range(4)]
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        for path in (vk_path, ok_path, f"/webhooks/vk/{gid + 1}", "/webhooks/vk/abc", "/webhooks/max/1",
                     "/webhooks/ok/1/x", f"/webhooks/vk/{gid}/extra", tg_path):
            cases.append(Case("other methods and addresses", "vk", path, b"{}", method=method, headers=json_type))
    cases += [Case("other methods and addresses", "vk", path, json.dumps({"type": "wall_reply_new"}).encode(),
                   headers=json_type) for path in (f"/webhooks/vk/{gid + 1}", "/webhooks/vk/-1", "/webhooks/vk/0",
                                                   "/webhooks/vk/99999999999999999999999", "/webhooks/%00/1")]
    return cases


async def measure(report: Report, sandbox: SandboxProcess, service: Service, db: Db) -> None:
    valid: list[str] = []

    async def real_comment() -> None:
        marker = f"[z{len(valid):03d}]"
        valid.append(marker)
        await sandbox.comment(f"{marker} {TEXTS[len(valid) % 4]}")

    for _ in range(4):
        await real_comment()

    async def carded() -> bool:
        counts = card_counts(await sandbox.chat(), valid)
        return all(n >= 1 for n in counts.values())

    await wait_until(carded, timeout=60)
    chat = await sandbox.chat()
    firsts = [next(c for c in chat if marker in c["text"]) for marker in valid]
    tokens = [t for c in firsts for t in (button(c, "Удалить"), button(c, "Бан"), button(c, "Оставить")) if t]
    message_ids = [c["message_id"] for c in firsts for _ in range(3)]
    cases = await asyncio.to_thread(build_cases, sandbox.world, tokens, message_ids)
    calls_before = len(await sandbox.vk_calls())
    statuses: dict[str, Counter] = {}
    errors: list[str] = []
    queue = list(enumerate(cases))

    async def sender(http: aiohttp.ClientSession) -> None:
        while queue:
            number, case = queue.pop(0)
            if number and number % VALID_EVERY == 0:
                await real_comment()
            try:
                async with http.request(case.method, service.url + case.path, data=case.body,
                                        headers=case.headers) as response:
                    await response.read()
                    status: int | str = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = f"no answer ({type(exc).__name__})"
            statuses.setdefault(case.family, Counter())[status] += 1
            if isinstance(status, int) and status >= 500:
                errors.append(f"{status} {case.family}: {case.body[:60]!r}")

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        await asyncio.gather(*(sender(http) for _ in range(SENDERS)))
    await judge(report, sandbox, cases, statuses, errors, valid, calls_before)


async def judge(report: Report, sandbox: SandboxProcess, cases: list[Case], statuses: dict[str, Counter],
                errors: list[str], valid: list[str], calls_before: int) -> None:
    for family, counter in sorted(statuses.items()):
        report.note(f"{family}: " + ", ".join(f"{s}×{n}" for s, n in sorted(counter.items(), key=str)))
    fives = sum(n for c in statuses.values() for s, n in c.items() if isinstance(s, int) and s >= 500)
    silent = sum(n for c in statuses.values() for s, n in c.items() if not isinstance(s, int))
    report.check("at least 5,000 malformed and forged requests, each answered, none with a 5xx",
                 f"{len(cases)} requests: {fives} answered 5xx, {silent} without an answer"
                 + (f"; e.g. {'; '.join(errors[:3])}" if errors else ""),
                 len(cases) >= 5000 and fives == 0 and silent == 0)

    async def carded() -> bool:
        return all(n == 1 for n in card_counts(await sandbox.chat(), valid).values())

    all_carded = await wait_until(carded, timeout=90)
    counts = card_counts(await sandbox.chat(), valid)
    report.check("real comments sent between the fuzz requests are each carded exactly once",
                 f"{sum(1 for n in counts.values() if n == 1)} of {len(valid)} with one card"
                 + ("" if all_carded else f" (counts: {dict(Counter(counts.values()))})"), all_carded)
    # Fresh comments after the fuzz, each waited for on its own card (a burst would be grouped in a digest, whose
    # buttons are numbered), then pressed at once.
    pressed = [f"[p{n}]" for n in range(PRESSED)]
    for marker in pressed:
        await sandbox.comment(f"{marker} {TEXTS[0]}")

    async def own_cards() -> bool:
        chat = await sandbox.chat()
        return all(any(m in c["text"] and button(c, "Удалить") for c in chat) for m in pressed)

    await wait_until(own_cards, timeout=60)
    chat = await sandbox.chat()
    cards = [next((c for c in chat if marker in c["text"] and button(c, "Удалить")), None) for marker in pressed]
    answers = await asyncio.gather(*(sandbox.press(c["message_id"], button(c, "Удалить") or "", MODERATOR)
                                     for c in cards if c is not None))

    async def deleted() -> bool:
        now = await sandbox.chat()
        return all(any(m in c["text"] and "Удалено —" in c["text"] for c in now) for m in pressed)

    done = await wait_until(deleted, timeout=60)
    calls = (await sandbox.vk_calls())[calls_before:]
    wanted = {int(c["params"]["comment_id"]) for c in calls if c["method"] == "wall.deleteComment"}
    outcomes = attempts(calls, "wall.deleteComment")
    report.check("real presses after the fuzz work: each deletion carried out once",
                 f"{sum(1 for s, _ in answers if s == 200)} of {PRESSED} presses answered, cards "
                 f"{'show the deletion' if done else 'not updated'}; calls: "
                 + "; ".join(",".join(outcomes[c]) for c in sorted(wanted)),
                 done and len(wanted) == PRESSED and all(once(outcomes[c]) for c in wanted))
    vk_writes = [c["method"] for c in calls if any(w in c["method"] for w in WRITES["vk"])
                 and c["method"] != "wall.deleteComment"]
    ok_calls = await sandbox.get("/api/ok/calls")
    ok_writes = [c["method"] for c in ok_calls if any(w in c["method"] for w in WRITES["ok"])]
    report.check("the fuzz makes no action on any network (only the real presses act)",
                 f"{len(vk_writes)} other VK writes, {len(ok_writes)} OK writes; deletions on VK: {len(wanted)} "
                 f"(the {PRESSED} pressed)", not vk_writes and not ok_writes and len(wanted) == PRESSED)
