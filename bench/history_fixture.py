"""A large history for the benchmarks: 1,000,000 handled events, their items (moderated, cards sent, a spam
text repeated by thousands of accounts) and their audit, written by PostgreSQL itself (generate_series) in
about a minute. The database must be migrated.

Run: python -m bench.history_fixture DATABASE_URL [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg

from bot.demo import GROUP_ID

STEPS = (
    ("events", """
INSERT INTO events (network, account_id, event_id, type, payload, received_at, status, attempts, retry_at,
                    processed_at)
SELECT 'vk', $1, 'hist' || n, 'wall_reply_new',
       jsonb_build_object('type', 'wall_reply_new', 'object', jsonb_build_object('id', n, 'text', 'история ' || n)),
       now() - interval '1 day' - n * interval '1 second', 'done', 1, now(), now() - n * interval '1 second'
FROM generate_series(1, $2) AS n"""),
    ("items", """
INSERT INTO items (network, account_id, kind, ext_id, author_id, author_name, text, original_text, created_at, url,
                   ref, fingerprint, status, verdict, decision, decided_by, decided_at, last_event_id, first_seen_at)
SELECT 'vk', $1, 'comment', 'hist_' || n, 60000000 + n % 50000, 'Житель ' || n % 50000,
       CASE WHEN n % 50 = 0 THEN 'Заработок от 5000 в день без вложений' ELSE 'Старый комментарий номер ' || n END,
       'Старый комментарий номер ' || n, now() - n * interval '1 second', 'https://vk.com/wall-1_1?reply=' || n,
       '{}'::jsonb, CASE WHEN n % 50 = 0 THEN 'spamwave' ELSE md5(n::text) END,
       CASE WHEN n % 10 = 0 THEN 'deleted' ELSE 'approved' END, '{"labels": []}'::jsonb,
       CASE WHEN n % 10 = 0 THEN 'delete' ELSE 'approve' END, 'tg:111', now() - n * interval '1 second', n,
       now() - interval '1 hour' - n * interval '100 milliseconds'
FROM generate_series(1, $2) AS n"""),
    ("cards", """
INSERT INTO cards (subject_kind, subject_id, chat_id, digest_key, message_id, revision, sent_revision, updated_at)
SELECT 'item', i.id, -1001234567890, 'vk:' || $1::bigint, 100000 + i.id, 2, 2, i.decided_at
FROM items i WHERE i.ext_id LIKE 'hist\\_%'"""),
    ("audit", """
INSERT INTO audit (actor, action, result, network, account_id, event_id, detail, at)
SELECT 'vk:inbound', 'event_processed', 'carded', 'vk', $1, 'hist' || n, '{"type": "wall_reply_new"}',
       now() - n * interval '1 second'
FROM generate_series(1, $2) AS n"""),
)


async def build(url: str, rows: int, *, account_id: int = GROUP_ID) -> float:
    """Writes the history; returns the seconds it took."""
    started = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET synchronous_commit = off")
        for name, sql in STEPS:
            args = (account_id,) if name == "cards" else (account_id, rows)
            await conn.execute(sql, *args)
        await conn.execute("VACUUM ANALYZE events, items, cards, audit")
    finally:
        await conn.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--rows", type=int, default=1_000_000)
    options = parser.parse_args()
    print(f"history written in {asyncio.run(build(options.database_url, options.rows)):.0f} s")
