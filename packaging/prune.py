"""Prune a PyInstaller build: drop files the app never loads, and what only they need.

Used by ``optiscope.spec``. PyInstaller's Qt hooks collect whole plugin folders;
a plugin left out (say the GTK 3 theme) still leaves behind every shared
library PyInstaller collected for it (GTK, cairo, pango...). :func:`prune`
removes the left-out files and then those libraries that nothing kept needs,
following the ``DT_NEEDED`` entries of the ELF files themselves.

Only libraries that the removed files needed are candidates, so a library
collected for another reason (a hook, ``ctypes``) is never touched.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable

#: A PyInstaller TOC entry: (destination name, source path, type code).
Entry = tuple[str, str, str]

_DT_NEEDED = 1
_SHT_DYNAMIC = 6


def needed(path: str) -> list[str]:
    """Sonames in the ``DT_NEEDED`` entries of ELF file ``path`` ([] if not ELF).

    >>> import sys
    >>> any(name.startswith("libc.so") for name in needed(os.path.realpath(sys.executable)))
    True
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return []
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)

    def section(i: int) -> tuple[int, int, int, int]:
        """(type, offset, size, link) of section ``i``."""
        at = shoff + i * shentsize
        if is64:
            _, stype, _, _, off, size, link = struct.unpack_from(end + "IIQQQQI", data, at)
        else:
            _, stype, _, _, off, size, link = struct.unpack_from(end + "IIIIIII", data, at)
        return stype, off, size, link

    names = []
    for i in range(shnum):
        stype, off, size, link = section(i)
        if stype != _SHT_DYNAMIC:
            continue
        _, str_off, _, _ = section(link)
        fmt, step = (end + "qQ", 16) if is64 else (end + "iI", 8)
        for at in range(off, off + size, step):
            tag, value = struct.unpack_from(fmt, data, at)
            if tag == 0:
                break
            if tag == _DT_NEEDED:
                stop = data.index(b"\0", str_off + value)
                names.append(data[str_off + value:stop].decode())
    return names


def prune(binaries: Iterable[Entry], datas: Iterable[Entry],
          unwanted: Callable[[str], bool]) -> tuple[list[Entry], list[Entry], list[str]]:
    """Filter PyInstaller's ``a.binaries`` and ``a.datas``.

    Drops every entry whose destination ``unwanted(dest)`` says to, then the
    shared libraries that only dropped files needed (directly or through other
    such libraries). Returns ``(binaries, datas, dropped destination names)``.
    """
    binaries, datas = list(binaries), list(datas)
    removed = [e for e in binaries if unwanted(e[0])]
    kept = [e for e in binaries if not unwanted(e[0])]
    by_name: dict[str, list[Entry]] = {}
    for entry in kept:
        by_name.setdefault(os.path.basename(entry[0]), []).append(entry)

    def closure(roots: Iterable[Entry]) -> set[str]:
        """Basenames of every kept library the roots need, transitively."""
        seen: set[str] = set()
        todo = [e[1] for e in roots]
        while todo:
            for name in needed(todo.pop()):
                if name in seen or name not in by_name:
                    continue
                seen.add(name)
                todo.extend(e[1] for e in by_name[name])
        return seen

    candidates = closure(removed)
    still_needed = closure(e for e in kept if os.path.basename(e[0]) not in candidates)
    orphans = candidates - still_needed
    pruned = [e for e in kept if os.path.basename(e[0]) not in orphans]
    dropped = sorted({e[0] for e in removed} | {e[0] for e in kept if e not in pruned})
    dropped_data = [e for e in datas if unwanted(e[0])]
    return pruned, [e for e in datas if not unwanted(e[0])], dropped + [e[0] for e in dropped_data]


def strip_python_binaries(binaries: Iterable[Entry], workdir: str) -> list[Entry]:
    """Entries of libpython and lib-dynload modules point at stripped copies.

    An interpreter built from source (pyenv) ships them with debug symbols
    (libpython3.11 is 23 MB, 4 MB stripped). Copies are stripped with
    ``strip --strip-debug`` in ``workdir``; without ``strip`` nothing changes.
    """
    binaries = list(binaries)
    tool = shutil.which("strip")
    if tool is None:
        return binaries
    out = []
    for dest, src, kind in binaries:
        name = os.path.basename(dest)
        if kind == "BINARY" and (name.startswith("libpython") or "lib-dynload" in dest):
            copy = os.path.join(workdir, dest)
            if not os.path.exists(copy) or os.path.getmtime(copy) < os.path.getmtime(src):
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                shutil.copy2(src, copy)
                subprocess.run([tool, "--strip-debug", copy], check=True)
            src = copy
        out.append((dest, src, kind))
    return out
