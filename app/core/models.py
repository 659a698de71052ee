"""Column helpers shared by every feature's models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def string_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable string enum column type: VARCHAR plus a CHECK listing the values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
