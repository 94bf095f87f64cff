"""Behaviour of bot.style: press-release drafts get advice with exact spans, plain posts get none."""

from __future__ import annotations

import ast
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.style import KIND_TITLES_RU, KINDS, Advice, Hit, advise
from bot.style.lexicon import sections
from bot.style.readability import NO_WORDS_RU

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
CLEAN_RU = "Замечаний по стилю нет"


def _check_hits(text: str, advice: Advice) -> None:
    """Spans point at the words, advice is in Russian, hits are in text order, no duplicates."""
    for h in advice.hits:
        assert h.kind in KINDS
        assert 0 <= h.start < h.end <= len(text)
        assert text[h.start:h.end] == h.fragment
        assert h.fragment == h.fragment.strip()
        assert CYRILLIC.search(h.note_ru) and CYRILLIC.search(h.suggestion_ru), h
    assert list(advice.hits) == sorted(advice.hits, key=lambda h: (h.start, -h.end, KINDS.index(h.kind)))
    for kind in KINDS:
        spans = [(h.start, h.end) for h in advice.hits if h.kind == kind]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), (kind, spans)


def _pairs(advice: Advice) -> set[tuple[str, str]]:
    return {(h.kind, h.fragment) for h in advice.hits}


# (draft written like a press release, the kinds it must get, (kind, fragment) pairs that must be marked)
PRESS = [
    (
        "В целях повышения качества обслуживания населения администрацией района осуществляется модернизация"
        " системы обеспечения водоснабжения. Данное мероприятие проведено в рамках реализации муниципальной"
        " программы.",
        {"kantselyarit", "empty_verb", "noun_chain", "passive", "press_release"},
        {("kantselyarit", "В целях"), ("noun_chain", "повышения качества обслуживания населения"),
         ("empty_verb", "осуществляется"), ("passive", "осуществляется"),
         ("noun_chain", "модернизация системы обеспечения водоснабжения"), ("kantselyarit", "Данное"),
         ("passive", "проведено"), ("press_release", "в рамках реализации"), ("kantselyarit", "в рамках")},
    ),
    (
        "25 мая в торжественной обстановке в Доме культуры состоялось мероприятие, посвящённое Дню славянской"
        " письменности. С приветственным словом к собравшимся обратился глава района. Участники и гости праздника"
        " получили массу положительных эмоций.",
        {"kantselyarit", "press_release"},
        {("press_release", "в торжественной обстановке"), ("press_release", "состоялось мероприятие"),
         ("press_release", "С приветственным словом"), ("press_release", "Участники и гости"),
         ("press_release", "получили массу положительных эмоций"), ("kantselyarit", "мероприятие")},
    ),
    (
        "В соответствии с графиком производится ремонт дорожного покрытия на улице Советской. Работы проводятся"
        " силами подрядной организации.",
        {"kantselyarit", "empty_verb", "passive"},
        {("kantselyarit", "В соответствии с"), ("empty_verb", "производится ремонт"), ("passive", "производится"),
         ("empty_verb", "проводятся"), ("passive", "проводятся")},
    ),
    (
        "Администрация городского округа информирует, что в связи с проведением плановых работ на сетях"
        " теплоснабжения будет приостановлена подача горячей воды.",
        {"kantselyarit", "empty_verb", "passive"},
        {("empty_verb", "информирует"), ("kantselyarit", "в связи с"), ("kantselyarit", "проведением"),
         ("passive", "приостановлена")},
    ),
    (
        "Особое внимание уделяется благоустройству дворовых территорий. На сегодняшний день выполнено"
        " 80 процентов работ.",
        {"kantselyarit", "passive", "press_release"},
        {("press_release", "Особое внимание уделяется"), ("passive", "уделяется"),
         ("kantselyarit", "На сегодняшний день"), ("passive", "выполнено")},
    ),
    (
        "Уважаемые жители! Напоминаем, что вывоз твёрдых коммунальных отходов осуществляется региональным"
        " оператором по утверждённому графику.",
        {"empty_verb", "passive"},
        {("empty_verb", "осуществляется"), ("passive", "осуществляется")},
    ),
    (
        "Стоит отметить, что мероприятие прошло на высоком организационном уровне. Ребята приняли активное"
        " участие в конкурсах и викторинах.",
        {"kantselyarit", "press_release"},
        {("press_release", "Стоит отметить"), ("press_release", "приняли активное участие")},
    ),
    (
        "В ходе рабочей встречи были рассмотрены вопросы подготовки к отопительному сезону. Глава подчеркнул"
        " важность своевременного завершения работ.",
        {"kantselyarit", "passive", "press_release"},
        {("kantselyarit", "В ходе"), ("passive", "рассмотрены"), ("press_release", "подчеркнул важность")},
    ),
    (
        "Данный объект является уникальным для нашего района. Здесь созданы максимально комфортные условия"
        " для занятий спортом.",
        {"kantselyarit", "empty_verb", "intensifier", "passive"},
        {("kantselyarit", "Данный"), ("empty_verb", "является"), ("intensifier", "уникальным"),
         ("passive", "созданы"), ("intensifier", "максимально")},
    ),
    (
        "В настоящее время ведётся работа по благоустройству сквера. Работы осуществляются за счёт средств"
        " местного бюджета.",
        {"kantselyarit", "empty_verb", "passive"},
        {("kantselyarit", "В настоящее время"), ("empty_verb", "ведётся работа по"), ("passive", "ведётся"),
         ("empty_verb", "осуществляются"), ("kantselyarit", "за счёт")},
    ),
    (
        "С целью повышения уровня безопасности дорожного движения на пересечении улиц установлен светофор."
        " Очень важно соблюдать правила.",
        {"kantselyarit", "passive", "press_release", "intensifier"},
        {("press_release", "С целью повышения"), ("kantselyarit", "С целью"), ("passive", "установлен"),
         ("intensifier", "Очень")},
    ),
    (
        "В преддверии Дня Победы в школах района проведены уроки мужества, направленные на патриотическое"
        " воспитание подрастающего поколения.",
        {"kantselyarit", "passive", "press_release"},
        {("press_release", "В преддверии"), ("passive", "проведены"), ("kantselyarit", "направленные на"),
         ("press_release", "патриотическое воспитание")},
    ),
    (
        "Приём заявлений осуществляется в МФЦ при наличии паспорта. В случае отсутствия документов заявителю"
        " будет отказано.",
        {"kantselyarit", "empty_verb", "passive"},
        {("empty_verb", "осуществляется"), ("kantselyarit", "при наличии"), ("kantselyarit", "В случае"),
         ("passive", "отказано")},
    ),
    (
        "В рамках празднования Дня города состоялся концерт. Жители и гости города получили незабываемые"
        " впечатления от яркой и насыщенной программы.",
        {"kantselyarit", "press_release", "intensifier"},
        {("kantselyarit", "В рамках"), ("press_release", "Жители и гости"),
         ("press_release", "незабываемые впечатления"), ("intensifier", "незабываемые"),
         ("press_release", "насыщенной программы")},
    ),
    (
        "Настоящее объявление размещается в целях информирования граждан, проживающих на территории поселения,"
        " о порядке подачи заявлений на предоставление субсидий.",
        {"kantselyarit", "empty_verb", "passive"},
        {("kantselyarit", "Настоящее"), ("passive", "размещается"), ("kantselyarit", "в целях"),
         ("empty_verb", "проживающих"), ("kantselyarit", "на территории")},
    ),
    (
        "Данные изменения вносятся в соответствии с распоряжением главы. Дорога ремонтируется, движение"
        " транспортных средств ограничено.",
        {"kantselyarit", "passive"},
        {("kantselyarit", "Данные"), ("passive", "вносятся"), ("kantselyarit", "в соответствии с"),
         ("passive", "ремонтируется"), ("kantselyarit", "транспортных средств")},
    ),
    (
        "Администрацией муниципального образования совместно с представителями общественности, депутатами"
        " районной думы и руководителями учреждений культуры была проделана большая работа по подготовке и"
        " проведению праздничных мероприятий, посвящённых юбилею района, которые прошли в торжественной и тёплой"
        " атмосфере.",
        {"kantselyarit", "passive", "press_release", "long_sentence"},
        {("press_release", "была проделана большая работа"), ("passive", "проделана"),
         ("kantselyarit", "мероприятий"), ("press_release", "в торжественной и тёплой атмосфере")},
    ),
]


