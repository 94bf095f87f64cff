"""Who administers a page, against who should (the registry's internal list): a new administrator on an official
page is how a page is hijacked, so every unknown one and every changed role is a finding."""

from __future__ import annotations

from dataclasses import dataclass

from bot.platform import Manager
from bot.registry.model import Admin


@dataclass(frozen=True)
class Finding:
    key: str  # one alert per finding: "roster:<network>:<account>:<user>:<role>"
    manager: Manager
    expected_role: str | None  # None: not on the list at all; otherwise the role they should hold

    @property
    def unknown(self) -> bool:
        return self.expected_role is None


def compare(scope: str, actual: list[Manager], expected: tuple[Admin, ...]) -> tuple[list[Finding], list[Admin]]:
    """Findings (unknown administrators, changed roles) and the expected people who no longer hold a role."""
    wanted = {a.user_id: a for a in expected}
    findings = []
    for manager in actual:
        admin = wanted.get(manager.user_id)
        key = f"roster:{scope}:{manager.user_id}:{manager.role}"
        if admin is None:
            findings.append(Finding(key, manager, None))
        elif admin.role and manager.role and admin.role.lower() != manager.role.lower():
            findings.append(Finding(key, manager, admin.role))
    present = {m.user_id for m in actual}
    gone = [a for a in expected if a.user_id not in present]
    return findings, gone
