"""`gospablik train` and its options, over an open database: train, --report, --activate, --rollback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.db import Database

from . import decisions, shadow
from .retrain import retrain
from .settings import TrainingSettings
from .versions import Versions


async def train(db: Database, data_dir: Path, settings: TrainingSettings, *, public_folder: Path | None,
                shadow_days: int | None = None) -> int:
    found = await decisions.read(db)
    print(f"decisions in the database: {len(found)}")
    outcome = await asyncio.to_thread(retrain, found, data_dir, settings, public_folder=public_folder,
                                      shadow_days=shadow_days)
    print(outcome.message)
    if not outcome.installed and outcome.rows:
        return 1  # refused as a regression: a script should notice
    return 0


async def report(db: Database, data_dir: Path) -> int:
    versions = Versions(data_dir)
    current = versions.shadow()
    print(f"active model: {versions.active_name()}")
    if current is None:
        print("no model in shadow: `gospablik train` puts a new one there")
        return 0
    state = "is over" if datetime.now(UTC) >= current.until else "ends"
    print(f"in shadow: {current.name} since {current.since:%Y-%m-%d %H:%M} UTC; the shadow period {state} "
          f"{current.until:%Y-%m-%d %H:%M} UTC")
    candidate = versions.load(current.name)
    if candidate is None:
        print(f"{current.name} cannot be read")
        return 1
    items = await shadow.items_since(db, current)
    counted = await asyncio.to_thread(shadow.count, items, versions.active(), candidate)
    print(shadow.table(counted))
    print("switch it on with `gospablik train --activate`, or leave it: nothing changes until then")
    return 0


def activate(data_dir: Path) -> int:
    versions = Versions(data_dir)
    current = versions.shadow()
    if current is None:
        print("no model in shadow to switch on")
        return 1
    versions.activate(current.name, why="activated after shadow")
    print(f"active model: {current.name} (the service picks it up within the hour)")
    return 0


def rollback(data_dir: Path) -> int:
    versions = Versions(data_dir)
    moved = versions.rollback()
    if moved is None:
        print(f"nothing to roll back: {versions.active_name()} is active and no earlier version was")
        return 1
    print(f"rolled back: {moved[0]} -> {moved[1]} (the service picks it up within the hour)")
    return 0
