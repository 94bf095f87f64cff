"""Fault experiments (`make faults`): the real service in its own process, the emulators in another, and PostgreSQL,
driven over loopback HTTP while things break: the service killed with -9, PostgreSQL stopped and frozen, a fuzz of
malformed and forged requests, Telegram and VK error storms, two replicas pressed at once.

Each experiment prints a table of what it promised and what it measured; `python -m faults.run` exits non-zero
when a promise is broken. Run one with `python -m faults.run kill` (names: `python -m faults.run --list`).
"""
