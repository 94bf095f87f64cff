"""Rotating a webhook secret without losing an event: the new secret is accepted from the moment it is made, the
old one until its grace period ends, whatever the environment still says.

Only SHA-256 digests are stored. The webhook route asks `RotationCache` for an account's rotation (one small
query every few seconds at most) and hands it to the platform, whose own check decides with `matches`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg


def digest(secret: str) -> str:
    # "surrogatepass": a forged secret may hold a lone surrogate; it must compare unequal, never raise.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SecretRotation:
    current: frozenset[str] = frozenset()  # digests accepted besides the configured secret
    retired: Mapping[str, datetime] = field(default_factory=dict)  # digest -> the end of its grace period

    def matches(self, presented: str, configured: str | None, *, now: datetime | None = None) -> bool:
        """Whether a presented secret is good: a current one, or the configured one unless retired and expired."""
        if self.current and any(hmac.compare_digest(digest(presented), accepted) for accepted in self.current):
            return True
        if not configured or not hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), configured.encode()):
            return False
        if not self.retired:  # never rotated away: no digest to take (every webhook asks)
            return True
        until = self.retired.get(digest(presented))
        return until is None or (now or datetime.now(UTC)) < until

    def retired_secret(self, configured: str | None) -> datetime | None:
        """When the configured secret stopped (or stops) being accepted, if it was rotated away."""
        return self.retired.get(digest(configured)) if configured else None


NO_ROTATION = SecretRotation()


async def load(conn: Any, network: str, account_id: int) -> SecretRotation:
    rows = await conn.fetch("SELECT secret_sha256, role, valid_until FROM webhook_secrets WHERE network = $1"
                            " AND account_id = $2", network, account_id)
    if not rows:
        return NO_ROTATION
    return SecretRotation(frozenset(r["secret_sha256"] for r in rows if r["role"] == "current"),
                          {r["secret_sha256"]: r["valid_until"] for r in rows if r["role"] == "retired"})


async def begin(conn: asyncpg.Connection, network: str, account_id: int, *, old: str, new: str, grace: timedelta,
                actor: str) -> None:
    """Records a rotation: `new` is current at once; `old` and any earlier current secret retire after `grace`."""
    until = datetime.now(UTC) + grace
    await conn.execute("UPDATE webhook_secrets SET role = 'retired', valid_until = $3 WHERE network = $1"
                       " AND account_id = $2 AND role = 'current'", network, account_id, until)
    await conn.execute(
        "INSERT INTO webhook_secrets (network, account_id, secret_sha256, role, valid_until, created_by)"
        " VALUES ($1, $2, $3, 'retired', $4, $5) ON CONFLICT (network, account_id, secret_sha256) DO UPDATE"
        " SET role = 'retired', valid_until = least(webhook_secrets.valid_until, $4)",
        network, account_id, digest(old), until, actor)
    await conn.execute(
        "INSERT INTO webhook_secrets (network, account_id, secret_sha256, role, valid_until, created_by)"
        " VALUES ($1, $2, $3, 'current', NULL, $4) ON CONFLICT (network, account_id, secret_sha256) DO UPDATE"
        " SET role = 'current', valid_until = NULL", network, account_id, digest(new), actor)


async def undo(conn: asyncpg.Connection, network: str, account_id: int, *, old: str, new: str) -> None:
    """The network refused the new secret: the old one stays as it was."""
    await conn.execute("DELETE FROM webhook_secrets WHERE network = $1 AND account_id = $2 AND secret_sha256 = ANY($3)",
                       network, account_id, [digest(old), digest(new)])


class RotationCache:
    """Rotations by account, read again at most every `ttl` seconds: a webhook pays for a query rarely."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._held: dict[tuple[str, int], tuple[float, SecretRotation]] = {}

    def fresh(self, network: str, account_id: int) -> SecretRotation | None:
        """The rotation held and still fresh, without a coroutine (None: `get` must read it)."""
        held = self._held.get((network, account_id))
        return held[1] if held is not None and time.monotonic() - held[0] < self.ttl else None

    async def get(self, db: Any, network: str, account_id: int) -> SecretRotation:
        rotation = self.fresh(network, account_id)
        if rotation is None:
            read_at = time.monotonic()
            rotation = await load(db, network, account_id)
            self._held[(network, account_id)] = (read_at, rotation)
        return rotation

    def forget(self) -> None:
        self._held.clear()
