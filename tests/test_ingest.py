"""The VK Callback endpoint: every refusal is a clear 4xx, nothing is acknowledged before it is stored."""

from __future__ import annotations

import asyncio
import json

from tests.conftest import CONFIRMATION, GROUP_ID, SECRET, Stack, database_away, wall_comment

URL = f"/webhooks/vk/{GROUP_ID}"


def envelope(event_type: str, obj: dict, *, event_id: str = "e" * 40, secret: str = SECRET,
             group_id: int = GROUP_ID) -> dict:
    return {"type": event_type, "event_id": event_id, "v": "5.199", "object": obj, "group_id": group_id,
            "secret": secret}


async def post(stack: Stack, path: str, body: bytes | str | dict, method: str = "POST") -> tuple[int, str]:
    assert stack.http is not None
    data = json.dumps(body) if isinstance(body, dict) else body
    async with stack.http.request(method, stack.base + path, data=data,
                                  headers={"Content-Type": "application/json"}) as response:
        return response.status, await response.text()


async def stored_events(stack: Stack) -> list[dict]:
    return await stack.sql("SELECT event_id, type, status, deliveries, payload FROM events ORDER BY id")


async def test_confirmation_answers_the_configured_code(stack: Stack) -> None:
    assert await post(stack, URL, {"type": "confirmation", "group_id": GROUP_ID, "secret": SECRET}) == (
        200, CONFIRMATION)
    assert (await stack.sender.confirm())["body"] == CONFIRMATION


async def test_refusals_are_clear_and_store_nothing(stack: Stack) -> None:
    good = envelope("wall_reply_new", wall_comment(1, "x"))
    cases = [
        (URL, {**good, "secret": "wrong"}, "POST", 403, "wrong secret"),
        (URL, {k: v for k, v in good.items() if k != "secret"}, "POST", 403, "wrong secret"),
        ("/webhooks/vk/42", {**good, "group_id": 42}, "POST", 404, "unknown community"),
        ("/webhooks/vk/abc", good, "POST", 404, "unknown community"),
        (URL, "{not json", "POST", 400, "malformed JSON"),
        (URL, "[1, 2]", "POST", 400, "expected a JSON object"),
        (URL, {**good, "group_id": 1}, "POST", 400, "group_id does not match"),
        (URL, {k: v for k, v in good.items() if k != "event_id"}, "POST", 400, "missing event_id"),
        (URL, {k: v for k, v in good.items() if k != "type"}, "POST", 400, "missing event type"),
        (URL, {k: v for k, v in good.items() if k != "object"}, "POST", 400, "missing object"),
        (URL, "", "GET", 405, "method not allowed"),
        (URL, b"\xff\xfe", "POST", 400, "malformed JSON"),
    ]
    for path, body, method, status, reason in cases:
        got = await post(stack, path, body, method)
        assert got[0] == status and reason in got[1], (path, body, got)
    assert await stored_events(stack) == []


async def test_oversized_body_is_413(stack: Stack) -> None:
    huge = envelope("wall_reply_new", wall_comment(1, "я" * (600 * 1024)))
    status, text = await post(stack, URL, huge)
    assert status == 413 and "too large" in text
    assert await stored_events(stack) == []


async def test_duplicates_are_stored_once_and_make_one_card(stack: Stack) -> None:
    obj = wall_comment(321, "Повторная доставка от VK")
    first = await stack.event("wall_reply_new", obj, event_id="a" * 40)
    second = await stack.event("wall_reply_new", obj, event_id="a" * 40)
    assert first["body"] == second["body"] == "ok"
    await stack.wait_card("Повторная доставка")
    await stack.settled()
    events = await stored_events(stack)
    assert len(events) == 1 and events[0]["deliveries"] == 2
    assert "secret" not in events[0]["payload"], "the secret is never stored"
    assert sum("Повторная доставка" in c["text"] for c in stack.cards()) == 1


