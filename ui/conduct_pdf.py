"""The course-of-conduct PDF: the timeline page and the continuing exhibit list of
:class:`evidence.police.conduct.Conduct`, laid out with QTextDocument and printed by QPdfWriter in memory.

Every word comes from :mod:`evidence.police.conduct` (already cleaned to one line each), escaped here; the pages are
drawn by hand as in :mod:`ui.report_pdf`, so the footer can carry the pack's name and "page N of M".
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextDocument,
)

from evidence.police.conduct import Conduct
from evidence.police.report import root_lines
from ui.report_pdf import _CSS, BODY_PT, DIGEST_PT, MARGINS_MM, RESOLUTION, _e, _grid, paint_pages


def conduct_html(conduct: Conduct, mono: str) -> str:
    """The pack's summary as HTML: who and what, the timeline table, the exhibit list, and the root."""
    parts = [
        f"<html><head><style>{_CSS % {'body': BODY_PT, 'digest': DIGEST_PT, 'mono': mono}}</style></head><body>",
        f"<h1>Course of conduct: {len(conduct.occasions)} occasions</h1>",
        f"<p>{_e(conduct.school)}. Exported by {_e(conduct.exported_by)} at {_e(conduct.exported_utc)} for officer"
        f" reference {_e(conduct.officer_reference)}. Made by {_e(conduct.software)}.</p>",
        "<h2>Timeline</h2>",
        '<p class="note">Each occasion in order of when it happened. Date and time are as the member of staff'
        " reported them; each exhibit's own time is in the exhibit list. Handles are those a reviewer confirmed;"
        " one marked (as entered) was only typed into the form. Text read from images by software is not"
        " evidence.</p>",
        _grid(
            ("No.", "Date", "Time", "Platform", "Handle", "Exhibits", "Incident"),
            (
                (
                    str(o.number),
                    _e(o.date),
                    _e(o.time) + (f'<br/><span class="small">{_e(o.time_source)}</span>' if o.time else ""),
                    _e(o.platform or "not recorded"),
                    _e(o.handles or "not confirmed") + (f"<br/>({_e(o.people)})" if o.people else ""),
                    _e(", ".join(o.exhibits) or "none"),
                    f"{_e(o.ref)}<br/>{_e(o.title)}",
                )
                for o in conduct.occasions
            ),
            ("5%", "18%", "13%", "11%", "17%", "13%", "23%"),
        ),
    ]
    if conduct.reasons:
        parts.append("<h2>Why these incidents are linked</h2><ul>")
        parts += [f"<li>{_e(r)}</li>" for r in conduct.reasons]
        parts.append("</ul>")
    parts += [
        "<h2>Exhibits (one list across the incidents)</h2>",
        _grid(
            ("Exhibit", "Occasion", "File", "On screen (UTC)", "SHA-256"),
            (
                (
                    f'<span class="ref">{_e(e.ref)}</span>',
                    str(e.occasion),
                    _e(e.file),
                    f'{_e(e.captured_utc)}<br/><span class="small">{_e(e.time_source)}</span>',
                    f'<span class="digest">{_e(e.sha256)}</span>',
                )
                for e in conduct.exhibits
            ),
            ("8%", "7%", "25%", "18%", "42%"),
        ),
        "<h2>Checking this pack</h2>",
        f"<p>{_e(' '.join(root_lines(conduct.reports[-1])))}</p>",
        "<p>Each incident is a complete police export in its own folder, checked with standard tools by the steps"
        " of its VERIFY.txt; VERIFY.txt in this folder checks the pack's signed list of files first.</p>",
        "</body></html>",
    ]
    return "".join(parts)


def render_conduct_pdf(conduct: Conduct) -> bytes:
    """Render the pack's timeline and exhibit list as an A4 PDF, in memory; returns its bytes."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, MARGINS_MM))
    writer.setTitle(f"{conduct.name}: course of conduct")
    writer.setCreator(conduct.software)
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    font = QFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family())
    font.setPointSizeF(BODY_PT)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setHtml(conduct_html(conduct, QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()))
    paint_pages(doc, writer, font, f"{conduct.name}: course of conduct")
    del writer
    buffer.close()
    return bytes(buffer.data().data())
