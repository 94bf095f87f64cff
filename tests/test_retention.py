"""Retention: handled events leave the inbox after their time; new ones never, and the audit stays whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Reader
from bot.db import Database
from bot.retention import RetentionSettings, parse_retention, purge_events


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = await Database.connect(database_url, max_size=2)
    yield db
    await db.close()


async def add_event(db: Database, event_id: str, status: str, days_old: int) -> None:
    await db.execute(
        "INSERT INTO events (network, account_id, event_id, type, payload, status, received_at)"
        " VALUES ('vk', 1, $1, 'wall_reply_new', '{}', $2, now() - $3 * interval '1 day')",
        event_id, status, days_old)
    await db.execute(
        "INSERT INTO audit (actor, action, result, network, account_id, event_id, at)"
        " VALUES ('vk:inbound', 'event_received', 'stored', 'vk', 1, $1, now() - $2 * interval '1 day')",
        event_id, days_old)


async def test_old_handled_events_go_new_ones_and_the_audit_stay(database: Database) -> None:
    for event_id, status, days in [("old-done", "done", 30), ("fresh-done", "done", 2), ("old-new", "new", 30),
                                   ("old-failed", "failed", 30), ("ancient-failed", "failed", 200)]:
        await add_event(database, event_id, status, days)
    deleted = await purge_events(database, RetentionSettings(events_days=14, failed_days=90, chunk=1))
    assert deleted == 2
    left = {r["event_id"] for r in await database.fetch("SELECT event_id FROM events")}
    assert left == {"fresh-done", "old-new", "old-failed"}  # never an unhandled one
    assert await database.fetchval("SELECT count(*) FROM audit WHERE action = 'event_received'") == 5


async def test_switched_off_deletes_nothing(database: Database) -> None:
    await add_event(database, "old-done", "done", 30)
    assert await purge_events(database, RetentionSettings(enabled=False)) == 0
    assert await database.fetchval("SELECT count(*) FROM events") == 1


def test_settings_are_read_and_checked() -> None:
    problems: list[str] = []
    read = Reader(problems, {})
    assert parse_retention(read, {}) == RetentionSettings()
    settings = parse_retention(read, {"retention": {"events_days": 7, "failed_days": 30, "enabled": False}})
    assert settings == RetentionSettings(enabled=False, events_days=7, failed_days=30)
    assert not problems
    assert parse_retention(read, {"retention": {"events_days": 0}}).events_days == RetentionSettings().events_days
    assert problems == ["retention.events_days: at least 1 day, got 0"]
