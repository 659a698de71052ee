"""Templates translate through callables bound once per render (app/core/i18n.py: template_translations
and the `loc` filter). They must say exactly what Flask-Babel's own callables say, in the language of the
render: the visitor's, or the one `force_locale` sets for an email in the recipient's language.
"""

from __future__ import annotations

from types import SimpleNamespace

import flask_babel
from flask import render_template_string, session
from flask_babel import force_locale
from markupsafe import Markup

TEMPLATE = (
    "{{ _('Log in') }}|{{ ngettext('%(num)d vote', '%(num)d votes', 3) }}"
    "|{{ _('Hello %(name)s', name=name) }}|{{ work|loc('title') }}"
)
WORK = SimpleNamespace(title_vi="Bình minh trên sông Lam", title_en="Dawn on the Lam river")


def _render() -> str:
    return render_template_string(TEMPLATE, name="<b>Lan</b>", work=WORK)


def _expected(title: str) -> str:
    """What Flask-Babel's callables and Jinja's autoescaping give for TEMPLATE."""
    hello = Markup(flask_babel.gettext("Hello %(name)s")) % {"name": "<b>Lan</b>"}
    votes = flask_babel.ngettext("%(num)d vote", "%(num)d votes", 3)
    return f"{flask_babel.gettext('Log in')}|{votes}|{hello}|{title}"


def test_a_page_speaks_the_visitors_language(app):
    with app.test_request_context("/"):
        vietnamese = _render()
        assert vietnamese == _expected(WORK.title_vi)
    with app.test_request_context("/"):
        session["locale"] = "en"  # what the language switch stores
        english = _render()
        assert english == _expected(WORK.title_en)
    assert vietnamese != english and "&lt;b&gt;Lan&lt;/b&gt;" in english  # translated, and still escaped


def test_force_locale_is_honoured_inside_a_request(app):
    """An email rendered in the recipient's language while the request speaks another."""
    with app.test_request_context("/"):
        page = _render()
        with force_locale("en"):
            mail = _render()
            assert mail == _expected(WORK.title_en)
        assert page == _expected(WORK.title_vi) and mail != page
