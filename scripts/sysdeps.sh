#!/usr/bin/env bash
# Install (as root or with sudo) or name (otherwise) the Debian/Ubuntu packages the app and its tests need.
set -euo pipefail

packages=(
  # Qt's xcb platform plugin
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
  fonts-dejavu-core
  # a virtual X server for tests and screenshots, and a window manager on it (hotkeys, focus, one instance)
  xvfb xauth x11-utils xdotool libxrandr2 openbox
  # the stock tools that check what we write
  age openssh-client openssl coreutils unzip poppler-utils netpbm
  # peers for the benchmarks
  scrot
  # OCR: the engine and its English model (the text layer), and strace, with which a test proves it writes nothing
  tesseract-ocr tesseract-ocr-eng strace
  # validators of the desktop entry and the AppStream metainfo (make test checks the packaging)
  desktop-file-utils appstream
  # setfacl, for the drop-folder recipe's test (docs/guide-it.md)
  acl
)
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  packages+=(python3-venv)
fi
if ! python3 -c 'import tkinter' 2>/dev/null; then
  packages+=(python3-tk)  # the tests draw windows with known pixels with Tk
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Please install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "Missing system packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
