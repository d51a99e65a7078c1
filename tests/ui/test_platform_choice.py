"""The platform choice (issue 11): today's platforms are offered, and an old incident's unlisted value survives."""

from __future__ import annotations

import dataclasses

from pytestqt.qtbot import QtBot

from evidence.case import policy
from evidence.case.incident import IncidentDetails
from ui.incident_form import QtIncidentForm


def test_every_listed_platform_is_a_choice(qtbot: QtBot) -> None:
    form = QtIncidentForm(IncidentDetails())
    qtbot.addWidget(form)
    offered = [form.platform_combo.itemData(i) for i in range(form.platform_combo.count())]
    assert offered[1:] == policy.platforms()
    for name in ("Discord", "Roblox", "Telegram", "Threads", "Microsoft Teams", "E-mail"):
        assert form.platform_combo.findData(name) > 0


def test_an_old_unlisted_platform_is_shown_and_kept(qtbot: QtBot) -> None:
    old = dataclasses.replace(IncidentDetails(), title="From an older version", platform="Bebo")
    form = QtIncidentForm(IncidentDetails())
    qtbot.addWidget(form)
    form.set_details(old)
    assert form.platform_combo.currentText() == "Bebo"
    assert form.details().platform == "Bebo"
