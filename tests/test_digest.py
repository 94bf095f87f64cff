"""Under a flood, new items are grouped into digest cards instead of falling behind the chat limit."""

from __future__ import annotations

from tests.conftest import Stack, labels, wall_comment


async def test_a_flood_becomes_a_digest_with_working_buttons(stack: Stack) -> None:
    # Fourteen comments arrive while the service is only answering VK, then it starts processing.
    await stack.arrive_unprocessed([("wall_reply_new", wall_comment(100 + n, f"Комментарий из потока номер {n}"))
                                    for n in range(14)])

    digest = await stack.wait_card("Поток комментариев")
    await stack.wait_for(lambda: len(stack.cards()) == 7, what="one digest and six cards")
    assert digest["text"].count("Комментарий из потока номер") == 8
    assert labels(digest)[:3] == ["✅ 1", "🗑 1", "📄 1"]
    singles = [c for c in stack.cards() if "Поток комментариев" not in c["text"]]
    assert len(singles) == 6 and all("✅ Оставить" in labels(c) for c in singles)
    assert sum(c["text"].count("Комментарий из потока номер") for c in stack.cards()) == 14, "none lost or doubled"

    # Delete the second item straight from the digest.
    await stack.press(digest, "🗑 2")
    digest = await stack.wait_card("Поток комментариев", where=lambda c: "удалено (Мария Захарова)" in c["text"])
    deletes = [c for c in stack.vk.calls if c["method"] == "wall.deleteComment"]
    assert [c["params"]["comment_id"] for c in deletes] == ["101"]
    assert "🗑 2" not in labels(digest)

    # Open the third as a card of its own, to ban its author.
    await stack.press(digest, "📄 3")
    card = await stack.wait_card("номер 2", where=lambda c: "Поток комментариев" not in c["text"])
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    digest = await stack.wait_card("Поток комментариев", where=lambda c: "номер 2" not in c["text"])
    assert digest["text"].count("Комментарий из потока номер") == 7
    assert "4. Иван Петров (комментарий к записи): «Комментарий из потока номер 3»" in digest["text"], \
        "after «📄 3» the others keep their numbers"
    assert "📄 3" not in labels(digest) and "📄 4" in labels(digest)

    # Restore the deleted one straight from the digest.
    await stack.press(digest, "♻️ 2")
    # Restored, item 2 is kept: its line says so instead of the deletion, and it can be restored no more.
    digest = await stack.wait_card("Поток комментариев", where=lambda c: "номер 1» — ✅ оставлено (Мария Захарова)"
                                   in c["text"])
    assert "удалено (Мария Захарова)" not in digest["text"] and "♻️ 2" not in labels(digest)
    restores = [c for c in stack.vk.calls if c["method"] == "wall.restoreComment"]
    assert [c["params"]["comment_id"] for c in restores] == ["101"]


async def test_the_last_item_of_a_digest_opens_in_place(stack: Stack) -> None:
    await stack.arrive_unprocessed([("wall_reply_new", wall_comment(200 + n, f"Волна номер {n}"))
                                    for n in range(11)])
    digest = await stack.wait_card("Поток комментариев")
    await stack.wait_for(lambda: len(stack.cards()) == 4, what="one digest and three cards")
    digest_id = digest["message_id"]
    for number in range(1, 8):  # open all but one as cards of their own; the others keep their numbers
        digest = next(c for c in stack.cards() if c["message_id"] == digest_id)
        before = len(stack.cards())
        await stack.press(digest, f"📄 {number}")
        await stack.wait_for(lambda b=before: len(stack.cards()) == b + 1, what="a new card")
    digest = next(c for c in stack.cards() if c["message_id"] == digest_id)
    await stack.wait_for(lambda: next(c for c in stack.cards() if c["message_id"] == digest_id)["text"]
                         .count("Волна номер") == 1, what="a digest of one")
    digest = next(c for c in stack.cards() if c["message_id"] == digest_id)
    assert "8. Иван Петров" in digest["text"], "the last one is still number 8"
    answer = await stack.press(digest, "📄 8")
    assert "на месте сводки" in answer["text"]
    card = await stack.wait_card("Волна номер", where=lambda c: c["message_id"] == digest_id
                                 and "Поток комментариев" not in c["text"])
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    assert sum("Волна номер" in c["text"] for c in stack.cards()) == 11
