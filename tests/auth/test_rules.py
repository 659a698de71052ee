"""Pure account rules: canonical emails, names, passwords, dates, phone numbers."""

from __future__ import annotations

from datetime import date

import pytest

from app.auth import rules


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Hoa.Nguyen@Gmail.com", "hoanguyen@gmail.com"),
        ("h.o.a.nguyen+contest@gmail.com", "hoanguyen@gmail.com"),
        ("HoaNguyen@googlemail.com", "hoanguyen@gmail.com"),
        ("Lan+news@Outlook.com", "lan@outlook.com"),
        ("first.last@nghean.gov.vn", "first.last@nghean.gov.vn"),
        ("Name+Tag@Example.VN", "name+tag@example.vn"),
        ("  Spaces@Example.com  ", "spaces@example.com"),
    ],
)
def test_canonical_email_folds_case_gmail_dots_and_tags(typed, canonical):
    assert rules.canonical_email(typed) == canonical


def test_full_name_keeps_vietnamese_diacritics_in_composed_form(app_ctx):
    decomposed = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh"  # what some keyboards send
    assert rules.normalise_text(decomposed) == "Nguyễn Thị Ánh"
    assert rules.full_name_problems("Nguyễn Thị Ánh") == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 121, "Tab\there"])
def test_full_name_problems_refuse_empty_overlong_and_control_characters(app_ctx, name):
    assert rules.full_name_problems(name)


@pytest.mark.parametrize("email", ["", "plainaddress", "a@b", "two@@example.com", "x" * 250 + "@example.com"])
def test_email_problems_refuse_malformed_addresses(app_ctx, email):
    assert rules.email_problems(email)


def test_email_problems_accept_an_ordinary_address(app_ctx):
    assert rules.email_problems("hoa.nguyen@nghean.gov.vn") == []


@pytest.mark.parametrize("password", ["short", "password123", "1234567890", "matkhau2025", "x" * 129])
def test_password_problems_refuse_short_common_and_overlong(app_ctx, password):
    assert rules.password_problems(password)


def test_password_problems_refuse_the_users_own_email(app_ctx):
    assert rules.password_problems("ngocanh1990", user_inputs=["ngocanh1990@gmail.com"])


def test_password_problems_accept_a_long_passphrase(app_ctx):
    assert rules.password_problems("hoa sen nở trên đầm 2025") == []


def test_birth_date_problems_refuse_missing_future_and_ancient(app_ctx):
    today = date(2026, 11, 26)
    assert rules.birth_date_problems(None, today)
    assert rules.birth_date_problems(date(2026, 11, 27), today)
    assert rules.birth_date_problems(date(1899, 12, 31), today)
    assert rules.birth_date_problems(date(2011, 11, 26), today) == []


def test_nationality_problems_accept_country_codes_only(app_ctx):
    assert rules.nationality_problems("VN") == []
    assert rules.nationality_problems("fr") == []
    assert rules.nationality_problems("XX")
    assert rules.nationality_problems("419")  # a region, not a country


@pytest.mark.parametrize("phone", ["+84 912 345 678", "0912345678", "(024) 3825-1234"])
def test_phone_problems_accept_common_formats(app_ctx, phone):
    assert rules.phone_problems(phone) == []


@pytest.mark.parametrize("phone", ["12", "call me", "+84 912 345 678 ext 5"])
def test_phone_problems_refuse_non_numbers(app_ctx, phone):
    assert rules.phone_problems(phone)


def test_country_choices_list_viet_nam_first_in_the_visitors_language(app_ctx):
    choices = rules.country_choices("vi")
    assert choices[0][0] == "VN"
    assert ("FR", "Pháp") in choices
