"""Entry script of the frozen build: does what the ``optiscope`` command does.

PyInstaller needs a script to start from; ``gui/app.py`` cannot be that script
because it uses relative imports (it must run as ``gui.app``).
"""

from gui.app import launch

if __name__ == "__main__":
    launch()
