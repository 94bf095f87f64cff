"""Account security in the VK emulator: what a credential may still do, and the methods that tell.

Methods (token types from VK's schema, `access_token_type`): `groups.getTokenPermissions` (community token
only), `account.getAppPermissions` (user token only), `groups.getMembers` (user and community tokens; with
`filter=managers` the community's managers and their roles). `VkSecurity` is the emulator's test/demo surface:
revoke, restore and expire tokens, change rights, scope and managers.

`check_access` runs before every method, after the token type check, and applies what VK applies to a token
that is valid but not allowed:
- a user token without the scope a section needs (wall, photos, groups: the scopes the service's token is
  documented to need) gets 15 "Access denied: no access to call this method. It cannot be called with current
  scopes." (VKCOM/vk-php-sdk#112, VKCOM/vk-android-sdk#562); other scopes are not modelled;
- a community token without the right a method needs (`manage` for Callback servers, the black list and the
  board, `messages` for messages.send) gets 15 "Access denied: no access to call this method". UNVERIFIED: the
  exact answer VK gives a community token lacking a right;
- a user token whose owner is no longer a manager of the community, or whose role is too low for the action
  (moderator: comments and bans; editor: also posting; administrator: also Callback servers), gets 15
  "Access denied". UNVERIFIED: VK answers some of these with method-specific codes (211, 214...).

UNVERIFIED as well: `groups.getTokenPermissions` called with a user token. By analogy with 27 "Group
authorization failed: method is unavailable with group auth." (community token on a user-only method) and 28
"Application authorization failed: method is unavailable with service token.", the emulator answers 5 "User
authorization failed: method is unavailable with user auth.". `groups.getMembers(filter=managers)` by a user who
is not a manager: 15 "Access denied" (UNVERIFIED; VK documents the filter as "available to community admins").
Manager items carry `permissions` (schema: `groups_member_role`, only value "ads"); which roles get "ads" is
UNVERIFIED: here the creator, administrators and advertisers.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.sandbox.vk_access import ADMIN_LEVEL, COMMUNITY_RIGHTS, MANAGER_ROLES
from bot.sandbox.vk_errors import VkApiError, param_error
from bot.sandbox.vk_methods import GROUP, USER, Call, _user_object, method
from bot.sandbox.vk_state import VkState

USER_AUTH_MESSAGE = "User authorization failed: method is unavailable with user auth."
SCOPE_DETAIL = "no access to call this method. It cannot be called with current scopes."
RIGHT_DETAIL = "no access to call this method"
SECTION_SCOPE = {"wall": "wall", "photos": "photos", "groups": "groups"}
# public data, any valid token
NO_SCOPE = frozenset({"groups.getById", "groups.getMembers", "wall.getComments", "wall.getById"})
COMMUNITY_RIGHT = {
    "messages.send": "messages",
    "groups.getBanned": "manage",
    "board.deleteComment": "manage",
    "board.restoreComment": "manage",
    **{f"groups.{name}": "manage" for name in (
        "getCallbackConfirmationCode", "getCallbackServers", "addCallbackServer", "editCallbackServer",
        "deleteCallbackServer", "setCallbackSettings", "getCallbackSettings")},
}
# admin_level a user token's owner needs for a method; methods not listed need none
ADMIN_ONLY = {name: 3 for name in COMMUNITY_RIGHT if "Callback" in name}
EDITOR_UP = dict.fromkeys(("wall.post", "wall.delete", "photos.getWallUploadServer", "photos.saveWallPhoto",
                           "polls.create"), 2)
NEEDS_NO_ROLE = frozenset({"users.get", "groups.getById", "groups.getMembers", "wall.getComments", "wall.getById",
                           "wall.createComment", "account.getAppPermissions"})
MEMBER_FILTERS = ("managers", "friends", "unsure", "donut")
SORTS = ("id_asc", "id_desc", "time_asc", "time_desc")
MAX_MEMBERS = 1000
ADS_ROLES = frozenset({"creator", "administrator", "advertiser"})


def required_level(name: str) -> int:
    if name in NEEDS_NO_ROLE:
        return 0
    return ADMIN_ONLY.get(name) or EDITOR_UP.get(name) or 1


def check_access(name: str, token: str, state: VkState, owner_id: int) -> None:
    """Raises the error VK gives a valid token that may not call `name` (see the module docstring)."""
    access = state.access
    if token == GROUP:
        right = COMMUNITY_RIGHT.get(name)
        if right and right not in access.community_rights:
            raise VkApiError(15, RIGHT_DETAIL)
        return
    section = name.partition(".")[0]
    scope = SECTION_SCOPE.get(section)
    if scope and name not in NO_SCOPE and scope not in access.user_scope:
        raise VkApiError(15, SCOPE_DETAIL)
    level = required_level(name)
    if level and ADMIN_LEVEL.get(access.managers_for(owner_id).get(owner_id, ""), 0) < level:
        raise VkApiError(15)


def owner_role(call: Call) -> str | None:
    return call.state.access.managers_for(call.ctx.admin_user_id).get(call.ctx.admin_user_id)


# ---- methods
@method("groups.getTokenPermissions", GROUP)
def groups_get_token_permissions(call: Call) -> dict:
    access = call.state.access
    return {"mask": access.rights_mask(),
            "permissions": [{"name": n, "setting": COMMUNITY_RIGHTS[n]} for n in access.community_rights]}


@method("account.getAppPermissions", USER)
def account_get_app_permissions(call: Call) -> int:
    user_id = call.opt_int("user_id")
    if user_id is not None and user_id <= 0:
        raise param_error("user_id should be positive")
    if user_id not in (None, call.ctx.admin_user_id):
        return 0  # UNVERIFIED: another user, who has not installed the app
    return call.state.access.scope_mask()


def _members_group(call: Call) -> int:
    raw = call.text("group_id").strip()
    if not raw:
        if call.token == GROUP:
            return call.state.group_id
        raise param_error("group_id is undefined")
    ref = raw.removeprefix("club").removeprefix("public")
    if ref.lstrip("-").isdigit() and int(ref) <= 0:
        raise param_error("group_id should be greater than 0")
    if not ref.isdigit() or int(ref) != call.state.group_id:
        raise VkApiError(125)  # the schema's error for this method; the sandbox hosts no other community
    return call.state.group_id


@method("groups.getMembers", USER, GROUP)
def groups_get_members(call: Call) -> dict:
    _members_group(call)
    sort = call.text("sort") or "id_asc"
    if sort not in SORTS:
        raise param_error("sort is invalid")
    members_filter = call.text("filter")
    if members_filter and members_filter not in MEMBER_FILTERS:
        raise param_error("filter is invalid")
    offset = max(call.opt_int("offset", 0) or 0, 0)
    count = min(max(call.opt_int("count", MAX_MEMBERS) or 0, 0), MAX_MEMBERS)
    fields = call.items("fields")
    managers = call.state.access.managers_for(call.ctx.admin_user_id)
    if members_filter == "managers":
        if call.token == USER and not ADMIN_LEVEL.get(owner_role(call) or "", 0):
            raise VkApiError(15)
        ids = list(managers)
    elif members_filter:
        ids = []  # friends, "maybe" answers and donors are not modelled: nobody
    else:
        banned = call.state.active_bans()
        ids = [u for u in {*call.state.users, *managers} if u > 0 and u not in banned]
    ids.sort(reverse=sort.endswith("desc"))
    items: list = []
    for user_id in ids[offset: offset + count]:
        if members_filter == "managers":
            role = managers[user_id]
            item = _user_object(call, user_id, fields) if fields else {"id": user_id}
            item.update(role=role, permissions=["ads"] if role in ADS_ROLES else [])
            items.append(item)
        else:
            items.append(_user_object(call, user_id, fields) if fields else user_id)
    return {"count": len(ids), "items": items}


class VkSecurity:
    """The emulator's security surface for tests and the demo (mixed into `VkEmulator`)."""

    state: VkState
    admin_user_id: int

    def revoke_token(self, kind: str) -> None:
        """`kind` "user" or "group": VK answers error 5 to that token from now on."""
        self.state.access.set_revoked(kind, True)

    def restore_token(self, kind: str) -> None:
        self.state.access.set_revoked(kind, False)

    def set_user_token_expiry(self, expires_at: int | None) -> None:
        """Unix seconds after which the admin's user token answers "access_token has expired."; None: never."""
        self.state.access.user_expires_at = None if expires_at is None else int(expires_at)

    def set_community_rights(self, names: Iterable[str]) -> None:
        """The community token's rights, e.g. without "manage" (see vk_access.COMMUNITY_RIGHTS)."""
        self.state.access.set_community_rights(names)

    def set_user_scope(self, names: Iterable[str]) -> None:
        self.state.access.set_user_scope(names)

    def add_manager(self, user_id: int, role: str = "administrator") -> None:
        """Makes a user a manager, or changes their role (one of vk_access.MANAGER_ROLES)."""
        self.state.access.set_manager(self.admin_user_id, user_id, role)

    def remove_manager(self, user_id: int) -> None:
        """KeyError when the user is not a manager. The creator may go too: that models a handed-over community."""
        self.state.access.remove_manager(self.admin_user_id, user_id)

    def managers(self) -> dict[int, str]:
        """user id -> role, creator first."""
        managers = self.state.access.managers_for(self.admin_user_id)
        return dict(sorted(managers.items(), key=lambda item: (MANAGER_ROLES.index(item[1]), item[0])))
