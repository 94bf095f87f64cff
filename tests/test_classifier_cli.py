"""The ``gospablik classify`` entry point (bot.classifier.cli.main)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.classifier.cli import main

REPO = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_cli_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path, [
        json.dumps({"id": "a", "text": "Дороги полный пиздец"}, ensure_ascii=False),
        json.dumps({"id": 2, "text": "Спасибо за ремонт!"}, ensure_ascii=False),
        json.dumps({"id": "c", "text": "Новости тут https://admokt.ru/news подписывайтесь"}, ensure_ascii=False),
    ])
    assert main([str(p), "--own-domain", "admokt.ru"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", 2, "c"]
    assert out[0]["labels"] == ["obscene"] and out[0]["reasons"][0]["fragment"] == "пиздец"
    assert out[1]["labels"] == [] and set(out[1]["scores"]) == {"obscene", "insult", "spam", "illegal"}
    assert out[2]["labels"] == []


def test_cli_bad_lines_reported_and_continue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path, [
        json.dumps({"id": "ok1", "text": "х*й вам"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "no-text"}),
        "",
        json.dumps({"id": "ok2", "text": "Спасибо"}, ensure_ascii=False),
    ])
    assert main([str(p)]) == 1
    cap = capsys.readouterr()
    assert [json.loads(x)["id"] for x in cap.out.splitlines()] == ["ok1", "ok2"]
    assert "line 2" in cap.err and "line 3" in cap.err and "line 5" not in cap.err


def test_cli_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path, [json.dumps({"id": "x", "text": "Мэр идиот"}, ensure_ascii=False)])
    assert main([str(p), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "x" in out and "оскорбление" in out and "идиот" in out


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_python_dash_m_reads_stdin() -> None:
    inp = json.dumps({"id": 1, "text": "Заработок от 5000 в день без вложений, пиши в лс"}, ensure_ascii=False)
    r = subprocess.run([sys.executable, "-m", "bot.classifier.cli"], input=inp + "\n", capture_output=True,
                       text=True, cwd=REPO, timeout=60, encoding="utf-8")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["labels"] == ["spam"]


def test_cli_plain_text_is_told_the_expected_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path, ["Когда починят дорогу на Ленина?"])
    assert main([str(p)]) == 1
    err = capsys.readouterr().err
    assert "line 1" in err and "each line must be one JSON object" in err and '{"id": 1, "text":' in err
