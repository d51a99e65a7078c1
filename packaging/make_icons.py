"""Render ``resources/icon.svg`` into the PNG sizes that windows, launchers and installers use.

Run it after changing the SVG (``.venv/bin/python packaging/make_icons.py``) and commit the PNGs: installing
must not need a renderer. Qt's own SVG renderer (QtSvg) draws them, so what the app shows and what the
desktop shows come from one drawing. The output is deterministic for a given Qt: no time or text chunks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(svg: Path, size: int) -> bytes:
    """The SVG drawn into a transparent ``size`` x ``size`` square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not an SVG Qt can render")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out = QByteArray()
    buffer = QBuffer(out)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(out.data())


def main() -> int:
    """Write ``resources/icons/NxN.png`` for every size the app uses."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtGui import QGuiApplication

    from ui.app_icon import SIZES, icon_resource

    _app = QGuiApplication([])
    for size in SIZES:
        target = ROOT / "resources" / icon_resource(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(render(ROOT / "resources" / "icon.svg", size))
        print(target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
