"""The model versions in the data folder: numbered weight files, the active one, the one in shadow, a history.

    <data_dir>/models/toxicity/v0003.tsv     weights, never rewritten
    <data_dir>/models/toxicity/ACTIVE        the file name in use (absent: the weights shipped in the package)
    <data_dir>/models/toxicity/shadow.json   a new version compared beside the active one, and since when
    <data_dir>/models/toxicity/history.jsonl every training, activation and rollback, with its figures

Files are replaced by rename, so a service reading ACTIVE never sees half a name.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.classifier.toxicity_model import ACTIVE, Model, shipped

_NAME_RE = re.compile(r"^v(\d{4,})\.tsv$")
SHIPPED = "shipped"


def folder(data_dir: Path) -> Path:
    return data_dir / "models" / "toxicity"


@dataclass(frozen=True)
class Shadow:
    name: str
    since: datetime
    until: datetime


class Versions:
    def __init__(self, data_dir: Path) -> None:
        self.dir = folder(data_dir)

    def names(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted((p.name for p in self.dir.iterdir() if _NAME_RE.match(p.name)),
                      key=lambda n: int(_NAME_RE.match(n).group(1)))  # type: ignore[union-attr]

    def active_name(self) -> str:
        pointer = self.dir / ACTIVE
        name = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else ""
        return name if name and (self.dir / name).is_file() else SHIPPED

    def load(self, name: str) -> Model | None:
        return shipped() if name == SHIPPED else Model.read(self.dir / name)

    def active(self) -> Model | None:
        return self.load(self.active_name())

    def add(self, model: Model) -> str:
        """Write new weights under the next number; returns the file name."""
        self.dir.mkdir(parents=True, exist_ok=True)
        names = self.names()
        number = int(_NAME_RE.match(names[-1]).group(1)) + 1 if names else 1  # type: ignore[union-attr]
        name = f"v{number:04d}.tsv"
        self._write(name, model.dump())
        return name

    def activate(self, name: str, *, why: str, rollback: bool = False) -> None:
        previous = self.active_name()
        if name == SHIPPED:
            (self.dir / ACTIVE).unlink(missing_ok=True)
        else:
            self._write(ACTIVE, name + "\n")
        self.clear_shadow()
        self.log({"event": "activate", "name": name, "previous": previous, "why": why, "rollback": rollback})

    def stack(self) -> list[str]:
        """The versions switched on, oldest first, as rollbacks left them: the last is active, the one before it
        is what a rollback returns to."""
        stack = [SHIPPED]
        for entry in self.history():
            if entry.get("event") != "activate":
                continue
            if entry.get("rollback"):
                if len(stack) > 1:
                    stack.pop()
            else:
                stack.append(str(entry.get("name")))
        return stack

    def rollback(self) -> tuple[str, str] | None:
        """Back to the version active before the current one: (from, to), or None with nothing to go back to."""
        stack = self.stack()
        if len(stack) < 2:
            return None
        current, back = stack[-1], stack[-2]
        self.activate(back, why=f"rollback from {current}", rollback=True)
        return current, back

    def start_shadow(self, name: str, days: int, now: datetime | None = None) -> Shadow:
        since = now or datetime.now(UTC)
        shadow = Shadow(name, since, since + timedelta(days=days))
        self._write("shadow.json", json.dumps({"name": name, "since": since.isoformat(),
                                               "until": shadow.until.isoformat()}) + "\n")
        return shadow

    def shadow(self) -> Shadow | None:
        path = self.dir / "shadow.json"
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not (self.dir / raw["name"]).is_file():
            return None
        return Shadow(raw["name"], datetime.fromisoformat(raw["since"]), datetime.fromisoformat(raw["until"]))

    def clear_shadow(self) -> None:
        (self.dir / "shadow.json").unlink(missing_ok=True)

    def log(self, entry: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
        with (self.dir / "history.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def history(self) -> list[dict[str, Any]]:
        path = self.dir / "history.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def _write(self, name: str, text: str) -> None:
        tmp = self.dir / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.dir / name)
