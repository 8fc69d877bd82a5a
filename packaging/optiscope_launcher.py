"""Entry script of the frozen build: does what the ``optiscope`` command does.

PyInstaller needs a script to start from; ``gui/app.py`` cannot be that script
because it uses relative imports (it must run as ``gui.app``).
"""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
