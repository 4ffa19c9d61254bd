"""Fonts for the plots' text in any script a run may hold (CJK answers, category and task names).

matplotlib's default font (DejaVu Sans) has no CJK glyphs: such text comes out as empty boxes,
with one warning per glyph. Since matplotlib 3.6 a `font.family` list is a fallback chain, tried
glyph by glyph, so the plots ask for the default font, then an installed font with CJK coverage
(found through fontconfig's language index, `fc-list :lang=zh`, or by well-known names where
there is no fontconfig), then matplotlib's own "Last Resort" font, whose placeholder glyphs name
the missing script's block. Whatever is still missing is drawn as a box without a warning.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import warnings
from collections.abc import Iterable, Iterator
from functools import cache

# Families with CJK coverage, by platform, for systems without fontconfig (macOS, Windows).
KNOWN_CJK = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "IPAGothic",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
)
# Shipped with matplotlib (3.10 on): a placeholder glyph per Unicode block, never a warning.
LAST_RESORT = "Last Resort High-Efficiency"
MISSING_GLYPH = r"Glyph \d+ .* missing from font"


def fontconfig_cjk_families() -> list[str]:
    """Family names fontconfig says cover Chinese (empty without fontconfig)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        listing = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    # One font per line; a font with several names lists them comma-separated.
    families = [name.strip() for line in listing.splitlines() for name in line.split(",")]
    return sorted({name for name in families if name})


def pick_cjk(available: Iterable[str], candidates: Iterable[str]) -> str | None:
    """The first CJK candidate matplotlib can load (None: no installed font covers CJK)."""
    known = set(available)
    return next((name for name in candidates if name in known), None)


def font_chain(base: list[str], cjk: str | None, available: Iterable[str]) -> list[str]:
    """`base`, then the CJK family, then Last Resort when this matplotlib ships it."""
    return [*base, *([cjk] if cjk else []), *([LAST_RESORT] if LAST_RESORT in set(available) else [])]


@cache
def _available() -> tuple[str, ...]:
    from matplotlib import font_manager

    return tuple(sorted({entry.name for entry in font_manager.fontManager.ttflist}))


@cache
def cjk_font() -> str | None:
    """The CJK family the plots use, looked up once per process."""
    return pick_cjk(_available(), [*fontconfig_cjk_families(), *KNOWN_CJK])


def plot_font_family() -> list[str]:
    """The `font.family` fallback chain of the report's plots."""
    import matplotlib

    return font_chain(list(matplotlib.rcParamsDefault["font.family"]), cjk_font(), _available())


@contextlib.contextmanager
def quiet_missing_glyphs() -> Iterator[None]:
    """Drawing text a font cannot show leaves a box; it need not also print a warning per glyph."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=MISSING_GLYPH, category=UserWarning)
        yield
