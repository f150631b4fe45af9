# -*- coding: utf-8 -*-
"""A validator's files: the SLURM assertions for our ROAs and the tool's configuration."""

from __future__ import annotations

import json

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.slurm import apply_slurm, parse_slurm
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.validator_intent import validator_files
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp

ROAS = (make_vrp("185.230.76.0/22", 23, 64500), make_vrp("2a0f:b300::/32", 32, 64500))
SETTINGS = {
    "tals": ["ripe"],
    "cache_dir": "/var/cache/rpki",
    "output_dir": "/var/lib/rpki",
    "slurm": "/etc/rpki/slurm.json",
}


def test_stayrtr_gets_a_slurm_asserting_our_roas_and_its_command_line():
    settings = dict(SETTINGS, rtr={"address": "192.0.2.10", "port": 3323})
    files, argv, _warnings = validator_files("stayrtr", settings, ROAS, [{"asn": 64666, "comment": "a hijacker"}])
    slurm = parse_slurm(files["/etc/rpki/slurm.json"])
    stale = make_vrp("192.0.2.0/24", 24, 64666)
    assert set(apply_slurm(slurm, [stale])) == set(ROAS)  # the filter drops AS64666, the assertions add ours
    assert argv[:5] == ["stayrtr", "-bind", "192.0.2.10:3323", "-cache", "/var/lib/rpki/json"]
    assert "-slurm" in argv


def test_fort_and_routinator_need_their_config_path_and_get_a_file():
    with pytest.raises(DataError, match="field 'config_path'"):
        validator_files("fort", SETTINGS, ROAS)
    files, argv, _warnings = validator_files("fort", SETTINGS, ROAS, config_path="/etc/fort/config.json")
    assert argv is None and json.loads(files["/etc/fort/config.json"]) and "/etc/rpki/slurm.json" in files


def test_without_a_slurm_path_only_the_configuration_is_rendered_and_bad_tools_are_refused():
    files, argv, _warnings = validator_files(
        "rpki-client", {"tals": ["ripe"], "cache_dir": "/var/cache/rpki", "output_dir": "/var/lib/rpki"}, ROAS
    )
    assert files == {} and argv[0] == "rpki-client"
    with pytest.raises(DataError, match="field 'tool'"):
        validator_files("octorpki", SETTINGS, ROAS)


def test_a_filter_matching_one_of_our_roas_is_reported_and_the_roa_still_asserted():
    settings = dict(SETTINGS, rtr={"address": "192.0.2.10", "port": 3323})
    files, _argv, warnings = validator_files("stayrtr", settings, ROAS, [{"prefix": "185.230.76.0/22"}])
    assert warnings == [
        (
            "SLURM prefixAssertions[0] 185.230.76.0/22 64500: prefixFilters[0] 185.230.76.0/22 matches it too; "
            "filters apply first, so the assertion stands (RFC 8416 section 4)"
        )
    ]
    slurm = parse_slurm(files["/etc/rpki/slurm.json"])
    assert set(apply_slurm(slurm, [make_vrp("185.230.76.0/24", 24, 64999)])) == set(ROAS)
