"""The week as a picture: per day, what came in by label, and what was decided. People would rather look than
read. Drawn with matplotlib's Agg backend and its bundled fonts (Cyrillic included): offline, no display."""

from __future__ import annotations

import io
from datetime import date, timedelta

LABEL_RU = {"clean": "без меток", "spam": "спам", "obscene": "мат", "insult": "оскорбление",
            "illegal": "противоправное"}
DECISION_RU = {"delete": "удалено", "ban": "заблокировано", "approve": "оставлено", "handled": "обработано",
               "reply": "отвечено"}
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
COLOURS = {"clean": "#9aa5b1", "spam": "#e0a100", "obscene": "#c0392b", "insult": "#8e44ad", "illegal": "#2c3e50",
           "delete": "#c0392b", "ban": "#7b241c", "approve": "#27ae60", "handled": "#16a085", "reply": "#2980b9"}


def week_png(days: dict[date, dict[str, dict[str, int]]], first: date, *, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    dates = [first + timedelta(days=n) for n in range(7)]
    labels = [f"{WEEKDAYS[d.weekday()]} {d:%d.%m}" for d in dates]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), dpi=110, sharex=True)
    for axis, part, words in ((top, "labels", LABEL_RU), (bottom, "decisions", DECISION_RU)):
        base = [0] * 7
        for key, word in words.items():
            values = [days.get(d, {}).get(part, {}).get(key, 0) for d in dates]
            if not any(values):
                continue
            axis.bar(labels, values, bottom=base, label=word, color=COLOURS[key])
            base = [b + v for b, v in zip(base, values, strict=True)]
        axis.set_ylim(0, max(1.0, max(base) * 1.3))  # room for the legend above the tallest bar
        axis.legend(loc="upper left", fontsize=8, frameon=False, ncol=5)
        axis.spines[["top", "right"]].set_visible(False)
        axis.yaxis.get_major_locator().set_params(integer=True)
    top.set_title(title, fontsize=12)
    top.set_ylabel("пришло")
    bottom.set_ylabel("решено")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return out.getvalue()
