"""The police report as a PDF: :class:`evidence.police.report.Report` laid out with QTextDocument, printed by
QPdfWriter.

The layout is HTML in Qt's rich-text subset, built here from the report; the content and every word of it come
from :mod:`evidence.police.report`, so the PDF, the plain-text report and ``VERIFY.txt`` agree. The document is
paginated by hand (A4, margins, a footer with the reference and "page N of M") rather than with
``QTextDocument.print_``, whose own page numbers cannot carry the reference.

Digests are printed whole, in a monospace font sized so that 64 hexadecimal digits fit the column, so that an
officer who copies one from the PDF gets the digest and nothing else; a digest that still cannot fit (a very
narrow page) may be broken by Qt at any character. Thumbnails are decoded from bytes in memory, scaled down and
added to the document as resources; nothing touches the disk, and the PDF is written to a ``QBuffer``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontDatabase,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextTable,
)

from evidence.police.report import Exhibit, Report, exhibit_rows, incident_rows, root_lines, wrap_command
from ui.item_pixels import decode_image

RESOLUTION = 300
"""Dots per inch of the PDF's coordinate system (text and vectors are resolution-independent)."""
MARGINS_MM = QMarginsF(16, 14, 16, 12)
THUMB_PX = 360
"""Longest side of a thumbnail, in image pixels (printed at about 38 mm)."""
THUMB_SHOWN = 144
"""Longest side of a thumbnail in the layout, in CSS pixels (1/96 inch)."""
BODY_PT = 8.5
DIGEST_PT = 7.2