@pytest.mark.parametrize(("text", "kinds", "marked"), PRESS, ids=[p[0][:30] for p in PRESS])
def test_press_release_drafts_get_advice_with_exact_spans(text: str, kinds: set[str],
                                                          marked: set[tuple[str, str]]) -> None:
    advice = advise(text)
    _check_hits(text, advice)
    assert {h.kind for h in advice.hits} == kinds
    assert marked <= _pairs(advice), marked - _pairs(advice)
    assert advice.summary_ru != CLEAN_RU


# Plain municipal posts: schedule changes, road works, thanks, invitations, outages, polls.  No advice at all.
CLEAN = [
    "С 1 июня чиним водопровод на улице Ленина. Воду отключим на два дня, 3 и 4 июня.",
    "С понедельника автобус № 5 ходит по новому расписанию: первый рейс в 6:10, последний в 22:40. Расписание"
    " висит на остановках и на сайте перевозчика.",
    "Ремонтируем дорогу на улице Гагарина. До 15 июля объезд по Садовой, там поставили временные знаки. Просим"
    " водителей быть внимательнее.",
    "Спасибо всем, кто вышел в субботу на субботник! Вместе убрали берег реки и посадили 120 молодых лип."
    " Отдельное спасибо ребятам из школы № 3.",
    "Каток в парке Победы открыт! Приходите кататься каждый день с 10 до 22 часов. Коньки можно взять напрокат у"
    " входа, для детей до 7 лет — бесплатно.",
    "В четверг, 12 марта, с 9 до 17 часов в домах 4, 6 и 8 по улице Мира не будет холодной воды: водоканал"
    " меняет задвижку. Воду можно набрать из цистерны во дворе дома 6.",
    "Какой двор благоустроить первым? Голосуйте до 30 апреля на сайте администрации или в библиотеке на"
    " Заречной. Победителя объявим 5 мая.",
    "Завтра, 9 мая, центр города перекроют с 8 до 14 часов: пройдёт парад. Автобусы пойдут в объезд по Полевой."
    " Приходите пораньше, чтобы занять места у трибуны.",
    "В библиотеке на Садовой по субботам собирается шахматный клуб. Приходите играть, доски и часы есть. Начало"
    " в 11 часов, вход свободный.",
    "Снег убираем с ночи: на улицах работают 14 машин. Если ваш двор не почистили до обеда, позвоните"
    " диспетчеру по номеру 05.",
    "Поликлиника на Зелёной переезжает в новое здание на улице Кирова, 12. Первый приём там будет 3 февраля."
    " Записаться к врачу можно по телефону 122.",
    "Горячей воды не будет с 10 по 24 июня: теплосеть проверяет трубы перед зимой. Если воду не дадут 25 июня,"
    " напишите нам в сообщения группы.",
    "Ищем волонтёров на фестиваль «Город мастеров» 20 августа. Нужно встречать гостей и помогать на площадках."
    " Запишитесь у Марии по телефону 8 900 123-45-67.",
    "Школьники из клуба «Юный эколог» посчитали птиц в городском парке: насчитали 34 вида. Самые частые гости"
    " кормушек — синицы и воробьи.",
    "Мы знаем, что на Лесной третий день нет воды. Авария серьёзная: лопнула труба под дорогой. Обещаем дать"
    " воду к вечеру четверга, а пока во дворе стоит цистерна.",
    "Приглашаем на ярмарку выходного дня. Фермеры привезут мёд, овощи и молоко. Суббота, 8:00–14:00, площадь у"
    " рынка.",
    "Мост через Вятку закрыт на ремонт до 1 сентября. Объезд через Слободской, это плюс 20 минут.",
    "Концерт перенесён на воскресенье из-за дождя. Билеты действуют, менять их не нужно.",
    "По данным ГИБДД, за май на наших дорогах стало на треть меньше аварий. Спасибо, что пропускаете пешеходов!",
    "Данные опроса показали: жители хотят больше лавочек в парке. Поставим 40 новых до конца лета.",
    "В субботу в парке настоящий праздник: ярмарка, катание на пони и концерт местных групп. Начало в полдень.",
    "Каток открывается в субботу. Дети катаются бесплатно, взрослым — 100 рублей.",
    "Оказывается, в нашем городе живут три столетних жительницы. Сегодня поздравили Анну Петровну с днём"
    " рождения.",
    "Требуются дворники и водители снегоуборочной техники. Звоните в управление по телефону 2-14-50.",
    "Расписание движения автобусов на лето висит на всех остановках.",
    "Важно: паспорт и полис возьмите с собой. Без них записать к врачу не получится.",
    "Занятия в музыкальной школе отменены до понедельника: в здании нет отопления. Чиним котёл.",
]


