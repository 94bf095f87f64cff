"""`gospablik secrets check` and the rotation of a webhook secret, as the command line runs them.

A rotation is recorded before the network is told (so the running service accepts the new secret when the
network first uses it, even in its confirmation request), and undone if the network refuses; the old secret is
accepted until the grace period ends, so events signed with it while the change spreads are not lost.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.db import Database
from bot.security import rotation
from bot.security.secrets import CORE, Finding, SecretSpec, check

if TYPE_CHECKING:
    from bot.config import Config

SPREAD = 3.0  # seconds: longer than the webhook route's rotation cache


def secrets_report(env: Mapping[str, str], specs: Iterable[SecretSpec], config: Config | None) -> tuple[str, int]:
    configured = {str(a.id) for a in config.accounts} if config else set()
    findings: list[Finding] = check(env, [*CORE, *specs], configured=configured)
    if not findings:
        return "no problems found with the secrets in the environment", 0
    errors = sum(1 for f in findings if f.level == "error")
    lines = [f.line() for f in findings]
    lines.append(f"{errors} error(s), {len(findings) - errors} warning(s)")
    return "\n".join(lines), 1 if errors else 0


def new_secret() -> str:
    """32 characters of letters and digits: within every network's secret length and safe in a URL path segment."""
    return secrets.token_hex(16)


async def rotate(db: Database, *, network: str, account_id: int, old: str, grace_seconds: float, actor: str,
                 apply: Callable[[str], Awaitable[None]]) -> str:
    """Makes a new secret, lets the service accept it, tells the network through `apply`; returns the new secret."""
    import asyncio
    from datetime import timedelta

    new = new_secret()
    async with db.transaction() as conn:
        held = await rotation.load(conn, network, account_id)
        retired_at = held.retired_secret(old)
        if retired_at is not None:
            raise RotationRefused(f"the configured secret was already rotated away (accepted until "
                                  f"{retired_at:%Y-%m-%d %H:%M} UTC): put the newer one into the environment first")
        await rotation.begin(conn, network, account_id, old=old, new=new, grace=timedelta(seconds=grace_seconds),
                             actor=actor)
    await asyncio.sleep(SPREAD)
    try:
        await apply(new)
    except BaseException:
        async with db.transaction() as conn:
            await rotation.undo(conn, network, account_id, old=old, new=new)
        raise
    return new


class RotationRefused(Exception):
    pass


def write_env(path: Path, variable: str, value: str) -> None:
    """Sets `variable=value` in an env file (docker compose's `.env`), keeping every other line."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pattern = re.compile(rf"^\s*(export\s+)?{re.escape(variable)}\s*=")
    replaced = False
    for index, line in enumerate(lines):
        if pattern.match(line):
            lines[index] = f"{variable}={value}"
            replaced = True
    if not replaced:
        lines.append(f"{variable}={value}")
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def hint(variable: str, value: str, grace_seconds: float, env_file: Path | None) -> str:
    until = datetime.now(UTC).timestamp() + grace_seconds
    when = datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = f"written to {env_file}" if env_file else "put it into the environment (.env)"
    return (f"new secret: {variable}={value}\n"
            f"{where} and restart the service; the old secret is accepted until {when}, and the new one already is.")
