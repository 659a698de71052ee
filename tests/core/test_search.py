"""Folding for search: case and Vietnamese diacritics ignored, and entries keep folded copies."""

from __future__ import annotations

from app.core.search import escape_like, fold_for_search


def test_folding_drops_case_and_every_vietnamese_mark():
    assert fold_for_search("  Nghệ An hạnh phúc ") == "nghe an hanh phuc"
    assert fold_for_search("ĐỒNG Hới, Kỳ Sơn, Quỳnh Lưu") == "dong hoi, ky son, quynh luu"
    assert fold_for_search(None) == ""


def test_like_wildcards_are_escaped():
    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"
