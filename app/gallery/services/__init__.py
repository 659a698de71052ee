"""Gallery rules, one module per concern (see the package docstring of app.gallery)."""

from app.gallery.services.visibility import (
    GalleryNotFound,
    PublicEntryNotFound,
    authors_are_public,
    counts_are_public,
    gallery_is_open,
    is_gallery_asset,
    public_entry,
    require_open_gallery,
    voting_has_closed,
    voting_is_open,
)

__all__ = [
    "GalleryNotFound",
    "PublicEntryNotFound",
    "authors_are_public",
    "counts_are_public",
    "gallery_is_open",
    "is_gallery_asset",
    "public_entry",
    "require_open_gallery",
    "voting_has_closed",
    "voting_is_open",
]
