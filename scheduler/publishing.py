"""Publishing on time, on the leader: the publications queue drained whenever something is due.

The database is the truth (`publications.due_at`); APScheduler only wakes the publisher at the next due
time, so a post goes out at its minute rather than at the next idle check, and a restart loses nothing.
"""

from __future__ import annotations

from apscheduler.schedulers.base import BaseScheduler

from bot.loops import drain_forever
from bot.publishing.publisher import next_due, publish_one
from bot.services import Services

JOB = "next_publication"


async def publisher_loop(services: Services, scheduler: BaseScheduler, *, idle: float = 30.0) -> None:
    async def arm() -> None:
        due = await next_due(services)
        if due is None:
            if scheduler.get_job(JOB):
                scheduler.remove_job(JOB)
            return
        scheduler.add_job(services.publications_ready.set, "date", run_date=due, id=JOB, replace_existing=True)

    await drain_forever("publisher", lambda: publish_one(services), services.publications_ready, idle=idle,
                        after=arm)
