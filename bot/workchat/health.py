"""Whether the work chat can take cards: a bot kicked from it stops the outbox until it is added back.

Telegram answers a kicked bot with 403 on every call; retrying each card would spend the chat's budget on
refusals forever. The outbox marks the chat lost once (an ERROR in the log, `/healthz` unhealthy), sends nothing,
and resumes when Telegram says the bot is back (`my_chat_member`) or a periodic probe finds it there.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class ChatHealth:
    lost_reason: str | None = None
    lost_at: float | None = None  # time.monotonic() when it was lost
    last_probe: float = 0.0

    @property
    def lost(self) -> bool:
        return self.lost_reason is not None

    def lose(self, reason: str) -> None:
        if self.lost_reason is None:
            log.error("the work chat does not take cards (%s): nothing is sent until the bot is added back; "
                      "every card waits, none is lost", reason)
            self.lost_at = time.monotonic()
        self.lost_reason = reason

    def regain(self, how: str) -> None:
        if self.lost_reason is not None:
            log.warning("the work chat takes cards again (%s): sending what waited", how)
        self.lost_reason = None
        self.lost_at = None
