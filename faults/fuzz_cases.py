"""Malformed and forged requests to the service's inbound routes, generated with `hypothesis` (derandomised, so a run
can be repeated): VK's Callback route, OK's messages webhook, and the Telegram webhook.

Each case is one HTTP request and the family it belongs to. Families: wrong or missing secrets, bodies that are not
JSON or not UTF-8, nesting 100 000 deep, bodies over the size limit, U+0000 and lone surrogates (escaped and raw),
values of the wrong type in every field, unknown event types, other groups, other methods, and button presses
forged with random or replayed callback data.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ODD = ("\x00", "\ud800", "\udfff", "\ud83d", "\u202e", "\ufeff", "\u200b", "\uffff", "\U0010ffff", "\x7f", "\r\n",
       "\U0001f600", "й\u0301", "\\u0000", "%00", "'; DROP TABLE events; --", "<b>", "&amp;")


@dataclass
class Case:
    family: str
    target: str  # "vk", "ok" or "telegram"
    path: str
    body: bytes
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)


def odd_text() -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=12)), max_size=6).map("".join)


def json_value() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=True, allow_infinity=True), odd_text())
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(odd_text(), inner, max_size=4), max_leaves=12)


def encode(value: Any, rng: random.Random) -> bytes:
    """JSON as a sender might write it: escaped, or raw UTF-8 (lone surrogates then make the bytes invalid)."""
    if rng.random() < 0.5:
        return json.dumps(value, ensure_ascii=True).encode()
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def collect(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    found: list[Any] = []

    @settings(max_examples=count, database=None, derandomize=True, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def take(value: Any) -> None:
        found.append(value)

    take()
    return found


def vk_envelopes(group_id: int, secret: str) -> st.SearchStrategy[dict[str, Any]]:
    """VK's envelope with each field possibly wrong: the secret, the group, the type, the id, the object."""
    types = st.one_of(st.sampled_from(["wall_reply_new", "wall_reply_edit", "wall_reply_delete", "wall_reply_restore",
                                       "board_post_new", "message_new", "user_block", "confirmation"]), json_value())
    comment = st.fixed_dictionaries({}, optional={
        "id": json_value() | st.integers(min_value=1, max_value=10**6), "from_id": json_value(),
        "text": odd_text() | json_value(), "post_id": json_value(), "owner_id": st.just(-group_id) | json_value(),
        "date": json_value(), "attachments": json_value(), "parents_stack": json_value(),
        "message": json_value(), "deleter_id": json_value()})
    return st.fixed_dictionaries({"type": types}, optional={
        "event_id": st.text(min_size=1, max_size=50) | json_value(),
        "v": st.just("5.199") | json_value(),
        "group_id": st.just(group_id) | json_value(),
        "secret": st.sampled_from([secret + "x", secret.upper(), "", secret[:-1], "\ud800" + secret]) | json_value(),
        "object": comment | json_value()})


def authentic_odd(group_id: int, secret: str) -> st.SearchStrategy[dict[str, Any]]:
    """Events with the right secret whose comment text or fields are odd: VK really sends such text."""
    return st.builds(lambda text, cid, kind, extra: {
        "type": kind, "event_id": f"fz{cid}", "v": "5.199", "group_id": group_id, "secret": secret,
        "object": {"id": cid, "from_id": 51234567, "date": 1767600000, "text": text, "post_id": 1,
                   "owner_id": -group_id, "post_owner_id": -group_id, "parents_stack": [], "attachments": [],
                   **extra}},
        odd_text(), st.integers(min_value=10**6, max_value=10**7),
        st.sampled_from(["wall_reply_new", "wall_reply_edit", "wall_reply_restore", "wall_reply_delete"]),
        st.dictionaries(st.sampled_from(["reply_to_comment", "deleter_id", "user_id", "attachments", "date"]),
                        json_value(), max_size=2))


def ok_bodies() -> st.SearchStrategy[Any]:
    message = st.fixed_dictionaries({}, optional={"text": odd_text() | json_value(), "seq": json_value(),
                                                  "mid": odd_text() | json_value()})
    return st.fixed_dictionaries({}, optional={
        "webhookType": st.sampled_from(["MESSAGE_CREATED", "CHAT_SYSTEM", ""]) | json_value(),
        "sender": st.fixed_dictionaries({}, optional={"user_id": odd_text() | json_value(), "name": odd_text()})
        | json_value(),
        "recipient": st.fixed_dictionaries({}, optional={"chat_id": odd_text() | json_value()}) | json_value(),
        "message": message | json_value(), "timestamp": json_value()}) | json_value()


def telegram_updates(chat_id: int, staff: list[int], tokens: list[str], message_ids: list[int]) -> st.SearchStrategy:
    """Updates as Telegram would post them, with forged or random callback data and odd fields."""
    user = st.builds(lambda uid, name: {"id": uid, "is_bot": False, "first_name": name},
                     st.sampled_from(staff) | st.integers(), odd_text())
    data = st.sampled_from(tokens or ["b:x"]).map(lambda t: t[:-1] + "Z") | st.text(max_size=70) \
        | st.from_regex(r"b:[A-Za-z0-9_-]{1,20}", fullmatch=True) | odd_text() | json_value()
    message = st.builds(lambda mid, cid: {"message_id": mid, "date": 1767600000,
                                          "chat": {"id": cid, "type": "supergroup", "title": "x"}},
                        st.sampled_from(message_ids or [1]) | st.integers(), st.just(chat_id) | st.integers())
    press = st.builds(lambda qid, who, msg, payload: {"callback_query": {
        "id": qid, "from": who, "message": msg, "chat_instance": "1", "data": payload}},
        st.text(min_size=1, max_size=20), user, message | json_value(), data)
    return st.builds(lambda uid, body: {"update_id": uid, **body}, st.integers(), press | st.dictionaries(
        st.sampled_from(["message", "edited_message", "callback_query", "my_chat_member", "poll"]), json_value(),
        max_size=2)) | json_value()
