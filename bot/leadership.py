"""The advisory lock whose holder is the leader replica: taken by `scheduler.leader`, looked for by `/healthz`."""

from __future__ import annotations

from typing import Any

LEADER_LOCK = 7_420_002


async def leader_present(conn: Any) -> bool:
    """Whether any replica holds the leader's lock (a single-key advisory lock: classid 0, objid the key)."""
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1"
        " AND objsubid = 1 AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
        LEADER_LOCK))
