"""Where an item is judged: the classifier's verdict and the page's policy give one Judgement.

The classifier (`bot.classifier`) only says what it sees; this module decides what follows from it
for one page: nothing, a card with a suggestion, or an automatic action the card reports.  A trained
model's guess is a suggestion only: a label that no rule backs (every reason a `model:` one) never acts
by itself, whatever the policy says — the same way the labels the regulation leaves to a person never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.classifier.explain import trigger_of
from bot.config import HUMAN_ONLY, Account
from bot.domain import Action, PolicyAction

_STRENGTH = {PolicyAction.NOTIFY: 0, PolicyAction.AUTO_DELETE: 1, PolicyAction.AUTO_DELETE_AND_BAN: 2}
MODEL_RULE = "model:"


@dataclass(frozen=True)
class Judgement:
    verdict: dict[str, Any]
    action: Action | None = None  # an automatic action to take, if the policy says so
    ban_days: int | None = None
    because: str | None = None  # the label that triggered the action

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.verdict.get("labels", ()))

    @property
    def trigger(self) -> str | None:
        """What in the text made the machine act, in words for the card ("сокращённая ссылка «clck.ru»")."""
        return trigger_of(self.verdict, self.because) if self.because else None


def model_only(verdict: dict[str, Any], label: str) -> bool:
    """True when only a trained model, and no rule, stands behind this label."""
    rules = [str(r.get("rule", "")) for r in verdict.get("reasons", ()) if r.get("label") == label]
    return bool(rules) and all(rule.startswith(MODEL_RULE) for rule in rules)


def decide_policy(verdict: dict[str, Any], account: Account, *, can_delete: bool, can_ban: bool) -> Judgement:
    """Picks the strongest automatic action any flagged label asks for; none for human-only labels and none for
    labels only a trained model set.

    A policy can only act where the network can: an item that cannot be deleted gets a card instead,
    and a ban the network cannot make falls back to a deletion.
    """
    best: tuple[int, str] | None = None
    for label in verdict.get("labels", ()):
        if label in HUMAN_ONLY or model_only(verdict, label):
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
