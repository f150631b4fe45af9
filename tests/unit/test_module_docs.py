# -*- coding: utf-8 -*-
"""Every module declares its attributes (check mode, diff mode, platform), as the collection guidelines ask,
read back from ansible-doc as a user sees them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

MODULES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "plugins" / "modules").glob("*.py"))


def test_every_module_declares_check_mode_diff_mode_and_platform():
    names = ["routesec.bgp.%s" % name for name in MODULES]
    done = subprocess.run(["ansible-doc", "-j", "-t", "module", *names], capture_output=True, text=True, check=True)
    docs = json.loads(done.stdout)
    assert sorted(docs) == names
    for name, entry in docs.items():
        attributes = entry["doc"].get("attributes") or {}
        assert {"check_mode", "diff_mode", "platform"} <= set(attributes), name
        for attribute in ("check_mode", "diff_mode", "platform"):
            assert attributes[attribute]["support"] in ("full", "partial", "none", "N/A"), (name, attribute)
            assert attributes[attribute]["description"], (name, attribute)
