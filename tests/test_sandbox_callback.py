"""The VK Callback sender against a small aiohttp service: envelope, retries, Retry-After, confirmation."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest_asyncio
from aiohttp import web

from bot.sandbox.vk_callback import CallbackSender, retry_after_seconds

GROUP_ID = 229000001
SECRET = "s3cr3t"
FAST = (0.01, 0.01, 0.01, 0.01, 0.01)


@dataclass
class FakeService:
    """Answers each request with the next scripted reply (then "ok"), recording what VK sent."""

    replies: list[Callable[[], web.Response]] = field(default_factory=list)
    received: list[tuple[dict, dict]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), dict(request.headers)))
        if self.replies:
            return self.replies.pop(0)()
        return web.Response(text="ok")


@pytest_asyncio.fixture
async def service() -> AsyncIterator[tuple[FakeService, str]]:
    fake = FakeService()
    app = web.Application()
    app.router.add_post("/webhooks/vk", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield fake, f"http://127.0.0.1:{runner.addresses[0][1]}/webhooks/vk"
    await runner.cleanup()


def sender_for(url: str, delays=FAST) -> CallbackSender:
    return CallbackSender(url=url, group_id=GROUP_ID, secret=SECRET, retry_delays=delays)


async def test_delivers_vk_envelope_once_on_ok(service: tuple[FakeService, str]) -> None:
    fake, url = service
    sender = sender_for(url)
    obj = {"id": 1, "from_id": 5, "text": "Здравствуйте"}
    result = await sender.deliver("wall_reply_new", obj)
    await sender.drain()
    await sender.close()
    assert result["status"] == 200 and result["body"] == "ok"
    assert re.fullmatch(r"[0-9a-f]{40}", result["event_id"])
    body, headers = fake.received[0]
    assert body == {"type": "wall_reply_new", "event_id": result["event_id"], "v": "5.199", "object": obj,
                    "group_id": GROUP_ID, "secret": SECRET}
    assert "X-Retry-Counter" not in headers and len(fake.received) == 1
    assert sender.deliveries == [{"event_id": result["event_id"], "type": "wall_reply_new", "attempt": 0,
                                  "status": 200, "body": "ok"}]


async def test_retries_until_ok_with_retry_counter(service: tuple[FakeService, str]) -> None:
    fake, url = service
    fake.replies = [lambda: web.Response(status=500, text="boom"), lambda: web.Response(text="OK")]
    sender = sender_for(url)
    result = await sender.deliver("message_new", {"message": {"id": 1}}, event_id="e" * 40)
    assert (result["status"], result["body"]) == (500, "boom")
    await sender.drain()
    await sender.close()
    assert [h.get("X-Retry-Counter") for _, h in fake.received] == [None, "1", "2"]
    assert {b["event_id"] for b, _ in fake.received} == {"e" * 40}  # the same event: dedup on event_id
    assert [d["attempt"] for d in sender.deliveries] == [0, 1, 2]


async def test_gives_up_after_the_last_retry(service: tuple[FakeService, str]) -> None:
    fake, url = service
    fake.replies = [lambda: web.Response(status=500)] * 10
    sender = sender_for(url, delays=(0.01, 0.01, 0.01))
    await sender.deliver("wall_reply_new", {"id": 1})
    await sender.drain()
    await sender.close()
    assert len(fake.received) == 4


async def test_honours_retry_after_on_503(service: tuple[FakeService, str]) -> None:
    fake, url = service
    fake.replies = [lambda: web.Response(status=503, headers={"Retry-After": "0"})]
    sender = sender_for(url, delays=(3600,))  # without Retry-After the retry would wait an hour
    await sender.deliver("wall_reply_new", {"id": 1})
    await asyncio.wait_for(sender.drain(), 5)
    await sender.close()
    assert [d["status"] for d in sender.deliveries] == [503, 200]
    assert retry_after_seconds("12") == 12 and retry_after_seconds("99999") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") is None  # in the past


async def test_close_cancels_pending_retries(service: tuple[FakeService, str]) -> None:
    fake, url = service
    fake.replies = [lambda: web.Response(status=500)]
    sender = sender_for(url, delays=(3600,))
    await sender.deliver("wall_reply_new", {"id": 1})
    await asyncio.wait_for(sender.close(), 5)
    assert len(fake.received) == 1


async def test_remove_answer_deletes_the_server(service: tuple[FakeService, str]) -> None:
    fake, url = service
    fake.replies = [lambda: web.Response(text="remove")]
    sender = sender_for(url)
    await sender.deliver("wall_reply_new", {"id": 1})
    later = await sender.deliver("wall_reply_new", {"id": 2})
    await sender.drain()
    await sender.close()
    assert sender.removed and later["status"] is None and len(fake.received) == 1


async def test_unreachable_service_is_retried() -> None:
    sender = CallbackSender(url="http://127.0.0.1:9/nowhere", group_id=GROUP_ID, secret=None, retry_delays=(0.01,))
    result = await sender.deliver("wall_reply_new", {"id": 1})
    await sender.drain()
    await sender.close()
    assert result["status"] is None
    assert [d["attempt"] for d in sender.deliveries] == [0, 1] and "error" in sender.deliveries[0]


async def test_confirmation_request(service: tuple[FakeService, str]) -> None:
    fake, url = service
    fake.replies = [lambda: web.Response(text="a1b2c3d4")]
    sender = sender_for(url)
    assert await sender.confirm() == {"status": 200, "body": "a1b2c3d4"}
    await sender.close()
    assert fake.received[0][0] == {"type": "confirmation", "group_id": GROUP_ID, "secret": SECRET}
