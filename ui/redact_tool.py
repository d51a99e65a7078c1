"""The redaction tool: draw boxes over other people's names and faces, give a reason for each, make a redacted copy.

The tool only collects rectangles in the *stored image's* pixels (top-left origin) and a reason code per box; the
core makes the copy (:func:`evidence.capture.redact.redact`: pixels replaced, a fresh PNG) and records it as a
signed revision. Boxes are previewed as solid black on the picture shown here, which is the decoded image held in
memory: nothing is written to disk and the original is never changed. Drag to draw a box; boxes smaller than
3 x 3 pixels (a click) are ignored.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from evidence.capture.redact import REASON_LABELS, Box, BoxReason
from evidence.core.errors import UsageError
from ui.item_pixels import decode_image

MAX_SHOWN = QSize(860, 520)
MIN_BOX = 3


class QtBoxCanvas(QWidget):
    """The image, scaled to fit, on which boxes are drawn by dragging. Emits ``box_drawn(x, y, w, h)`` in image
    pixels."""

    box_drawn = Signal(int, int, int, int)

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redact_canvas")
        self.image = image
        scale = min(1.0, MAX_SHOWN.width() / max(image.width(), 1), MAX_SHOWN.height() / max(image.height(), 1))
        self.scale = scale
        self.setFixedSize(max(1, round(image.width() * scale)), max(1, round(image.height() * scale)))
        self.boxes: list[QRect] = []
        self._from: QPoint | None = None
        self._to: QPoint | None = None
        self.setCursor(Qt.CursorShape.CrossCursor)

    def to_image(self, p: QPoint) -> QPoint:
        """A widget point in image pixels (clamped to the image)."""
        x = min(max(int(p.x() / self.scale), 0), self.image.width())
        y = min(max(int(p.y() / self.scale), 0), self.image.height())
        return QPoint(x, y)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._from = self._to = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._from is not None:
            self._to = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._from is None:
            return
        a, b = self.to_image(self._from), self.to_image(event.position().toPoint())
        self._from = self._to = None
        rect = QRect(a, b).normalized()
        w, h = rect.width(), rect.height()
        self.update()
        if w >= MIN_BOX and h >= MIN_BOX:
            self.box_drawn.emit(rect.x(), rect.y(), w, h)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.drawImage(self.rect(), self.image)
        p.scale(self.scale, self.scale)
        for r in self.boxes:
            p.fillRect(r, QColor(0, 0, 0))
        p.resetTransform()
        if self._from is not None and self._to is not None:
            p.setPen(QPen(QColor(220, 40, 40), 2, Qt.PenStyle.DashLine))
            p.drawRect(QRect(self._from, self._to).normalized())
        p.end()


class QtRedactTool(QDialog):
    """Draw boxes on one item, a reason for each, and a reason for the copy; **Make redacted copy** accepts.

    Attributes:
        canvas: the picture to draw on.
        table: one row per box: where, and its reason.
        why_edit: why the copy is made (e.g. "subject access request"), required.
        make_button: accepts (enabled once there is a box and a reason).
    """

    def __init__(self, ref: str, seq: int, image_bytes: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redact_tool")
        self.setWindowTitle(f"Redact item {seq} of {ref}")
        self.seq = seq
        image = decode_image(image_bytes)
        self.canvas = QtBoxCanvas(image, self)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("redact_boxes")
        self.table.setHorizontalHeaderLabels(["Box (x, y, width, height)", "Reason"])
        self.table.setColumnWidth(0, 200)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMaximumHeight(150)
        self.remove_button = QPushButton("Remove box")
        self.remove_button.setObjectName("remove_box_button")
        self.why_edit = QLineEdit()
        self.why_edit.setObjectName("redact_why")
        self.why_edit.setPlaceholderText("Why (required): e.g. subject access request")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.make_button = buttons.addButton("Make redacted copy", QDialogButtonBox.ButtonRole.AcceptRole)
        self.make_button.setObjectName("make_redacted_button")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "Drag over other people's names, faces and contact details. The copy's pixels inside each box are "
            "replaced with black; the original is kept unchanged and the copy is a signed revision."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.canvas)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.table)
        tools = QHBoxLayout()
        tools.addWidget(self.remove_button)
        tools.addStretch(1)
        layout.addLayout(tools)
        form = QFormLayout()
        form.addRow("Why", self.why_edit)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.canvas.box_drawn.connect(self.add_box)
        self.remove_button.clicked.connect(self.remove_selected)
        self.why_edit.textChanged.connect(lambda *_: self._sync())
        self._sync()

    def add_box(self, x: int, y: int, w: int, h: int, reason: BoxReason = BoxReason.THIRD_PARTY_NAME) -> None:
        """Add a box in image pixels, with a reason (changeable in the table)."""
        self.canvas.boxes.append(QRect(x, y, w, h))
        self.canvas.update()
        n = self.table.rowCount()
        self.table.insertRow(n)
        label = QLabel(f"{x}, {y}, {w}, {h}")
        self.table.setCellWidget(n, 0, label)
        combo = QComboBox()
        for r in BoxReason:
            if r is not BoxReason.OTHER:  # "other" needs a note; the command line offers it
                combo.addItem(REASON_LABELS[r].capitalize(), r)
        combo.setCurrentIndex(max(combo.findData(reason), 0))
        self.table.setCellWidget(n, 1, combo)
        self._sync()

    def remove_selected(self) -> None:
        """Remove the selected box (or the last one)."""
        n = self.table.currentRow()
        if n < 0:
            n = self.table.rowCount() - 1
        if n < 0:
            return
        self.table.removeRow(n)
        del self.canvas.boxes[n]
        self.canvas.update()
        self._sync()

    def boxes(self) -> list[Box]:
        """The boxes with their reasons.

        Raises:
            UsageError: a box is not valid (cannot happen for drawn boxes).
        """
        out = []
        for n, rect in enumerate(self.canvas.boxes):
            combo = self.table.cellWidget(n, 1)
            assert isinstance(combo, QComboBox)
            reason = combo.currentData()
            if not isinstance(reason, BoxReason):
                raise UsageError("a box has no reason")
            out.append(Box(rect.x(), rect.y(), rect.width(), rect.height(), reason))
        return out

    def why(self) -> str:
        """Why the copy is made."""
        return self.why_edit.text().strip()

    def _sync(self) -> None:
        self.make_button.setEnabled(bool(self.canvas.boxes) and bool(self.why()))
        self.remove_button.setEnabled(bool(self.canvas.boxes))