async def test_unknown_event_types_are_stored_and_acknowledged(stack: Stack) -> None:
    answer = await stack.event("group_join", {"user_id": 1, "join_type": "join"})
    assert answer["status"] == 200 and answer["body"] == "ok"
    answer = await stack.event("some_future_event", {"anything": [1, 2, 3]})
    assert answer["body"] == "ok"

    async def done() -> bool:
        rows = await stored_events(stack)
        return len(rows) == 2 and all(r["status"] == "done" for r in rows)

    for _ in range(100):
        if await done():
            break
        await asyncio.sleep(0.05)
    assert await done()
    assert stack.cards() == []


async def test_broken_event_object_is_kept_as_failed_not_retried_forever(stack: Stack) -> None:
    answer = await stack.event("wall_reply_new", {"id": "not a number", "from_id": None})
    assert answer["body"] == "ok"  # stored: nothing is lost, a person can look at it
    for _ in range(100):
        rows = await stored_events(stack)
        if rows and rows[0]["status"] == "failed":
            break
        await asyncio.sleep(0.05)
    assert rows[0]["status"] == "failed"
    failed = await stack.sql("SELECT error FROM events")
    assert "must be an integer" in failed[0]["error"]


async def test_database_outage_answers_503_and_vk_retry_delivers(stack: Stack) -> None:
    async with database_away(stack.database_url):
        answer = await stack.event("wall_reply_new", wall_comment(777, "Пока база недоступна"))
        assert answer["status"] == 503  # not "ok": VK keeps the event and retries
        status, _ = await post(stack, "/healthz", "", "GET")
        assert status == 503
    # The sender retries as VK does (with X-Retry-Counter); the retry is stored and becomes a card.
    await stack.wait_card("Пока база недоступна", timeout=20)
    attempts = [d for d in stack.sender.deliveries if d["status"] == 200]
    assert attempts and attempts[-1]["attempt"] >= 1
    assert len(await stored_events(stack)) == 1


async def test_large_event_arriving_in_pieces_is_read_whole(stack: Stack) -> None:
    """A valid body sent in several TCP segments, without Content-Length, is accepted in full."""
    text = "Очень длинная жалоба на состояние дорог. " * 4000  # about 170 KB of UTF-8
    body = json.dumps(envelope("wall_reply_new", wall_comment(9001, text), event_id="c" * 40)).encode()

    async def pieces():
        for start in range(0, len(body), 16 * 1024):
            yield body[start:start + 16 * 1024]
            await asyncio.sleep(0.01)

    assert stack.http is not None
    async with stack.http.post(stack.base + URL, data=pieces(),
                               headers={"Content-Type": "application/json"}) as response:
        assert (response.status, await response.text()) == (200, "ok")
    rows = await stack.sql("SELECT payload FROM events")
    assert rows[0]["payload"]["object"]["text"] == text
    card = await stack.wait_card("Очень длинная жалоба")
    assert len(card["text"]) <= 4096


async def test_chunked_oversized_body_is_413(stack: Stack) -> None:
    async def pieces():
        for _ in range(80):
            yield b"x" * 16 * 1024

    assert stack.http is not None
    async with stack.http.post(stack.base + URL, data=pieces()) as response:
        assert response.status == 413 and "too large" in await response.text()
    assert await stored_events(stack) == []


async def test_the_stored_payload_is_the_body_less_its_secret(stack: Stack) -> None:
    """The webhook stores the body's own text less the secret (nothing encoded again); a body with something to
    repair is stored from the repaired value. Either way the row holds what VK sent, and never the secret."""
    sent = envelope("wall_reply_new", wall_comment(4040, "Спасибо за новую площадку! 🎉 «Кавычки» и \\ слэш"),
                    event_id="p" * 40)
    sent["object"]["rating"] = 12345678901234567890  # beyond a 64-bit integer: kept exactly
    sent["nested"] = {"list": [1, 2.5, None, True, {"secret": "a nested key named so is not VK's secret"}]}
    assert await post(stack, URL, sent) == (200, "ok")
    [event] = await stored_events(stack)
    assert event["payload"] == {k: v for k, v in sent.items() if k != "secret"}
