"""Entry script of the frozen build: does what the ``optiscope`` command does.

PyInstaller needs a script to start from; ``gui/app.py`` cannot be that script
because it uses relative imports (it must run as ``gui.app``).

``optiscope --core-worker`` is a helper process of a large batch (see
``core.workers``): it serves requests and never loads Qt.
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["--core-worker"]:
        from core.workers import serve

        sys.exit(serve())
    from gui.app import launch

    launch()
