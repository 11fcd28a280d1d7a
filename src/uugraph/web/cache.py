"""Memory the server keeps between requests: rendered documents and query answers.

The store never changes while the server runs, so nothing here is ever
invalidated; both caches are bounded (entries, or bytes) and drop the least
recently used first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, cast


class LRU(OrderedDict):
    """At most ``size`` values by key; :meth:`get_or` makes a missing one."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def recall(self, key: object) -> Any:
        """The value kept for ``key`` (now the most recently used), or None."""
        if key in self:
            self.move_to_end(key)
            return self[key]
        return None

    def get_or(self, key: object, make: Callable[[], Any]) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class ResultCache:
    """Answers by (query, Accept), bounded in bytes: the store never changes while the server runs.

    An entry larger than an eighth of the budget is not kept; the least
    recently used entries go first.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.entries: OrderedDict[tuple[str, str | None], dict[str, object]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: tuple[str, str | None]) -> dict[str, object] | None:
        reply = self.entries.get(key)
        if reply is None:
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return reply

    def put(self, key: tuple[str, str | None], reply: dict[str, object]) -> None:
        size = len(reply["body"]) + len(key[0]) + 256  # type: ignore[arg-type]
        if self.budget <= 0 or size > self.budget // 8 or key in self.entries:
            return
        reply["size"] = size
        self.entries[key] = reply
        self.used += size
        while self.used > self.budget:
            _, old = self.entries.popitem(last=False)
            self.used -= cast(int, old["size"])
