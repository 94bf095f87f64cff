"""What VK's items are called on a card and what VK's API lets the service do with each."""

from __future__ import annotations

from bot.domain import Capability, KindSpec
from bot.platform import NetworkWords

_COMMENT = frozenset({Capability.DELETE, Capability.RESTORE, Capability.BAN, Capability.UNBAN})

KINDS: dict[str, KindSpec] = {
    "wall_comment": KindSpec("комментарий к записи", "Комментарий", can=_COMMENT | {Capability.REPLY}),
    "board_comment": KindSpec("сообщение в обсуждении", "Сообщение в обсуждении", neuter=True, can=_COMMENT),
    "photo_comment": KindSpec("комментарий к фото", "Комментарий", can=_COMMENT),
    "video_comment": KindSpec("комментарий к видео", "Комментарий", can=_COMMENT),
    "market_comment": KindSpec("комментарий к товару", "Комментарий", can=_COMMENT),
    # VK has no API to delete a message in a community's dialogue; its author can still be banned.
    "message": KindSpec("личное сообщение сообществу", "Сообщение", neuter=True, conversation=True,
                        can=frozenset({Capability.BAN, Capability.UNBAN, Capability.REPLY})),
    # A message in a group chat the community is in: answered in the chat, its author banned from the community.
    "chat_message": KindSpec("сообщение в беседе", "Сообщение", neuter=True, conversation=True,
                             can=frozenset({Capability.BAN, Capability.UNBAN, Capability.REPLY})),
}

WORDS = NetworkWords(
    name_ru="ВКонтакте",
    short="VK",
    cannot_ru={
        Capability.REPLY.value: "на такой комментарий из чата ответить пока нельзя, пожалуйста, ответьте в VK",
    },
)

BAN_TERMS: tuple[int | None, ...] = (1, 7, 30, None)
