"""Group commit in the inbox: concurrent events share a transaction, and nobody hears "ok" before its commit."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from bot.db import Database, DatabaseUnavailable
from bot.moderation import inbox
from tests.conftest import GROUP_ID, SECRET, Stack, wall_comment

URL = f"/webhooks/vk/{GROUP_ID}"
REFUSE_COMMITS = """
CREATE TABLE refuse_commits (on_ boolean NOT NULL);
INSERT INTO refuse_commits VALUES (false);
CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT on_ FROM refuse_commits) THEN RAISE EXCEPTION 'commit refused for the test'; END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT OR UPDATE ON events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit();
"""


def envelope(number: int, *, event_id: str | None = None) -> dict:
    return {"type": "wall_reply_new", "event_id": event_id or f"{number:040x}", "v": "5.199", "group_id": GROUP_ID,
            "secret": SECRET, "object": wall_comment(5000 + number, f"Комментарий номер {number}")}


async def post_all(stack: Stack, bodies: list[dict]) -> list[tuple[int, str]]:
    assert stack.http is not None

    async def one(body: dict) -> tuple[int, str]:
        async with stack.http.post(stack.base + URL, data=json.dumps(body),
                                   headers={"Content-Type": "application/json"}) as response:
            return response.status, await response.text()

    return list(await asyncio.gather(*(one(b) for b in bodies)))


async def test_concurrent_webhooks_are_all_acknowledged_and_stored_once(stack: Stack) -> None:
    bodies = [envelope(n) for n in range(120)]
    answers = await post_all(stack, bodies)
    assert answers == [(200, "ok")] * len(bodies)
    rows = await stack.sql("SELECT event_id, deliveries FROM events ORDER BY id")
    assert sorted(r["event_id"] for r in rows) == sorted(b["event_id"] for b in bodies)
    assert all(r["deliveries"] == 1 for r in rows)


async def test_repeats_inside_one_group_are_stored_once(stack: Stack) -> None:
    """The same event sent many times at once (VK's retries racing): one row, every copy acknowledged."""
    bodies = [envelope(n % 5) for n in range(60)]
    answers = await post_all(stack, bodies)
    assert answers == [(200, "ok")] * len(bodies)
    rows = await stack.sql("SELECT event_id, deliveries FROM events ORDER BY event_id")
    assert [r["event_id"] for r in rows] == sorted({b["event_id"] for b in bodies})
    assert sum(r["deliveries"] for r in rows) == len(bodies)
    for n in range(5):  # each comment became one item, whatever the number of copies
        await stack.wait_card(f"Комментарий номер {n}")
    items = await stack.sql("SELECT count(*) AS n FROM items")
    assert items[0]["n"] == 5


async def test_a_refused_commit_answers_503_to_every_request_of_its_group(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute(REFUSE_COMMITS)
        await conn.execute("UPDATE refuse_commits SET on_ = true")
        bodies = [envelope(n) for n in range(40)]
        answers = await post_all(stack, bodies)
        assert {status for status, _ in answers} == {503}  # nobody was told "ok"
        assert await conn.fetchval("SELECT count(*) FROM events") == 0
        await conn.execute("UPDATE refuse_commits SET on_ = false")
        assert await post_all(stack, bodies) == [(200, "ok")] * len(bodies)  # VK's retries are stored
        assert await conn.fetchval("SELECT count(*) FROM events") == len(bodies)
    finally:
        await conn.close()


@pytest.fixture
async def database(database_url: str) -> Database:
    db = await Database.connect(database_url, max_size=4)
    yield db  # type: ignore[misc]
    await db.close()


async def test_concurrent_accepts_share_transactions(database: Database) -> None:
    """Many callers at once are stored by far fewer transactions than callers (one WAL flush each)."""
    results = await asyncio.gather(*(
        inbox.accept(database, network="vk", account_id=GROUP_ID, event_id=f"ev{n}", event_type="wall_reply_new",
                     payload={"n": n}) for n in range(200)))
    assert not any(r.duplicate for r in results)
    assert len({r.event_row_id for r in results}) == 200
    transactions = await database.fetchval("SELECT count(DISTINCT xmin::text) FROM events")
    assert transactions < 200 / 4
    again = await inbox.accept(database, network="vk", account_id=GROUP_ID, event_id="ev7",
                               event_type="wall_reply_new", payload={"n": 7})
    assert again.duplicate and again.event_row_id == results[7].event_row_id


async def test_one_poisoned_event_does_not_refuse_its_neighbours(database: Database) -> None:
    await database.execute(
        "ALTER TABLE events ADD CONSTRAINT no_poison CHECK (event_id <> 'poison') NOT VALID")
    ids = [f"ev{n}" for n in range(30)] + ["poison"]
    results = await asyncio.gather(*(
        inbox.accept(database, network="vk", account_id=GROUP_ID, event_id=e, event_type="wall_reply_new",
                     payload={}) for e in ids), return_exceptions=True)
    assert isinstance(results[-1], DatabaseUnavailable)
    assert not any(isinstance(r, BaseException) for r in results[:-1])
    assert await database.fetchval("SELECT count(*) FROM events") == 30


async def test_polled_events_share_the_pollers_transaction(database: Database) -> None:
    async with database.transaction() as conn:
        first = await inbox.store(conn, network="ok", account_id=1, event_id="p1", event_type="comment", payload={})
        second = await inbox.store(conn, network="ok", account_id=1, event_id="p1", event_type="comment",
                                   payload={})
    assert not first.duplicate and second.duplicate
    assert await database.fetchval("SELECT deliveries FROM events WHERE event_id = 'p1'") == 2


async def test_arrivals_around_a_lingering_flush_are_all_stored(database: Database) -> None:
    """A flush with nothing to store keeps its connection a moment for the next arrival, and `accept` wakes it.
    Bursts land before, at and after the end of that moment, where a wake-up and the linger's end race: every
    arrival is still stored and answered, and the flushes give their connections back once it is quiet."""
    group = inbox.GroupCommit(database, linger=0.01)
    answers = []
    for burst in range(60):
        arrivals = [group.accept(inbox.Arrival("vk", GROUP_ID, f"b{burst}-{n}", "wall_reply_new", {"n": n}))
                    for n in range(1 + burst % 4)]
        answers += await asyncio.wait_for(asyncio.gather(*arrivals), 10)
        await asyncio.sleep((burst % 7) * 0.003)  # 0 to 18 ms: inside, at and past the linger
    assert len(answers) == sum(1 + b % 4 for b in range(60)) and not any(a.duplicate for a in answers)
    assert await database.fetchval("SELECT count(*) FROM events") == len(answers)
    await asyncio.sleep(0.1)
    assert group._running == 0 and database.pool.get_idle_size() == database.pool.get_size()
