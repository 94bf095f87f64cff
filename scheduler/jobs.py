"""Periodic housekeeping, run by the leader through APScheduler."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.db import DatabaseUnavailable
from bot.platform import PlatformError
from bot.registry.desk import remind
from bot.retention import purge_events
from bot.security.check import run as run_security_check
from bot.security.rotation import NO_ROTATION, digest
from bot.security.rotation import load as load_rotation
from bot.services import Services
from bot.summary import send as summary
from bot.training import decisions as training_decisions
from bot.training import examples as training_examples
from bot.training.retrain import niced
from bot.training.versions import Versions

log = logging.getLogger(__name__)


async def purge_stale_buttons(services: Services) -> int:
    """Buttons of decisions long past can never be valid again; keep the table small."""
    try:
        result = await services.db.execute(
            "DELETE FROM buttons b USING items i WHERE b.subject_kind = 'item' AND i.id = b.subject_id"
            " AND b.decision_seq < i.decision_seq AND b.created_at < now() - interval '7 days'")
    except DatabaseUnavailable as exc:
        log.warning("purge_stale_buttons: %s", exc)
        return 0
    return int(result.split()[-1])


async def purge_tombstones(services: Services) -> int:
    """A deletion's late comment arrives within VK's retry window (about two hours); older marks are useless."""
    try:
        result = await services.db.execute("DELETE FROM tombstones WHERE at < now() - interval '3 days'")
    except DatabaseUnavailable as exc:
        log.warning("purge_tombstones: %s", exc)
        return 0
    return int(result.split()[-1])


async def report_stuck(services: Services) -> int:
    """Logs events that failed for good, so an operator sees them without reading the database."""
    try:
        count = await services.db.fetchval("SELECT count(*) FROM events WHERE status = 'failed'")
    except DatabaseUnavailable as exc:
        log.warning("report_stuck: %s", exc)
        return 0
    if count:
        log.warning("%s events could not be processed; see `SELECT * FROM events WHERE status = 'failed'`", count)
    return count


async def refresh_inbound(services: Services) -> int:
    """Networks may drop a push subscription that failed for hours (OK after about 8): assert each again."""
    refreshed = 0
    for account in services.config.accounts:
        platform = services.platforms.get(account.network)
        if platform is None:
            continue
        try:
            rotated = await load_rotation(services.db, account.network, account.id)
        except DatabaseUnavailable:
            rotated = NO_ROTATION
        configured = platform.webhook_secret(account)
        if configured and rotated.current and digest(configured) not in rotated.current:
            # The secret was rotated and the environment still holds the old one: re-asserting the subscription
            # with it would undo the rotation.
            log.warning("%s %s: the webhook secret was rotated; put the new value into the environment and restart"
                        " (the subscription is not renewed until then)", account.network, account.id)
            continue
        try:
            await platform.refresh_inbound(account, services.config.public_url)
            refreshed += 1
        except PlatformError as exc:
            level = logging.WARNING if exc.transient else logging.ERROR  # unreachable now vs. misconfigured
            log.log(level, "%s %s: cannot renew the push subscription (next try in an hour): %s", account.network,
                    account.id, exc.for_card())
        except Exception:
            log.exception("%s %s: cannot renew the push subscription", account.network, account.id)
    return refreshed


async def registry_reminders(services: Services) -> int:
    """The reports to the committee: their cards count the days, and reminders come at 3, 1 and 0 days left."""
    try:
        return await remind(services)
    except Exception:
        log.exception("registry reminders failed")
        return 0


async def security_check(services: Services) -> int:
    """Every credential and every page's administrators (regulation cl. 1.2.3); returns the new alerts."""
    try:
        return (await run_security_check(services)).raised
    except DatabaseUnavailable as exc:
        log.warning("security check: %s", exc)
    except Exception:
        log.exception("security check failed")
    return 0


async def daily_summary(services: Services) -> bool:
    """The day's summary in the work chat (and the week's on its day), on working days."""
    try:
        return await summary.daily(services)
    except DatabaseUnavailable as exc:
        log.warning("daily summary: %s", exc)
    except Exception:
        log.exception("daily summary failed")
    return False


