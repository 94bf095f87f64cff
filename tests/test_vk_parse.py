"""VK Callback payloads (the shapes of API 5.199) become the right domain events."""

import pytest

from bot.domain import AuthorBlocked, AuthorUnblocked, Ignored, ItemGone, ItemSeen
from platforms.vk.parse import MalformedEvent, parse_event

G = 229000001


def test_wall_reply_new_keeps_ids_needed_to_act() -> None:
    obj = {"id": 4530, "from_id": 60011122, "date": 1767600900, "text": "[id51234567|Иван], у нас то же самое",
           "post_id": 1873, "owner_id": -G, "post_owner_id": -G, "parents_stack": [4521],
           "reply_to_user": 51234567, "reply_to_comment": 4521,
           "attachments": [{"type": "photo", "photo": {"id": 1}},
                           {"type": "link", "link": {"url": "https://example.com"}}]}
    event = parse_event("wall_reply_new", obj, G)
    assert isinstance(event, ItemSeen) and event.change == "new"
    draft = event.draft
    assert draft.kind == "wall_comment" and draft.ext_id == f"{-G}_4530"
    assert draft.ref == {"owner_id": -G, "comment_id": 4530, "post_id": 1873,
                         "parent_url": f"https://vk.com/wall{-G}_1873", "parent_title": f"запись {-G}_1873",
                         "parent_post_id": "1873", "reply_to_user": 51234567, "reply_to_comment": 4521,
                         "reply_to_ext_id": f"{-G}_4521", "raw_text": "[id51234567|Иван], у нас то же самое"}
    assert draft.text == "Иван, у нас то же самое", "VK's mention markup is shown as the name"
    assert draft.url == f"https://vk.com/wall{-G}_1873?reply=4530"
    assert draft.attachments == ("фото", "ссылка: https://example.com")
    assert draft.author.id == 60011122 and draft.created_at.timestamp() == 1767600900


def test_comment_by_the_community_itself_needs_no_card() -> None:
    obj = {"id": 1, "from_id": -G, "text": "Ответ администрации", "post_id": 1, "owner_id": -G}
    assert isinstance(parse_event("wall_reply_new", obj, G), Ignored)


@pytest.mark.parametrize(("event_type", "obj", "kind", "ext_id", "ref_key"), [
    ("board_post_new", {"id": 310, "from_id": 5, "text": "?", "topic_id": 41, "topic_owner_id": -G},
     "board_comment", f"{-G}_41_310", "topic_id"),
    ("photo_comment_edit", {"id": 77, "from_id": 5, "text": "x", "photo_id": 9, "photo_owner_id": -G},
     "photo_comment", f"{-G}_77", "photo_id"),
    ("video_comment_restore", {"id": 12, "from_id": 5, "text": "x", "video_id": 8, "video_owner_id": -G},
     "video_comment", f"{-G}_12", "video_id"),
    ("market_comment_new", {"id": 5, "from_id": 5, "text": "x", "market_owner_id": -G, "item_id": 88},
     "market_comment", f"{-G}_5", "item_id"),
])
def test_every_comment_kind(event_type, obj, kind, ext_id, ref_key) -> None:
    event = parse_event(event_type, obj, G)
    assert isinstance(event, ItemSeen)
    assert event.draft.kind is kind and event.draft.ext_id == ext_id and ref_key in event.draft.ref
    assert event.change == event_type.rsplit("_", 1)[1]


@pytest.mark.parametrize(("event_type", "obj", "ext_id"), [
    ("wall_reply_delete", {"owner_id": -G, "id": 4521, "user_id": 5, "deleter_id": 100500, "post_id": 1873},
     f"{-G}_4521"),
    ("board_post_delete", {"topic_owner_id": -G, "topic_id": 41, "id": 310}, f"{-G}_41_310"),
    ("photo_comment_delete", {"owner_id": -G, "id": 77, "deleter_id": 1, "photo_id": 9}, f"{-G}_77"),
    ("market_comment_delete", {"owner_id": -G, "id": 5, "item_id": 88}, f"{-G}_5"),
])
def test_deletions_match_the_items_they_delete(event_type, obj, ext_id) -> None:
    event = parse_event(event_type, obj, G)
    assert isinstance(event, ItemGone) and event.ext_id == ext_id


def test_message_new_with_client_info_wrapper() -> None:
    obj = {"message": {"date": 1767600500, "from_id": 51234567, "id": 902, "out": 0, "peer_id": 51234567,
                       "conversation_message_id": 311, "text": "Не вывозят мусор", "attachments": []},
           "client_info": {"button_actions": ["text"], "keyboard": True, "lang_id": 0}}
    event = parse_event("message_new", obj, G)
    assert isinstance(event, ItemSeen)
    assert event.draft.kind == "message" and event.draft.ext_id == "51234567_311"
    assert event.draft.text == "Не вывозят мусор"
    assert event.draft.url == f"https://vk.com/gim{G}?sel=51234567"


def test_bans_made_in_vk() -> None:
    blocked = parse_event("user_block", {"admin_id": 100500, "user_id": 666, "unblock_date": 1770278400,
                                         "reason": 1, "comment": "Спам"}, G)
    assert isinstance(blocked, AuthorBlocked) and blocked.until is not None and blocked.reason == 1
    forever = parse_event("user_block", {"admin_id": 1, "user_id": 666, "unblock_date": 0}, G)
    assert isinstance(forever, AuthorBlocked) and forever.until is None
    unblocked = parse_event("user_unblock", {"admin_id": 1, "user_id": 666, "by_end_date": 1}, G)
    assert isinstance(unblocked, AuthorUnblocked) and unblocked.expired


def test_unknown_types_are_ignored_and_broken_objects_are_errors() -> None:
    assert isinstance(parse_event("group_join", {"user_id": 1, "join_type": "join"}, G), Ignored)
    assert isinstance(parse_event("wall_schedule_post_new", {}, G), Ignored)
    with pytest.raises(MalformedEvent):
        parse_event("wall_reply_new", {"id": "x", "from_id": 1}, G)
    with pytest.raises(MalformedEvent):
        parse_event("wall_reply_new", [1, 2], G)
