"""The records an administration keeps: the audit trail and the labelled examples, exported from the CLI."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import GROUP_ID, Stack, wall_comment

CONFIG = f"""
[telegram]
work_chat_id = -100123

[[staff]]
user_id = 1
name = "Мария Захарова"

[[vk.communities]]
group_id = {GROUP_ID}
confirmation = "x"
"""


async def gospablik(tmp_path: Path, database_url: str, *args: str) -> tuple[int, str, str]:
    config = tmp_path / "gospablik.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": "1:a", f"VK_SECRET_{GROUP_ID}": "s",
           f"VK_GROUP_TOKEN_{GROUP_ID}": "g", f"VK_USER_TOKEN_{GROUP_ID}": "u"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_audit_and_feedback_exports(stack: Stack, tmp_path: Path) -> None:
    await stack.event("wall_reply_new", wall_comment(1, "Рекламный текст про окна"))
    await stack.event("wall_reply_new", wall_comment(2, "Спасибо за уборку снега"))
    spam = await stack.wait_card("Рекламный текст")
    thanks = await stack.wait_card("уборку снега")
    await stack.press(spam, "Удалить")
    await stack.press(thanks, "Оставить")
    await stack.wait_card("Рекламный текст", where=lambda c: "Удалено —" in c["text"])
    await stack.wait_card("уборку снега", where=lambda c: "Оставлено —" in c["text"])

    code, out, err = await gospablik(tmp_path, stack.database_url, "audit", "export", "--since", "2020-01-01",
                                     "--format", "raw")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    actions = [(r["action"], r["result"]) for r in rows]
    assert ("event_received", "stored") in actions and ("delete", "ok") in actions and ("approve", "ok") in actions
    delete = next(r for r in rows if r["action"] == "delete")
    assert delete["actor"] == "tg:111" and delete["actor_name"] == "Мария Захарова"
    assert delete["original_text"] == "Рекламный текст про окна"
    assert delete["network"] == "vk" and delete["account_id"] == str(GROUP_ID)
    assert "secret" not in out
    code, out, _ = await gospablik(tmp_path, stack.database_url, "audit", "export", "--since", "2999-01-01",
                                   "--format", "raw")
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 0

    code, out, err = await gospablik(tmp_path, stack.database_url, "feedback", "export")
    assert code == 0, err
    examples = [json.loads(line) for line in out.splitlines()]
    assert {(e["text"], e["kept"]) for e in examples} == {("Рекламный текст про окна", False),
                                                          ("Спасибо за уборку снега", True)}
    assert all("predicted" in e and "id" in e for e in examples)


async def database_only(database_url: str, *args: str) -> tuple[int, bytes, str]:
    """The command run with nothing but DATABASE_URL: no configuration file, no secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VK_", "TELEGRAM_", "OK_", "GOSPABLIK_"))}
    env["DATABASE_URL"] = database_url
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", "/nonexistent/gospablik.toml", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode or 0, out, err.decode()


async def test_the_audit_a_head_of_department_can_open(stack: Stack, tmp_path: Path) -> None:
    await stack.event("wall_reply_new", wall_comment(3, "Куплю-продам, пишите в личку"))
    card = await stack.wait_card("Куплю-продам")
    refused = await stack.press(card, "Удалить", user_id=222)  # a viewer: refused, and audited
    assert "модератор" in refused["text"]
    await stack.press(card, "Бан")
    menu = await stack.wait_card("Куплю-продам", where=lambda c: "⛔ 7 дней" in " ".join(
        b["text"] for row in c["buttons"] for b in row))
    await stack.press(menu, "7 дней")
    await stack.wait_card("Куплю-продам", where=lambda c: "заблокирован" in c["text"])
    await stack.settled()

    code, out, err = await database_only(stack.database_url, "audit", "export", "--staff", "Мария")
    assert code == 0, err
    assert out.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM: Excel reads it as such"
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["№", "Дата и время", "Кто", "Действие", "Итог"]
    actions = [r[3] for r in rows[1:]]
    assert "бан на 7 дн." in actions and all(r[2] == "Мария Захарова" for r in rows[1:])
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", r[1]) for r in rows[1:])

    code, out, err = await database_only(stack.database_url, "audit", "export", "--action", "press")
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig")), delimiter=";"))
    assert [r[3] for r in rows[1:]] == ["отказано: нет прав на это действие"]
    assert rows[1][2] == "Пётр Иванов" and rows[1][4] == "отказано"

    workbook = tmp_path / "audit.xlsx"
    code, _, err = await database_only(stack.database_url, "audit", "export", "--format", "xlsx", "-o",
                                       str(workbook), "--page", f"vk:{GROUP_ID}")
    assert code == 0, err
    from openpyxl import load_workbook

    sheet = load_workbook(workbook).active
    header = [c.value for c in sheet[1]]
    assert header[3] == "Действие" and sheet.max_row > 2
    assert {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)} == {f"vk:{GROUP_ID}"}


async def test_audit_is_append_only(stack: Stack) -> None:
    await stack.event("group_join", {"user_id": 1, "join_type": "join"})
    conn = await asyncpg.connect(stack.database_url)
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE audit SET result = 'forged'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit")
    finally:
        await conn.close()


async def test_bad_since_is_a_clear_error(tmp_path: Path, database_url: str) -> None:
    code, _, err = await gospablik(tmp_path, database_url, "audit", "export", "--since", "yesterday")
    assert code != 0 and "expected a date like 2026-11-01" in err


def test_csv_cells_never_run_as_formulas() -> None:
    from bot.audit import _cell

    assert _cell("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    assert _cell("+7 900 000-00-00") == "'+7 900 000-00-00"
    assert _cell("Обычный текст") == "Обычный текст" and _cell(None) == "" and _cell(5) == 5


def test_logs_never_show_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from bot import logs

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    log = logging.getLogger("test.tokens")
    try:
        logs.setup("text")
        try:
            raise RuntimeError("GET https://api.vk.ru/method/users.get?access_token=vk1.a.SECRET&v=5.199")
        except RuntimeError:
            log.exception("call to https://api.telegram.org/bot123:SECRET/sendMessage failed")
        err = capsys.readouterr().err
        assert "SECRET" not in err and "access_token=***" in err and "/bot***" in err
        logs.setup("json")
        log.error("secret in body: {\"secret\": \"s3cr3t\"}")
        assert "s3cr3t" not in capsys.readouterr().err
        log.error("POST http://127.0.0.1/webhooks/ok/70000000000001/path-SECRET-0123 failed")
        err = capsys.readouterr().err
        assert "path-SECRET" not in err and "/webhooks/ok/70000000000001/***" in err
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
