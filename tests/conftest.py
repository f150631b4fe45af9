# -*- coding: utf-8 -*-
"""Make the collection importable as ``ansible_collections.routesec.bgp`` for the tests.

The checkout is linked into a collections tree outside the repository (the same
one ``scripts/setup.sh`` makes for ansible-playbook), so the plain-Python core
is imported exactly as the modules import it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def collections_root():
    if REPO.parent.name == "routesec" and REPO.parents[1].name == "ansible_collections":
        return REPO.parents[2]
    cache = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec"))
    root = cache / "collections"
    link = root / "ansible_collections" / "routesec" / "bgp"
    if not (link.is_symlink() and link.resolve() == REPO):
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(REPO)
    return root


COLLECTIONS_ROOT = collections_root()
if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))
