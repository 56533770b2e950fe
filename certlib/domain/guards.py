"""The guard record shared by the transition tables: a named predicate that explains a failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Ctx = TypeVar("Ctx")


@dataclass(frozen=True)
class Guard(Generic[Ctx]):
    """``check(ctx)`` returns None when the guard holds, else a short explanation of what failed."""

    name: str
    check: Callable[[Ctx], str | None]

    def failure(self, ctx: Ctx) -> str | None:
        detail = self.check(ctx)
        return None if detail is None else f"guard '{self.name}' failed: {detail}"


@dataclass(frozen=True)
class ActionCheck:
    """The answer to "may I?": the action, whether it is allowed, and if not why not."""

    action: str
    allowed: bool
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "allowed": self.allowed, "reason": self.reason}
