"""Evaluation and benchmark scripts (run with ``python -m bench.<name>`` from the repo root)."""
