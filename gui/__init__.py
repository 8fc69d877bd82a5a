"""Optiscope's Qt user interface (PySide6 + pyqtgraph).

The GUI owns no mathematics: it turns settings into ``core`` calls, runs them
in a worker thread and draws what comes back.
"""
