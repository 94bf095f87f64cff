"""Who may act on the emulated OK group and with which credentials: the admin's REST user token (revocable and
expirable), the group's Bot API key (revocable), and the group's administrators and moderators. Pure data, kept
in `OkState` so that `to_json`/`from_json` carry it across a demo restart.

A dead user token makes every REST call answer 102 PARAM_SESSION_EXPIRED "Session expired" (ok.md §4.4: a real
body with this text; §4.1: a token dies when its user revokes the app or changes the password, or after 30 days
unused). A regenerated group key (ok.md §4.5: "invalid after regeneration in group settings") gets what the Bot API
gives any unknown key; that answer is UNVERIFIED and the emulator keeps its assumption (`ok_api`): REST's 102 body.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

USER, GROUP = "user", "group"
TOKEN_KINDS = (USER, GROUP)
MANAGER_STATUSES = ("ADMIN", "MODERATOR")


@dataclass
class OkAccess:
    revoked: set[str] = field(default_factory=set)
    user_expires_at: int | None = None  # unix seconds; None: a long-lived token kept alive by use
    managers: dict[str, str] | None = None  # user id -> ADMIN | MODERATOR; None: the token's owner is ADMIN

    def token_valid(self, kind: str, now: float | None = None) -> bool:
        if kind in self.revoked:
            return False
        now = time.time() if now is None else now
        return not (kind == USER and self.user_expires_at is not None and self.user_expires_at <= now)

    def set_revoked(self, kind: str, revoked: bool) -> None:
        if kind not in TOKEN_KINDS:
            raise ValueError(f"token kind is one of {TOKEN_KINDS}, not {kind!r}")
        (self.revoked.add if revoked else self.revoked.discard)(kind)

    def managers_for(self, owner_id: str) -> dict[str, str]:
        """The group's managers, created on first use: the user token's owner (`owner_id`) is its administrator."""
        if self.managers is None:
            self.managers = {owner_id: "ADMIN"}
        return self.managers

    def set_manager(self, owner_id: str, user_id: str, status: str) -> None:
        if status not in MANAGER_STATUSES:
            raise ValueError(f"status is one of {MANAGER_STATUSES}, not {status!r}")
        if not user_id.isdigit():
            raise ValueError(f"OK user ids are digits: {user_id!r}")
        self.managers_for(owner_id)[user_id] = status

    def remove_manager(self, owner_id: str, user_id: str) -> None:
        managers = self.managers_for(owner_id)
        if user_id not in managers:
            raise KeyError(user_id)
        del managers[user_id]

    def to_json(self) -> dict[str, Any]:
        return {"revoked": sorted(self.revoked), "user_expires_at": self.user_expires_at,
                "managers": None if self.managers is None else dict(self.managers)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> OkAccess:
        """Tolerant of states saved before access existed: anything missing keeps its default."""
        data = data or {}
        expires = data.get("user_expires_at")
        managers = data.get("managers")
        return cls(revoked={k for k in data.get("revoked", []) if k in TOKEN_KINDS},
                   user_expires_at=int(expires) if expires is not None else None,
                   managers=None if managers is None else {str(k): str(v) for k, v in managers.items()})
