# -*- coding: utf-8 -*-
"""The IRR answer cache against the fake IRRd: reused only while the server reports the same data."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.cache import CachedClient
from ansible_collections.routesec.bgp.plugins.module_utils.irr.expand import prefixes_for_set
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import IrrError
from fake_irr import Raw, client_for

SET = {
    "!iAS-TOP": "AS1 AS-SUB",
    "!iAS-SUB": "AS2",
    "!a4AS-TOP": "192.0.2.0/24 198.51.100.0/24",
    "!a6AS-TOP": "2001:db8::/32",
}


def status(changed_ago=3600, serial=None):
    when = (datetime.now(UTC) - timedelta(seconds=changed_ago)).isoformat()
    entry = {"rpsl_data_updated": when, "serial_newest_journal": serial, "serial_newest_mirror": None}
    return json.dumps({"RIPE": entry, "RIPE-NONAUTH": dict(entry), "OTHER": {"rpsl_data_updated": None}})


@pytest.fixture
def cached(irr, tmp_path):
    irr.answers.update(SET)
    irr.answers["!J-*"] = status()

    def make(**options):
        return CachedClient(client_for(irr), tmp_path / "cache", **options)

    return make


def walked(irr):
    return [q for q in irr.queries if q.startswith(("!i", "!a"))]


def test_second_run_on_unchanged_data_asks_only_the_status(irr, cached):
    with cached() as client:
        first = prefixes_for_set(client, "AS-TOP")
    assert client.report()["saved"] and walked(irr) == ["!iAS-TOP", "!iAS-SUB", "!a4AS-TOP", "!a6AS-TOP"]
    assert stat.S_IMODE(os.stat(os.path.dirname(client.path)).st_mode) == 0o700
    irr.connections.clear()
    with cached() as client:
        second = prefixes_for_set(client, "AS-TOP")
    assert walked(irr) == [] and [q for q in irr.queries if q != "!q"] == ["!J-*"]
    assert second.expansion == first.expansion and second.prefixes == first.prefixes
    report = client.report()  # the expansion and both !a answers come from the results file alone
    assert report["results_loaded"] == 3 and report["answers_loaded"] == 0 and not report["saved"]


def test_raw_answers_serve_a_new_question_on_unchanged_data(irr, cached):
    with cached() as client:
        prefixes_for_set(client, "AS-TOP")
    irr.connections.clear()
    with cached() as client:  # another max_depth: a new expansion, from the answers already read
        assert prefixes_for_set(client, "AS-TOP", max_depth=5).expansion.asns == {1, 2}
    assert walked(irr) == [] and client.report()["answers_loaded"] == 4


def test_a_change_in_the_irr_discards_every_answer(irr, cached):
    with cached() as client:
        prefixes_for_set(client, "AS-TOP")
    irr.answers.update({"!J-*": status(serial=8), "!iAS-SUB": "AS2 AS3", "!a4AS-TOP": "192.0.2.0/24"})
    irr.connections.clear()
    with cached() as client:
        again = prefixes_for_set(client, "AS-TOP")
    assert again.expansion.asns == {1, 2, 3} and len(again[4]) == 1
    assert walked(irr) == ["!iAS-TOP", "!iAS-SUB", "!a4AS-TOP", "!a6AS-TOP"]
    assert client.report()["answers_loaded"] == 0 and client.report()["saved"]


def test_nothing_is_saved_when_the_data_changes_during_the_run(irr, cached):
    client = cached()
    client.connect()
    irr.answers["!J-*"] = status(serial=9)  # a change lands while the set is walked
    prefixes_for_set(client, "AS-TOP")
    client.close()
    assert not os.path.exists(client.path)
    assert client.report()["reason"] == "the IRR's data changed during the run"


def test_a_source_changed_moments_ago_is_not_saved(irr, cached):
    irr.answers["!J-*"] = status(changed_ago=5)
    with cached(settle=60) as client:
        prefixes_for_set(client, "AS-TOP")
    assert not os.path.exists(client.path)
    assert "source RIPE changed 5 s ago" in client.report()["reason"]


@pytest.mark.parametrize(
    "answer, reason",
    [
        (Raw("F unknown command\n"), "does not report its sources' status"),
        ("not json", "is not JSON"),
        (json.dumps({"RIPE": {"rpsl_data_updated": None}}), "does not say when source RIPE last changed"),
    ],
)
def test_without_a_usable_status_every_query_goes_to_the_server(irr, cached, answer, reason):
    irr.answers["!J-*"] = answer
    for _run in range(2):
        with cached() as client:
            prefixes_for_set(client, "AS-TOP")
        assert reason in client.report()["reason"] and not client.report()["used"]
    assert walked(irr).count("!iAS-TOP") == 2 and not os.path.exists(client.path)


def test_a_damaged_or_foreign_file_is_ignored(irr, cached):
    with cached() as client:
        prefixes_for_set(client, "AS-TOP")
    for content in ("{broken", json.dumps({"format": 1, "server": "elsewhere:43", "answers": {}, "results": {}})):
        for path in (client.path, client.answers_path):
            with open(path, "w", encoding="latin-1") as handle:
                handle.write(content)
        irr.connections.clear()
        with cached() as client:
            assert prefixes_for_set(client, "AS-TOP").expansion.asns == {1, 2}
        assert "!iAS-TOP" in walked(irr)


def test_errors_are_never_cached_and_a_dead_server_is_an_error(irr, cached):
    irr.answers["!iAS-SUB"] = Raw("F database locked\n")
    with pytest.raises(IrrError, match="database locked"), cached() as client:
        prefixes_for_set(client, "AS-TOP")
    assert not os.path.exists(client.path)  # a failed run saves nothing
    irr.answers["!iAS-SUB"] = "AS2"
    with cached() as client:
        assert prefixes_for_set(client, "AS-TOP").expansion.asns == {1, 2}
    irr.shutdown()
    irr.server_close()
    with pytest.raises(IrrError, match="cannot connect"), cached() as client:
        prefixes_for_set(client, "AS-TOP")


def customer_intents():
    from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import Device, DeviceIntent, Neighbor

    return {"edge1": DeviceIntent(Device("edge1", "frr"), neighbors=(Neighbor(65001, "AS-TOP"),))}


@pytest.mark.parametrize("settle, saved", [(60, False), (3, True)])
def test_irr_filters_save_answers_from_sources_unchanged_for_the_settle_time(irr, tmp_path, settle, saved):
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.filters import irr_filters_from

    irr.answers.update(SET, **{"!J-*": status(changed_ago=5), "!gAS1": "", "!6AS1": ""})
    result = irr_filters_from(
        "127.0.0.1", irr.port, customer_intents(), sources="RIPE", cache_dir=tmp_path, cache_settle=settle
    )
    assert result[-1]["saved"] is saved, result[-1]


def test_a_negative_settle_time_is_refused_naming_the_field(irr, tmp_path):
    from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.filters import irr_filters_from

    with pytest.raises(DataError, match="field 'cache_settle': must be 0 seconds or more, not -1"):
        irr_filters_from("127.0.0.1", irr.port, customer_intents(), cache_dir=tmp_path, cache_settle=-1)
    assert irr.queries == []
