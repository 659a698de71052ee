"""The registry of named background jobs and the exception a job raises to be retried."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


class RetryLater(Exception):
    """Raised by a job that failed in a way worth retrying after `delay_s` seconds."""

    def __init__(self, delay_s: float, reason: str = "") -> None:
        self.delay_s = delay_s
        self.reason = reason
        super().__init__(f"retry in {delay_s}s: {reason}")


@dataclass(frozen=True)
class JobSpec:
    """A registered job: its function, its queue, and how to find unfinished work."""

    name: str
    func: Callable[..., None]
    queue: str = "default"
    # Returns the argument tuples of work left unfinished, for recovery after a restart.
    unfinished: Callable[[], Iterable[tuple]] | None = None


REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, queue: str = "default", unfinished: Callable[[], Iterable[tuple]] | None = None):
    """Register a function as a background job under a stable name."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        REGISTRY[name] = JobSpec(name=name, func=func, queue=queue, unfinished=unfinished)
        return func

    return register
