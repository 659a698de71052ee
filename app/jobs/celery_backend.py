"""The scale-out job backend: the same registered jobs as Celery tasks on Redis.

Tasks acknowledge late and are re-queued if their worker dies, so a transcode killed
half-way runs again; the broker's visibility timeout must be longer than the longest
job (JOBS_VISIBILITY_TIMEOUT_S) or Redis would hand a running job to a second worker.
Each job names its queue ("images", "video", "default") so a long video never delays
thumbnails: run separate workers per queue.
"""

from __future__ import annotations

from celery import Celery
from flask import Flask

from app.jobs.registry import REGISTRY, JobSpec, RetryLater


def make_celery(app: Flask) -> Celery:
    """A Celery app configured from the Flask config, with every registered job as a task."""
    celery = Celery(app.import_name, broker=app.config["CELERY_BROKER_URL"])
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="default",
        task_create_missing_queues=True,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": app.config["JOBS_VISIBILITY_TIMEOUT_S"]},
        worker_hijack_root_logger=False,
    )
    for spec in REGISTRY.values():
        _register_task(celery, app, spec)
    return celery


def _register_task(celery: Celery, app: Flask, spec: JobSpec) -> None:
    @celery.task(name=spec.name, bind=True, queue=spec.queue, max_retries=None)
    def run(task, *args):
        with app.app_context():
            try:
                spec.func(*args)
            except RetryLater as retry:
                raise task.retry(countdown=retry.delay_s) from retry


class CeleryBackend:
    """Sends jobs to Celery workers through the broker."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.celery = make_celery(app)

    def submit(self, spec: JobSpec, args: tuple, delay_s: float = 0) -> None:
        """Queue the job on its queue."""
        self.celery.send_task(spec.name, args=list(args), queue=spec.queue, countdown=delay_s or None)

    def recover(self) -> int:
        """Workers recover by themselves (late acks); `flask media retry` covers the rest."""
        return 0
