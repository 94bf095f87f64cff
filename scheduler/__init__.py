"""Time-driven work: the leader lock, the pollers of networks without push, and the periodic jobs."""

from scheduler.jobs import start_scheduler
from scheduler.leader import lead
from scheduler.pollers import poll_loop

__all__ = ["lead", "poll_loop", "start_scheduler"]
