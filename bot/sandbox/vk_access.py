"""Who may act on the emulated VK community and with which credentials: revoked or expired tokens, the
community token's rights, the user token's scope, the community's managers. Pure data, kept in `VkState` so
that `to_json`/`from_json` carry it across a demo restart.

Bit values are VK's. User scope: the `vk-permissions-calculator` / VK SDK tables (notify 1 … groups 262144,
market 134217728). Community token rights: stories 1, photos 4, app_widget 64, messages 4096, docs 131072,
manage 262144 (VK's "community token" table as copied into public SDKs), plus wall 8192 and market 134217728,
which VK's own `groups.getTokenPermissions` answer shows (VKCOM/vk-api-schema#242: mask 134623237 with
photos 4, wall 8192, manage 262144; the rest of the mask is stories, messages, docs, market).

Token messages (error 5): an expired user token "access_token has expired." (python273/vk_api#503, 2024); a user
token whose owner revoked the app "user revoke access for this token." (VKCOM/vk-miniapps-deploy#26,
AndrewShmig/Vkontakte-iOS-SDK-LV#36); a deleted or regenerated community key is simply unknown to VK, so it gets
the unknown-token text "invalid access_token (4).". VK ID tokens (id.vk.com) may answer 1117 "Access token has
expired" instead: the emulated admin token is a classic oauth.vk.com one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

USER, GROUP = "user", "group"
TOKEN_KINDS = (USER, GROUP)
USER_SCOPES: dict[str, int] = {
    "notify": 1, "friends": 2, "photos": 4, "audio": 8, "video": 16, "stories": 64, "pages": 128, "menu": 256,
    "status": 1024, "notes": 2048, "messages": 4096, "wall": 8192, "ads": 32768, "offline": 65536,
    "docs": 131072, "groups": 262144, "notifications": 524288, "stats": 1048576, "email": 4194304,
    "market": 134217728,
}
COMMUNITY_RIGHTS: dict[str, int] = {
    "stories": 1, "photos": 4, "app_widget": 64, "messages": 4096, "wall": 8192, "docs": 131072,
    "manage": 262144, "market": 134217728,
}
DEFAULT_COMMUNITY_RIGHTS = ("manage", "messages", "photos", "docs", "wall")
DEFAULT_USER_SCOPE = ("groups", "wall", "photos", "offline")
# groups.getMembers(filter=managers) roles, and the admin_level groups.getById shows for each (0: not an admin)
MANAGER_ROLES = ("creator", "administrator", "editor", "moderator", "advertiser")
ADMIN_LEVEL = {"moderator": 1, "editor": 2, "administrator": 3, "creator": 3, "advertiser": 0}
REVOKED_DETAIL = {USER: "user revoke access for this token.", GROUP: "invalid access_token (4)."}
EXPIRED_DETAIL = "access_token has expired."


def _names(names: Iterable[str], table: dict[str, int], what: str) -> list[str]:
    chosen = list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in table]
    if unknown:
        raise ValueError(f"unknown {what}: {unknown}; known: {sorted(table)}")
    return sorted(chosen, key=table.__getitem__)


@dataclass
class VkAccess:
    revoked: set[str] = field(default_factory=set)  # token kinds VK no longer accepts
    user_expires_at: int | None = None  # unix seconds; None = an "offline" token that does not expire
    community_rights: list[str] = field(
        default_factory=lambda: _names(DEFAULT_COMMUNITY_RIGHTS, COMMUNITY_RIGHTS, "right"))
    user_scope: list[str] = field(default_factory=lambda: _names(DEFAULT_USER_SCOPE, USER_SCOPES, "scope"))
    managers: dict[int, str] | None = None  # None: never changed, the user token's owner is the creator

    # ---- tokens
    def token_problem(self, kind: str, now: float | None = None) -> str | None:
        """What VK appends to "User authorization failed: " for this token, or None when it works."""
        if kind in self.revoked:
            return REVOKED_DETAIL[kind]
        now = time.time() if now is None else now
        if kind == USER and self.user_expires_at is not None and self.user_expires_at <= now:
            return EXPIRED_DETAIL
        return None

    def set_revoked(self, kind: str, revoked: bool) -> None:
        if kind not in TOKEN_KINDS:
            raise ValueError(f"token kind is one of {TOKEN_KINDS}, not {kind!r}")
        (self.revoked.add if revoked else self.revoked.discard)(kind)

    def set_community_rights(self, names: Iterable[str]) -> None:
        self.community_rights = _names(names, COMMUNITY_RIGHTS, "community token right")

    def set_user_scope(self, names: Iterable[str]) -> None:
        self.user_scope = _names(names, USER_SCOPES, "user token scope")

    def rights_mask(self) -> int:
        return sum(COMMUNITY_RIGHTS[n] for n in self.community_rights)

    def scope_mask(self) -> int:
        return sum(USER_SCOPES[n] for n in self.user_scope)

    # ---- managers
    def managers_for(self, owner_id: int) -> dict[int, str]:
        """The managers, created on first use: the user token's owner (`owner_id`) founded the community."""
        if self.managers is None:
            self.managers = {owner_id: "creator"}
        return self.managers

    def set_manager(self, owner_id: int, user_id: int, role: str) -> None:
        """A community has one creator: naming another one hands the community over (the old one stays admin)."""
        if role not in MANAGER_ROLES:
            raise ValueError(f"role is one of {MANAGER_ROLES}, not {role!r}")
        if user_id <= 0:
            raise ValueError("managers are users: a positive id")
        managers = self.managers_for(owner_id)
        if role == "creator":
            for other, other_role in managers.items():
                if other_role == "creator" and other != user_id:
                    managers[other] = "administrator"
        managers[user_id] = role

    def remove_manager(self, owner_id: int, user_id: int) -> None:
        managers = self.managers_for(owner_id)
        if user_id not in managers:
            raise KeyError(user_id)
        del managers[user_id]

    # ---- persistence
    def to_json(self) -> dict[str, Any]:
        return {
            "revoked": sorted(self.revoked),
            "user_expires_at": self.user_expires_at,
            "community_rights": list(self.community_rights),
            "user_scope": list(self.user_scope),
            "managers": None if self.managers is None else [[u, r] for u, r in self.managers.items()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> VkAccess:
        """Tolerant of states saved before access existed: anything missing keeps its default."""
        access = cls()
        data = data or {}
        access.revoked = {k for k in data.get("revoked", []) if k in TOKEN_KINDS}
        expires = data.get("user_expires_at")
        access.user_expires_at = int(expires) if expires is not None else None
        if "community_rights" in data:
            access.set_community_rights(data["community_rights"])
        if "user_scope" in data:
            access.set_user_scope(data["user_scope"])
        if data.get("managers") is not None:
            access.managers = {int(u): str(r) for u, r in data["managers"]}
        return access
