"""Data only: icons, guidance texts and lists, with a lookup that fails loudly on an unknown name."""

from __future__ import annotations

from importlib import resources as _res


def text(name: str) -> str:
    """The text of the resource file ``name``.

    Raises:
        KeyError: there is no such resource (a programming error, so it is loud).
    """
    ref = _res.files(__name__).joinpath(name)
    if not ref.is_file():
        raise KeyError(f"no resource named {name!r}")
    return ref.read_text(encoding="utf-8")


def data(name: str) -> bytes:
    """The bytes of the resource file ``name`` (icons).

    Raises:
        KeyError: there is no such resource.
    """
    ref = _res.files(__name__).joinpath(name)
    if not ref.is_file():
        raise KeyError(f"no resource named {name!r}")
    return ref.read_bytes()


def lines(name: str) -> list[str]:
    """The non-empty, non-comment lines of the resource file ``name``."""
    return [ln.strip() for ln in text(name).splitlines() if ln.strip() and not ln.startswith("#")]
