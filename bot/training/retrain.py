"""One retraining: the desk's decisions (plus the licensed public sets when they are on the machine) make a new
model, which is compared with the active one and kept only if it is not worse.

CPU work in plain Python (a few seconds to a minute): callers run it in a thread, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import examples
from .compare import Row, compare, table
from .decisions import Decision, split
from .fit import FINE_TUNE, fit
from .settings import TrainingSettings
from .versions import Versions


@dataclass
class Outcome:
    installed: bool
    message: str
    name: str | None = None
    rows: list[Row] = field(default_factory=list)
    shadow_until: datetime | None = None


def retrain(decisions: list[Decision], data_dir: Path, settings: TrainingSettings, *,
            public_folder: Path | None = None, shadow_days: int | None = None) -> Outcome:
    train, held = split(decisions)
    usable = len(train) + len(held)
    if usable < settings.min_decisions:
        return Outcome(False, f"only {usable} usable decisions (at least {settings.min_decisions} are needed): "
                              "nothing trained")
    if not any(e.rude for e in held) or all(e.rude for e in held):
        return Outcome(False, f"the held-out decisions ({len(held)}) need both kept and removed items to judge a "
                              "new model: nothing trained")
    versions = Versions(data_dir)
    old_name = versions.active_name()
    old = versions.active()
    if public_folder is not None and examples.available(public_folder):
        ship, _ = examples.licensed(public_folder)
        new = fit([*ship, *train])
        source = f"{len(ship)} licensed public texts + {len(train)} decisions"
    else:
        new = fit(train, prior=old, settings=FINE_TUNE)
        source = f"{len(train)} decisions, starting from {old_name}"
    new.p_min = old.p_min if old is not None else 0.5
    new.notice = ("Rudeness model retrained by `gospablik train` from the desk's decisions", f"({source}),",
                  "starting from weights that carry this notice:", "",
                  *(old.notice if old is not None else examples.notice()))
    new.meta = {"decisions": str(len(train)), "held_out": str(len(held))}
    rows = compare(old, new, held, public_folder)
    report = f"trained on {source}\n" + table(rows, old_name.removesuffix(".tsv"), "new")
    if any(row.worse for row in rows):
        versions.log({"event": "refused", "source": source, "figures": _figures(rows)})
        return Outcome(False, f"{report}\nthe new model is worse: refused, {old_name} stays active", rows=rows)
    name = versions.add(new)
    versions.log({"event": "trained", "name": name, "source": source, "figures": _figures(rows)})
    days = settings.shadow_days if shadow_days is None else shadow_days
    if days == 0:
        versions.activate(name, why="trained, not worse, no shadow period")
        return Outcome(True, f"{report}\n{name} is not worse: active now", name, rows)
    shadow = versions.start_shadow(name, days)
    return Outcome(True, f"{report}\n{name} is not worse: it runs in shadow until {shadow.until:%Y-%m-%d %H:%M} UTC "
                         "(see `gospablik train --report`, switch it on with `gospablik train --activate`)",
                   name, rows, shadow.until)


def niced(decisions: list[Decision], data_dir: Path, settings: TrainingSettings, public_folder: Path | None) -> str:
    """`retrain` in a worker process at low priority (the scheduler's weekly run): returns the message."""
    import os

    os.nice(10)
    return retrain(decisions, data_dir, settings, public_folder=public_folder).message


def _figures(rows: list[Row]) -> dict[str, dict[str, int]]:
    return {f"{row.name}:{which}": {"caught": f.caught, "rude": f.rude, "flagged": f.flagged, "clean": f.clean}
            for row in rows for which, f in (("old", row.old), ("new", row.new))}
