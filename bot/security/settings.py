"""The `[security]` section: how often the credentials and administrators are checked, and how early to warn."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Reader


@dataclass(frozen=True)
class SecuritySettings:
    check_every: timedelta = timedelta(days=1)
    warn_before: timedelta = timedelta(days=7)  # a credential close to expiry gets a reminder this early
    review_every: timedelta = timedelta(days=90)  # the administrators of each page are reviewed this often
    rotation_grace: timedelta = timedelta(hours=24)  # an old webhook secret is accepted this long after rotation
    check_at_start: bool = True  # also check shortly after start (a token revoked while the service was down)


def parse_security(read: Reader, data: Mapping[str, Any]) -> SecuritySettings:
    raw = read.get(data, "security", dict, "", default={})
    minutes = read.get(raw, "check_every_minutes", int, "security", 24 * 60)
    warn = read.get(raw, "warn_days_before_expiry", int, "security", 7)
    review = read.get(raw, "review_days", int, "security", 90)
    grace = read.get(raw, "rotation_grace_hours", int, "security", 24)
    for name, value, low in (("check_every_minutes", minutes, 1), ("warn_days_before_expiry", warn, 1),
                             ("review_days", review, 1), ("rotation_grace_hours", grace, 0)):
        if value < low:
            read.problems.append(f"security.{name}: must be at least {low}")
    return SecuritySettings(check_every=timedelta(minutes=max(minutes, 1)), warn_before=timedelta(days=max(warn, 1)),
                            review_every=timedelta(days=max(review, 1)), rotation_grace=timedelta(hours=max(grace, 0)))
