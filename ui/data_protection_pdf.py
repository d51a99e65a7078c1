"""The disposal certificate and the subject access account as PDFs, laid out with QTextDocument, printed by QPdfWriter.

Both documents are made from records the core already cleaned (:class:`evidence.case.certificate.DisposalCertificate`
sections, :class:`evidence.police.sar_export.SarPack` text), so the PDF says exactly what the text form says.
Every value is HTML-escaped; images are added as in-memory resources; nothing touches the disk and the PDF is
written to a ``QBuffer``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QUrl
from PySide6.QtGui import QFont, QFontDatabase, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from evidence.case.certificate import TITLE, DisposalCertificate
from ui.item_pixels import decode_image

RESOLUTION = 300
MARGINS_MM = QMarginsF(18, 18, 18, 18)
BODY_PT = 10.0
MAX_IMAGE_WIDTH = 1600


def _print(title: str, body_html: str, images: Mapping[str, bytes] | None = None) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, MARGINS_MM))
    writer.setTitle(title)
    writer.setCreator("Evidence Capture")
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    font = QFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family())
    font.setPointSizeF(BODY_PT)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    for name, data in (images or {}).items():
        image = decode_image(data)
        if not image.isNull():
            if image.width() > MAX_IMAGE_WIDTH:
                image = image.scaledToWidth(MAX_IMAGE_WIDTH)
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(body_html)
    page = writer.pageLayout().paintRectPixels(RESOLUTION)
    doc.setPageSize(page.size().toSizeF())
    doc.print_(writer)
    del writer
    buffer.close()
    return bytes(buffer.data().data())


def _mono() -> str:
    return html.escape(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family(), quote=True)


def certificate_html(cert: DisposalCertificate) -> str:
    """The certificate as HTML: each section's title, rows, paragraphs and commands (as :meth:`to_text` has them)."""
    e = html.escape
    mono = _mono()
    parts: list[str] = []
    for s in cert.sections():
        if s.title:
            parts.append(f"<h1>{e(s.title)}</h1>" if s.title == TITLE else f"<h3>{e(s.title)}</h3>")
        if s.rows:
            rows = "".join(
                f"<tr><td width='26%'><b>{e(k)}</b></td><td style='font-family:\"{mono}\"'>{e(v)}</td></tr>"
                for k, v in s.rows
            )
            parts.append(f"<table cellspacing='2' cellpadding='2' width='100%'>{rows}</table>")
        parts += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        for number, (command, expect) in enumerate(s.commands, start=1):
            parts.append(f"<p>{number}. <span style='font-family:\"{mono}\"; font-size:8pt'>{e(command)}</span></p>")
            parts.append(f"<p style='margin-left:18px; font-size:9pt'>must print: {e(expect)}</p>")
    return "".join(parts)


def render_certificate_pdf(cert: DisposalCertificate) -> bytes:
    """The disposal certificate as an A4 PDF, in memory."""
    return _print(f"{cert.reference}: certificate of disposal", certificate_html(cert))


def sar_html(text: str, images: Mapping[str, bytes]) -> str:
    """The subject access text as HTML (headings kept), followed by the redacted images."""
    e = html.escape
    lines = text.splitlines()
    parts: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt and set(nxt) <= {"="} and len(nxt) == len(line):
            parts.append(f"<h1>{e(line)}</h1>")
            i += 2
            continue
        if nxt and set(nxt) <= {"-"} and len(nxt) == len(line):
            parts.append(f"<h3>{e(line)}</h3>")
            i += 2
            continue
        if line.strip():
            parts.append(f"<p>{e(line)}</p>")
        i += 1
    for name in images:
        parts.append(f"<p><b>{e(name)}</b></p><p><img src='{e(name, quote=True)}' width='560'></p>")
    return "".join(parts)


def render_sar_pdf(reference: str, text: str, images: Mapping[str, bytes]) -> bytes:
    """The subject access account (and its redacted images) as an A4 PDF, in memory."""
    return _print(f"{reference}: subject access copy", sar_html(text, images), images)
