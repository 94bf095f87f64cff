"""`gospablik train`: learning from the desk's decisions, versions in the data folder, shadow, rollback (issue 12).

The texts are written for these tests; the evaluation-only public sets are never read or quoted here.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.classifier import Classifier
from bot.classifier.toxicity_model import Model, shipped, word_grams
from bot.db import Database
from bot.training import examples
from bot.training.compare import Figures, Row
from bot.training.decisions import CORRECTION_WEIGHT, Decision
from bot.training.examples import Example, strip_mentions
from bot.training.fit import FINE_TUNE, fit
from bot.training.versions import SHIPPED, Versions

RUDE = ["Ты хамлюга и бездельник", "Сам ты хамлюга", "Какой же хамлюга этот водитель",
        "хамлюга, отстань от людей", "Опять хамлюга влез без очереди"]
CLEAN = ["Спасибо за уборку снега", "Когда включат отопление?", "Прошу починить фонарь у школы",
         "Автобус опять опоздал на двадцать минут", "Хорошая новость про парк"]


def test_vk_mentions_are_removed_before_training() -> None:
    assert strip_mentions("[id2685300|Максим], а её уже заставили") == "а её уже заставили"
    assert strip_mentions("[club123|Новости] смотрите") == "смотрите"


def test_fitting_is_deterministic_to_the_byte() -> None:
    data = [Example(t, True) for t in RUDE] + [Example(t, False) for t in CLEAN]
    assert fit(data).dump() == fit(data).dump()


@pytest.mark.skipif(not examples.available(examples.default_folder()), reason="licensed sets not on this machine")
def test_the_training_script_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    from bench.train_toxicity import main

    first, second = tmp_path / "a.tsv", tmp_path / "b.tsv"
    assert main(["--limit", "120", "--out", str(first)]) == 0
    assert main(["--limit", "120", "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert "Alla Gorbunova" in first.read_text(encoding="utf-8")


def test_decisions_become_examples_and_a_kept_flag_is_a_correction() -> None:
    kept_flagged = Decision(1, "текст", ("insult",), "approve").example()
    assert kept_flagged is not None and not kept_flagged.rude and kept_flagged.weight == CORRECTION_WEIGHT
    kept_clean = Decision(2, "текст", (), "approve").example()
    assert kept_clean is not None and kept_clean.weight == 1.0
    removed = Decision(3, "текст", (), "delete").example()
    assert removed is not None and removed.rude
    assert Decision(4, "реклама", ("spam",), "delete").example() is None  # spam teaches rudeness nothing
    assert Decision(5, "текст", ("insult", "spam"), "ban").example() is not None
    assert Decision(6, "текст", (), "reply").example() is None


def test_refining_from_earlier_weights_learns_the_desks_word() -> None:
    base = shipped()
    assert base is not None
    data = [Example(t, True) for t in RUDE * 4] + [Example(t, False) for t in CLEAN * 4]
    new = fit(data, prior=base, settings=FINE_TUNE)
    assert set(new.weights) == set(base.weights) and new.bias == base.bias
    assert new.prob("ты хамлюга") > base.prob("ты хамлюга")


def test_versions_activate_shadow_and_roll_back(tmp_path: Path) -> None:
    versions = Versions(tmp_path)
    assert versions.active_name() == SHIPPED
    toy = Model(-4.0, {g: 3.0 for w in ("хамлюга", "скудоум") for g in word_grams(w)}, 0.5)
    first = versions.add(toy)
    second = versions.add(toy)
    assert (first, second) == ("v0001.tsv", "v0002.tsv")
    versions.activate(first, why="test")
    assert Classifier(models_dir=versions.dir).classify("хамлюга скудоум").labels == ("insult",)
    shadow = versions.start_shadow(second, 7)
    assert versions.shadow() == shadow and versions.active_name() == first
    versions.activate(second, why="test")
    assert versions.shadow() is None
    assert versions.rollback() == (second, first)
    assert versions.rollback() == (first, SHIPPED)
    assert versions.active_name() == SHIPPED and versions.rollback() is None


def test_a_regression_is_worse_and_equal_is_not() -> None:
    same = Figures(caught=8, rude=10, flagged=1, clean=20)
    assert not Row("desk", same, same).worse
    assert Row("desk", same, Figures(7, 10, 1, 20)).worse
    assert not Row("desk", same, Figures(9, 10, 2, 20)).worse  # one more caught, one more flagged: even
    assert Row("russe-detox", Figures(900, 1000, 10, 1000), Figures(900, 1000, 20, 1000)).worse


async def _decide(db: Database, n: int, text: str, predicted: list[str], decision: str) -> None:
    item = await db.fetchval(
        "INSERT INTO items (network, account_id, kind, ext_id, author_id, text, original_text, created_at, url, ref,"
        " status) VALUES ('vk', 1, 'comment', $1, 7, $2, $2, now(), 'https://vk.com/wall-1_1', '{}'::jsonb, $3)"
        " RETURNING id", f"1_{n}", text, "approved" if decision == "approve" else "deleted")
    await db.execute("INSERT INTO feedback (item_id, text, predicted, decision, actor) VALUES ($1, $2, $3, $4, 'tg:1')",
                     item, text, predicted, decision)


async def _train(database_url: str, data_dir: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VK_", "TELEGRAM_", "OK_", "GOSPABLIK_"))}
    env["DATABASE_URL"] = database_url
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", "/nonexistent/gospablik.toml", "train", "--data-dir", str(data_dir),
        "--public-data", str(data_dir / "no-public-data"), *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_train_end_to_end_on_a_database_with_decisions(database_url: str, tmp_path: Path) -> None:
    db = await Database.connect(database_url, max_size=2)
    try:
        code, out = await _train(database_url, tmp_path)
        assert code == 0 and "only 0 usable decisions" in out  # an empty desk teaches nothing, and says so
        n = 0
        for _ in range(4):
            for text in RUDE:
                n += 1
                await _decide(db, n, f"{text} {n}", ["insult"] if "бездельник" in text else [], "delete")
            for text in CLEAN:
                n += 1
                await _decide(db, n, f"{text} {n}", [], "approve")
        await _decide(db, n + 1, "Реклама окон недорого", ["spam"], "delete")
        await _decide(db, n + 2, "Ты хамлюга", ["insult"], "approve")  # a correction
    finally:
        await db.close()

    code, out = await _train(database_url, tmp_path)
    assert code == 0, out
    assert "decisions in the database: 42" in out and "trained on 33 decisions, starting from shipped" in out
    assert "desk" in out and "recall" in out and "false alarms" in out  # the comparison is printed
    assert "v0001.tsv is not worse: it runs in shadow until" in out
    versions = Versions(tmp_path)
    assert versions.active_name() == SHIPPED and versions.shadow() is not None
    assert (tmp_path / "models" / "toxicity" / "v0001.tsv").read_text(encoding="utf-8").startswith("# Rudeness model")

    db = await Database.connect(database_url, max_size=2)
    try:  # what arrives during the shadow period is read by both models
        for n, text in enumerate(["Спасибо за ремонт дороги", "Ты хамлюга", "Когда будет свет?"], start=100):
            await db.execute(
                "INSERT INTO items (network, account_id, kind, ext_id, author_id, text, original_text, created_at, url,"
                " ref) VALUES ('vk', 1, 'comment', $1, 7, $2, $2, now(), 'https://vk.com/wall-1_1', '{}'::jsonb)",
                f"1_{n}", text)
    finally:
        await db.close()
    code, out = await _train(database_url, tmp_path, "--report")
    assert code == 0, out
    assert "in shadow: v0001.tsv" in out and "items read with both models: 3" in out

    code, out = await _train(database_url, tmp_path, "--activate")
    assert code == 0 and versions.active_name() == "v0001.tsv", out
    code, out = await _train(database_url, tmp_path, "--rollback")
    assert code == 0 and "v0001.tsv -> shipped" in out and versions.active_name() == SHIPPED

    code, out = await _train(database_url, tmp_path, "--shadow-days", "0")
    assert code == 0 and "v0002.tsv is not worse: active now" in out, out
    assert versions.active_name() == "v0002.tsv"


async def test_the_scheduler_picks_up_the_active_model_and_trains_off_the_loop(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from bot.training.settings import TrainingSettings
    from scheduler.jobs import ModelWatch, weekly_training

    class NoDecisions:
        async def fetch(self, *_: object) -> list[object]:
            return []

    clf = Classifier(use_toxicity=False)
    services = SimpleNamespace(config=SimpleNamespace(data_dir=tmp_path, training=TrainingSettings()), db=NoDecisions(),
                               classifier=clf)
    watch = ModelWatch()
    assert await watch.run(services) is True and clf.toxicity is not None  # the shipped weights at start
    assert await watch.run(services) is False  # nothing changed
    versions = Versions(tmp_path)
    versions.activate(versions.add(Model(-4.0, {g: 3.0 for w in ("хамлюга", "скудоум") for g in word_grams(w)}, 0.5)),
                      why="test")
    assert await watch.run(services) is True
    assert clf.classify("хамлюга скудоум").labels == ("insult",)
    message = await weekly_training(services)  # type: ignore[arg-type]
    assert "only 0 usable decisions" in message


def test_a_worse_model_is_refused_with_the_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.training import retrain as retrain_module
    from bot.training.settings import TrainingSettings

    shouter = Model(5.0, {g: 3.0 for w in ("спасибо", "когда", "прошу") for g in word_grams(w)}, 0.5)
    monkeypatch.setattr(retrain_module, "fit", lambda *_, **__: shouter)  # flags every thanks and every question
    decisions = [Decision(n, text, (), "delete" if text in RUDE else "approve")
                 for n, text in enumerate(RUDE * 3 + CLEAN * 3, start=1)]
    outcome = retrain_module.retrain(decisions, tmp_path, TrainingSettings(min_decisions=5), public_folder=None)
    assert not outcome.installed and "the new model is worse: refused, shipped stays active" in outcome.message
    assert "desk" in outcome.message and "false alarms" in outcome.message
    versions = Versions(tmp_path)
    assert versions.names() == [] and versions.active_name() == SHIPPED
    assert versions.history()[-1]["event"] == "refused"


def test_keeping_a_flagged_item_is_a_correction() -> None:
    from bot.moderation.feedback import is_correction

    assert is_correction("approve", ["insult"]) and is_correction("restore", ("spam",))
    assert not is_correction("approve", []) and not is_correction("delete", ["insult"])
