"""Telegram: the work chat (cards, presses, replies) and channels to publish to, through aiogram's Bot.

Imported lazily, so that reading the configuration does not load aiogram.
"""

from typing import Any

__all__ = ["TelegramWorkChat", "make_bot"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from platforms.telegram import workchat

        return getattr(workchat, name)
    raise AttributeError(name)
