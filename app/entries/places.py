"""Nghệ An's district-level units, for the optional "where" of an entry.

The contest's creation window (2023 – October 2025) falls almost wholly before the
July 2025 reorganisation that abolished districts, and people still name places by
district, so the list is the 21 district-level units as they stood in 2023–2025.
The free-text place field takes the commune or anything finer.
"""

from __future__ import annotations

# (code, Vietnamese name, English name); codes are stable and stored with entries.
NGHE_AN_UNITS: tuple[tuple[str, str, str], ...] = (
    ("vinh", "Thành phố Vinh", "Vinh City"),
    ("cua-lo", "Thị xã Cửa Lò", "Cua Lo Town"),
    ("thai-hoa", "Thị xã Thái Hòa", "Thai Hoa Town"),
    ("hoang-mai", "Thị xã Hoàng Mai", "Hoang Mai Town"),
    ("anh-son", "Huyện Anh Sơn", "Anh Son District"),
    ("con-cuong", "Huyện Con Cuông", "Con Cuong District"),
    ("dien-chau", "Huyện Diễn Châu", "Dien Chau District"),
    ("do-luong", "Huyện Đô Lương", "Do Luong District"),
    ("hung-nguyen", "Huyện Hưng Nguyên", "Hung Nguyen District"),
    ("ky-son", "Huyện Kỳ Sơn", "Ky Son District"),
    ("nam-dan", "Huyện Nam Đàn", "Nam Dan District"),
    ("nghi-loc", "Huyện Nghi Lộc", "Nghi Loc District"),
    ("nghia-dan", "Huyện Nghĩa Đàn", "Nghia Dan District"),
    ("que-phong", "Huyện Quế Phong", "Que Phong District"),
    ("quy-chau", "Huyện Quỳ Châu", "Quy Chau District"),
    ("quy-hop", "Huyện Quỳ Hợp", "Quy Hop District"),
    ("quynh-luu", "Huyện Quỳnh Lưu", "Quynh Luu District"),
    ("tan-ky", "Huyện Tân Kỳ", "Tan Ky District"),
    ("thanh-chuong", "Huyện Thanh Chương", "Thanh Chuong District"),
    ("tuong-duong", "Huyện Tương Dương", "Tuong Duong District"),
    ("yen-thanh", "Huyện Yên Thành", "Yen Thanh District"),
)
UNIT_CODES = frozenset(code for code, _vi, _en in NGHE_AN_UNITS)


def unit_name(code: str | None, locale: str) -> str:
    """The unit's name in the reader's language ("" for none or an unknown code)."""
    for unit_code, name_vi, name_en in NGHE_AN_UNITS:
        if unit_code == code:
            return name_vi if locale == "vi" else name_en
    return ""
