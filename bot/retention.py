"""The `[retention]` section and its job: processed events leave the inbox after a while, so that the working
tables stay the size of the work, not of the history.

An event is kept while anything may still need it: until it is handled (never deleted while `new`), and then for
`events_days` (a repeat of it from the network within that time is still recognised as a repeat; networks retry for
hours, not days). Failed events are kept longer (`failed_days`) for whoever investigates them. Nothing that
the audit trail shows is lost: the intake worker writes each event's receipt and outcome to the audit when it
handles it, and the audit is append-only and kept whole. Items keep their history too: an item records the id of
its last event, not a reference to the row.

Deleting runs in chunks of `chunk` rows, each its own short transaction, so that a first purge of a long history
never holds locks or bloats one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.db import Database, DatabaseUnavailable

if TYPE_CHECKING:
    from bot.config import Reader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionSettings:
    enabled: bool = True
    events_days: int = 14  # handled events kept this long after they arrived
    failed_days: int = 90  # events that could not be handled: kept longer, for whoever looks into them
    chunk: int = 5000  # rows deleted per transaction


def parse_retention(read: Reader, data: Mapping[str, Any]) -> RetentionSettings:
    raw = read.get(data, "retention", dict, "", default={})
    default = RetentionSettings()
    enabled = read.get(raw, "enabled", bool, "retention", default.enabled)
    days = {}
    for key in ("events_days", "failed_days"):
        value = read.get(raw, key, int, "retention", getattr(default, key))
        if value < 1:
            read.problems.append(f"retention.{key}: at least 1 day, got {value!r}")
            value = getattr(default, key)
        days[key] = value
    return RetentionSettings(enabled=enabled, **days)


async def purge_events(db: Database, settings: RetentionSettings) -> int:
    """Deletes handled events older than the settings keep; returns how many."""
    if not settings.enabled:
        return 0
    total = 0
    for status, days in (("done", settings.events_days), ("failed", settings.failed_days)):
        while True:
            try:
                result = await db.execute(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE status = $1"
                    " AND received_at < now() - $2 * interval '1 day' ORDER BY received_at LIMIT $3)",
                    status, days, settings.chunk)
            except DatabaseUnavailable as exc:
                log.warning("retention: %s", exc)
                return total
            deleted = int(result.split()[-1])
            total += deleted
            if deleted < settings.chunk:
                break
    if total:
        log.info("retention: %d handled events deleted from the inbox", total)
    return total
