"""The letter to the regional committee about accounts created or deleted, as a DOCX made from a template.

The administration can replace the template (`gospablik registry template letter.docx` writes the default one
to edit in Word; `[registry] letter_template` points at the edited file). Placeholders are words in double
braces, anywhere in the text, headers or tables; the accounts go into the table row that holds `{{площадка}}`,
repeated once per account.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

ROW_KEYS = ("№", "площадка", "тип", "наименование", "ссылка", "событие", "дата_события", "орган")


@dataclass(frozen=True)
class LetterLine:
    network: str
    kind: str
    name: str
    url: str
    event: str  # «создан», «удалён»
    event_on: date
    unit: str


@dataclass(frozen=True)
class Letter:
    organisation: str
    addressee: str
    addressee_head: str
    signer_position: str
    signer_name: str
    executor: str
    registry_url: str
    dated: date
    number: str
    lines: tuple[LetterLine, ...]

    @property
    def subject(self) -> str:
        events = {line.event for line in self.lines}
        if events == {"создан"}:
            return "О создании официальных аккаунтов" if len(self.lines) > 1 else "О создании официального аккаунта"
        if events == {"удалён"}:
            return "Об удалении официальных аккаунтов" if len(self.lines) > 1 else "Об удалении официального аккаунта"
        return "О создании и удалении официальных аккаунтов"

    def fields(self) -> dict[str, str]:
        days = sorted(line.event_on for line in self.lines)
        return {
            "организация": self.organisation, "адресат": self.addressee, "руководитель_адресата": self.addressee_head,
            "дата": self.dated.strftime("%d.%m.%Y"), "номер": self.number or "________", "тема": self.subject,
            "период": (f"с {days[0]:%d.%m.%Y} по {days[-1]:%d.%m.%Y}" if days and days[0] != days[-1]
                       else f"{days[0]:%d.%m.%Y}" if days else ""),
            "адрес_реестра": self.registry_url, "подпись_должность": self.signer_position,
            "подпись_имя": self.signer_name, "исполнитель": self.executor,
        }


def default_template() -> Document:
    """A plain official letter: sender, number and date, addressee, subject, body, table, signature."""
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)

    def para(text: str, *, bold: bool = False, align: WD_ALIGN_PARAGRAPH | None = None) -> None:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        run.bold = bold
        if align is not None:
            paragraph.alignment = align

    para("{{организация}}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para("Исх. № {{номер}} от {{дата}}")
    para("{{руководитель_адресата}}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{адресат}}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{тема}}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para("В соответствии с порядком ведения официальных аккаунтов сообщаем сведения об официальных аккаунтах "
         "{{организация}} и подведомственных организаций в социальных сетях и мессенджерах, созданных или "
         "удалённых {{период}}:", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    headings = ("№ п/п", "Площадка", "Тип", "Наименование", "Ссылка", "Создан / удалён", "Дата", "Орган")
    table = document.add_table(rows=2, cols=len(headings))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        cell.text = heading
    for cell, key in zip(table.rows[1].cells, ROW_KEYS, strict=True):
        cell.text = "{{" + key + "}}"
    para("")
    para("Сведения внесены в реестр официальных аккаунтов на официальном сайте: {{адрес_реестра}}.",
         align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    para("")
    para("{{подпись_должность}}\t\t\t\t{{подпись_имя}}")
    para("")
    para("Исполнитель: {{исполнитель}}")
    return document


def _replace(paragraph: Paragraph, values: dict[str, str]) -> None:
    """Word splits text into runs at will; a paragraph with a placeholder is rewritten in its first run's style."""
    text = paragraph.text
    if "{{" not in text:
        return
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    runs = paragraph.runs
    if not runs:
        return
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""


def _paragraphs(document: Document) -> Iterable[Paragraph]:
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    for section in document.sections:
        for part in (section.header, section.footer):
            yield from part.paragraphs


def _fill_table(table: Table, lines: tuple[LetterLine, ...]) -> bool:
    template_row = next((row for row in table.rows if any("{{площадка}}" in c.text for c in row.cells)), None)
    if template_row is None:
        return False
    for number, line in enumerate(lines, start=1):
        copy = deepcopy(template_row._tr)
        template_row._tr.addprevious(copy)  # in order, where the template row stands
        values = {"№": str(number), "площадка": line.network, "тип": line.kind, "наименование": line.name,
                  "ссылка": line.url, "событие": line.event, "дата_события": f"{line.event_on:%d.%m.%Y}",
                  "орган": line.unit}
        for cell in _Row(copy, table).cells:
            for paragraph in cell.paragraphs:
                _replace(paragraph, values)
    table._tbl.remove(template_row._tr)
    return True


def render(letter: Letter, template: Path | None = None) -> bytes:
    document = docx.Document(str(template)) if template else default_template()
    for table in document.tables:
        _fill_table(table, letter.lines)
    values = letter.fields()
    for paragraph in _paragraphs(document):
        _replace(paragraph, values)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def template_bytes() -> bytes:
    buffer = io.BytesIO()
    default_template().save(buffer)
    return buffer.getvalue()


def text_of(data: bytes) -> str:
    """Everything a reader sees in a DOCX, paragraphs and table cells in order (for checks and previews)."""
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)
