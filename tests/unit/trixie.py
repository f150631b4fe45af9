# -*- coding: utf-8 -*-
"""The daemons of Debian trixie (BIRD 2.17, OpenBGPD 8.8, StayRTR 0.6, rpki-client 9.5, FORT 1.6), run from
the host, and FORT 1.7 of Debian sid (``trixie_sid_argv("fort")``), unpacked beside them.

``tests/lab/trixie_daemons.sh ensure`` builds their root once (cached; about a minute on a fresh machine).
``trixie_argv("bird")`` is the command line that runs a program of that root with the root's own dynamic loader
and libraries, so that the program reads and writes the host's paths: configurations and sockets go wherever
a test puts them. ``trixie_script(name, folder)`` writes that command line as an executable script, for code
that takes one program path (the file drivers' ``bird``, ``birdc``, ``bgpd``, ``bgpctl``).

A program that executes itself again runs its child with the host's loader, which cannot load the root's
libraries: OpenBGPD's bgpd starts its route engine and session engine that way. Such a daemon runs chrooted in
the root (``trixie_chroot_argv("bgpd")``), on files in ``shared_folder()``: a folder inside the root that has
the same path on the host and in the chroot (the root holds a link from its own host path to its ``/``), so the
daemon, the drivers and the test name its files alike.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "lab" / "trixie_daemons.sh"
SID = "opt/sid"  # where the script unpacks the packages of Debian sid (FORT 1.7 and its libxml2)
LIBRARIES = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")


@functools.cache
def trixie_root() -> Path:
    """The root's path, built first when it is absent (the script waits for a concurrent build)."""
    done = subprocess.run(["bash", SCRIPT, "ensure"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("trixie_daemons.sh ensure failed:\n%s" % done.stderr[-3000:])
    return Path(done.stdout.strip().splitlines()[-1])


def trixie_program(name: str) -> Path:
    """The path of program ``name`` inside the root."""
    root = trixie_root()
    for folder in ("usr/sbin", "usr/bin", "sbin", "bin"):
        path = root / folder / name
        if path.exists():
            return path
    raise FileNotFoundError("no program %r in %s" % (name, root))


def trixie_argv(name: str) -> list[str]:
    """The command line that runs program ``name`` of the root on the host's files."""
    return _loaded(trixie_program(name), LIBRARIES)


def trixie_sid_argv(name: str) -> list[str]:
    """The command line that runs program ``name`` of the sid packages unpacked in the root (``fort``: FORT 1.7)
    on the host's files: the root's loader, with sid's libraries found before the root's."""
    program = trixie_root() / SID / "usr" / "bin" / name
    if not program.exists():
        raise FileNotFoundError("no program %r in %s" % (name, program.parent))
    return _loaded(program, (SID + "/usr/lib/x86_64-linux-gnu", *LIBRARIES))


def _loaded(program: Path, library_folders) -> list[str]:
    """``program`` run by the root's dynamic loader, which looks for libraries in ``library_folders`` of the
    root."""
    root = trixie_root()
    libraries = ":".join(str(root / folder) for folder in library_folders)
    return [str(root / "lib64" / "ld-linux-x86-64.so.2"), "--library-path", libraries, str(program)]


def trixie_script(name: str, folder: Path) -> str:
    """An executable script in ``folder`` that runs program ``name`` of the root as ``trixie_argv`` does, with the
    script's arguments; its path."""
    script = Path(folder) / ("trixie-" + name)
    script.write_text('#!/bin/sh\nexec %s "$@"\n' % " ".join(shlex.quote(word) for word in trixie_argv(name)))
    script.chmod(0o755)
    return str(script)


def trixie_chroot_argv(name: str) -> list[str]:
    """The command line that runs program ``name`` chrooted in the root: its files must be in ``shared_folder``."""
    root = trixie_root()
    return ["chroot", str(root), "/" + str(trixie_program(name).relative_to(root))]


@contextlib.contextmanager
def shared_folder(prefix: str = "routesec-"):
    """A new folder inside the root, at the same path on the host and in the chroot; removed afterwards."""
    root = trixie_root()
    _link_root_to_itself(root)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root / "tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _link_root_to_itself(root: Path) -> None:
    """Make the root's host path lead, inside the chroot, to the root's own ``/`` (once; concurrent callers
    agree)."""
    link = root / str(root).lstrip("/")
    if link.is_symlink():
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.symlink("/", link)
    except FileExistsError:
        if not link.is_symlink():
            raise
