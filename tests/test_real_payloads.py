"""Payloads as VK really sends them (shapes from public client libraries' fixtures and VK's schemas): attachment-only
items worded in Russian, forwarded and quoted text judged too, group chats recognised and their service actions
given no card, replies naming whom they answer and under which post, mention markup shown as the name."""

from __future__ import annotations

from bot.domain import Ignored, ItemSeen
from platforms.vk.parse import parse_event
from tests.conftest import GROUP_ID, Stack, wall_comment

G = GROUP_ID


def _message(**fields: object) -> dict:
    message = {"id": 0, "date": 1767600000, "peer_id": 51234567, "from_id": 51234567, "text": "",
               "conversation_message_id": 311, "attachments": [], "fwd_messages": [], "out": 0}
    message.update(fields)
    return {"message": message, "client_info": {"keyboard": True}}


def _seen(event_type: str, obj: dict) -> ItemSeen:
    event = parse_event(event_type, obj, G)
    assert isinstance(event, ItemSeen), event
    return event


def test_attachment_only_items_are_worded() -> None:
    attachments = [
        {"type": "sticker", "sticker": {"sticker_id": 9}},
        {"type": "photo", "photo": {"id": 1}}, {"type": "photo", "photo": {"id": 2}},
        {"type": "photo", "photo": {"id": 3}},
        {"type": "audio_message", "audio_message": {"duration": 14, "link_ogg": "https://psv4.vkuseraudio.net/x"}},
        {"type": "doc", "doc": {"title": "Жалоба.pdf"}},
        {"type": "market", "market": {"title": "Сувенирная кружка"}},
        {"type": "wall", "wall": {"text": "Розыгрыш! Подпишись и выиграй айфон"}},
    ]
    draft = _seen("message_new", _message(attachments=attachments)).draft
    assert draft.attachments == ("фото (3)", "стикер", "голосовое сообщение 0:14", "документ «Жалоба.pdf»",
                                 "товар «Сувенирная кружка»", "репост записи: «Розыгрыш! Подпишись и выиграй айфон»")
    assert draft.ref["quoted"] == "Розыгрыш! Подпишись и выиграй айфон", "a repost's text is judged too"


def test_forwards_replies_and_locations_are_shown_and_judged() -> None:
    forwarded = [{"from_id": 5, "text": "Заработок от 5000 в день, пиши в личку", "fwd_messages": [
        {"from_id": 6, "text": "вложенное пересланное"}]}]
    draft = _seen("message_new", _message(fwd_messages=forwarded, geo={"type": "point", "place": {
        "title": "Курск, ул. Ленина"}}, reply_message={"from_id": 7, "text": "Когда уберут снег?"})).draft
    assert draft.text == ""
    assert draft.attachments == ("пересланное сообщение: «Заработок от 5000 в день, пиши в личку»",
                                 "в ответ на сообщение: «Когда уберут снег?»", "геометка: Курск, ул. Ленина")
    assert draft.ref["quoted"].split("\n") == ["Заработок от 5000 в день, пиши в личку", "вложенное пересланное",
                                               "Когда уберут снег?"]


def test_group_chats_are_recognised_and_service_actions_ignored() -> None:
    chat = 2_000_000_007
    draft = _seen("message_new", _message(peer_id=chat, text="Всем привет")).draft
    assert draft.kind == "chat_message" and draft.url == f"https://vk.com/gim{G}?sel=c7"
    kicked = parse_event("message_new", _message(peer_id=chat, action={"type": "chat_kick_user", "member_id": 5}), G)
    assert isinstance(kicked, Ignored) and "chat_kick_user" in kicked.why
    retitled = parse_event("message_new", _message(peer_id=chat, action={"type": "chat_title_update",
                                                                         "text": "Новое имя"}), G)
    assert isinstance(retitled, Ignored)


async def test_a_reply_with_a_mention_names_whom_it_answers(stack: Stack) -> None:
    stack.vk.add_user(60011122, "Анна", "Смирнова")
    obj = dict(wall_comment(4530, "[id51234567|Иван], у нас то же самое", from_id=60011122),
               reply_to_user=51234567, reply_to_comment=4521)
    await stack.event("wall_reply_new", obj)
    card = await stack.wait_card("у нас то же самое")
    assert "Иван, у нас то же самое" in card["text"] and "[id51234567" not in card["text"]
    assert "↩️ ответ на комментарий: Иван Петров" in card["text"]
    assert f"📝 запись {-G}_1873" in card["text"] and f'href="https://vk.com/wall{-G}_1873"' in card["html"]


async def test_a_comment_names_the_post_it_is_under_by_its_first_words(stack: Stack) -> None:
    post = stack.vk.add_post("Ремонт дороги на ул. Ленина начнётся в понедельник и продлится до конца месяца. "
                             "Объезд по ул. Садовой.")
    await stack.event("wall_reply_new", wall_comment(4540, "А тротуар тоже сделают?", post_id=post))
    card = await stack.wait_card("А тротуар тоже сделают?")
    assert "📝 под записью «Ремонт дороги на ул. Ленина начнётся в понедельник и…»" in card["text"]
    assert f'href="https://vk.com/wall{-G}_{post}"' in card["html"]
    [asked] = stack.vk.calls_of("wall.getById")
    assert asked["token"] == "user" and asked["params"]["posts"] == f"{-G}_{post}"
    await stack.event("wall_reply_new", wall_comment(4541, "И освещение бы", post_id=post))
    await stack.wait_card("И освещение бы")
    assert len(stack.vk.calls_of("wall.getById")) == 1, "a post's words are asked for once"


async def test_a_forward_only_message_is_carded_and_its_spam_flagged(stack: Stack) -> None:
    message = _message(id=0, conversation_message_id=812, fwd_messages=[
        {"from_id": 5, "text": "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot"}])
    await stack.event("message_new", message)
    card = await stack.wait_card("пересланное сообщение")
    assert "(без текста)" not in card["text"]
    assert "⚠️ спам: " in card["text"] and "в пересланном или процитированном тексте" in card["text"]


async def test_a_sticker_shows_in_a_digest(stack: Stack) -> None:
    sticker = [{"type": "sticker", "sticker": {"sticker_id": 9}}]
    await stack.arrive_unprocessed([("wall_reply_new", dict(wall_comment(6000 + n, "" if n == 0 else f"Текст {n}"),
                                                            attachments=sticker if n == 0 else []))
                                    for n in range(12)])
    digest = await stack.wait_card("Поток комментариев")
    assert "Иван Петров (комментарий к записи): стикер" in digest["text"]
    assert "«»" not in digest["text"]


async def test_a_deactivated_author_is_named_for_what_they_are(stack: Stack) -> None:
    stack.vk.add_user(70022233, "DELETED", "")
    stack.vk.deactivate_user(70022233, "deleted")
    await stack.event("wall_reply_new", wall_comment(6100, "Пишу и удаляю страницу", from_id=70022233))
    card = await stack.wait_card("удаляю страницу")
    assert "👤 страница удалена" in card["text"]
