"""The work chat's budget spread evenly: a short burst after a quiet spell, then one message every few seconds,
and never more than the window allows."""

from __future__ import annotations

import itertools

from bot.ratelimit import SlidingWindow


def simulate(window: SlidingWindow, now: list[float], wanted: int) -> list[float]:
    """Acquires `wanted` times as fast as the window lets, on a fake clock; returns when each went."""
    sent = []
    for _ in range(wanted):
        while (wait := window.delay()) > 0:
            now[0] += wait
        window.take()
        sent.append(now[0])
    return sent


def test_twenty_a_minute_go_as_a_short_burst_then_evenly() -> None:
    now = [1000.0]
    window = SlidingWindow(20, 60.0, burst=3, clock=lambda: now[0])
    sent = simulate(window, now, 60)
    assert sent[:3] == [1000.0] * 3
    gaps = [b - a for a, b in itertools.pairwise(sent[3:])]
    assert max(gaps) <= 60 / 17 + 1e-6  # the longest silence is one step, not most of a minute
    for i, start in enumerate(sent):  # and any 60 s holds at most 20
        assert sum(1 for s in sent[i:] if s < start + 60) <= 20


def test_without_burst_the_window_is_unpaced() -> None:
    now = [0.0]
    window = SlidingWindow(3, 60.0, clock=lambda: now[0])
    assert simulate(window, now, 4) == [0.0, 0.0, 0.0, 60.0]


def test_a_burst_as_large_as_the_limit_is_a_plain_window() -> None:
    now = [0.0]
    window = SlidingWindow(3, 60.0, burst=3, clock=lambda: now[0])
    assert simulate(window, now, 4) == [0.0, 0.0, 0.0, 60.0]


def test_cards_that_would_wait_long_for_their_turn_go_as_a_digest() -> None:
    """At 20 messages a minute a card's turn comes every ~3.5 s: four waiting cards go together rather than the
    last one shown 10 s later (the tail of a flood used to leave one card every few seconds, up to 23 s). A fast
    chat keeps the usual threshold."""
    from types import SimpleNamespace

    from bot.workchat.outbox import DIGEST_THRESHOLD, Outbox

    def threshold(per_minute: int) -> int:
        services = SimpleNamespace(config=SimpleNamespace(telegram=SimpleNamespace(messages_per_minute=per_minute)))
        return Outbox(services, chat=None).digest_threshold  # type: ignore[arg-type]

    assert threshold(20) == 4
    assert threshold(120) == DIGEST_THRESHOLD == threshold(1200)
    assert threshold(6) == 2, "however slow the chat, a card alone is never a digest"
    assert threshold(3) == DIGEST_THRESHOLD, "a budget no bigger than the burst is not paced"
