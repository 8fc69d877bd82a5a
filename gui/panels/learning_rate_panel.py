"""Learning rate: a logarithmic slider from 1e-4 to 10 plus an exact entry."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

import core

from ..widgets import NumberField

LOG_MIN, LOG_MAX = -4, 1
#: Slider positions per decade of learning rate.
TICKS = 100
#: The learning rates of the lecture slides' quadratic example.
PRESETS = (0.05, 0.2, 0.9, 1.02)


class LearningRatePanel(QWidget):
    """Chooses the learning rate shared by every method that has one."""

    lrChanged = Signal(float)

    def __init__(self, lr: float = 0.1, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("learningRatePanel")
        spec = core.METHODS["gd"].param("lr")
        # Positions are hundredths of a decade: log10(r) = position / TICKS.
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("lrSlider")
        self.slider.setRange(LOG_MIN * TICKS, LOG_MAX * TICKS)
        self.slider.setSingleStep(TICKS // 10)
        self.slider.setPageStep(TICKS)
        self.slider.setToolTip("Drag to change the learning rate on a log scale (1e-4 … 10).")
        self.field = NumberField(lr, spec.check, fmt="{:.6g}",
                                 tooltip="Type an exact learning rate, e.g. 0.05 or 1.02.")
        self.field.setObjectName("lrField")
        ends = QHBoxLayout()
        ends.addWidget(QLabel("0.0001"))
        ends.addStretch(1)
        ends.addWidget(QLabel("10"))
        presets = QHBoxLayout()
        presets.addWidget(QLabel("Slides:"))
        for value in PRESETS:
            button = QPushButton(f"{value:g}")
            button.setObjectName(f"lrPreset_{value:g}")
            button.setToolTip(f"Set the learning rate to exactly {value:g}.")
            button.setMinimumWidth(44)  # not a push button's usual 80 px: the dock may be narrow
            button.clicked.connect(lambda _=False, v=value: self.set_lr(v, emit=True))
            presets.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Learning rate r (step size)"))
        layout.addWidget(self.slider)
        layout.addLayout(ends)
        layout.addWidget(self.field)
        layout.addLayout(presets)
        self.note = QLabel()
        self.note.setObjectName("lrNote")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self._lr = lr
        self._sync_slider(lr)
        self.slider.valueChanged.connect(self._slider_moved)
        self.field.valueCommitted.connect(lambda v: self.set_lr(float(v), emit=True))

    def set_note(self, text: str) -> None:
        """A remark under the controls (empty: none), e.g. that a lesson's racers
        bring learning rates of their own."""
        if text != self.note.text():
            self.note.setText(text)
        self.note.setVisible(bool(text))

    def lr(self) -> float:
        """The current learning rate (exactly as typed)."""
        return self._lr

    def set_lr(self, lr: float, *, emit: bool = False) -> None:
        """Set the learning rate (already validated)."""
        changed = lr != self._lr
        self._lr = lr
        self.field.setValue(lr)
        self._sync_slider(lr)
        if emit and changed:
            self.lrChanged.emit(lr)

    def _sync_slider(self, lr: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(min(max(math.log10(lr), LOG_MIN), LOG_MAX) * TICKS))
        self.slider.blockSignals(False)

    def _slider_moved(self, position: int) -> None:
        # Round to 3 significant digits so dragging gives readable numbers.
        lr = float(f"{10.0 ** (position / TICKS):.3g}")
        if lr != self._lr:
            self._lr = lr
            self.field.setValue(lr)
            self.lrChanged.emit(lr)
