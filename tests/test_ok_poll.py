"""The OK poller's reading of a group, against the emulator: cursors carried from poll to poll as the service
stores them, counters that do not move, and topics OK refuses to read."""

from __future__ import annotations

from typing import Any

from platforms.ok.poll import STARTED, SWEEP_EVERY
from tests.platform_harness import OkHarness


async def poll(harness: OkHarness, cursors: dict[str, Any]) -> list[str]:
    """One poll, storing its cursors as the service would; returns the texts of the comments found."""
    found = []
    steps = harness.platform.poll(harness.account, cursors)
    assert steps is not None
    async for step in steps:
        cursors[step.scope] = step.cursor
        found += [event.payload["comment"]["text"] for event in step.events]
    return found


async def test_a_deletion_and_a_new_comment_between_polls_are_caught_by_the_sweep() -> None:
    harness = await OkHarness().start()
    try:
        ok = harness.ok
        topics = [harness.topic] + [ok.add_topic(f"Новость {n}") for n in range(5)]  # the first is the oldest
        for topic in topics:
            ok.add_comment(topic, harness.CITIZEN, f"Старый комментарий к {topic}")
        cursors: dict[str, Any] = {}
        assert len(await poll(harness, cursors)) == len(topics)  # backfill: the history is read once
        assert await poll(harness, cursors) == []
        # Under the oldest topic (not among the newest read every time) one comment goes, another comes:
        # its counter is as it was.
        [old] = [c for t in ok.snapshot()["topics"] if t["id"] == harness.topic for c in t["comments"]]
        ok.state.topics[harness.topic].find(old["id"]).state = "deleted"  # type: ignore[union-attr]
        ok.add_comment(harness.topic, harness.CITIZEN, "Новый под старой записью")
        found: list[str] = []
        for _ in range(SWEEP_EVERY):
            found += await poll(harness, cursors)
        assert found == ["Новый под старой записью"], "found by the sweep, once"
        assert cursors[STARTED]["polls"] >= SWEEP_EVERY
    finally:
        await harness.close()


async def test_a_topic_ok_refuses_does_not_stop_the_others() -> None:
    harness = await OkHarness().start()
    try:
        ok = harness.ok
        second = ok.add_topic("Вторая запись")
        cursors: dict[str, Any] = {}
        await poll(harness, cursors)
        ok.add_comment(harness.topic, harness.CITIZEN, "Под первой")
        ok.add_comment(second, harness.CITIZEN, "Под второй")
        ok.fail_next("discussions.getComments", 300)  # the newest topic was deleted since it was listed
        assert await poll(harness, cursors) == ["Под первой"]
        assert await poll(harness, cursors) == ["Под второй"], "read on the next poll, from where it stopped"
    finally:
        await harness.close()
