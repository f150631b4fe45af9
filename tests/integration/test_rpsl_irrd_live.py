# -*- coding: utf-8 -*-
"""The RPSL serializer's objects through IRRd's own parser (the lab's IRRd install and configuration)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import as_set_object, route_object
from lab_helpers import lab_api

IRRD_PYTHON = Path("/var/cache/routesec/irrd/venv/bin/python")
CHECK = """
import json, sys
from irrd.conf import config_init
config_init(sys.argv[1])
from irrd.rpsl.rpsl_objects import rpsl_object_from_text
results = []
for text in json.load(sys.stdin):
    obj = rpsl_object_from_text(text, strict_validation=True)
    results.append({"class": obj.rpsl_object_class, "pk": obj.pk(), "errors": obj.messages.errors()})
print(json.dumps(results))
"""


def irrd_parse(texts):
    config = lab_api.state_dir() / "irrd" / "irrd.yaml"
    if not (IRRD_PYTHON.exists() and config.exists()):
        pytest.fail("the lab IRRd is not installed (bash tests/lab/lab.sh up)")
    run = subprocess.run(
        [IRRD_PYTHON, "-c", CHECK, str(config)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_irrd_accepts_what_the_serializer_writes_and_refuses_a_broken_object():
    objects = [
        route_object("185.230.76.0/22", 64500, "MAINT-ROUTESEC-LAB", "ROUTESEC-LAB", descr=["Example", "two lines"]),
        route_object("2a0f:b300::/32", 64500, "MAINT-ROUTESEC-LAB", "ROUTESEC-LAB", remarks="routesec"),
        as_set_object(
            "AS64500:AS-CUSTOMERS",
            ["AS65000", "AS65000:AS-CUSTOMERS"],
            "MAINT-ROUTESEC-LAB",
            "ROUTESEC-LAB",
            descr="customers",
            contacts=(("admin-c", "RLA1-ROUTESEC-LAB"), ("tech-c", "RLA1-ROUTESEC-LAB")),
        ),
    ]
    broken = objects[0].text().replace("AS64500", "AS64500X")  # what a serializer without checks could write
    results = irrd_parse([obj.text() for obj in objects] + [broken])
    assert [(r["class"], r["pk"], r["errors"]) for r in results[:3]] == [
        ("route", "185.230.76.0/22AS64500", []),
        ("route6", "2A0F:B300::/32AS64500", []),  # IRRd upper-cases the key
        ("as-set", "AS64500:AS-CUSTOMERS", []),
    ]
    assert results[3]["errors"], "IRRd's parser must refuse the broken object (the check could not fail otherwise)"
