"""Search that ignores case and Vietnamese diacritics: "nghe an" finds "Nghệ An".

`fold_for_search` is the one definition of folding; features either fold stored text when they
write it (entries keep folded copies for the gallery's search) or fold in SQL with `folded_sql`.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import func


def _accented_letters() -> tuple[str, str]:
    """Every accented Latin letter Vietnamese uses (both cases) and its plain lower-case letter."""
    accented, plain = ["Đđ"], ["dd"]
    for code in range(0x00C0, 0x1EFA):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if char != base and base.isascii() and base.isalpha() and unicodedata.normalize("NFC", char) == char:
            accented.append(char)
            plain.append(base.lower())
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _accented_letters()
_FOLD_TABLE = str.maketrans(ACCENTED, PLAIN)


def fold_for_search(text: str | None) -> str:
    """Text in lower case without diacritics, as the search compares it ("Nguyễn" → "nguyen")."""
    return unicodedata.normalize("NFC", (text or "").strip()).lower().translate(_FOLD_TABLE)


def escape_like(text: str) -> str:
    """Text made literal inside a LIKE pattern that uses backslash as its escape character."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def folded_sql(column):
    """The column folded like fold_for_search, in SQL: lower() then translate() of accented letters.

    PostgreSQL has translate(); on SQLite call `lend_sqlite_translate(connection)` first.
    """
    return func.translate(func.lower(column), ACCENTED, PLAIN)


def _sqlite_translate(value: str | None, source: str, target: str) -> str | None:
    if value is None:
        return None
    return value.translate(_FOLD_TABLE if source == ACCENTED else str.maketrans(source, target))


def lend_sqlite_translate(dbapi_connection) -> None:
    """SQLite has no translate(); lend it Python's on this connection (development only)."""
    dbapi_connection.create_function("translate", 3, _sqlite_translate, deterministic=True)