@pytest.mark.parametrize("text", CLEAN, ids=[t[:30] for t in CLEAN])
def test_plain_posts_get_no_advice(text: str) -> None:
    advice = advise(text)
    assert advice.hits == (), [(h.kind, h.fragment) for h in advice.hits]
    assert advice.clean
    assert advice.summary_ru == CLEAN_RU


def test_enough_texts_of_each_sort() -> None:
    assert len(PRESS) >= 12 and len(CLEAN) >= 12


# --- rules one by one: the pair that must be flagged and its plain twin that must not -------------------------

PAIRS = [
    ("kantselyarit", "Данные изменения касаются всех.", "Данные опроса касаются всех.", "Данные"),
    ("kantselyarit", "Настоящее объявление касается всех.", "Настоящий праздник будет в субботу.", "Настоящее"),
    ("passive", "Проведено совещание с директорами школ.", "Каток закрыт до субботы.", "Проведено"),
    ("passive", "Дорога ремонтируется с понедельника.", "Дети катаются с понедельника.", "ремонтируется"),
    ("noun_chain", "Начата модернизация системы обеспечения водоснабжения.",
     "Расписание движения автобусов висит на остановке.", "модернизация системы обеспечения водоснабжения"),
    ("intensifier", "Это очень удобно.", "Это удобно.", "очень"),
    ("kantselyarit", "В связи с ремонтом воды не будет.", "Из-за ремонта воды не будет.", "В связи с"),
]


