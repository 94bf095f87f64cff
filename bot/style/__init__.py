"""Style advice on a department's draft post before a coordinator approves it (ordinance cl. 2.5:
conversational style, no press releases, no канцелярит).

Rules, word lists and pymorphy3's dictionary only: no network, no models, deterministic.  Every hit
carries its span in the original text, what is wrong and a plain rewrite, so the coordinator can
see why; nothing here ever blocks a post.

    >>> from bot.style import advise
    >>> advise("Данное мероприятие проведено в рамках программы.").summary_ru
    'Канцелярит: 3, пассив: 1, штампы пресс-релиза: 1'
"""

from .advise import advise
from .morph import analyzer as _analyzer
from .result import KIND_TITLES_RU, KINDS, Advice, Hit, Readability


def load() -> None:
    """Read pymorphy3's dictionaries now rather than on the first ``advise()`` (for a service's start-up)."""
    _analyzer()


__all__ = ["KINDS", "KIND_TITLES_RU", "Advice", "Hit", "Readability", "advise", "load"]
