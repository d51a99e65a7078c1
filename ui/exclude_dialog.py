"""The dialog that asks why an item is excluded from sealing; an exclusion without a reason is refused."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.widget_helpers import plain_label


class QtExcludeDialog(QDialog):
    """Asks why an item is excluded; the Exclude button stays disabled until the reason has some text.

    Attributes:
        item_id: the item, as ``REF/N``.
        explanation_label: one sentence: the item stays in the record and the exclusion is logged.
        reason_edit: the reason, required.
        button_box: Exclude and Cancel.
        ok_button: the Exclude button.
    """

    def __init__(self, item_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item_id = item_id
        self.setObjectName("exclude_dialog")
        self.setWindowTitle(f"Exclude item {item_id}")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        self.explanation_label = plain_label(
            f"Item {item_id} stays in the record unchanged and is only left out when the incident is sealed;"
            " the exclusion and your reason are written to the custody log.",
            self,
            "explanation_label",
        )
        self.explanation_label.setWordWrap(True)
        layout.addWidget(self.explanation_label)
        prompt = QLabel("Why is this item excluded?", self)
        layout.addWidget(prompt)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("reason_edit")
        self.reason_edit.setAccessibleName("Reason for excluding the item")
        self.reason_edit.setPlaceholderText("For example: a duplicate of item 2, or the wrong window")
        self.reason_edit.setMaxLength(500)
        prompt.setBuddy(self.reason_edit)
        layout.addWidget(self.reason_edit)
        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Exclude")
        self.ok_button.setEnabled(False)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        layout.addWidget(self.button_box)
        self.reason_edit.textChanged.connect(self._on_text_changed)

    def reason(self) -> str:
        """The reason as typed, without surrounding spaces."""
        return self.reason_edit.text().strip()

    def accept(self) -> None:
        """Close with Exclude, but only with a reason (Return in the field must not bypass the rule)."""
        if self.reason():
            super().accept()

    def _on_text_changed(self, _text: str) -> None:
        self.ok_button.setEnabled(bool(self.reason()))