@pytest.mark.parametrize(("kind", "flagged", "plain", "fragment"), PAIRS, ids=[p[0] + ":" + p[3] for p in PAIRS])
def test_each_rule_and_its_plain_twin(kind: str, flagged: str, plain: str, fragment: str) -> None:
    assert (kind, fragment) in _pairs(advise(flagged))
    assert kind not in {h.kind for h in advise(plain).hits}


@pytest.mark.parametrize("text", [
    "Нахрена тут эта хуета стоит?",  # unknown words: pymorphy3 guesses a participle by the ending
    "Пусть тянут жребий.",  # «тянут» is also a finite verb
    "Разумеется, мы рады вас видеть. Я уверен, что всё получится.",
    "Если вам нравится наш парк, пишите.",
])
def test_colloquial_words_are_not_passives(text: str) -> None:
    assert "passive" not in {h.kind for h in advise(text).hits}


def test_readability_matches_the_reference_computation() -> None:
    """style.md §4.4: FKG 24.1 / FRE −52.9 for the press release, 4.7 / 77.5 for the plain notice."""
    hard = advise(PRESS[0][0]).readability
    assert (hard.grade, hard.reading_ease, hard.sentences, hard.words) == (24.1, -52.9, 2, 21)
    assert hard.level_ru == "как у научной статьи или закона"
    easy = advise(CLEAN[0]).readability
    assert (easy.grade, easy.reading_ease, easy.sentences, easy.words) == (4.7, 77.5, 2, 14)
    assert easy.avg_sentence_words == 7.0


def test_summary_line_for_the_card() -> None:
    advice = advise(PRESS[0][0])
    assert advice.summary_ru == (
        "Канцелярит: 5, пустые глаголы: 1, цепочки существительных: 2, пассив: 2, штампы пресс-релиза: 2;"
        " читаемость — как у научной статьи или закона"
    )
    assert advice.counts() == {"kantselyarit": 5, "empty_verb": 1, "noun_chain": 2, "passive": 2,
                               "press_release": 2}
    # A short draft: too few words for the formula to mean anything, so readability is not mentioned.
    assert advise("Данные изменения вносятся в соответствии с распоряжением главы.").summary_ru == (
        "Канцелярит: 2, пассив: 1"
    )
    assert set(KIND_TITLES_RU) == set(KINDS)


def test_long_sentences() -> None:
    words = ["слово"] * 20
    twenty = "Мы " + " ".join(words[:19]) + "."
    assert len(twenty.split()) == 20 and advise(twenty).hits == ()
    text = ("Завтра с утра на улице Ленина дорожники начнут снимать старый асфальт, а потом положат новый и"
            " нанесут разметку, поэтому машины пойдут по Садовой, автобусы тоже, и так будет до конца недели")
    advice = advise(text)
    _check_hits(text, advice)
    assert [(h.kind, h.fragment) for h in advice.hits] == [("long_sentence", text)]
    assert advice.hits[0].note_ru.startswith("В предложении 31 слово:")
    assert advice.readability.sentences == 1