async def weekly_training(services: Services) -> str:
    """Retrains the rudeness model in a separate low-priority process, so the service never waits for it; a new
    model goes into shadow (or is refused as a regression), it never switches itself on unless shadow_days = 0."""
    try:
        found = await training_decisions.read(services.db)
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            message = await loop.run_in_executor(pool, niced, found, services.config.data_dir,
                                                 services.config.training, training_examples.default_folder())
        log.info("weekly training: %s", message)
        return message
    except DatabaseUnavailable as exc:
        log.warning("weekly training: %s", exc)
    except Exception:
        log.exception("weekly training failed")
    return ""


class ModelWatch:
    """Swaps the classifier's rudeness model when `gospablik train` activates or rolls back a version."""

    def __init__(self) -> None:
        self.loaded: str | None = None

    async def run(self, services: Services) -> bool:
        versions = Versions(services.config.data_dir)
        try:
            name = versions.active_name()
            if name == self.loaded:
                return False
            model = await asyncio.to_thread(versions.load, name)
        except (OSError, ValueError) as exc:
            log.warning("cannot read the rudeness model: %s", exc)
            return False
        swap = getattr(services.classifier, "use_toxicity_model", None)
        if swap is None:
            return False
        swap(model)
        if self.loaded is not None:
            log.info("rudeness model switched to %s", name)
        self.loaded = name
        return True


def start_scheduler(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=services.config.tz)
    scheduler.add_job(purge_stale_buttons, "interval", hours=6, args=[services], id="purge_stale_buttons")
    scheduler.add_job(purge_tombstones, "interval", hours=6, args=[services], id="purge_tombstones")
    scheduler.add_job(report_stuck, "interval", minutes=30, args=[services], id="report_stuck")
    scheduler.add_job(refresh_inbound, "interval", hours=1, args=[services], id="refresh_inbound",
                      next_run_time=datetime.now(services.config.tz))
    # At start (a reminder missed while the service was down comes now) and every morning.
    scheduler.add_job(registry_reminders, "cron", hour=9, minute=0, args=[services], id="registry_reminders",
                      next_run_time=datetime.now(services.config.tz))
    reports = services.config.reports
    if reports.enabled:
        scheduler.add_job(daily_summary, "cron", hour=reports.daily_at.hour, minute=reports.daily_at.minute,
                          args=[services], id="daily_summary")
    # Daily by default (`[security] check_every_minutes`), and once shortly after start.
    security = services.config.security
    first = timedelta(seconds=10) if security.check_at_start else security.check_every
    scheduler.add_job(security_check, "interval", seconds=security.check_every.total_seconds(), args=[services],
                      id="security_check", next_run_time=datetime.now(services.config.tz) + first)
    # The rudeness model `gospablik train` made active, at start and then hourly; retraining weekly if switched on.
    scheduler.add_job(ModelWatch().run, "interval", hours=1, args=[services], id="model_watch",
                      next_run_time=datetime.now(services.config.tz))
    training = services.config.training
    if training.weekly:
        scheduler.add_job(weekly_training, "cron", day_of_week=training.weekday, hour=training.hour, minute=17,
                          args=[services], id="weekly_training", max_instances=1, coalesce=True)
    # Handled events leave the inbox after [retention] events_days (failed ones after failed_days); the audit stays.
    if services.config.retention.enabled:
        scheduler.add_job(purge_events, "interval", hours=1, args=[services.db, services.config.retention],
                          id="purge_events", max_instances=1, coalesce=True,
                          next_run_time=datetime.now(services.config.tz) + timedelta(minutes=5))
    # Wake the loops now and then even if a notification was lost.
    scheduler.add_job(services.cards_ready.set, "interval", seconds=30, id="wake_notifier")
    scheduler.add_job(services.actions_ready.set, "interval", seconds=30, id="wake_actions")
    scheduler.start()
    return scheduler
