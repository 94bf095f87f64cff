"""Explainable Russian comment classifier: мат, insults, spam and illegal content.

Rules and lexicons, plus two small plain-text logistic-regression models (spam words; rudeness from
character n-grams, which only adds `insult` where the rules are silent): no network, deterministic.
Every flag carries the rule, the span in the original text and the normalised form, so a moderator
can see why.

    >>> from bot.classifier import Classifier
    >>> Classifier().classify("Дороги у нас полный пиздец").labels
    ('obscene',)
"""

from .classifier import Classifier
from .fingerprint import fingerprint
from .verdict import LABEL_TITLES_RU, LABELS, Reason, Verdict

__all__ = ["LABELS", "LABEL_TITLES_RU", "Classifier", "Reason", "Verdict", "fingerprint"]
