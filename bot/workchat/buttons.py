"""Button tokens: a button's payload carries only an opaque token; the token says what the button does.

A token names the subject, the action, the subject's decision sequence when it was drawn and the chat it
was drawn for, so that a forged, stale or foreign press cannot act.
"""

from __future__ import annotations

import secrets

import asyncpg

from bot.workchat.chat import BUTTON_PREFIX
from bot.workchat.model import Keyboard, KeyButton, Rows


def new_token() -> str:
    return secrets.token_urlsafe(9)  # 12 characters; a payload stays far below Telegram's 64 bytes


async def store(conn: asyncpg.Connection, kind: str, rows: Rows, seqs: dict[int, int], default_subject: int,
                chat_id: int) -> Keyboard:
    """Stores a token for every button and returns the keyboard the chat is given."""
    keyboard = []
    for row in rows:
        keys = []
        for button in row:
            subject_id = button.subject_id or default_subject
            token = new_token()
            await conn.execute(
                "INSERT INTO buttons (token, subject_kind, subject_id, action, params, decision_seq, chat_id)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                token, kind, subject_id, button.action, button.params, seqs.get(subject_id, 0), chat_id)
            keys.append(KeyButton(button.text, BUTTON_PREFIX + token))
        keyboard.append(tuple(keys))
    return tuple(keyboard)
