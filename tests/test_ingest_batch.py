"""The intake worker's set-wise path (a run of new comments stored in a few statements) judges exactly as the
one-at-a-time path: the same items, the same verdicts, the spam wave counted across the batch's own copies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.moderation import fresh
from tests.conftest import Stack, wall_comment

WAVE = "Выиграй айфон прямо сейчас, переходи по ссылке в профиле и забирай приз"


def events() -> list[tuple[str, dict[str, Any]]]:
    found = [("wall_reply_new", wall_comment(700 + n, WAVE, from_id=61000000 + n)) for n in range(6)]
    found.append(("wall_reply_new", wall_comment(720, "Спасибо за новую остановку у школы")))
    found.append(("wall_reply_edit", wall_comment(720, "Спасибо за новую остановку у школы!")))  # same item
    found.append(("wall_reply_new", wall_comment(730, "Когда починят фонарь на Садовой?", from_id=61000100)))
    return found


async def verdicts(stack: Stack) -> dict[str, tuple[list[str], list[str], bool]]:
    rows = await stack.sql("SELECT ext_id, verdict, edited, text FROM items ORDER BY ext_id")
    return {r["ext_id"]: (sorted(r["verdict"].get("labels", [])),
                          sorted(x.get("detail", "") for x in r["verdict"].get("reasons", [])
                                 if x.get("rule") == "repeated"), r["edited"]) for r in rows}


async def test_a_batch_judges_as_one_at_a_time(database_url: str, classifier: object,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    insert = fresh.insert

    async def counted(conn: Any, rows: Any) -> Any:
        calls.append(len(rows))
        return await insert(conn, rows)

    monkeypatch.setattr(fresh, "insert", counted)
    batch = await Stack(database_url=database_url, classifier=classifier).start()
    try:
        await batch.arrive_unprocessed(events())  # delivered while the loops were down: one batch
        await batch.wait_for(lambda: len(batch.cards()) >= 1, what="cards")
        await batch.settled()
        in_batch = await verdicts(batch)
        edited = await batch.sql("SELECT text FROM items WHERE ext_id LIKE '%720'")
    finally:
        await batch.close()
    assert calls and max(calls) > 1, "the new comments were stored set-wise"
    assert edited[0]["text"].endswith("!"), "the edit in the same batch came after its comment"

    single = await Stack(database_url=await _another_database(database_url), classifier=classifier).start()
    try:
        for event_type, obj in events():
            await single.event(event_type, obj)
            await single.settled()
        one_by_one = await verdicts(single)
    finally:
        await single.close()
    assert in_batch == one_by_one
    repeated = [v for v in in_batch.values() if v[1]]
    assert len(repeated) >= 3  # the wave was recognised inside the batch, as it is one by one


async def _another_database(url: str) -> str:
    import uuid

    import asyncpg

    from bot.db.database import Database, migrate
    from tests.conftest import _with_database

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_with_database(url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    other = _with_database(url, name)
    db = await Database.connect(other, max_size=1)
    try:
        await migrate(db)
    finally:
        await db.close()
    return other
