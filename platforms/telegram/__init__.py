"""Telegram: the work chat (cards, presses, replies) through aiogram's Bot."""

from platforms.telegram.workchat import TelegramWorkChat, make_bot

__all__ = ["TelegramWorkChat", "make_bot"]
