"""Time-driven work: the leader lock and the periodic jobs that only the leader runs."""

from scheduler.jobs import start_scheduler
from scheduler.leader import lead

__all__ = ["lead", "start_scheduler"]
