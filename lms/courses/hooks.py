"""Extension points of the course page, so other features can add to it without
``courses`` importing them (the quizzes feature lists its quizzes here)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class OutlineItem:
    """Something listed under a module (``module_id``) or after all modules (None)."""

    module_id: int | None
    title: str
    url: str
    meta: str
    done: bool


outline_item_providers: list[Callable] = []


def outline_items(user, course) -> dict[int | None, list[OutlineItem]]:
    grouped: dict[int | None, list[OutlineItem]] = {}
    for provider in outline_item_providers:
        for item in provider(user, course):
            grouped.setdefault(item.module_id, []).append(item)
    return grouped
