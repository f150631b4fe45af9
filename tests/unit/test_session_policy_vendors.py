# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every vendor platform's session policy (and OpenConfig's) shares, checked on each: the policy's terms
are the same data everywhere (FRR's route-maps are their reference translation), a term matching a list the
intent has empty is left out rather than written (on several platforms a match on an empty or missing list
matches everything), what a platform cannot express is listed with its fallback or refused in strict mode,
and nothing is rendered for a router without eBGP sessions."""

from __future__ import annotations

import dataclasses

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import (
    VENDOR_RENDERERS,
    feature_gaps,
    render_session_policy,
)
from ansible_collections.routesec.bgp.plugins.module_utils.policy.objects import empty_lists, export_name, import_name
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.policy.terms import live_terms, policy_set
from session_policy_sample import IRR_LISTS, OWN_LISTS, sample_intent

SYNTAXES = sorted(VENDOR_RENDERERS)
PLATFORM = {"openconfig": "cisco_iosxr"}  # OpenConfig is spoken by devices of any platform


def intent_for(syntax, **changes):
    return dataclasses.replace(sample_intent(PLATFORM.get(syntax, syntax)), **changes)


def test_every_platform_that_writes_terms_is_registered():
    assert SYNTAXES == ["arista_eos", "cisco_ios", "cisco_iosxr", "juniper_junos", "nokia_sros", "openconfig"]


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_each_session_s_policies_are_written(syntax):
    intent, options = intent_for(syntax), PolicyOptions()
    text = render_session_policy(intent, options, syntax)
    for session in intent.sessions:
        assert session.address in text
        assert import_name(session) in text and export_name(session, options) in text


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_a_term_on_an_empty_list_is_left_out(syntax):
    # without IPv6 space of our own, the IPv6 peer's export term "our own prefixes" can never match
    lists = tuple(dataclasses.replace(p, entries=()) if p.name == OWN_LISTS[1].name else p for p in OWN_LISTS)
    intent, options = intent_for(syntax, prefix_lists=lists + IRR_LISTS), PolicyOptions()
    empty = empty_lists(intent, options)
    assert (6, OWN_LISTS[1].name) in empty
    peer_export = policy_set(intent, options).policies["ROUTESEC-OUT-PEER-V6"]
    assert len(live_terms(peer_export, empty)) == len(peer_export.terms) - 1
    text = render_session_policy(intent, options, syntax)
    assert OWN_LISTS[1].name not in text
    assert OWN_LISTS[0].name in text  # the IPv4 one is there, used by the transit's export


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_nothing_is_written_without_ebgp_sessions(syntax):
    assert render_session_policy(intent_for(syntax, sessions=()), PolicyOptions(), syntax) == ""


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_what_a_platform_cannot_express_is_listed_or_refused(syntax):
    intent = intent_for(syntax)
    gaps = feature_gaps(intent, syntax)
    assert gaps == sorted(gaps) and all(": " in gap for gap in gaps)
    if gaps:
        with pytest.raises(SafetyError, match="cannot express .*strict_features=false"):
            feature_gaps(intent, syntax, strict=True)
    roleless = intent_for(syntax, sessions=tuple(dataclasses.replace(s, role=None) for s in intent.sessions))
    assert not any(gap.startswith("roles:") for gap in feature_gaps(roleless, syntax))


def test_platforms_without_roles_say_so_and_frr_has_no_gaps():
    assert any(gap.startswith("roles:") for gap in feature_gaps(sample_intent("cisco_ios"), "cisco_ios"))
    assert feature_gaps(sample_intent("frr"), "frr") == []


def gap_names(syntax, **options):
    gaps = feature_gaps(intent_for(syntax), syntax, options=PolicyOptions(**options))
    return [gap.split(":")[0] for gap in gaps]


def test_a_gap_is_listed_only_when_the_sessions_and_options_need_the_feature():
    # the sample's customer is torn down over its limit, its transit only warned; no customer gets only a default
    assert gap_names("bird2") == ["max_prefix_restart"]
    assert gap_names("bird2", max_prefix_restart=0) == []  # BIRD disables the session: no timer needed
    assert gap_names("bird2", customer_export="default") == ["default_originate", "max_prefix_restart"]
    assert gap_names("openbgpd") == ["max_prefix_warning", "next_hop_peer"]
    assert "rpki" in gap_names("openconfig")
    assert "rpki" not in gap_names("openconfig", reject_invalid=False)
