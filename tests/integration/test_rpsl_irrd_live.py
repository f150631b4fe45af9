# -*- coding: utf-8 -*-
"""The RPSL serializer and reader against IRRd's own parser (the lab's IRRd install and configuration): what
routesec writes IRRd accepts, what it refuses IRRd's strict mode refuses, and what it reads IRRd reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import as_set_object, parse_objects, route_object
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(reads=("irrd",))

IRRD_PYTHON = Path("/var/cache/routesec/irrd/venv/bin/python")
CHECK = """
import json, sys
from irrd.conf import config_init
config_init(sys.argv[1])
from irrd.rpsl.rpsl_objects import rpsl_object_from_text
results = []
for text in json.load(sys.stdin):
    obj = rpsl_object_from_text(text, strict_validation=True)
    results.append({
        "class": obj.rpsl_object_class, "pk": obj.pk(), "errors": obj.messages.errors(), "parsed": obj.parsed_data,
    })
print(json.dumps(results, default=str))
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


MNTNER = "MAINT-ROUTESEC-LAB"
ROUTE = "route: 192.0.2.0/24\norigin: AS64500\n{line}mnt-by: {mntner}\nsource: ROUTESEC-LAB\n"
AS_SET = "as-set: {name}\nmembers: {member}\nmnt-by: MAINT-ROUTESEC-LAB\nsource: ROUTESEC-LAB\n"
# (what routesec writes, the same object as raw text for IRRd)
CANDIDATES = [
    *(
        (
            lambda m=m: route_object("192.0.2.0/24", 64500, "MAINT-ROUTESEC-LAB", "ROUTESEC-LAB", member_of=[m]),
            ROUTE.format(line="member-of: %s\n" % m, mntner="MAINT-ROUTESEC-LAB"),
        )
        for m in ("AS702:RS-DE", "RS-FOO", "AS1:RS-A:AS2", "RS-ANY", "AS-FOO", "AS1:AS2", "AS1:AS2:AS3:AS4:AS5:RS-X")
    ),
    *(
        (lambda m=m: route_object("192.0.2.0/24", 64500, m, "ROUTESEC-LAB"), ROUTE.format(line="", mntner=m))
        for m in ("MAINT-ROUTESEC-LAB", "AS-MAINT", "RS-MAINT", "PRNG-M", "ANY", "PEERAS", "M-AS-X")
    ),
    *(
        (
            lambda m=m: as_set_object("AS64500:AS-CUSTOMERS", [m], "MAINT-ROUTESEC-LAB", "ROUTESEC-LAB"),
            AS_SET.format(name="AS64500:AS-CUSTOMERS", member=m),
        )
        for m in ("AS-ANY", "AS1:AS-ANY", "AS65000:AS-FOO:AS65001", "AS-A:AS-B", "RS-FOO")
    ),
    *(
        (
            lambda n=n: as_set_object(n, ["AS1"], "MAINT-ROUTESEC-LAB", "ROUTESEC-LAB"),
            AS_SET.format(name=n, member="AS1"),
        )
        for n in ("AS-ANY", "AS-FOO", "AS1:AS2")
    ),
]


def refused(build):
    try:
        build()
    except DataError:
        return True
    return False


def test_what_the_writer_refuses_irrd_strict_mode_refuses_and_the_rest_it_accepts():
    results = irrd_parse([text for _build, text in CANDIDATES])
    differ = [
        (text, ours, result["errors"])
        for (build, text), result in zip(CANDIDATES, results)
        if (ours := refused(build)) != bool(result["errors"])
    ]
    # RFC 2622 section 2 reserves rs-any; IRRd 4.5's list of reserved words spells it RS_ANY, so it lets
    # RS-ANY through. The standard decides.
    assert [text for text, _ours, _errors in differ] == [ROUTE.format(line="member-of: RS-ANY\n", mntner=MNTNER)]
    assert any(bool(r["errors"]) for r in results) and not all(bool(r["errors"]) for r in results)


READ = [
    # a line of only spaces continues the value before it (IRRd reads one object)
    "route: 192.0.2.0/24\ndescr: x\n   \norigin: AS65537\nmnt-by: MAINT-ROUTESEC-LAB\nsource: ROUTESEC-LAB\n",
    # a descr over lines, with comments, '+' and tab continuations and a line of only a comment
    (
        "route: 192.0.2.0/24\ndescr: Example, # c\n+ Inc.\n\tsecond line,\n+\n  # only a comment\norigin: AS1\n"
        "mnt-by: MAINT-ROUTESEC-LAB\nsource: ROUTESEC-LAB\n"
    ),
    "as-set: AS-X\nmembers: AS1, AS2,\n AS3 # three\nmnt-by: MAINT-ROUTESEC-LAB\nsource: ROUTESEC-LAB\n",
]


@pytest.mark.parametrize("text", READ)
def test_the_reader_reads_what_irrd_reads(text):
    (irrd,) = irrd_parse([text])
    assert irrd["errors"] == []
    (ours,) = parse_objects(text)
    for attribute in ("descr", "origin", "members"):
        if attribute in irrd["parsed"]:
            theirs = irrd["parsed"][attribute]
            mine = ours.values(attribute) if isinstance(theirs, list) else ours.first(attribute)
            if attribute == "members":  # IRRd splits a list attribute into its items
                mine = [m.strip().upper() for value in mine for m in value.split(",")]
            assert mine == theirs, attribute
