# -*- coding: utf-8 -*-
"""Refusals that tell the user which option overrides them name options that exist: each hint is read back
from the argument spec of the module that raises it. And leniency is never silent: an AS-SET expansion that
``allow_missing_sets`` or ``allow_too_deep`` let through warns with the count and the first names."""

from __future__ import annotations

import importlib
import ipaddress
import re
from pathlib import Path
from unittest import mock

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import RoutesecError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import Device, DeviceIntent, Neighbor
from ansible_collections.routesec.bgp.plugins.module_utils.irr.expand import check_complete, expand_as_set
from ansible_collections.routesec.bgp.plugins.module_utils.irr.filters import (
    IrrFilterOptions,
    add_irr_filters,
    refuse_empty,
)
from ansible_collections.routesec.bgp.plugins.module_utils.plan.guards import check_list_change
from ansible_collections.routesec.bgp.plugins.module_utils.render.list_delta import ListChange
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.roa_plan import RoaPlan, check_removals, desired_roas
from fake_irr import client_for

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
# an option named as the way out of a refusal: "NAME=true", "NAME: true", "raise NAME", "a larger NAME",
# "the policy's NAME" (not the code's "raise NAME(...)")
HINT = re.compile(
    r"\b([a-z]+(?:_[a-z0-9]+)+)(?=(?:=|: )true\b)|(?:raise|larger|policy's) ([a-z]+(?:_[a-z0-9]+)+)\b(?!\()"
)


class _Spec(Exception):
    pass


def argument_spec(module_name):
    """The argument spec ``module_name``'s main() gives AnsibleModule."""
    module = importlib.import_module("ansible_collections.routesec.bgp.plugins.modules." + module_name)

    def capture(*args, **kwargs):
        raise _Spec(kwargs.get("argument_spec") or args[0])

    with mock.patch.object(module, "AnsibleModule", side_effect=capture), pytest.raises(_Spec) as spec:
        module.main()
    return spec.value.args[0]


def hinted(message):
    return {a or b for a, b in HINT.findall(message)}


def refusal(call, *args, **kwargs):
    with pytest.raises(RoutesecError) as raised:
        call(*args, **kwargs)
    return str(raised.value)


def assert_hints_exist(module_name, message, expected):
    assert hinted(message) == expected, message
    assert expected <= set(argument_spec(module_name)), (module_name, expected)


def test_incomplete_as_set_refusals_name_irr_filters_options(irr):
    irr.answers.update({"!iAS-TOP": "AS1 AS-GONE AS-DEEP", "!iAS-DEEP": "AS-DEEPER", "!iAS-DEEPER": "AS2"})
    with client_for(irr) as client:
        expansion = expand_as_set(client, "AS-TOP", max_depth=2)
    message = refusal(check_complete, expansion)
    assert_hints_exist("irr_filters", message, {"allow_missing_sets", "max_depth", "allow_too_deep"})
    empty = {"AS-EMPTY": {4: [], 6: []}}
    assert_hints_exist("irr_filters", refusal(refuse_empty, empty), {"allow_empty"})


def test_list_guards_name_prefix_filter_options():
    entries = {n: object() for n in range(1, 5)}
    emptied = ListChange(4, "ROUTESEC-OWN-V4", entries, {})
    assert_hints_exist("prefix_filter", refusal(check_list_change, "edge1", emptied), {"allow_empty"})
    shrunk = ListChange(4, "ROUTESEC-OWN-V4", entries, {1: entries[1]})
    message = refusal(check_list_change, "edge1", shrunk)
    assert_hints_exist("prefix_filter", message, {"allow_shrink", "max_shrink_percent"})


def test_roa_refusals_name_roa_plan_options():
    wide = mock.Mock(prefix=ipaddress.ip_network("185.230.76.0/22"), origin_asn=64500, max_length=24)
    assert_hints_exist("roa_plan", refusal(desired_roas, [wide]), {"wide_max_length"})
    assert_hints_exist("roa_plan", refusal(check_removals, RoaPlan(remove=(object(),))), {"allow_removals"})


def test_every_hint_in_the_core_names_an_option_of_some_module():
    """What the core (module_utils, where the refusals are raised) names as a way out is an option."""
    options = {name for path in (PLUGINS / "modules").glob("*.py") for name in argument_spec(path.stem)}
    hints = {name for path in (PLUGINS / "module_utils").rglob("*.py") for name in hinted(path.read_text())}
    assert hints and hints <= options, hints - options


def test_allowed_incomplete_sets_warn_with_the_count_and_the_first_names(irr):
    irr.version = "IRRd -- version 3.0.0"  # no !a: routes per origin
    irr.answers.update(
        {
            "!iAS-TOP": "AS1 AS-GONE-1 AS-GONE-2 AS-GONE-3 RS-NOT-A-SET",
            "!gAS1": "185.230.76.0/22",
            "!6AS1": "2a0f:b300::/32",
        }
    )
    intents = {"edge1": DeviceIntent(Device("edge1", "frr"), neighbors=(Neighbor(65001, "AS-TOP"),))}
    with client_for(irr) as client:
        built, report, warnings = add_irr_filters(intents, client, IrrFilterOptions(allow_missing=True))
    assert warnings == [
        "AS-SET AS-TOP: 3 member sets not in the IRR left out of the filter: AS-GONE-1, AS-GONE-2, AS-GONE-3",
        "AS-SET AS-TOP: 1 members that are neither AS numbers nor AS-SET names left out of the filter: RS-NOT-A-SET",
    ]
    assert report["AS65001"]["missing_sets"] == 3 and report["AS65001"]["invalid_members"] == 1
    assert [str(e.prefix) for e in built["edge1"].prefix_lists[0].entries] == ["185.230.76.0/22"]
