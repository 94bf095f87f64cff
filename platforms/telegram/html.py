"""The neutral card text as Telegram HTML: every span escaped, styles as tags."""

from __future__ import annotations

import html

from bot.workchat.model import Text


def to_html(text: Text) -> str:
    out = []
    for span in text:
        piece = html.escape(span.text, quote=False)
        if span.underline:
            piece = f"<u>{piece}</u>"
        if span.bold:
            piece = f"<b>{piece}</b>"
        if span.italic:
            piece = f"<i>{piece}</i>"
        if span.link:
            piece = f'<a href="{html.escape(span.link)}">{piece}</a>'
        out.append(piece)
    return "".join(out)
