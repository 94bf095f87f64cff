"""Telling an author what happened to their draft, in their private chat with the bot.

Said once the decision is committed, at most once, and never at the cost of the decision: an author who
blocked the bot still finds the state in /drafts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.workchat.chat import Unavailable, WorkChatError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


async def tell_author(services: Services, author_id: int, text: str, *, draft_id: int | None = None) -> None:
    """The message, and the draft's panel redrawn so that it shows the new state too."""
    if draft_id is not None:
        from bot.publishing.authoring import show_panel

        await show_panel(services, author_id, draft_id)
    for attempt in range(3):
        try:
            await services.workchat.say(text, chat_id=author_id)
            return
        except Unavailable as exc:  # a dropped connection: worth another try
            log.warning("cannot tell author %s (draft %s) yet: %s", author_id, draft_id, exc)
            await asyncio.sleep(0.5 * (attempt + 1))
        except WorkChatError as exc:
            log.warning("cannot tell author %s (draft %s): %s", author_id, draft_id, exc)
            return
