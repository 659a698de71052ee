"""Background jobs: a registry of named jobs and `enqueue()`, which runs after commit.

Jobs take ids, never objects, and must be idempotent: a backend may run one twice
(a worker killed mid-job, a retry). The backend is chosen by JOBS_BACKEND:

- "inprocess" (the embedded default): a small thread pool inside the web process; on the
  first request it also picks up work a previous process left unfinished;
- "sync": the same, but run at once in the caller's thread (tests, CLI);
- "celery": Celery workers on Redis, one queue per kind of work (celery_backend.py).
"""

from __future__ import annotations

from flask import Flask, current_app

from app.core.transactions import after_commit
from app.jobs.celery_backend import CeleryBackend
from app.jobs.inprocess import InProcessBackend
from app.jobs.registry import REGISTRY, JobSpec, RetryLater, job

__all__ = ["REGISTRY", "JobSpec", "RetryLater", "enqueue", "init_jobs", "job", "submit_now"]


def enqueue(name: str, *args) -> None:
    """Run job `name` with `args` once the current transaction commits."""
    if name not in REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    app = current_app._get_current_object()
    after_commit(lambda: submit_now(app, name, args))


def submit_now(app: Flask, name: str, args: tuple) -> None:
    """Hand a job to the configured backend immediately (no transaction involved)."""
    app.extensions["jobs"].submit(REGISTRY[name], args)


def init_jobs(app: Flask) -> None:
    """Create this app's job backend from JOBS_BACKEND."""
    backend_name = app.config.get("JOBS_BACKEND", "inprocess")
    if backend_name == "celery":
        backend = CeleryBackend(app)
    elif backend_name in ("inprocess", "sync"):
        backend = InProcessBackend(app, synchronous=backend_name == "sync")
        if backend_name == "inprocess":
            app.before_request(backend.recover_once)
    else:
        raise ValueError(f"JOBS_BACKEND must be 'inprocess', 'sync' or 'celery', not {backend_name!r}")
    app.extensions["jobs"] = backend
