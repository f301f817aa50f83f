"""Kominfo reports: read-only aggregates over every feature's data, and their exports.

Importing the package registers the rollup's upkeep (lms/reports/rollup.py): the schema hook
that installs its triggers and the commit hook that applies queued changes.
"""
from lms.reports import rollup  # noqa: F401
