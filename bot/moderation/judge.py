"""Where an item is judged: the classifier's verdict and the page's policy give one Judgement.

The classifier (`bot.classifier`) only says what it sees; this module decides what follows from it
for one page: nothing, a card with a suggestion, or an automatic action the card reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import HUMAN_ONLY, Account
from bot.domain import Action, PolicyAction

_STRENGTH = {PolicyAction.NOTIFY: 0, PolicyAction.AUTO_DELETE: 1, PolicyAction.AUTO_DELETE_AND_BAN: 2}


@dataclass(frozen=True)
class Judgement:
    verdict: dict[str, Any]
    action: Action | None = None  # an automatic action to take, if the policy says so
    ban_days: int | None = None
    because: str | None = None  # the label that triggered the action

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.verdict.get("labels", ()))


def decide_policy(verdict: dict[str, Any], account: Account, *, can_delete: bool, can_ban: bool) -> Judgement:
    """Picks the strongest automatic action any flagged label asks for; none for human-only labels.

    A policy can only act where the network can: an item that cannot be deleted gets a card instead,
    and a ban the network cannot make falls back to a deletion.
    """
    best: tuple[int, str] | None = None
    for label in verdict.get("labels", ()):
        if label in HUMAN_ONLY:
            continue
        strength = _STRENGTH[account.policy_for(label).action]
        if strength and (best is None or strength > best[0]):
            best = (strength, label)
    if best is None or not can_delete:
        return Judgement(verdict)
    label = best[1]
    policy = account.policy_for(label)
    if policy.action is PolicyAction.AUTO_DELETE_AND_BAN and can_ban:
        return Judgement(verdict, Action.BAN, policy.ban_days, label)
    return Judgement(verdict, Action.DELETE, because=label)
