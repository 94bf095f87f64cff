"""The contract every platform keeps, checked against its emulator over real HTTP.

The core trusts a platform for five things: an event means what it says, a capability makes exactly
its API call, a retried action does no harm, an error says honestly whether retrying helps, and the
same delivery always gets the same event id (so the inbox can drop repeats).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.domain import Capability, Item, ItemSeen
from bot.platform import InboundCall, PlatformError, Recent, Store
from tests.platform_harness import HARNESSES, Expected


@pytest_asyncio.fixture(params=sorted(HARNESSES))
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    started = await HARNESSES[request.param]().start()
    yield started
    await started.close()


async def _act(harness: Any, capability: Capability, item: Item) -> None:
    platform = harness.platform
    if capability is Capability.DELETE:
        await platform.delete(item, reason=None)
    elif capability is Capability.RESTORE:
        await platform.delete(item, reason=None)  # only a deleted item can be restored
        await platform.restore(item)
    elif capability is Capability.BAN:
        await platform.ban(item, days=platform.ban_terms[0], reason="spam", comment="Нарушение правил")
    elif capability is Capability.UNBAN:
        await platform.ban(item, days=platform.ban_terms[0], reason="spam", comment="Нарушение правил")
        await platform.unban(item)
    else:
        await platform.reply(item, "Спасибо, передали в отдел.", key=item.id)


def _made(calls: list[dict], expected: Expected) -> list[dict]:
    return [c for c in calls if c["method"] == expected.method
            and all(str(c["params"].get(k)) == v for k, v in expected.params.items())]


async def test_every_event_kind_means_what_it_says(harness: Any) -> None:
    for sample in harness.samples():
        event = harness.platform.parse(sample.event_type, sample.payload, harness.account.id)
        assert isinstance(event, sample.expect), (sample.event_type, event)
        if isinstance(event, ItemSeen):
            assert event.draft.kind == sample.kind and event.change == sample.change
            assert event.draft.network == harness.network and event.draft.account_id == harness.account.id
            assert harness.platform.kind(event.draft.kind).name_ru  # every kind has words for the card


async def test_each_capability_makes_exactly_its_api_call(harness: Any) -> None:
    from tests.platform_harness import KINDS_OF

    for kind in KINDS_OF[harness.network]:
        spec = harness.platform.kind(kind)
        for capability in sorted(spec.can):
            item = await harness.item(kind)
            before = len(harness.calls())
            await _act(harness, capability, item)
            calls = harness.calls()[before:]
            assert not [c for c in calls if "error" in c], (kind, capability, calls)
            for expected in harness.expected(capability, item):
                assert len(_made(calls, expected)) == 1, (kind, capability, expected, calls)


async def test_what_the_network_cannot_do_is_refused_not_pretended(harness: Any) -> None:
    from tests.platform_harness import KINDS_OF

    for kind in KINDS_OF[harness.network]:
        spec = harness.platform.kind(kind)
        for capability in set(Capability) - set(spec.can):
            item = await harness.item(kind)
            before = len(harness.calls())
            with pytest.raises(PlatformError):
                await _act(harness, capability, item)
            made = harness.calls()[before:]
            assert all(c["method"] != harness.delete_method(item) or capability in (Capability.RESTORE,
                                                                                     Capability.UNBAN) for c in made)
        if not spec.allows(Capability.BAN):
            assert spec.conversation or spec.ban_deletes_only is False


async def test_a_retried_deletion_does_no_harm(harness: Any) -> None:
    from tests.platform_harness import KINDS_OF

    for kind in KINDS_OF[harness.network]:
        if not harness.platform.kind(kind).allows(Capability.DELETE):
            continue
        item = await harness.item(kind)
        await harness.platform.delete(item, reason=None)
        await harness.platform.delete(item, reason=None)  # a retry after a lost answer: already done, not an error


async def test_errors_say_whether_retrying_helps(harness: Any) -> None:
    item = await harness.item("message" if harness.network == "vk" else "topic_comment")
    method = harness.expected(Capability.REPLY, item)[0].method
    harness.fail_next(method, harness.transient_code)
    with pytest.raises(PlatformError) as caught:
        await harness.platform.reply(item, "Ответ", key=1)
    assert caught.value.transient and not caught.value.uncertain
    harness.fail_next(method, harness.permanent_code)
    with pytest.raises(PlatformError) as caught:
        await harness.platform.reply(item, "Ответ", key=2)
    assert not caught.value.transient
    card = caught.value.for_card()
    assert f"(код {harness.network.upper()} {harness.permanent_code})" in card
    assert any("а" <= ch <= "я" for ch in card.lower()), "the card explains it in Russian"


async def test_the_same_delivery_gets_the_same_event_id(harness: Any) -> None:
    for sample in harness.samples():
        if harness.network == "ok" and sample.event_type == "topic_comment":
            continue  # polled, not pushed: see the poll check below
        payload = dict(sample.payload)
        if harness.network == "vk":
            payload |= {"type": sample.event_type, "event_id": "e" * 40, "group_id": harness.account.id,
                        "secret": harness.account.settings.secret}
        outcomes = [await harness.platform.inbound(InboundCall(harness.account, "", {}, "127.0.0.1", dict(payload)))
                    for _ in range(2)]
        assert all(isinstance(o, Store) for o in outcomes), outcomes
        assert outcomes[0].event_id == outcomes[1].event_id
        assert "secret" not in outcomes[0].payload
    if harness.network == "ok":
        for _ in range(2):
            await harness.item("topic_comment")
    steps: list[list[str]] = []
    for _ in range(2):
        poll = harness.platform.poll(harness.account, {})
        if poll is None:
            return
        steps.append([e.event_id for step in [s async for s in poll] for e in step.events])
    assert steps[0] == steps[1] and steps[0], "polling from the same cursor finds the same events, by the same ids"


async def test_a_name_is_asked_once_and_the_memory_of_names_is_bounded(harness: Any) -> None:
    """The network is asked for a name once; but a spam wave from tens of thousands of new accounts must not grow
    the process without end, so only the most recent names are kept, and one pushed out is asked for again."""
    platform, account_id = harness.platform, harness.account.id
    platform._names.size = 2  # instead of tens of thousands

    def asked() -> int:
        return sum(1 for c in harness.calls() if c["method"] == harness.names_method)

    people = [harness.add_person(n, "Анна", f"Сидорова-{n}") for n in range(3)]
    assert await platform.names(account_id, people) == {p: f"Анна Сидорова-{n}" for n, p in enumerate(people)}
    before = asked()
    assert await platform.names(account_id, people[1:]) == {people[1]: "Анна Сидорова-1", people[2]: "Анна Сидорова-2"}
    assert asked() == before, "the two most recent names are remembered"
    assert await platform.names(account_id, people[:1]) == {people[0]: "Анна Сидорова-0"}
    assert asked() == before + 1, "the first, pushed out by the later ones, is asked for again"
    assert len(platform._names) == 2
    more = [harness.add_person(n, "Анна", f"Сидорова-{n}") for n in (3, 4)]
    everyone = people[:1] + people[2:] + more  # two remembered names and two to fetch, which push them out
    assert await platform.names(account_id, everyone) == {
        p: f"Анна Сидорова-{n}" for n, p in zip((0, 2, 3, 4), everyone, strict=True)}, "a call answers them all"


async def test_a_batch_names_more_people_than_one_request_may_ask_for(harness: Any) -> None:
    """A spam wave's batch may bring more new accounts than one users.get(Info) may name: every one is named,
    in as few requests as the network allows."""
    platform, account_id = harness.platform, harness.account.id
    people = [harness.add_person(n, "Пётр", f"Волков-{n}") for n in range(harness.users_per_call + 3)]
    before = sum(1 for c in harness.calls() if c["method"] == harness.names_method)
    named = await platform.names(account_id, people)
    assert named == {p: f"Пётр Волков-{n}" for n, p in enumerate(people)}
    assert sum(1 for c in harness.calls() if c["method"] == harness.names_method) == before + 2


async def test_a_failed_name_request_asks_no_more_and_costs_only_names(harness: Any) -> None:
    """Each request may wait out the network's timeout: after one fails the batch goes on unnamed rather than
    spend its lease on the next chunks; a later batch asks again."""
    platform, account_id = harness.platform, harness.account.id
    people = [harness.add_person(n, "Ольга", f"Зайцева-{n}") for n in range(harness.users_per_call + 1)]
    before = sum(1 for c in harness.calls() if c["method"] == harness.names_method)
    harness.fail_next(harness.names_method, harness.transient_code)
    assert await platform.names(account_id, people) == {}
    assert sum(1 for c in harness.calls() if c["method"] == harness.names_method) == before + 1
    assert await platform.names(account_id, people[:1]) == {people[0]: "Ольга Зайцева-0"}


def test_recent_keeps_the_last_added_keys() -> None:
    recent: Recent[str, int] = Recent(2)
    recent["a"], recent["b"] = 1, 2
    recent["a"] = 3  # a new value for a key held keeps its place
    recent["c"] = 4
    assert recent == {"b": 2, "c": 4}
