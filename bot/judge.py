"""Where an item is judged: the classifier's verdict and the community's policy give one Judgement.

The classifier (`bot.classifier`) only says what it sees; this module decides what follows from it
for one community: nothing, a card with a suggestion, or an automatic action the card reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import Community
from bot.domain import Action, BanReason, PolicyAction

# Labels a machine may never act on alone (the regulation leaves them to a person).
HUMAN_ONLY = frozenset({"insult", "illegal"})
_STRENGTH = {PolicyAction.NOTIFY: 0, PolicyAction.AUTO_DELETE: 1, PolicyAction.AUTO_DELETE_AND_BAN: 2}
_BAN_REASON = {"spam": BanReason.SPAM, "obscene": BanReason.PROFANITY, "insult": BanReason.ABUSE}


@dataclass(frozen=True)
class Judgement:
    verdict: dict[str, Any]
    action: Action | None = None  # an automatic action to take, if the policy says so
    ban_days: int | None = None
    ban_reason: BanReason = BanReason.OTHER
    because: str | None = None  # the label that triggered the action

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.verdict.get("labels", ()))


def decide_policy(verdict: dict[str, Any], community: Community, *, can_delete: bool) -> Judgement:
    """Picks the strongest automatic action any flagged label asks for; none for human-only labels."""
    best: tuple[int, str] | None = None
    for label in verdict.get("labels", ()):
        if label in HUMAN_ONLY:
            continue
        strength = _STRENGTH[community.policy_for(label).action]
        if strength and (best is None or strength > best[0]):
            best = (strength, label)
    if best is None or not can_delete:
        return Judgement(verdict)
    label = best[1]
    policy = community.policy_for(label)
    if policy.action is PolicyAction.AUTO_DELETE_AND_BAN:
        return Judgement(verdict, Action.BAN, policy.ban_days, _BAN_REASON.get(label, BanReason.OTHER), label)
    return Judgement(verdict, Action.DELETE, because=label)