# --- edge cases ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   \n\n  ", "🎉🎉🎉", "❄️⛸️👍", "https://admokt.ru/news/123",
                                  "12.06.2024, 15:30, 2 500 ₽, № 15, 8 (800) 100-20-30", "#деньгорода @admokt",
                                  "Fun run 2024: start at 10:00, finish at Central Park."])
def test_texts_without_prose_get_no_advice(text: str) -> None:
    advice = advise(text)
    assert advice.hits == () and advice.summary_ru == CLEAN_RU


def test_empty_text_readability() -> None:
    r = advise("").readability
    assert (r.words, r.sentences, r.grade, r.level_ru) == (0, 0, 0.0, NO_WORDS_RU)


def test_all_caps_is_read_like_lower_case() -> None:
    text = "ВНИМАНИЕ! В СВЯЗИ С РЕМОНТОМ ОСУЩЕСТВЛЯЕТСЯ ОТКЛЮЧЕНИЕ ВОДЫ."
    advice = advise(text)
    _check_hits(text, advice)
    assert {("kantselyarit", "В СВЯЗИ С"), ("empty_verb", "ОСУЩЕСТВЛЯЕТСЯ")} <= _pairs(advice)


def test_a_quotation_is_still_flagged() -> None:
    text = "Глава сказал: «Наш парк является лучшим в области»."
    advice = advise(text)
    _check_hits(text, advice)
    assert ("empty_verb", "является") in _pairs(advice)


def test_spans_stay_exact_around_links_emoji_and_yo() -> None:
    text = "🎉 Подробнее: https://admokt.ru/v-tselyakh?x=1 🎉 Работы ведутся за счёт средств бюджета 👍"
    advice = advise(text)
    _check_hits(text, advice)
    assert {("passive", "ведутся"), ("kantselyarit", "за счёт")} <= _pairs(advice)
    assert all(h.start > text.index("🎉 Работы") for h in advice.hits)


def test_abbreviations_do_not_end_sentences() -> None:
    advice = advise("Пункт выдачи на ул. Ленина, д. 5 работает с 9 до 18. Приходите с паспортом.")
    assert advice.readability.sentences == 2 and advice.hits == ()


def test_numbers_and_dates_keep_offsets() -> None:
    text = "12.06.2024 в 15:30 в рамках акции 2 500 деревьев посадили на ул. Мира, д. 3."
    advice = advise(text)
    _check_hits(text, advice)
    assert _pairs(advice) == {("kantselyarit", "в рамках")}


# --- shape of the result ---------------------------------------------------------------------------------------

def test_to_dict_is_json_and_round_trips() -> None:
    advice = advise(PRESS[1][0])
    data = json.loads(json.dumps(advice.to_dict(), ensure_ascii=False))
    assert set(data) == {"hits", "readability", "summary_ru"}
    assert set(data["hits"][0]) == {"kind", "start", "end", "fragment", "note_ru", "suggestion_ru"}
    assert Advice.from_dict(data) == advice
    assert isinstance(advice.hits[0], Hit)


def test_deterministic() -> None:
    for text, *_ in PRESS:
        assert advise(text) == advise(text)


def test_every_hit_of_every_text_is_well_formed() -> None:
    for text in [p[0] for p in PRESS] + CLEAN:
        _check_hits(text, advise(text))


def test_lexicons_have_a_few_dozen_entries_per_category() -> None:
    phrases = sections("phrases.txt")
    lemmas = sections("lemmas.txt")
    assert len(phrases["kantselyarit"]) >= 30 and len(phrases["book"]) >= 20
    assert len(phrases["press_release"]) >= 25
    assert len(phrases["intensifier"]) + len(phrases["evaluation"]) >= 40
    assert len(lemmas["empty_verb"]) + len(phrases["empty_verb"]) >= 40
    for entries in phrases.values():
        for pattern, _ in entries:
            re.compile(pattern)


def test_the_style_package_uses_only_the_standard_library_pymorphy3_and_itself() -> None:
    wrong = []
    for path in sorted((ROOT / "bot" / "style").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if not (top in sys.stdlib_module_names or top in ("__future__", "pymorphy3")
                        or name.startswith("bot.style")):
                    wrong.append(f"{path.name}: {name}")
    assert not wrong


def test_dictionaries_load_lazily_once() -> None:
    code = ("import bot.style, bot.style.morph as m; assert m._analyzer is None;"
            " bot.style.advise('Проведено совещание.'); a = m._analyzer; assert a is not None;"
            " bot.style.advise('Ещё раз.'); assert m._analyzer is a; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
