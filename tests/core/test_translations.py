"""The Vietnamese catalog must translate every string the code and templates can show.

The strings are extracted at test time from the current sources with the same mapping
as `make messages` (babel.cfg, keywords `_l` and `lazy_gettext` on top of Babel's
defaults), so a new `_()` in a view or template fails here until it is translated.

To fix a failure: run `make messages`, fill in the msgstr of each listed msgid in
app/translations/vi/LC_MESSAGES/messages.po (and drop its "fuzzy" flag), then
`make translations`.
"""

from __future__ import annotations

import gettext
import io
import os
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"

# Keep in step with the `messages` target of the Makefile (`-k _l -k lazy_gettext`).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# printf-style placeholders: %(name)s, %(min)d, %s ... ("%%" is a literal percent sign).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


@pytest.fixture(autouse=True)
def clean_state():
    """These tests read files only: skip the shared database and outbox reset."""
    yield


def extract_messages() -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """Every translatable string in the sources: (msgid, context) -> ["file:line", ...]."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename="babel.cfg")
    found: dict[tuple[str | tuple[str, ...], str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else tuple(message)
        if not (msgid[0] if isinstance(msgid, tuple) else msgid):
            continue
        found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def load_catalog(path: Path, locale: str):
    with open(path, "rb") as po:
        return read_po(po, locale=locale)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def describe(msgid, where: list[str], reason: str) -> str:
    shown = msgid[0] if isinstance(msgid, tuple) else msgid
    return f"  - {shown!r} ({reason}; {', '.join(where[:3])})"


@pytest.fixture(scope="module")
def extracted():
    messages = extract_messages()
    assert messages, "No translatable strings were extracted: is babel.cfg right?"
    return messages


def test_vietnamese_catalog_translates_every_extracted_string(extracted):
    catalog = load_catalog(VI_PO, "vi")
    problems = []
    for (msgid, context), where in sorted(extracted.items(), key=lambda item: str(item[0])):
        message = catalog.get(msgid, context=context)
        if message is None:
            problems.append(describe(msgid, where, "missing from the vi catalog: run `make messages`"))
            continue
        ids = list(msgid) if isinstance(msgid, tuple) else [msgid]
        strings = list(message.string) if isinstance(message.string, tuple) else [message.string]
        if not all(s and s.strip() for s in strings):
            problems.append(describe(msgid, where, "msgstr is empty"))
            continue
        if message.fuzzy:
            problems.append(describe(msgid, where, "marked fuzzy: check the text and remove the flag"))
        expected = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            if placeholders(string) != expected:
                problems.append(
                    describe(
                        msgid,
                        where,
                        f"placeholders {sorted(placeholders(string))} differ from {sorted(expected)}",
                    )
                )
            if unicodedata.normalize("NFC", string) != string:
                problems.append(describe(msgid, where, "msgstr is not in Unicode NFC form"))
    assert not problems, (
        f"{len(problems)} string(s) are not translated to Vietnamese in {os.path.relpath(VI_PO, ROOT)}:\n"
        + "\n".join(problems)
    )


def test_vietnamese_catalog_compiles_without_errors():
    catalog = load_catalog(VI_PO, "vi")
    errors = [
        f"  - {message.id!r}: {'; '.join(str(e) for e in errs)}" for message, errs in catalog.check()
    ]
    assert not errors, "The vi catalog has errors pybabel compile would report:\n" + "\n".join(errors)

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    translated = [m for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy]
    assert translated, "The vi catalog has no translated strings."
    sample = translated[0]
    assert compiled.gettext(sample.id) == sample.string


def test_english_catalog_contains_every_extracted_string(extracted):
    catalog = load_catalog(EN_PO, "en")
    missing = [
        describe(msgid, where, "missing from the en catalog")
        for (msgid, context), where in sorted(extracted.items(), key=lambda item: str(item[0]))
        if catalog.get(msgid, context=context) is None
    ]
    assert not missing, (
        f"{len(missing)} string(s) are not in {os.path.relpath(EN_PO, ROOT)}; run `make messages`:\n"
        + "\n".join(missing)
    )
