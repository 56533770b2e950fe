"""The guard record shared by the transition tables: a named predicate that explains a failure.

A refusal has two faces: the technical text (``guard 'reason required' failed: a reason is required``)
that the audit, the log and the exception message keep, and a sentence for people ("Enter a reason for
the recertification request.") that the apps show. :class:`Why` carries both: it *is* the technical
string (so every caller that logs, compares or stores it is unchanged) and has ``says``, the sentence.
Each guard keeps its sentence beside it in the domain table (``Guard.says``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Ctx = TypeVar("Ctx")


class Why(str):
    """A refusal reason: the technical text (the ``str`` itself) and ``says``, the sentence for people."""

    says: str

    def __new__(cls, technical: str, says: str) -> Why:
        obj = super().__new__(cls, technical)
        obj.says = says
        return obj

    def __reduce__(self):
        return (Why, (str(self), self.says))


def says(reason: object) -> str:
    """The sentence for people of a refusal reason (a :class:`Why`, a :class:`~certlib.errors.Refused`
    or plain text); plain text without a sentence is shown as it is. '' for None/empty."""
    if reason is None:
        return ""
    sentence = getattr(reason, "says", None)
    if isinstance(sentence, str) and sentence:
        return sentence
    inner = getattr(reason, "reason", None)  # a Refused whose reason carries the sentence
    if inner is not None and inner is not reason:
        return says(inner)
    return str(reason)


@dataclass(frozen=True)
class Guard(Generic[Ctx]):
    """``check(ctx)`` returns None when the guard holds, else a short explanation of what failed.

    ``says`` is the sentence a person reads when the guard fails (what to do, in their words)."""

    name: str
    check: Callable[[Ctx], str | None]
    says: str = ""

    def failure(self, ctx: Ctx) -> Why | None:
        detail = self.check(ctx)
        if detail is None:
            return None
        return Why(f"guard '{self.name}' failed: {detail}", self.says or f"Not possible now: {detail}.")


@dataclass(frozen=True)
class ActionCheck:
    """The answer to "may I?": the action, whether it is allowed, and if not why not."""

    action: str
    allowed: bool
    reason: str | None = None

    @property
    def says(self) -> str:
        """Why not, in people's words ('' when allowed)."""
        return "" if self.allowed else (says(self.reason) or "Not allowed.")

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "allowed": self.allowed, "reason": self.reason, "says": self.says}
