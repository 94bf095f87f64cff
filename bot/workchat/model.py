"""Cards as the core draws them: text of styled spans and rows of buttons, in no chat's markup.

A chat implementation (Telegram's HTML, later MAX) renders `Text`; the core never escapes anything,
so citizen text can never turn into markup, whatever the chat's syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    link: str | None = None


Text = tuple[Span, ...]


def plain(text: str) -> Span:
    return Span(text)


def bold(text: str) -> Span:
    return Span(text, bold=True)


def italic(text: str) -> Span:
    return Span(text, italic=True)


def marked(text: str) -> Span:
    """A flagged fragment: underlined and bold."""
    return Span(text, bold=True, underline=True)


def link(text: str, url: str) -> Span:
    return Span(text, link=url)


def length(text: Text | list[Span]) -> int:
    """Length as chats count it: UTF-16 code units of the visible text."""
    return sum(len(span.text.encode("utf-16-le")) // 2 for span in text)


def as_plain(text: Text) -> str:
    return "".join(span.text for span in text)


def cut_utf16(text: str, limit: int) -> str:
    """The longest prefix of at most `limit` UTF-16 units: the unit chats count a message in."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


class Lines:
    """Builds a Text line by line."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self._started = False

    def line(self, *spans: Span | str) -> Lines:
        if self._started:
            self.spans.append(Span("\n"))
        self._started = True
        self.spans += [Span(s) if isinstance(s, str) else s for s in spans]
        return self

    def blank(self) -> Lines:
        return self.line()

    def extend(self, other: Lines) -> Lines:
        if other.spans or other._started:
            if self._started:
                self.spans.append(Span("\n"))
            self._started = True
            self.spans += other.spans
        return self

    def text(self) -> Text:
        return tuple(s for s in self.spans if s.text)


@dataclass(frozen=True)
class Button:
    """A button as a card describes it; the outbox gives it an opaque token when the card is sent."""

    text: str
    action: str
    params: dict[str, Any] = field(default_factory=dict)
    subject_id: int | None = None  # set on digest buttons, which act on one of several subjects


Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Card:
    text: Text
    buttons: Rows = ()


@dataclass(frozen=True)
class KeyButton:
    """A button as the chat gets it: its label and the payload a press sends back."""

    text: str
    payload: str


Keyboard = tuple[tuple[KeyButton, ...], ...]
