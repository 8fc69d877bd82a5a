"""Small reusable widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import appearance


class NumberField(QWidget):
    """A line edit for one number with a visible message when input is refused.

    ``check`` converts the text to a value or raises ValueError whose text is
    shown under the field; the last accepted value is kept, so nothing the
    user had is lost.
    """

    valueCommitted = Signal(object)

    def __init__(self, value: Any, check: Callable[[Any], Any], *, fmt: str = "{:g}",
                 tooltip: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._check = check
        self._fmt = fmt
        self._value = value
        self.edit = QLineEdit(self._format(value))
        self.edit.setToolTip(tooltip)
        self.message = QLabel()
        self.message.setObjectName("fieldMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b2182b;")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        self.edit.editingFinished.connect(self.commit)

    def _format(self, value: Any) -> str:
        try:
            return self._fmt.format(value)
        except (TypeError, ValueError):
            return str(value)

    def value(self) -> Any:
        """The last accepted value."""
        return self._value

    def setValue(self, value: Any, *, emit: bool = False) -> None:
        """Show ``value`` (assumed valid) and clear any message."""
        self._value = value
        self.edit.setText(self._format(value))
        self.message.hide()
        if emit:
            self.valueCommitted.emit(value)

    def commit(self) -> bool:
        """Validate the text; accept it (and emit) or show why not."""
        text = self.edit.text().strip()
        try:
            value = self._check(_parse_number(text))
        except ValueError as exc:
            self.message.setText(_friendly(str(exc), text))
            self.message.show()
            self.edit.setStyleSheet("border: 2px solid #b2182b;")
            return False
        self.message.hide()
        self.edit.setStyleSheet("")
        changed = value != self._value
        self._value = value
        if changed:
            self.valueCommitted.emit(value)
        return True


def _parse_number(text: str) -> Any:
    if not text:
        raise ValueError("the field is empty: type a number.")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number.") from None
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() \
        and abs(number) < 2**53 else number


def _friendly(message: str, text: str) -> str:
    return message if len(text) < 40 else message.replace(text, text[:37] + "...")


def compact_combo(items: list[str] | None = None) -> QComboBox:
    """A combo box that takes the width its row gives it, down to a few letters.

    A plain one is at least as wide as its longest entry, which can make a
    side panel wider than its dock (and the dock cuts it off at the right).
    """
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    combo.addItems(items or [])
    return combo


class Banner(QLabel):
    """A large, coloured one-line message readable from the back of a lecture hall."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runBanner")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setMargin(8)
        self.setProperty("keepFont", True)  # sized by appearance_changed, not the app font
        self._compact = False
        self.appearance_changed()
        self.show_message("Click the map to choose a start point, then press Play.", "#2c3e50")

    def appearance_changed(self) -> None:
        """A third larger than ordinary text (compact: as large), bold."""
        from . import appearance

        font = QFont(self.font())
        font.setPointSizeF(appearance.CURRENT.point_size * (1.0 if self._compact else 1.35))
        font.setBold(True)
        self.setFont(font)

    def show_message(self, text: str, colour: str, *, compact: bool = False) -> None:
        """Show ``text`` on a ``colour`` background; ``compact`` (for a line per
        racer) in ordinary-sized bold text, so several lines leave the plots room."""
        if compact != self._compact:
            self._compact = compact
            self.appearance_changed()
        if text != self.text():
            self.setText(text)
        # A style sheet is parsed and the label re-polished on every call: the
        # window refreshes ~30 times a second while a run goes on, mostly with
        # the same colour.
        sheet = f"QLabel#runBanner {{ background: {colour}; color: white; border-radius: 4px; }}"
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)


def maximise_button(name: str, tooltip: str) -> QToolButton:
    """A checkable "Maximise" button that reads "Restore" while checked."""
    button = QToolButton()
    button.setObjectName(name)
    button.setText("Maximise")
    button.setCheckable(True)
    button.setToolTip(tooltip)
    button.toggled.connect(lambda on: button.setText("Restore" if on else "Maximise"))
    return button


class Pane(QWidget):
    """A titled frame around a view with a "Maximise" toggle (the window hides
    the other panes while one is maximised)."""

    maximiseToggled = Signal(bool)

    def __init__(self, title: str, view: QWidget, extras: list[QWidget] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self.title = QLabel(f"<b>{title}</b>")
        self.max_button = maximise_button(f"{view.objectName()}Maximise",
                                          "Give this view the whole plotting area "
                                          "(click again to restore).")
        self.max_button.toggled.connect(self.maximiseToggled)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.title)
        bar.addStretch(1)
        for widget in extras or []:
            bar.addWidget(widget)
        bar.addWidget(self.max_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(view, 1)



class LazyTab(QWidget):
    """A tab whose view is built the first time it is shown (or asked for).

    Building every analysis view before the window first appears would cost
    start-up time for tabs most sessions never open.  ``built`` is emitted
    with the new view, so its owner can bring it up to date.
    """

    built = Signal(object)

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None):
        super().__init__(parent)
        self._factory = factory
        self._view: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        """True once the view exists."""
        return self._view is not None

    @property
    def view(self) -> QWidget:
        """The view, built now if it was not yet."""
        if self._view is None:
            self._view = self._factory()
            appearance.style_tree(self._view)  # the theme and text size in use now
            self.layout().addWidget(self._view)
            self.built.emit(self._view)
        return self._view

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.view  # noqa: B018 (built on first show)
        super().showEvent(event)


def out_of_sight(widget: QWidget) -> bool:
    """True while ``widget`` is hidden inside a window that is shown (a tab not
    in front, a collapsed pane): such a view may put off redrawing until it is
    shown.  A window that is not shown at all (scripts, tests, exports) draws
    everything at once."""
    window = widget.window()
    return window is not widget and window.isVisible() and not widget.isVisible()
