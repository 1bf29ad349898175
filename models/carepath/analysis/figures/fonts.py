"""A CJK font for the Chinese label set: found where one is installed, installed by `make fonts`.

The Chinese labels need a font with Chinese glyphs; matplotlib ships none.  ``cjk_font`` looks
for a known CJK family among the fonts matplotlib knows and in the user's font folder
(``~/.local/share/fonts``, where ``install`` puts one; matplotlib's cached font list does not
see a font added there later, so the folder is read each time).  ``install`` (``make fonts``,
which calls ``main``) needs no root: it fetches Noto Sans CJK (SIL Open Font License) from
PyPI as the ``noto-cjk-sans-otc`` wheel with pip, checks the wheel's SHA-256, and unpacks the
font into that folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from matplotlib import font_manager

# Families with the glyphs of simplified Chinese, preferred first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
FONT_FILES = (".ttf", ".ttc", ".otf", ".otc")
WHEEL = "noto-cjk-sans-otc==0.0.1"
WHEEL_SHA256 = "44596df7f0c1590cb9c4cfe85b9213b7e91e1086a8a024f1a05df6d6badd33ec"
WHEEL_FONT = "noto_cjk_sans_otc/NotoSansCJK-Regular.ttc"
NO_FONT = (
    "no CJK font found (looked for {families} among matplotlib's fonts and in {folder}); "
    "drawing the figures with English labels. `make fonts` installs Noto Sans CJK there."
)


def user_font_folder() -> Path:
    """The user's font folder (XDG), which matplotlib also searches."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "fonts"


def cjk_font(folders: Iterable[Path] | None = None) -> str | None:
    """The first installed family of ``CJK_FAMILIES``, after adding the font files of
    ``folders`` (default: the user's font folder) to matplotlib's list; None if there is none."""
    known_files = {Path(entry.fname).name for entry in font_manager.fontManager.ttflist}
    for folder in [user_font_folder()] if folders is None else folders:
        for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else []:
            if path.suffix.lower() in FONT_FILES and path.name not in known_files:
                font_manager.fontManager.addfont(str(path))
                known_files.add(path.name)
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


def no_font_message(folder: Path | None = None) -> str:
    return NO_FONT.format(families=", ".join(CJK_FAMILIES[:3]), folder=folder or user_font_folder())


def install(folder: Path | None = None, python: str = sys.executable) -> Path:
    """Fetch Noto Sans CJK from PyPI (pip, the pinned wheel, its SHA-256 checked) and unpack the
    font into ``folder`` (default: the user's font folder); return the font's path.
    Raises RuntimeError if pip fails or the wheel is not the one expected."""
    target = (folder or user_font_folder()) / "carepath"
    with tempfile.TemporaryDirectory() as scratch:
        command = [python, "-m", "pip", "download", "--no-deps", "--dest", scratch, WHEEL]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pip download {WHEEL} failed:\n{done.stderr.strip()}")
        (wheel,) = Path(scratch).glob("*.whl")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            raise RuntimeError(f"{wheel.name}: sha256 {digest}, expected {WHEEL_SHA256}")
        target.mkdir(parents=True, exist_ok=True)
        font = target / Path(WHEEL_FONT).name
        with zipfile.ZipFile(wheel) as archive:
            font.write_bytes(archive.read(WHEEL_FONT))
    return font


def main() -> int:
    """`make fonts`: install the font unless one is there; say which family the figures use."""
    family = cjk_font()
    if family is None:
        try:
            path = install()
        except RuntimeError as failure:
            print(f"make fonts: {failure}", file=sys.stderr)
            return 1
        print(f"installed {path}")
        family = cjk_font()
    if family is None:
        print(no_font_message(), file=sys.stderr)
        return 1
    print(f"Chinese figure labels will use {family} (CAREPATH_FIGURE_LANGUAGE=zh make figures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
