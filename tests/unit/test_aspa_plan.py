# -*- coding: utf-8 -*-
"""The ASPA plan against what exists: additions, replacements with the providers added and removed, the CA's
ASPAs of ASes that are not ours, our ASes NetBox says nothing of, definitions rewritten, the removal guard, the
refusal to drop a provider a session routesec cannot attribute may still carry, and the ASPAs of a validator's
export."""

from __future__ import annotations

import json

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa_cas import aspa_client, read_published
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa_intent import AspaIntent
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa_plan import (
    AspaPlan,
    Published,
    check_removals,
    plan_aspas,
)
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.cas import CaAccess
from test_refusal_hints import assert_hints_exist, refusal

F = frozenset


def intent(aspas, own=(64500, 64501, 64502), unattributed=None):
    undescribed = tuple(sorted(set(own) - set(aspas)))
    return AspaIntent(aspas=aspas, own=F(own), undescribed=undescribed, unattributed=unattributed or {})


def test_adds_replaces_and_keeps_with_the_providers_added_and_removed():
    wanted = intent({64500: F({64496, 65010}), 64501: F({64496}), 64502: F()})
    plan = plan_aspas(wanted, Published({64500: F({64496, 65020}), 64501: F({64496})}))
    assert plan.lines() == [
        "+ ASPA AS64502 => AS0",
        "~ ASPA AS64500 => AS64496, AS65010 (+AS65010, -AS65020)",
    ]
    assert plan.to_dict() == {
        "add": [{"customer": 64502, "providers": [0]}],
        "replace": [{"customer": 64500, "providers": [64496, 65010], "added": [65010], "removed": [65020]}],
        "remove": [],
        "unchanged": 1,
        "unknown": [],
        "undescribed": [],
    }
    assert plan.diff() == {
        "before": "AS64500 => AS64496, AS65020\nAS64501 => AS64496\n",
        "after": "AS64500 => AS64496, AS65010\nAS64501 => AS64496\nAS64502 => AS0\n",
    }
    assert plan.changed and not plan_aspas(wanted, Published(wanted.aspas)).changed


def test_aspas_of_ases_not_ours_are_reported_and_removed_only_when_asked():
    current = Published({64500: F({64496}), 64999: F({64496, 65010})})
    plan = plan_aspas(intent({64500: F({64496})}), current)
    assert not plan.changed and plan.to_dict()["unknown"] == [{"customer": 64999, "providers": [64496, 65010]}]
    removing = plan_aspas(intent({64500: F({64496})}), current, remove_unknown=True)
    assert removing.lines() == ["- ASPA AS64999 => AS64496, AS65010"] and removing.unknown == ()
    assert removing.diff()["after"] == "AS64500 => AS64496\n"


def test_an_as_of_ours_netbox_says_nothing_of_keeps_what_the_ca_holds_even_when_asked_to_remove_unknowns():
    plan = plan_aspas(intent({64500: F({64496})}), Published({64501: F({65010})}), remove_unknown=True)
    assert plan.lines() == ["+ ASPA AS64500 => AS64496"]
    assert plan.to_dict()["undescribed"] == [
        {"customer": 64501, "published": [65010]},
        {"customer": 64502, "published": None},
    ]


def test_a_definition_the_ca_holds_in_another_form_is_rewritten_even_with_the_same_providers():
    current = Published({64500: F({64496})}, irregular={64500: "AS0 beside other providers at the CA"})
    plan = plan_aspas(intent({64500: F({64496})}), current)
    assert plan.lines() == ["~ ASPA AS64500 => AS64496 (AS0 beside other providers at the CA)"]
    assert plan.to_dict()["replace"][0]["note"] == "AS0 beside other providers at the CA"
    check_removals(plan)  # nothing removed


@pytest.mark.parametrize(
    "wanted, current, remove_unknown, removed",
    [
        ({64500: F({64496})}, {64500: F({64496, 65020})}, False, "AS65020 from AS64500"),
        ({64500: F()}, {64500: F({64496})}, False, "AS64496 from AS64500"),
        ({64500: F({64496})}, {64500: F({64496}), 64999: F({1, 2})}, True, "AS1 from AS64999, AS2 from AS64999"),
        ({64500: F({64496})}, {64500: F({64496}), 64999: F()}, True, "AS0 of AS64999"),
    ],
)
def test_removing_a_provider_or_a_whole_aspa_is_refused_unless_allowed(wanted, current, remove_unknown, removed):
    plan = plan_aspas(intent(wanted), Published(current), remove_unknown)
    with pytest.raises(SafetyError, match=r"removes \d provider\(s\) \(%s\).*Nothing was submitted" % removed):
        check_removals(plan)
    check_removals(plan, allow_removals=True)


def test_the_removal_refusal_names_an_option_of_the_module():
    plan = plan_aspas(intent({64500: F()}), Published({64500: F({64496})}))
    assert_hints_exist("aspa_plan", refusal(check_removals, plan), {"allow_removals"})


def test_additions_and_leaving_as0_need_no_permission():
    check_removals(plan_aspas(intent({64500: F({64496})}), Published({64500: F()})))
    check_removals(plan_aspas(intent({64500: F({64496}), 64501: F({1})}), Published({})))
    check_removals(AspaPlan())


def test_a_provider_a_session_routesec_cannot_attribute_reaches_is_never_dropped():
    sessions = {65020: ("NetBox BGP session edge9:up (id 12)",)}
    wanted = intent({64500: F({64496}), 64501: F({65020})}, unattributed=sessions)
    with pytest.raises(DataError) as caught:
        plan_aspas(wanted, Published({64500: F({64496, 65020}), 64501: F({65020})}))
    assert str(caught.value).startswith(
        "ASPA plan: 1 provider removal(s) refused: NetBox BGP session edge9:up (id 12): a transit session to AS65020 "
        "on a device routesec does not manage, and the plan would take AS65020 out of the ASPA of AS64500"
    )
    plan_aspas(wanted, Published({64500: F({64496}), 64501: F({65020})}))  # nothing removed: fine
    unknown = Published({64500: F({64496}), 64501: F({65020}), 64999: F({65020})})
    assert plan_aspas(wanted, unknown, remove_unknown=True).lines() == ["- ASPA AS64999 => AS65020"]  # not ours


def test_a_validators_export_counts_for_our_ases_only(tmp_path):
    export = tmp_path / "json"
    aspas = [
        {"customer_asid": 64500, "providers": [64496, 65020]},
        {"customer_asid": 64999, "providers": [64496]},
        {"customer_asid": 64501, "providers": [0]},
    ]
    export.write_text(json.dumps({"metadata": {}, "roas": [], "aspas": aspas}))
    published = read_published(None, str(export), F({64500, 64501}))
    assert published == Published({64500: F({64496, 65020}), 64501: F()})
    assert read_published(None, None, F({64500})) == Published({})
    with pytest.raises(DataError, match="cannot be read"):
        read_published(None, str(tmp_path / "missing"), F({64500}))


def test_the_ripe_ncc_is_refused_for_aspas_saying_why():
    with pytest.raises(DataError) as caught:
        aspa_client("ripe", CaAccess(api_key="key"))
    assert caught.value.field == "ca"
    assert "RPKI Management API document" in str(caught.value) and "none for ASPAs" in str(caught.value)
    assert aspa_client("none", CaAccess()) is None
    with pytest.raises(DataError, match="unknown CA 'arin' for ASPAs"):
        aspa_client("arin", CaAccess())
