"""The desktop entry, the AppStream metainfo and the icons: valid for the stock validators, and named as the
running app names itself, so a launcher and the app's windows are one application to the desktop."""

from __future__ import annotations

import configparser
import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QGuiApplication

import evidence
import resources
from app import appinfo
from ui.app_icon import SIZES, icon_resource

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{appinfo.APP_ID}.desktop"
METAINFO = LINUX / f"{appinfo.APP_ID}.metainfo.xml"


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed")
def test_desktop_file_is_valid() -> None:
    done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert done.stdout == "", done.stdout  # no errors, warnings or hints


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_metainfo_is_valid() -> None:
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_names_agree_with_the_app() -> None:
    entry = _desktop_entry(DESKTOP)
    assert entry["Name"] == appinfo.APP_NAME
    assert entry["Icon"] == appinfo.APP_ID
    assert entry["Exec"].split()[0] == entry["TryExec"] == appinfo.APP_SLUG
    assert entry["StartupWMClass"] == appinfo.APP_SLUG  # Qt's xcb WM_CLASS class is the application name
    meta = ET.parse(METAINFO).getroot()  # noqa: S314 - our own file
    assert meta.findtext("id") == appinfo.APP_ID
    assert meta.findtext("name") == appinfo.APP_NAME
    assert meta.findtext("launchable") == DESKTOP.name
    assert meta.findtext("provides/binary") == appinfo.APP_SLUG
    releases = meta.findall("releases/release")
    assert releases[0].get("version") == evidence.__version__, "add a <release> for the new version"


def test_icons_are_every_size_rendered_from_the_svg() -> None:
    for size in SIZES:
        image = Image.open(io.BytesIO(resources.data(icon_resource(size))))
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        alpha = image.getchannel("A")
        assert alpha.getextrema() == (0, 255), "transparent around the drawing, opaque inside"


def test_the_running_app_names_itself_as_its_desktop_entry(qapp: QGuiApplication) -> None:
    appinfo.apply(qapp)
    assert QGuiApplication.desktopFileName() == appinfo.APP_ID
    assert QGuiApplication.applicationName() == appinfo.APP_SLUG
    sizes = {s.width() for s in QGuiApplication.windowIcon().availableSizes()}
    assert sizes == set(SIZES)


def test_make_install_desktop_puts_each_file_where_the_desktop_looks(tmp_path: Path) -> None:
    subprocess.run(["make", "-s", "install-desktop", f"DESTDIR={tmp_path}", "PREFIX=/usr"], cwd=ROOT, check=True)
    share = tmp_path / "usr" / "share"
    installed = sorted(str(p.relative_to(share)) for p in share.rglob("*") if p.is_file())
    assert installed == sorted(
        [f"applications/{appinfo.APP_ID}.desktop", f"metainfo/{appinfo.APP_ID}.metainfo.xml",
         f"icons/hicolor/scalable/apps/{appinfo.APP_ID}.svg"]
        + [f"icons/hicolor/{s}x{s}/apps/{appinfo.APP_ID}.png" for s in SIZES]
    )  # fmt: skip