_CSS = """
body { font-size: %(body)spt; }
h1 { font-size: 16pt; margin: 0 0 4px 0; }
h2 { font-size: 12pt; margin-top: 14px; margin-bottom: 4px; color: #1f3a5f; }
h3 { font-size: 10pt; margin: 0; }
table.grid { border-collapse: collapse; }
table.grid td, table.grid th { border: 1px solid #999999; padding: 2px 4px; vertical-align: top; }
table.grid th { background-color: #e8ecf2; text-align: left; font-weight: bold; }
td.label { color: #333333; font-weight: bold; white-space: nowrap; }
.digest { font-family: '%(mono)s'; font-size: %(digest)spt; white-space: nowrap; }
.mono { font-family: '%(mono)s'; font-size: %(digest)spt; }
.small { font-size: 7.5pt; }
.note { color: #444444; }
.ref { font-size: 12pt; font-weight: bold; }
pre { font-family: '%(mono)s'; font-size: 7pt; margin: 0 0 0 12px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _time(utc_iso: str) -> str:
    """A stored UTC time for a narrow column: date and time on two lines, as recorded otherwise."""
    date, sep, rest = utc_iso.partition("T")
    shown = f"{_e(date)}<br/>{_e(rest.removesuffix('Z'))}" if sep else _e(utc_iso)
    return f'<span class="small">{shown}</span>'


def _lines(text: str) -> str:
    return "<br/>".join(_e(line) for line in text.splitlines())


def _kv_table(rows: Iterable[tuple[str, str]], *, digest_labels: tuple[str, ...] = ()) -> str:
    out = ['<table class="grid" width="100%" cellspacing="0" cellpadding="2">']
    for label, value in rows:
        shown = f'<span class="digest">{_e(value)}</span>' if label in digest_labels else _lines(value)
        out.append(f'<tr><td class="label" width="26%">{_e(label)}</td><td>{shown}</td></tr>')
    out.append("</table>")
    return "".join(out)


def _exhibit_block(e: Exhibit, image_name: str | None, size: tuple[int, int]) -> str:
    digest_labels = ("SHA-256 (file)", "SHA-256 (pixels)")
    details = _kv_table(exhibit_rows(e), digest_labels=digest_labels)
    if image_name is not None:
        w, h = size
        picture = f'<img src="{_e(image_name)}" width="{w}" height="{h}"/>'
    else:
        picture = '<span class="note">(no preview)</span>'
    return (
        '<table width="100%" cellspacing="0" cellpadding="3" style="margin-top: 8px;">'
        f'<tr><td colspan="2"><span class="ref">{_e(e.ref)}</span>'
        f'&nbsp;&nbsp;<span class="note">{_e(e.kind_text)}</span></td></tr>'
        f'<tr><td width="{THUMB_SHOWN + 8}" valign="top" align="center">{picture}</td>'
        f'<td valign="top">{details}</td></tr></table>'
    )


def _grid(headers: Iterable[str], rows: Iterable[Iterable[str]], widths: Iterable[str] = ()) -> str:
    widths = list(widths)
    out = ['<table class="grid" width="100%" cellspacing="0" cellpadding="2"><tr>']
    for i, h in enumerate(headers):
        width = f' width="{widths[i]}"' if i < len(widths) and widths[i] else ""
        out.append(f"<th{width}>{_e(h)}</th>")
    out.append("</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def report_html(report: Report, images: Mapping[str, tuple[str, tuple[int, int]]], mono: str) -> str:
    """The report as HTML for QTextDocument; ``images`` maps exhibit reference → (resource name, shown size)."""
    inc = report.incident
    parts = [
        f"<html><head><style>{_CSS % {'body': BODY_PT, 'digest': DIGEST_PT, 'mono': mono}}</style></head><body>",
        f"<h1>Police evidence report: {_e(report.ref)}</h1>",
        _kv_table(
            [
                ("School", report.school),
                ("Officer's reference", report.officer_reference),
                ("Exported by", report.exported_by),
                ("Exported (UTC)", report.exported_utc),
                ("Exhibits produced by", f"{report.producer_name} <{report.producer_principal}>"),
                ("Producer's key", report.producer_fingerprint),
                ("School root key", report.root_fingerprint or "none (sealed before the school used a root key)"),
                ("Sealed (UTC)", report.sealed_utc),
                ("Exhibits", ", ".join(e.ref for e in report.exhibits) or "none"),
                ("Made by", report.software),
            ]
        ),
        f'<p class="note">{_e(" ".join(root_lines(report)))}</p>',
        '<p class="note">The evidence is the files in the folder '
        f"{_e(report.ref)}/ (and {_e(report.ref)}.zip, the same bag). This report and the draft statement are made"
        " from them; section 6 shows how to check every file and signature with standard tools.</p>",
        "<h2>1. The incident</h2>",
        _kv_table((k, v) for k, v in incident_rows(inc) if k not in ("Reference", "School")),
        "<h2>2. Exhibits</h2>",
    ]
    for e in report.exhibits:
        name, size = images.get(e.ref, ("", (0, 0)))
        parts.append(_exhibit_block(e, name or None, size))
    if report.excluded:
        parts.append("<h3 style='margin-top: 10px;'>Items left out of the bundle</h3>")
        parts.append(
            _grid(
                ["Item", "Reason", "SHA-256 of the item left out"],
                [
                    [_e(x.seq), _e(x.reason), f'<span class="digest">{_e(x.sha256 or "not recorded")}</span>']
                    for x in report.excluded
                ],
                ["8%", "", ""],
            )
        )
    parts.append("<h2>3. Continuity (custody record)</h2>")
    parts.append(
        '<p class="note">Every event, in order. Each entry is hash-chained to the one before it and the chain is'
        " signed with every revision (data/custody.jsonl, then data/custody-rK.jsonl).</p>"
    )
    parts.append(
        _grid(
            ["#", "Time (UTC)", "Who", "Action", "Subject", "Details"],
            [
                [
                    _e(c.seq),
                    _time(c.time_utc),
                    f'<span class="small" style="white-space: nowrap;">{_e(c.actor)}</span>',
                    _e(c.action),
                    f'<span class="small">{_e(c.subject)}</span>'
                    + (f"<br/><b>{_e(c.exhibit)}</b>" if c.exhibit else ""),
                    f'<span class="small">{_e(c.details)}</span>',
                ]
                for c in report.custody
            ],
            ["4%", "11%", "", "10%", "", "34%"],
        )
    )
    parts.append("<h2>4. Actions recorded by reviewers</h2>")
    if report.reviews:
        parts.append(
            _grid(
                ["Rev.", "Time (UTC)", "By", "Action", "Why and details"],
                [
                    [
                        _e(r.revision),
                        _time(r.time_utc),
                        f'<span class="small">{_e(r.by)}</span>',
                        _e(r.action) + (f'<br/><span class="small">{_e(r.section)}</span>' if r.section else ""),
                        _lines(r.why) + "".join(f"<br/><b>{_e(k)}:</b> {_e(v)}" for k, v in r.fields),
                    ]
                    for r in report.reviews
                ],
                ["5%", "11%", "22%", "20%", ""],
            )
        )
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>5. Signed revisions</h2>")
    parts.append(
        _grid(
            ["Rev.", "What", "Signed by", "Key fingerprint", "Time (UTC)"],
            [
                [
                    _e(v.number),
                    _e(v.action),
                    f"{_e(v.signer_name)}<br/>"
                    f'<span class="small">{_e(v.signer_principal)} ({_e(v.signer_role)})</span>',
                    f'<span class="mono">{_e(v.fingerprint)}</span>',
                    _time(v.time_utc) + f'<br/><span class="small">{_e(v.trusted_time)}</span>',
                ]
                for v in report.revisions
            ],
            ["5%", "14%", "25%", "", "18%"],
        )
    )
    parts.append("<h2>6. How to verify with standard tools</h2>")
    parts.append(
        f'<p class="note">In a terminal, starting in the folder {_e(report.ref)}-police-export (VERIFY.txt in'
        " the folder has the same commands, ready to copy).</p>"
    )
    where = "."
    for n, step in enumerate(report.verify, start=1):
        parts.append(f"<p style='margin-bottom: 2px;'><b>{n}. {_e(step.title)}.</b> Expect: {_e(step.expect)}.</p>")
        commands = [line for c in step.commands for line in wrap_command(c)]
        if step.where != where:
            commands.insert(0, f"cd {step.where}" if step.where != "." else "cd ..")
            where = step.where
        parts.append("<pre>" + _e("\n".join(commands)) + "</pre>")
    parts.append("</body></html>")
    return "".join(parts)


def _thumbnail(data: bytes) -> QImage | None:
    image = decode_image(data)  # a received HEIC too, rendered in memory
    if image.isNull():
        return None
    return image.scaled(
        THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def _shown_size(image: QImage) -> tuple[int, int]:
    scale = min(THUMB_SHOWN / image.width(), THUMB_SHOWN / image.height())
    return max(1, round(image.width() * scale)), max(1, round(image.height() * scale))


def _keep_together(doc: QTextDocument, exhibit_refs: list[str]) -> None:
    """Start an exhibit on a new page rather than split it, and never leave a heading at the foot of a page.

    Qt's rich text has no ``page-break-inside: avoid``, so this looks at the laid-out document: an exhibit block
    (a top-level table whose first cell starts with its reference) that would cross a page boundary, and fits on
    one page, gets a page break before it; so does a section heading in the last 30 mm of a page.
    """
    layout = doc.documentLayout()
    height = doc.pageSize().height()
    near_foot = RESOLUTION * 30 / 25.4
    doc.pageCount()  # lays the document out
    for frame in doc.rootFrame().childFrames():
        if not isinstance(frame, QTextTable):
            continue
        first = frame.cellAt(0, 0).firstCursorPosition().block().text()
        if not any(first.startswith(ref) for ref in exhibit_refs):
            continue
        rect = layout.frameBoundingRect(frame)
        page_end = (int(rect.top() // height) + 1) * height
        if rect.bottom() > page_end and rect.height() < height:
            frame_format = frame.frameFormat()
            frame_format.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            frame.setFrameFormat(frame_format)
            doc.pageCount()
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() in (1, 2, 3) and not block.blockFormat().pageBreakPolicy():
            rect = layout.blockBoundingRect(block)
            page_end = (int(rect.top() // height) + 1) * height
            if page_end - rect.bottom() < near_foot and rect.top() > 0:
                cursor = QTextCursor(block)
                fmt = block.blockFormat()
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                cursor.setBlockFormat(fmt)
                doc.pageCount()
        block = block.next()


def paint_pages(
    doc: QTextDocument,
    writer: QPdfWriter,
    font: QFont,
    footer_text: str,
    *,
    prepare: Callable[[QTextDocument], None] | None = None,
) -> None:
    """Paint ``doc`` onto ``writer`` page by page, each with a footer: ``footer_text`` left, "Page N of M" right.

    ``prepare`` runs once the page size is set and before the pages are counted (e.g. to keep blocks together).
    """
    page = writer.pageLayout().paintRectPixels(RESOLUTION)
    footer_font = QFont(font)
    footer_font.setPointSizeF(7)
    footer_height = round(RESOLUTION * 9 / 25.4)  # 9 mm
    body = QSizeF(page.width(), page.height() - footer_height)
    doc.setPageSize(body)
    if prepare is not None:
        prepare(doc)
    pages = doc.pageCount()
    painter = QPainter(writer)
    try:
        for n in range(pages):
            if n:
                writer.newPage()
            painter.save()
            clip = QRectF(0, n * body.height(), body.width(), body.height())
            painter.translate(0, -clip.top())
            painter.setClipRect(clip)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = clip
            doc.documentLayout().draw(painter, context)
            painter.restore()
            footer = QRectF(0, page.height() - footer_height * 0.6, page.width(), footer_height * 0.6)
            painter.setFont(footer_font)
            painter.setPen(Qt.GlobalColor.darkGray)
            painter.drawLine(footer.topLeft(), footer.topRight())
            align = Qt.AlignmentFlag.AlignVCenter
            painter.drawText(footer, align | Qt.AlignmentFlag.AlignLeft, footer_text)
            painter.drawText(footer, align | Qt.AlignmentFlag.AlignRight, f"Page {n + 1} of {pages}")
    finally:
        painter.end()


def render_report_pdf(report: Report, thumbnails: Mapping[str, bytes]) -> bytes:
    """Render the report as an A4 PDF, in memory.

    Args:
        report: the report from :func:`evidence.police.report.build_report`.
        thumbnails: exhibit reference (``JS/1``) → the exhibit's image bytes (PNG or JPEG); an exhibit without
            one, or whose bytes do not decode, is shown without a preview.

    Returns:
        The PDF file's bytes.
    """
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, MARGINS_MM))
    writer.setTitle(f"{report.ref}: police evidence report")
    writer.setCreator(report.software)

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    font = QFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family())
    font.setPointSizeF(BODY_PT)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    images: dict[str, tuple[str, tuple[int, int]]] = {}
    for e in report.exhibits:
        data = thumbnails.get(e.ref)
        image = _thumbnail(data) if data else None
        if image is None:
            continue
        name = f"exhibit-{e.number}.png"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        images[e.ref] = (name, _shown_size(image))
    doc.setHtml(report_html(report, images, mono))

    paint_pages(
        doc,
        writer,
        font,
        f"{report.ref}: police evidence report",
        prepare=lambda d: _keep_together(d, [e.ref for e in report.exhibits]),
    )
    del writer
    buffer.close()
    return bytes(buffer.data().data())
