"""The embedded job backend: thread pool, retries with backoff, recovery after a restart."""

from __future__ import annotations

import threading

from app.jobs.inprocess import InProcessBackend
from app.jobs.registry import JobSpec, RetryLater


def test_inprocess_backend_runs_jobs_in_app_context_and_retries(app):
    calls: list[int] = []
    done = threading.Event()

    def flaky(number: int) -> None:
        calls.append(number)
        if len(calls) < 3:
            raise RetryLater(0.01, "not yet")
        done.set()

    backend = InProcessBackend(app)
    backend.submit(JobSpec(name="test.flaky", func=flaky), (7,))
    assert done.wait(5)
    backend.shutdown()
    assert calls == [7, 7, 7]


def test_inprocess_backend_recovers_unfinished_work(app, monkeypatch):
    from app.jobs import registry

    seen: list[tuple] = []
    spec = JobSpec(name="test.recover", func=lambda *args: seen.append(args), unfinished=lambda: [("a",), ("b",)])
    monkeypatch.setitem(registry.REGISTRY, spec.name, spec)
    backend = InProcessBackend(app, synchronous=True)
    assert backend.recover() >= 2
    assert ("a",) in seen and ("b",) in seen
