"""The embedded job backend: a thread pool inside the web process.

Good for one machine and for newcomers: nothing to install or start. Work survives a
restart because each job's state lives in the database; on the first request after a
start the backend asks every job for its unfinished work and runs it again.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from app.jobs.registry import REGISTRY, JobSpec, RetryLater


class InProcessBackend:
    """Runs jobs on a small thread pool (or synchronously, for tests and CLI use)."""

    def __init__(self, app: Flask, *, synchronous: bool = False) -> None:
        self.app = app
        self.synchronous = synchronous
        self._pool = None if synchronous else ThreadPoolExecutor(
            max_workers=app.config.get("JOBS_INPROCESS_WORKERS", 2), thread_name_prefix="job"
        )
        self._recovered = False
        self._lock = threading.Lock()

    def submit(self, spec: JobSpec, args: tuple, delay_s: float = 0) -> None:
        """Run the job now (synchronous), soon (pool) or after a delay (retry)."""
        if self.synchronous:
            self._run(spec, args)
        elif delay_s > 0:
            timer = threading.Timer(delay_s, self.submit, args=(spec, args))
            timer.daemon = True
            timer.start()
        else:
            self._pool.submit(self._run, spec, args)

    def _run(self, spec: JobSpec, args: tuple) -> None:
        with self.app.app_context():
            try:
                spec.func(*args)
            except RetryLater as retry:
                self.app.logger.warning("job %s%r will retry in %ss: %s", spec.name, args, retry.delay_s, retry.reason)
                if not self.synchronous:
                    self.submit(spec, args, delay_s=retry.delay_s)
            except Exception:
                self.app.logger.exception("job %s%r crashed", spec.name, args)

    def recover_once(self) -> None:
        """Recover unfinished work the first time it is called (hooked to the first request)."""
        if self._recovered:
            return
        with self._lock:
            if self._recovered:
                return
            self._recovered = True
        self.recover()

    def recover(self) -> int:
        """Resubmit every job's unfinished work; returns how many jobs were submitted."""
        count = 0
        for spec in REGISTRY.values():
            if spec.unfinished is None:
                continue
            with self.app.app_context():
                pending = list(spec.unfinished())
            for args in pending:
                self.submit(spec, tuple(args))
                count += 1
        if count:
            self.app.logger.info("resumed %d unfinished job(s)", count)
        return count

    def shutdown(self) -> None:
        """Wait for running jobs to finish (tests and clean exits)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
