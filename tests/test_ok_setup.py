"""`gospablik ok setup`: the messages webhook subscribed through the Bot API, stale addresses of ours removed."""

from __future__ import annotations

from tests.platform_harness import OkHarness


async def test_setup_subscribes_once_and_cleans_up_our_old_addresses() -> None:
    from platforms.ok.setup import setup_webhook, webhook_url

    harness = await OkHarness().start()
    try:
        client = harness.platform.client  # type: ignore[attr-defined]
        base = "https://moder.admokt.ru"
        ours = webhook_url(base, harness.account)
        stale = f"{base}/webhooks/ok/{harness.account.id}/an-old-secret-0123456"
        foreign = "https://crm.example.ru/ok-hook"
        harness.ok.state.subscribe(stale)
        harness.ok.state.subscribe(foreign)

        report = await setup_webhook(client, harness.account, public_url=base)
        assert report.subscribed and report.removed == [stale] and report.foreign == [foreign]
        urls = [s["url"] for s in harness.ok.snapshot()["subscriptions"]]
        assert sorted(urls) == sorted([ours, foreign])
        assert ours.endswith("/secret-path-0123456789")
        calls = [c for c in harness.calls() if c["method"].startswith("graph.")]
        assert all(c["token"] == "group" and "response" in c for c in calls)

        again = await setup_webhook(client, harness.account, public_url=base, prune=True)
        assert not again.subscribed and again.removed == [foreign]
        assert [s["url"] for s in harness.ok.snapshot()["subscriptions"]] == [ours]
        assert "already subscribed" in again.describe()
    finally:
        await harness.close()
