"""The application factory: a short list of named configuration steps."""

from __future__ import annotations

import sqlite3

from flask import Flask, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app import api
from app.admin import bp as admin_bp
from app.audit import bp as audit_bp
from app.auth import bp as auth_bp
from app.auth.cli import cli_bp as users_cli_bp
from app.auth.rules import PASSWORD_MIN
from app.auth.services import load_user_from_session_id
from app.contest import bp as contest_bp
from app.core import bp as core_bp
from app.core.errors import register_error_handlers, render_error
from app.core.i18n import (
    current_locale,
    format_local_date,
    format_local_datetime,
    format_local_deadline,
    localized_in_template,
    select_locale,
    template_translations,
)
from app.core.security import register_security_headers
from app.entries import bp as entries_bp
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.gallery import bp as gallery_bp
from app.jobs import init_jobs
from app.jury import bp as jury_bp
from app.media import bp as media_bp
from app.storage import storage_from_config
from config import BASE_DIR, Config, config_from_environment


def create_app(config: Config | None = None) -> Flask:
    """Build an app for the given config (from the environment when none is given)."""
    config = config or config_from_environment()
    config.validate()
    app = Flask(
        __name__,
        instance_path=str(config.INSTANCE_DIR),
        static_folder=str(BASE_DIR / "static"),
        template_folder=str(BASE_DIR / "templates"),
    )
    app.config.from_object(config)
    configure_proxy(app)
    configure_database(app)
    configure_login(app)
    configure_i18n(app)
    configure_security(app)
    configure_storage(app)
    register_blueprints(app)
    init_jobs(app)
    register_error_handlers(app)
    register_template_helpers(app)
    return app


def configure_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* only from the configured number of proxies."""
    hops = app.config["TRUSTED_PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)


def configure_database(app: Flask) -> None:
    """SQLAlchemy and Alembic; SQLite gets WAL and foreign keys on every connection."""
    app.config["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL keeps the database consistent after a crash and only risks the
        # last transactions on power loss; FULL would fsync on every commit (SQLite's advice).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def configure_login(app: Flask) -> None:
    """Flask-Login with sessions that end when the password changes."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_from_session_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return render_error(401)
        flash(str(login_manager.login_message), "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def configure_i18n(app: Flask) -> None:
    """Flask-Babel with Vietnamese as the default language."""
    babel.init_app(app, locale_selector=select_locale)


def configure_security(app: Flask) -> None:
    """CSRF on every state change, rate limits, and security headers."""
    csrf.init_app(app)
    limiter.init_app(app)
    register_security_headers(app)


def configure_storage(app: Flask) -> None:
    """The storage backend for media, chosen by STORAGE_BACKEND."""
    app.extensions["storage"] = storage_from_config(app.config)


def register_blueprints(app: Flask) -> None:
    """Feature blueprints, the JSON API and CLI groups."""
    app.register_blueprint(core_bp)
    app.register_blueprint(media_bp, cli_group="media")
    app.register_blueprint(contest_bp, cli_group="contest")
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(entries_bp)
    app.register_blueprint(users_cli_bp)
    app.register_blueprint(audit_bp, cli_group="audit")
    app.register_blueprint(admin_bp)
    app.register_blueprint(jury_bp, cli_group="jury")
    app.register_blueprint(gallery_bp, cli_group="gallery")
    api.init_api(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates use for language and time."""
    app.jinja_env.filters["localdt"] = format_local_datetime
    app.jinja_env.filters["localdeadline"] = format_local_deadline
    app.jinja_env.filters["localdate"] = format_local_date
    app.jinja_env.filters["loc"] = localized_in_template
    app.context_processor(template_translations)

    @app.context_processor
    def inject_globals():
        return {
            "languages": app.config["LANGUAGES"],
            "current_locale": current_locale(),
            "current_user": current_user,
            "password_min": PASSWORD_MIN,
        }
