"""Celery entry point: `celery -A app.jobs.worker:celery worker -Q images,video,default`.

Builds the Flask app from the environment (set JOBS_BACKEND=celery and CELERY_BROKER_URL)
so tasks run with the same config, database and storage as the web processes.
"""

from app import create_app

flask_app = create_app()
celery = flask_app.extensions["jobs"].celery
