"""Speed of ``bot.style`` on one core.

    python -m bench.bench_style [--seconds S]

Prints the first-call time (import + pymorphy3's dictionaries + the first ``advise``, in a fresh
interpreter), then microseconds per 1,000 characters on municipal-style drafts: "cold" on text whose
words the process has never seen (every word form goes to the dictionary), "warm" on drafts
already seen (word analyses are cached per process).  Prints numbers only; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMENTS = REPO.parent / "shared" / "data" / "moderation" / "russe-detox-2022" / "dev.tsv"

_FIRST_CALL = """
import json, time
t0 = time.perf_counter()
from bot.style import advise
t1 = time.perf_counter()
advise("Данное мероприятие проведено в рамках реализации муниципальной программы.")
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_advise_s": t2 - t1}))
"""

DRAFTS = [
    "В целях повышения качества обслуживания населения администрацией района осуществляется модернизация"
    " системы обеспечения водоснабжения. Данное мероприятие проведено в рамках реализации муниципальной"
    " программы.",
    "25 мая в торжественной обстановке в Доме культуры состоялось мероприятие, посвящённое Дню славянской"
    " письменности. С приветственным словом к собравшимся обратился глава района.",
    "С 1 июня чиним водопровод на улице Ленина. Воду отключим на два дня, 3 и 4 июня.",
    "Каток в парке Победы открыт! Приходите кататься каждый день с 10 до 22 часов. Коньки можно взять"
    " напрокат у входа, для детей до 7 лет — бесплатно.",
    "В настоящее время ведётся работа по благоустройству сквера. Работы осуществляются за счёт средств"
    " местного бюджета.",
    "Какой двор благоустроить первым? Голосуйте до 30 апреля на сайте администрации или в библиотеке.",
]


def _unseen_texts(n_chars: int) -> list[str]:
    """Public comments (words the analyser cache has not seen), cut into ~500-character texts."""
    if not COMMENTS.exists():
        return []
    lines = [c for line in COMMENTS.read_text(encoding="utf-8").splitlines()[1:] for c in line.split("\t")[:2]]
    random.Random(7).shuffle(lines)
    texts, buf, total = [], "", 0
    for line in lines:
        buf += line.strip() + ". "
        if len(buf) >= 500:
            texts.append(buf)
            total += len(buf)
            buf = ""
            if total >= n_chars:
                break
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()

    runs = [json.loads(subprocess.run([sys.executable, "-c", _FIRST_CALL], cwd=REPO, capture_output=True,
                                      text=True, check=True).stdout) for _ in range(3)]
    best = min(runs, key=lambda r: r["import_s"] + r["first_advise_s"])
    print(f"first call (best of 3): import {best['import_s'] * 1000:.0f} ms,"
          f" first advise incl. dictionaries {best['first_advise_s'] * 1000:.0f} ms")

    from bot.style import advise

    advise("Разогрев.")
    unseen = _unseen_texts(200_000)
    if unseen:
        t0 = time.perf_counter()
        for t in unseen:
            advise(t)
        dt = time.perf_counter() - t0
        chars = sum(map(len, unseen))
        print(f"cold (unseen words, {chars} chars): {dt / chars * 1e9:.0f} µs per 1,000 characters")

    chars = n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        for t in DRAFTS:
            advise(t)
            chars += len(t)
            n += 1
    dt = time.perf_counter() - t0
    print(f"warm (drafts seen before, {n} calls): {dt / chars * 1e9:.0f} µs per 1,000 characters")


if __name__ == "__main__":
    main()
