"""Colour for the web: pixels flattened to RGB, L or CMYK, then converted to sRGB through the embedded profile."""

from __future__ import annotations

import contextlib
import functools
import io

from PIL import Image, ImageCms


def _flatten(img: Image.Image) -> Image.Image:
    """RGB, L or CMYK: 16-bit scaled to 8, palettes expanded, transparency flattened on white."""
    if img.mode in ("RGB", "L", "CMYK"):
        return img
    if img.mode.startswith("I") or img.mode == "F":
        return img.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if img.mode == "1":
        return img.convert("L")
    if img.has_transparency_data:
        grey = img.mode in ("LA", "La")
        rgba = img.convert("LA" if grey else "RGBA")
        background = Image.new("L" if grey else "RGB", img.size, 255 if grey else (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB in sRGB: through the embedded ICC profile if it is not sRGB already, else a plain convert."""
    profile = _profile(icc)
    if profile is not None:
        # A profile that does not fit the pixels (say an RGB profile on CMYK) is ignored: assume sRGB.
        with contextlib.suppress(ImageCms.PyCMSError, ValueError, OSError):
            return ImageCms.profileToProfile(img, profile, _srgb_profile(), outputMode="RGB")
    return img if img.mode == "RGB" else img.convert("RGB")


def _profile(icc: bytes | None) -> ImageCms.ImageCmsProfile | None:
    """The embedded profile if it is usable and not sRGB; None means treat the pixels as sRGB."""
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    if "srgb" in description.lower() and profile.profile.xcolor_space.strip() == "RGB":
        return None
    return profile


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    """Little CMS's built-in sRGB profile, made once."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
