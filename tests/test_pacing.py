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
