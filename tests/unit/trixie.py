# -*- coding: utf-8 -*-
"""The daemons of Debian trixie (BIRD 2.17, OpenBGPD 8.8, StayRTR 0.6, rpki-client 9.5, FORT 1.6), run from
the host.

``tests/lab/trixie_daemons.sh ensure`` builds their root once (cached; about a minute on a fresh machine).
``trixie_argv("bird")`` is the command line that runs a program of that root with the root's own dynamic loader
and libraries, so that the program reads and writes the host's paths: configurations and sockets go wherever
a test puts them.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "lab" / "trixie_daemons.sh"


@functools.lru_cache(maxsize=None)
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
    root = trixie_root()
    libraries = ":".join(str(root / folder) for folder in ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"))
    return [str(root / "lib64" / "ld-linux-x86-64.so.2"), "--library-path", libraries, str(trixie_program(name))]
