"""What an experiment promised and what it measured, printed as a table."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

PROMISE_WIDTH = 58
MEASURED_WIDTH = 62


@dataclass
class Check:
    promise: str
    measured: str
    ok: bool


@dataclass
class Report:
    title: str
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def check(self, promise: str, measured: str, ok: bool) -> bool:
        self.checks.append(Check(promise, measured, bool(ok)))
        return bool(ok)

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def render(self) -> str:
        rule = "+" + "-" * (PROMISE_WIDTH + 2) + "+" + "-" * (MEASURED_WIDTH + 2) + "+------+"
        lines = [f"== {self.title} ({self.seconds:.0f} s)", rule,
                 f"| {'promise':<{PROMISE_WIDTH}} | {'measured':<{MEASURED_WIDTH}} | ok   |", rule]
        for check in self.checks:
            left = textwrap.wrap(check.promise, PROMISE_WIDTH) or [""]
            right = textwrap.wrap(check.measured, MEASURED_WIDTH) or [""]
            for row in range(max(len(left), len(right))):
                mark = ("yes" if check.ok else "NO") if row == 0 else ""
                lines.append(f"| {left[row] if row < len(left) else '':<{PROMISE_WIDTH}} | "
                             f"{right[row] if row < len(right) else '':<{MEASURED_WIDTH}} | {mark:<4} |")
            lines.append(rule)
        lines += [f"  note: {line}" for note in self.notes for line in textwrap.wrap(note, 118)]
        return "\n".join(lines)
