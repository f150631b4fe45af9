# -*- coding: utf-8 -*-
"""Compliance of our published ASPAs against NetBox's providers."""

from __future__ import annotations

from ansible_collections.routesec.bgp.plugins.module_utils.compliance.aspa_checks import aspa_findings


def found(desired, published):
    return [(f.severity, f.check, f.subject) for f in aspa_findings(desired, published)]


def test_a_published_aspa_that_matches_netbox_gives_no_finding():
    assert found({64500: frozenset({64510, 64520})}, {64500: frozenset({64520, 64510}), 64999: frozenset()}) == []
    assert found({64500: frozenset()}, {64500: frozenset()}) == []  # AS0 asked for and published


def test_missing_aspa_missing_provider_and_stale_provider():
    desired = {64500: frozenset({64510, 64520}), 64501: frozenset({64510}), 64502: frozenset()}
    published = {64500: frozenset({64510, 64530})}
    assert found(desired, published) == [
        ("critical", "aspa-provider-missing", "AS64500 AS64520"),
        ("medium", "aspa-provider-stale", "AS64500 AS64530"),
        ("high", "aspa-missing", "AS64501"),
        ("high", "aspa-missing", "AS64502"),
    ]
    messages = {f.subject: f.message for f in aspa_findings(desired, published)}
    assert messages["AS64502"] == "NetBox gives the providers AS0 (no provider) but the RPKI holds no ASPA for AS64502"
    assert "reject our routes through it" in messages["AS64500 AS64520"]


def test_an_as0_aspa_published_while_netbox_has_providers_misses_each_of_them():
    assert found({64500: frozenset({64510})}, {64500: frozenset()}) == [
        ("critical", "aspa-provider-missing", "AS64500 AS64510")
    ]
