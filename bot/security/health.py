"""What `/healthz` says of the credentials: the last check's verdict, so a monitoring system sees a dead token."""

from __future__ import annotations

from typing import Any

from bot.db import Database


async def credential_health(db: Database) -> dict[str, Any]:
    rows = await db.fetch("SELECT key, title, valid, unchecked, problem, expires_at, checked_at FROM credential_checks"
                          " ORDER BY key")
    failing = [{"key": r["key"], "title": r["title"], "problem": r["problem"]} for r in rows
               if not r["valid"] and not r["unchecked"]]
    return {
        "checked_at": max(r["checked_at"] for r in rows).isoformat() if rows else None,
        "valid": sum(1 for r in rows if r["valid"]),
        "unchecked": sum(1 for r in rows if r["unchecked"]),
        "failing": failing,
        "expiring": [{"key": r["key"], "expires_at": r["expires_at"].isoformat()} for r in rows
                     if r["valid"] and r["expires_at"] is not None],
    }
