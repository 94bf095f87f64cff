"""Account security in the OK emulator: `group.getMembers` and `users.getCurrentUser` (REST, signed, user token;
`ok_api` merges `METHODS` into its table, so they pass the same key, signature, session and flood checks), and
`OkSecurity`, the emulator's surface for revoking and expiring tokens and changing the group's managers.

Sources: parameters of group.getMembers (`uid` = the group, `anchor`, `direction`, `statuses`, `count`) from
OK's docs (apiok/documentation `group.getMembers.md`); membership statuses from OK's docs of
group.getUserGroupsByIds (ACTIVE, MAYBE, BLOCKED, ADMIN, MODERATOR, PASSIVE). The answer
`{"members": [{"userId", "groupId", "status"}], "anchor", "has_more"}` follows the third-party SDK
oland-dmd/Odnoklassniki (`GroupMembersResponse`, `GroupMemberDto`): UNVERIFIED on the live API, as are the
default and largest `count` (emulator's: 20 and 1000), which statuses an empty `statuses` means (emulator's:
ADMIN, MODERATOR, ACTIVE) and whether a non-admin may list the administrators (emulator: yes, as the list is
shown on an open group's page). Anchors are the emulator's own (opaque, positional, like comment anchors).
users.getCurrentUser answers the session's user as an object with `uid` (read by many public clients) and the
`fields` asked for, of those modelled: first_name, last_name, name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.ok_access import MANAGER_STATUSES
from bot.sandbox.ok_errors import OkApiError, invalid
from bot.sandbox.ok_state import OkState, b64, unb64

if TYPE_CHECKING:
    from bot.sandbox.ok_api import Call

Handler = Callable[["Call"], Any]
METHODS: dict[str, Handler] = {}
MEMBER_STATUSES = ("ACTIVE", "MAYBE", "BLOCKED", "ADMIN", "MODERATOR", "PASSIVE")
DEFAULT_STATUSES = ("ADMIN", "MODERATOR", "ACTIVE")
USER_FIELDS = ("first_name", "last_name", "name")


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


def members(state: OkState, owner_id: str) -> list[tuple[str, str]]:
    """(user id, status) of everyone in the group, by id: managers, the black list, the known citizens."""
    statuses = dict(state.access.managers_for(owner_id))
    for user_id in state.blocked:
        statuses.setdefault(user_id, "BLOCKED")
    for user_id in state.users:
        statuses.setdefault(user_id, "ACTIVE")
    return sorted(statuses.items(), key=lambda item: int(item[0]))


@method("group.getMembers")
def group_get_members(call: Call) -> dict:
    if call.required("uid") != call.state.group_id:
        raise OkApiError(160)
    raw = call.text("statuses")
    wanted = [part.strip() for part in raw.split(",") if part.strip()] or list(DEFAULT_STATUSES)
    if any(status not in MEMBER_STATUSES for status in wanted):
        raise invalid("statuses", raw)
    direction = call.choice("direction", ("FORWARD", "BACKWARD"), "FORWARD")
    count = call.count(default=20, high=1000)
    rows = [row for row in members(call.state, call.emulator.admin_user_id) if row[1] in wanted]
    position = len(rows) if direction == "BACKWARD" else 0
    if call.text("anchor"):
        kind, _, index = (unb64(call.text("anchor")) or "").partition(":")
        if kind != "members" or not index.isdigit() or int(index) > len(rows):
            raise invalid("anchor", call.text("anchor"))
        position = int(index)
    if direction == "FORWARD":
        page, answer = rows[position: position + count], position + min(count, len(rows) - position)
        has_more = answer < len(rows)
    else:
        start = max(0, position - count)
        page, answer, has_more = rows[start:position], start, start > 0
    gid = call.state.group_id
    return {"members": [{"userId": uid, "groupId": gid, "status": status} for uid, status in page],
            "anchor": b64(f"members:{answer}"), "has_more": has_more}


@method("users.getCurrentUser")
def users_get_current_user(call: Call) -> dict:
    user = call.state.user(call.emulator.admin_user_id)
    fields = call.fields()
    return {"uid": user["uid"], **{f: user[f] for f in USER_FIELDS if not fields or f in fields}}


class OkSecurity:
    """The emulator's security surface for tests and the demo (mixed into `OkEmulator`)."""

    state: OkState
    admin_user_id: str

    def revoke_token(self, kind: str) -> None:
        """`kind` "user" (REST calls then get 102) or "group" (the Bot API key, as if regenerated)."""
        self.state.access.set_revoked(kind, True)

    def restore_token(self, kind: str) -> None:
        self.state.access.set_revoked(kind, False)

    def set_user_token_expiry(self, expires_at: int | None) -> None:
        """Unix seconds after which the admin's user token is dead (102); None: never."""
        self.state.access.user_expires_at = None if expires_at is None else int(expires_at)

    def add_manager(self, user_id: str, role: str = "ADMIN") -> None:
        """Makes a user the group's ADMIN or MODERATOR (or changes which)."""
        self.state.access.set_manager(self.admin_user_id, str(user_id), role)

    def remove_manager(self, user_id: str) -> None:
        """KeyError when the user is not a manager; the token's owner may go too."""
        self.state.access.remove_manager(self.admin_user_id, str(user_id))

    def managers(self) -> dict[str, str]:
        """user id -> ADMIN | MODERATOR, administrators first."""
        managers = self.state.access.managers_for(self.admin_user_id)
        return dict(sorted(managers.items(), key=lambda item: (MANAGER_STATUSES.index(item[1]), int(item[0]))))
