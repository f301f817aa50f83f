"""Kominfo reports: read-only aggregates over every feature's data, and their exports."""
