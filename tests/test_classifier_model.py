"""The trained rudeness model in the classifier, and how verdicts are said on cards (issue 12).

Texts here are written for these tests; nothing is quoted from the evaluation-only sets.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from bot.classifier import Classifier
from bot.classifier import explain as explain_module
from bot.classifier.toxicity_model import NOTE_RU, RULE, Model, shipped, word_grams, words
from bot.config import Account, LabelPolicy
from bot.domain import Action, PolicyAction
from bot.moderation.judge import decide_policy, model_only

RUDE_WORDS = ("хамлюга", "скудоум")  # made-up words: no rule knows them, the toy model below does


def toy_model() -> Model:
    """A model that finds two invented words rude and nothing else."""
    return Model(bias=-4.0, weights={g: 3.0 for w in RUDE_WORDS for g in word_grams(w)}, p_min=0.5)


def text_of(line: list[Any]) -> str:
    return "".join(span.text for span in line)


def test_the_shipped_weights_are_plain_text_with_their_attribution() -> None:
    model = shipped()
    assert model is not None and len(model.weights) > 1000
    notice = "\n".join(model.notice)
    for credit in ("MIT", "Alla Gorbunova", "alla-g/toxicity-detection-thesis", "AI Forever", "Umputun"):
        assert credit in notice
    assert 0.0 < model.p_min < 1.0
    assert "numpy" not in sys.modules and "sklearn" not in sys.modules


def test_the_model_adds_an_insult_with_its_own_reason() -> None:
    clf = Classifier(toxicity=toy_model())
    text = "Опять этот хамлюга скудоум написал про наш двор"
    v = clf.classify(text)
    assert v.labels == ("insult",)
    reason = v.reasons[0]
    assert reason.rule == RULE and reason.note_ru == NOTE_RU == "похоже на оскорбление (обученная модель)"
    assert text[reason.start:reason.end] == reason.fragment in RUDE_WORDS
    assert "p = " in reason.normalized  # the probability is for `classify --explain`, never for a card
    assert Classifier(use_toxicity=False).classify(text).labels == ()


def test_the_model_keeps_quiet_where_the_rules_spoke_or_nothing_is_rude() -> None:
    clf = Classifier(toxicity=toy_model())
    assert clf.classify("Подскажите, когда включат отопление в доме 5?").labels == ()
    ruled = clf.classify("Ты идиот, хамлюга скудоум")
    assert "insult" in ruled.labels and all(r.rule != RULE for r in ruled.reasons)
    obscene = clf.classify("хамлюга скудоум, пиздец")
    assert obscene.labels == ("obscene",)


def test_one_rude_leaning_word_is_left_to_the_lexicon() -> None:
    clf = Classifier(toxicity=toy_model())
    assert clf.classify("хамлюга").labels == () and clf.classify("хамлюга хамлюга").labels == ()
    assert clf.classify("хамлюга скудоум").labels == ("insult",)


def test_words_with_a_mat_root_are_left_to_the_rules() -> None:
    assert words("психуй не психуй, а трубу не починят") == ["не", "а", "трубу", "не", "починят"]
    assert words("дааааа") == ["даа"]


def test_swapping_the_model_is_safe_between_calls() -> None:
    clf = Classifier(use_toxicity=False)
    assert clf.classify("хамлюга скудоум").labels == ()
    clf.use_toxicity_model(toy_model())
    assert clf.classify("хамлюга скудоум").labels == ("insult",)


def _account(**policy: LabelPolicy) -> Account:
    return Account(network="vk", id=1, name="Тест", policy=policy)


def test_a_label_only_a_model_set_never_acts_by_itself() -> None:
    model_spam = {"labels": ["spam"], "reasons": [
        {"label": "spam", "rule": "model:spam", "start": 0, "end": 4, "fragment": "word", "note_ru": "…"}]}
    ruled_spam = {"labels": ["spam"], "reasons": [
        *model_spam["reasons"],
        {"label": "spam", "rule": "link:shortener", "start": 5, "end": 12, "fragment": "clck.ru", "note_ru": "…"}]}
    account = _account(spam=LabelPolicy(PolicyAction.AUTO_DELETE))
    assert model_only(model_spam, "spam") and not model_only(ruled_spam, "spam")
    assert decide_policy(model_spam, account, can_delete=True, can_ban=True).action is None
    acted = decide_policy(ruled_spam, account, can_delete=True, can_ban=True)
    assert acted.action is Action.DELETE and acted.trigger == "сокращённая ссылка"


def test_a_model_insult_never_acts_even_if_a_policy_slipped_through() -> None:
    verdict = Classifier(toxicity=toy_model()).classify("хамлюга скудоум").to_dict()
    assert verdict["labels"] == ["insult"]
    account = _account(insult=LabelPolicy(PolicyAction.AUTO_DELETE_AND_BAN))
    assert decide_policy(verdict, account, can_delete=True, can_ban=True).action is None


def test_a_card_shows_three_reasons_strongest_first_grouped() -> None:
    from bot.moderation.cards import labels_line

    text = ("Займ без проверок! Деньги за 5 минут, пиши @zaimbot или по ссылке clck.ru/abc, звони 89001234567")
    verdict = Classifier().classify(text).to_dict()
    line = text_of(labels_line(verdict))
    assert line.startswith("⚠️ спам: сокращённая ссылка, ")
    assert line.count("«") <= 3 and "p =" not in line and "модель" not in line
    assert "; " not in line  # one group, not one note per word
    assert len(explain_module.summary(verdict)[0][1].split(", ")) == 3


def test_a_card_says_one_note_for_several_words_of_a_kind() -> None:
    from bot.moderation.cards import labels_line

    verdict = Classifier().classify("какой же ты жалкий и никчемный человек").to_dict()
    line = text_of(labels_line(verdict))
    assert line == "⚠️ оскорбление: грубость в адрес собеседника «жалкий», «никчемный»"


def test_a_number_is_never_called_a_word_and_the_model_shows_no_probability() -> None:
    verdict = {"labels": ["spam"], "reasons": [
        {"label": "spam", "rule": "model:spam", "start": 0, "end": 3, "fragment": "500",
         "normalized": "<n3> (p = 0.81)", "note_ru": "число, типичное для спама (обученная модель)"},
        {"label": "spam", "rule": "model:spam", "start": 4, "end": 11, "fragment": "доход",
         "normalized": "доход (p = 0.81)", "note_ru": "слово, типичное для спама (обученная модель)"}]}
    assert explain_module.summary(verdict) == [("spam", "«доход»")]


def test_the_model_insult_on_a_card() -> None:
    from bot.moderation.cards import labels_line

    verdict = Classifier(toxicity=toy_model()).classify("Опять этот хамлюга скудоум").to_dict()
    assert text_of(labels_line(verdict)) == "⚠️ оскорбление: похоже на оскорбление (обученная модель)"


def test_quoted_reasons_are_said_once_as_from_the_quote() -> None:
    inside = Classifier().classify("Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot")
    verdict = {"labels": ["spam"], "reasons": [
        {**r.to_dict(), "start": -1, "end": -1, "note_ru": f"{r.note_ru} (в пересланном или процитированном тексте)"}
        for r in inside.reasons]}
    said = explain_module.summary(verdict)[0][1]
    assert said.startswith("в пересланном или процитированном тексте: ") and said.count("пересланном") == 1


@pytest.mark.parametrize(("params", "expected"), [
    ({"label": "spam"}, "🤖 Удалено автоматически по правилу «спам»"),
    ({"label": "spam", "trigger": "сокращённая ссылка"},
     "🤖 Удалено автоматически по правилу «спам»: сокращённая ссылка"),
])
def test_the_auto_note_says_what_triggered_it(params: dict[str, str], expected: str) -> None:
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from bot.domain import Note
    from bot.moderation.notes import word

    words = SimpleNamespace(where_ru="ВКонтакте")
    assert word(Note("auto", params), words=words, kind=None, tz=ZoneInfo("UTC")) == expected  # type: ignore[arg-type]


def test_explain_keeps_the_full_detail(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    from bot.classifier.cli import main

    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "Trusted investment platform: register now and earn profit every week"}\n',
                    encoding="utf-8")
    assert main([str(path), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "model:spam" in out and "p = " in out
