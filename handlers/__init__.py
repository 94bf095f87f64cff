"""Inbound transport, kept thin: webhook routes and the work chat's router."""

from handlers.context import SERVICES

__all__ = ["SERVICES"]
