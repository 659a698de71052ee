"""Shared fixtures: one app per test run, a clean database and outbox for every test.

The database is SQLite in a temporary folder by default, or the PostgreSQL database
named by TEST_DATABASE_URL. Tests commit like real requests do, so the tables are
emptied before each test instead of rolling back (live-server tests need committed rows).
"""

from __future__ import annotations

import re
import shutil
import threading
from datetime import date

import pytest
from sqlalchemy import event, text
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from app.auth.models import Role, User, UserRole
from app.auth.rules import canonical_email
from app.contest.seed import seed_first_contest
from app.core.mail import read_outbox
from app.core.timeutil import utcnow
from app.extensions import db, limiter
from config import TestConfig

pytest_plugins = ["tests.s3_fixtures"]

DEFAULT_PASSWORD = "hoa sen nở trên đầm 2025"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app under test, with its schema created once."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(TestConfig(instance_dir=instance))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_state(app):
    """Empty tables, outbox and rate-limit counters before each test."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
    outbox_dir = app.config["MAIL_OUTBOX_DIR"]
    if outbox_dir.exists():
        for path in outbox_dir.glob("*.json"):
            path.unlink()
    media_root = app.config["MEDIA_ROOT"]
    if media_root.exists():
        shutil.rmtree(media_root)
    limiter.reset()
    yield


@pytest.fixture
def app_ctx(app):
    """An application context for service-level tests; the session is discarded afterwards."""
    with app.test_request_context():
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """A callable returning the mails written so far, oldest first."""
    return lambda: read_outbox(app.config["MAIL_OUTBOX_DIR"])


@pytest.fixture
def make_user(app):
    """Factory: a committed, verified user (override any field with keywords)."""
    counter = iter(range(1, 10_000))

    def make(*, password: str = DEFAULT_PASSWORD, roles: tuple[Role, ...] = (), **fields) -> User:
        n = next(counter)
        email = fields.pop("email", f"user{n}@example.com")
        values = dict(
            email=email,
            email_canonical=canonical_email(email),
            password_hash=generate_password_hash(password),
            full_name=f"Nguyễn Văn Thử {n}",
            birth_date=date(1990, 5, 17),
            nationality="VN",
            locale="vi",
            session_version=1,
            email_verified_at=utcnow(),
        )
        values.update(fields)
        with app.app_context():
            user = User(**values)
            user.roles = [UserRole(role=role) for role in roles]
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def seeded_contest(app):
    """The first contest, seeded as `make run` does."""
    with app.app_context():
        contest, _ = seed_first_contest()
        db.session.commit()
        slug = contest.slug
    return slug


CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token from a rendered form."""
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class AuthActions:
    """Log in and out through the real pages, CSRF included."""

    def __init__(self, client):
        self._client = client

    def csrf(self, path: str = "/auth/login") -> str:
        return csrf_from(self._client.get(path).get_data(as_text=True))

    def login(self, email: str, password: str = DEFAULT_PASSWORD, remember: bool = False):
        data = {"email": email, "password": password, "csrf_token": self.csrf()}
        if remember:
            data["remember_me"] = "y"
        return self._client.post("/auth/login", data=data)

    def logout(self):
        return self._client.post("/auth/logout", data={"csrf_token": self.csrf("/")})


@pytest.fixture
def auth(client):
    return AuthActions(client)


class LiveServer:
    """The app served over real HTTP on a free local port, in a background thread."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


class QueryCounter:
    """Counts SQL statements run on the app's engine while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """A context manager counting the SQL statements a block runs."""
    with app.app_context():
        engine = db.engine
    return lambda: QueryCounter(engine)
