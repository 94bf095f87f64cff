"""What OK's items are called on a card and what OK's API lets the service do with each.

OK has no API to restore a deleted comment or to take an author off the group's black list, and
blocks an author only while deleting their comment (`block_author`). Messages to the group can be
answered through the Bot API, but neither deleted nor their authors blocked.
"""

from __future__ import annotations

from bot.domain import Capability, KindSpec
from bot.platform import NetworkWords

KINDS: dict[str, KindSpec] = {
    "topic_comment": KindSpec("комментарий к записи группы", "Комментарий",
                              can=frozenset({Capability.DELETE, Capability.BAN, Capability.REPLY}),
                              ban_deletes_only=True),
    "message": KindSpec("личное сообщение группе", "Сообщение", neuter=True, conversation=True,
                        can=frozenset({Capability.REPLY})),
}

WORDS = NetworkWords(
    name_ru="Одноклассники",
    short="OK",
    banned_ru="автор заблокирован",
    page_genitive_ru="группы",
    page_kind_ru="группа",
    awaited_ru="ответа Одноклассников",
    cannot_ru={
        Capability.RESTORE.value: "OK не даёт восстановить удалённый комментарий через API.",
        Capability.UNBAN.value: ("OK заблокировал автора вместе с удалением комментария, навсегда; снять блокировку"
                                 " можно только в самой группе в OK, в чёрном списке."),
        Capability.BAN.value: "Заблокировать автора личных сообщений через API OK нельзя — только в самой группе.",
    },
)

BAN_TERMS: tuple[int | None, ...] = (None,)
