"""The intake's claim cursor (`bot.queue.Cursor`): claims start past the last claimed row, and a claim from the start
comes every `rescan` seconds for what the cursor passed by — repeated while it finds a full batch of such rows,
never while it only finds what the cursor would take anyway."""

from __future__ import annotations

import time
from typing import Any

from bot.queue import Cursor


def rows(*ids: int) -> list[dict[str, Any]]:
    return [{"id": i} for i in ids]


def test_claims_start_past_the_last_claimed_row_and_never_go_back() -> None:
    cursor = Cursor(rescan=3600)
    assert cursor.start() == 0
    cursor.claimed(rows(1, 2, 3), limit=3)
    assert cursor.start() == 4
    cursor.claimed(rows(), limit=3)  # caught up: the next claim still starts at the cursor
    assert cursor.start() == 4


def test_a_rescan_goes_on_while_it_finds_rows_the_cursor_passed_by() -> None:
    cursor = Cursor(rescan=0.0)
    cursor.low = 100  # rows below were passed by: held by a replica that died, say
    assert cursor.start() == 0
    cursor.claimed(rows(7, 8, 9), limit=3)
    assert cursor.start() == 0, "a full batch of passed-by rows: go on from the start"
    cursor.claimed(rows(10), limit=3)
    assert cursor.low == 100


def test_a_rescan_that_reaches_the_cursor_hands_back_to_it() -> None:
    cursor = Cursor(rescan=3600)
    cursor.claimed(rows(1, 2, 3), limit=3)
    cursor._scanned = time.monotonic() - 7200  # the rescan is due
    assert cursor.start() == 0
    cursor.claimed(rows(4, 5, 6), limit=3)  # a drain: the rescan only found the cursor's own rows
    assert cursor.start() == 7, "a drain does not fall back to walking from the start"
