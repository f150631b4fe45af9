# -*- coding: utf-8 -*-
"""ASPA-based AS_PATH verification (draft-ietf-sidrops-aspa-verification-28) on hand-made paths, against a
literal transcription of the draft's ramp bounds, and the ASPA reader on rpki-client's real 2023 file.

Section numbers are those of revision 28: 5.1 prerequisite checks, 5.2 COMPRESSED_AS_PATH, 5.3 the provider
authorization function, 5.4 the ramp bounds, 5.5 the upstream and 5.6 the downstream procedure.
Paths are written as received: the neighbour first, the origin last. In the draft's numbering AS(1) is the
last element and AS(N) the first.
"""

from __future__ import annotations

import gzip
import json
import random

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import (
    DOWNSTREAM,
    INVALID,
    NO_ATTESTATION,
    NOT_PROVIDER_PLUS,
    PROVIDER_PLUS,
    UNKNOWN,
    UPSTREAM,
    VALID,
    aspas_from_json,
    aspas_from_records,
    authorized,
    compressed,
    read_aspas,
    verify,
)
from test_renderers import SHARED

RPKI_CLIENT_2023 = SHARED / "data" / "vrp" / "rpki-client_ripe-prepdev_2023-05-04.json.gz"

# The topology the ASPAs describe. 64520 and 64530 are transit-free and peer with each other: both hold an
# AS0 ASPA. 64510 and 64511 are customers of 64520; 64501 is a customer of both. 64540 is a customer of 64530,
# 64541 of 64540. 64502's provider is 64599. 64597, 64598, 64599 and 64600 hold no ASPA.
RECORDS = [
    {"customer_asid": 64501, "providers": [64510]},
    {"customer_asid": 64501, "providers": [64511]},  # a second ASPA of 64501: the U-SPAS is the union (5.3)
    {"customer_asid": 64510, "providers": [64520]},
    {"customer_asid": 64511, "providers": [64520]},
    {"customer_asid": 64520, "providers": [0]},
    {"customer_asid": 64530, "providers": [0]},
    {"customer_asid": 64540, "providers": [64530]},
    {"customer_asid": 64541, "providers": [64540]},
    {"customer_asid": 64502, "providers": [64599]},
]
ASPAS = aspas_from_records(RECORDS)


def test_the_records_make_the_u_spas_of_each_customer():
    assert ASPAS[64501] == frozenset({64510, 64511})
    assert ASPAS[64520] == frozenset()  # AS0 ASPA: AS 0 dropped, no provider at all
    assert 64599 not in ASPAS


def test_the_provider_authorization_function():
    # 5.3: "No Attestation" when the customer has no ASPA, "Provider+" when its U-SPAS lists the provider,
    # else "Not Provider+".
    assert authorized(ASPAS, 64501, 64511) == PROVIDER_PLUS  # listed in the second of 64501's two ASPAs
    assert authorized(ASPAS, 64501, 64520) == NOT_PROVIDER_PLUS
    assert authorized(ASPAS, 64599, 64501) == NO_ATTESTATION
    # Section 4: an AS0 ASPA says the AS has no provider; AS 0 itself never authorizes anything.
    assert authorized(ASPAS, 64520, 64530) == NOT_PROVIDER_PLUS
    assert authorized(ASPAS, 64520, 0) == NOT_PROVIDER_PLUS


def test_a_provider_set_holding_as0_beside_providers_verifies_as_without_it():
    # Section 4: an unexpected AS 0 beside provider ASes has no influence on verification.
    with_zero = aspas_from_records([{"customer_asid": 64501, "providers": [0, 64510]}])
    without = aspas_from_records([{"customer_asid": 64501, "providers": [64510]}])
    assert with_zero == without
    for path in ([64510, 64501], [64511, 64501]):
        assert verify(path, with_zero, UPSTREAM) == verify(path, without, UPSTREAM)


def test_compressed_removes_only_consecutive_duplicates():
    # 5.2: COMPRESSED_AS_PATH is the AS_PATH "after removing consecutive duplicate ASNs".
    assert compressed([64510, 64510, 64501, 64501, 64501]) == [64510, 64501]
    assert compressed([64510, 64501, 64510]) == [64510, 64501, 64510]
    assert compressed([64510, frozenset({64501})]) is None  # an AS_SET


UPSTREAM_CASES = [
    # path (neighbour first), neighbor_asn, rs_client, expected state
    pytest.param([], None, False, INVALID, id="5.5-step1-empty-path"),
    pytest.param((), 64510, False, INVALID, id="5.5-step1-empty-tuple"),
    # 5.5 step 2: the most recently added AS (64510) is not the neighbour's AS (64511): Invalid, although the
    # hop 64501 -> 64510 is Provider+ and the path would otherwise be Valid.
    pytest.param([64510, 64501], 64511, False, INVALID, id="5.5-step2-neighbour-mismatch"),
    pytest.param([64510, 64501], 64510, False, VALID, id="5.5-step2-neighbour-match"),
    # 5.5 step 2 applies only "if the receiving AS is not an RS-client": a transparent route server (AS 64700)
    # does not add its AS, so the first AS is the RS-client 64510 that sent the route; the rest is step 6.
    pytest.param([64510, 64501], 64700, True, VALID, id="5.5-step2-rs-client-of-transparent-rs"),
    # The prepended neighbour is still the most recently added AS.
    pytest.param([64510, 64510, 64501], 64510, False, VALID, id="5.5-step2-prepended-neighbour"),
    # 5.5 step 3: an AS_SET anywhere is Invalid, even where every sequence hop is Provider+.
    pytest.param([64510, frozenset({64501, 64502})], None, False, INVALID, id="5.5-step3-as-set-origin"),
    pytest.param([64520, (64510, 64511), 64501], None, False, INVALID, id="5.5-step3-as-set-tuple-middle"),
    pytest.param([frozenset({64510})], 64510, False, INVALID, id="5.5-step3-as-set-only"),
    # 5.5 step 4: authorized(AS(1)=64501, AS(2)=64599) is Not Provider+ (64501's U-SPAS is {64510, 64511}),
    # so max_up_ramp = 1 < N = 2.
    pytest.param([64599, 64501], None, False, INVALID, id="5.5-step4-not-provider"),
    # 5.5 step 4 before step 5: authorized(64599, 64510) is No Attestation (I = 1), authorized(64510, 64530)
    # is Not Provider+ (I = 2): max_up_ramp = 2 < 3 decides Invalid before min_up_ramp = 1 could say Unknown.
    pytest.param([64530, 64510, 64599], None, False, INVALID, id="5.5-step4-not-provider-above-no-attestation"),
    # 5.5 step 4, a customer leaking its provider's route: 64511 -> 64520 is Provider+, but the AS0 ASPA of
    # 64520 makes authorized(64520, 64510) Not Provider+: max_up_ramp = 2 < 3.
    pytest.param([64510, 64520, 64511], 64510, False, INVALID, id="5.5-step4-customer-leaks-provider-route"),
    # 5.5 step 4, a peer leaking its other peer's route: authorized(64520, 64530) is Not Provider+ (AS0 ASPA).
    pytest.param([64530, 64520, 64511], 64530, False, INVALID, id="5.5-step4-peer-leaks-peer-route"),
    # 5.5 step 4, an AS0 ASPA origin sent up through an AS it does not list: Not Provider+ at I = 1.
    pytest.param([64540, 64530], None, False, INVALID, id="5.5-step4-as0-customer"),
    # 5.5: a path with a down-ramp (64520 -> 64510 goes down) verified upstream: authorized(64530, 64520) is
    # Not Provider+ at I = 3, max_up_ramp = 3 < 5. The same path is Valid downstream (DOWNSTREAM_CASES).
    pytest.param([64510, 64520, 64530, 64540, 64541], None, False, INVALID, id="5.5-step4-down-ramp-upstream"),
    # 5.5 step 5: authorized(AS(1)=64599, AS(2)=64510) is No Attestation (64599 holds no ASPA) and no hop is
    # Not Provider+: max_up_ramp = N = 2, min_up_ramp = 1 < 2.
    pytest.param([64510, 64599], None, False, UNKNOWN, id="5.5-step5-origin-without-aspa"),
    # 5.5 step 5 higher up: authorized(64502, 64599) is Provider+, authorized(64599, 64600) No Attestation.
    pytest.param([64600, 64599, 64502], None, False, UNKNOWN, id="5.5-step5-provider-without-aspa"),
    # 5.5 step 6: authorized(64501, 64510) and authorized(64510, 64520) are Provider+: min_up_ramp = N = 3.
    pytest.param([64520, 64510, 64501], None, False, VALID, id="5.5-step6-all-provider-plus"),
    # 5.5 step 6 for a lateral peer sending its customer cone: 64541 -> 64540 -> 64530 all Provider+.
    pytest.param([64530, 64540, 64541], 64530, False, VALID, id="5.5-step6-peer-customer-cone"),
    # 5.5 step 6 where only the origin's ASPA matters: authorized(64502, 64599) is Provider+; the provider
    # 64599 holding no ASPA is never asked (no hop has it as the customer).
    pytest.param([64599, 64502], None, False, VALID, id="5.5-step6-provider-without-aspa-not-asked"),
    # 5.2 + 5.5 step 6, N = 1: no hop, so max_up_ramp = min_up_ramp = N. Valid whatever the origin's ASPA:
    # an ASPA restricts who may be a provider, not who may originate.
    pytest.param([64501], 64501, False, VALID, id="5.5-single-as"),
    pytest.param([64599], None, False, VALID, id="5.5-single-as-without-aspa"),
    pytest.param([64530], None, False, VALID, id="5.5-single-as-as0"),
    pytest.param([64530, 64530, 64530], None, False, VALID, id="5.5-single-as-prepended"),
    # 5.2: prepending collapsed first. Uncompressed, the hop 64501 -> 64501 would be Not Provider+ (64501
    # does not list itself); compressed it is [64510, 64501], Valid as above.
    pytest.param([64510, 64510, 64501, 64501, 64501], None, False, VALID, id="5.2-prepending-collapsed"),
    # 5.2: a non-consecutive repeat stays: AS(1) = 64510, AS(2) = 64501, and authorized(64510, 64501) is
    # Not Provider+. Dropping the repeat would leave [64510, 64501], which is Valid.
    pytest.param([64510, 64501, 64510], None, False, INVALID, id="5.2-non-consecutive-repeat-kept"),
]


@pytest.mark.parametrize("path, neighbor, rs_client, expected", UPSTREAM_CASES)
def test_upstream(path, neighbor, rs_client, expected):
    assert verify(path, ASPAS, UPSTREAM, neighbor, rs_client) == expected


DOWNSTREAM_CASES = [
    pytest.param([], None, False, INVALID, id="5.6-step1-empty-path"),
    # 5.6 step 2: the route comes from provider 64510 but the path starts with 64520.
    pytest.param([64520, 64530], 64510, False, INVALID, id="5.6-step2-neighbour-mismatch"),
    # 5.6 step 2 has no RS-client exception (routes from a route server are verified upstream, 5.5).
    pytest.param([64520, 64530], 64510, True, INVALID, id="5.6-step2-no-rs-client-exception"),
    pytest.param([64510, 64520, 64530], 64510, False, VALID, id="5.6-step2-neighbour-match"),
    # 5.6 step 3: an AS_SET is Invalid even on a path of two ASes, which is otherwise always Valid.
    pytest.param([64510, {64520, 64530}], None, False, INVALID, id="5.6-step3-as-set"),
    # 5.6 step 4, a valley: 64501 leaks the route of its provider 64511 to its provider 64510.
    # AS(1)=64511, AS(2)=64501, AS(3)=64510. authorized(64511, 64501) is Not Provider+ (I = 1): max_up_ramp = 1;
    # authorized(AS(3)=64510, AS(2)=64501) is Not Provider+ (J = 3): max_down_ramp = 3 - 3 + 1 = 1. 1 + 1 < 3.
    pytest.param([64510, 64501, 64511], 64510, False, INVALID, id="5.6-step4-valley"),
    # 5.6 step 4, the same leak of a route from 64540 that went up to 64530 and across to 64520:
    # max_up_ramp = 2 (authorized(64530, 64520) Not Provider+), max_down_ramp = 1 (J = 6): 3 < 6.
    pytest.param([64510, 64501, 64511, 64520, 64530, 64540], None, False, INVALID, id="5.6-step4-long-valley"),
    # 5.6 step 5: AS(1)=64598, AS(2)=64599, AS(3)=64520, AS(4)=64510. Up: No Attestation at I = 1 and 2, Not
    # Provider+ at I = 3 (AS0 ASPA of 64520): max_up_ramp = 3, min_up_ramp = 1. Down: authorized(64510, 64520)
    # Provider+, authorized(64520, 64599) Not Provider+ at J = 3: max_down_ramp = min_down_ramp = 2.
    # 3 + 2 >= 4 (not Invalid) but 1 + 2 < 4.
    pytest.param([64510, 64520, 64599, 64598], None, False, UNKNOWN, id="5.6-step5-up-ramp-unattested"),
    # 5.6 step 5 from the other side: AS(1)=64501, AS(2)=64510, AS(3)=64598, AS(4)=64599. Up: Provider+ at
    # I = 1, Not Provider+ at I = 2: both up bounds 2. Down: No Attestation at J = 4 and 3, Not Provider+ at
    # J = 2: max_down_ramp = 3, min_down_ramp = 1. 2 + 3 >= 4 but 2 + 1 < 4.
    pytest.param([64599, 64598, 64510, 64501], None, False, UNKNOWN, id="5.6-step5-down-ramp-unattested"),
    # 5.6 step 5, N = 3 and no ASPA at all: max bounds 3 each, min_up_ramp = 1, min_down_ramp = 3 - 3 + 1 = 1.
    pytest.param([64599, 64598, 64597], None, False, UNKNOWN, id="5.6-step5-no-aspa-at-all"),
    # 5.6 step 6, up to 64530 and down from 64520 across their peering: AS(1)=64541 ... AS(5)=64510.
    # Up: Provider+ at I = 1, 2, Not Provider+ at I = 3: both up bounds 3. Down: authorized(64510, 64520)
    # Provider+, authorized(64520, 64530) Not Provider+ at J = 4: both down bounds 5 - 4 + 1 = 2. 3 + 2 >= 5.
    pytest.param([64510, 64520, 64530, 64540, 64541], 64510, False, VALID, id="5.6-step6-peak-across-peering"),
    # 5.6 step 6, only a down-ramp: AS(1)=64530, AS(2)=64520, AS(3)=64510. Up bounds 1 (authorized(64530,
    # 64520) Not Provider+); down bounds 2 (Not Provider+ at J = 2). 1 + 2 >= 3.
    pytest.param([64510, 64520, 64530], None, False, VALID, id="5.6-step6-down-ramp-only"),
    # 5.6 step 6, only an up-ramp (a route our provider's provider 64520 got from its customers): up bounds 3.
    pytest.param([64520, 64510, 64501], None, False, VALID, id="5.6-step6-up-ramp-only"),
    # 5.6 step 6, the hop between the apexes needs no attestation: AS(1)=64599, AS(2)=64520, AS(3)=64510.
    # Up: No Attestation at I = 1 (min 1), Not Provider+ at I = 2 (max 2). Down: Not Provider+ at J = 2: both 2.
    # min 1 + 2 >= 3.
    pytest.param([64510, 64520, 64599], None, False, VALID, id="5.6-step6-unattested-apex-hop"),
    # 5.6 step 6, No Attestation only at the neighbour: AS(1)=64501, AS(2)=64510, AS(3)=64599. Up bounds 2;
    # down: No Attestation at J = 3 (min 1), Not Provider+ at J = 2 (max 2). min 2 + 1 >= 3.
    pytest.param([64599, 64510, 64501], None, False, VALID, id="5.6-step6-neighbour-without-aspa"),
    # 5.4, N = 2 with no ASPA: min_up_ramp = 1 and min_down_ramp = 2 - 2 + 1 = 1, so 1 + 1 >= 2: Valid.
    pytest.param([64599, 64598], None, False, VALID, id="5.6-two-ases-without-aspa"),
    pytest.param([64520], None, False, VALID, id="5.6-single-as"),
    # 5.2: prepending collapsed first, then as "5.6-step6-down-ramp-only".
    pytest.param([64510, 64510, 64520, 64520, 64530], 64510, False, VALID, id="5.2-prepending-collapsed"),
]


@pytest.mark.parametrize("path, neighbor, rs_client, expected", DOWNSTREAM_CASES)
def test_downstream(path, neighbor, rs_client, expected):
    assert verify(path, ASPAS, DOWNSTREAM, neighbor, rs_client) == expected


def reference(path, aspas, direction):
    """Sections 5.2 to 5.6 as written, indexing AS(1) (the origin) .. AS(N) (the neighbour)."""
    sequence = [asn for index, asn in enumerate(path) if index == 0 or asn != path[index - 1]]
    n = len(sequence)

    def hop(x, y):
        return authorized(aspas, sequence[n - x], sequence[n - y])  # authorized(AS(x), AS(y))

    up_not = [i for i in range(1, n) if hop(i, i + 1) == NOT_PROVIDER_PLUS]
    up_any = [i for i in range(1, n) if hop(i, i + 1) != PROVIDER_PLUS]
    down_not = [j for j in range(2, n + 1) if hop(j, j - 1) == NOT_PROVIDER_PLUS]
    down_any = [j for j in range(2, n + 1) if hop(j, j - 1) != PROVIDER_PLUS]
    max_up, min_up = min(up_not, default=n), min(up_any, default=n)
    max_down = n - max(down_not) + 1 if down_not else n
    min_down = n - max(down_any) + 1 if down_any else n
    if direction == UPSTREAM:
        max_down = min_down = 0
    if max_up + max_down < n:
        return INVALID
    if min_up + min_down < n:
        return UNKNOWN
    return VALID


@pytest.mark.parametrize("direction", [UPSTREAM, DOWNSTREAM])
def test_random_paths_agree_with_the_draft_as_written(direction):
    universe = sorted(ASPAS) + [64597, 64598, 64599, 64600]
    rng = random.Random(20260824)
    seen = set()
    for _round in range(20000):
        path = [rng.choice(universe) for _hop in range(rng.randint(1, 8))]
        state = verify(path, ASPAS, direction)
        assert state == reference(path, ASPAS, direction), path
        seen.add(state)
    assert seen == {VALID, INVALID, UNKNOWN}


def test_bad_direction_and_path_elements_are_data_errors():
    with pytest.raises(DataError) as error:
        verify([64510], ASPAS, "sideways")
    assert error.value.field == "direction"
    with pytest.raises(DataError) as error:
        verify([64510, "64501"], ASPAS, UPSTREAM)
    assert error.value.field == "path"


def test_records_in_text_forms_and_per_family_lists_are_joined():
    document = {
        "provider_authorizations": {
            "ipv4": [
                {"customer_asid": 64501, "expires": 1, "providers": [64510]},
                {"customer_asid": 64530, "providers": [0]},
            ],
            "ipv6": [
                {"customer_asid": 64501, "expires": 1, "providers": [64511]},
                {"customer_asid": 64530, "providers": [0]},
            ],
        }
    }
    assert aspas_from_json(json.dumps(document)) == {64501: frozenset({64510, 64511}), 64530: frozenset()}
    routinator_like = {"aspas": [{"customer": "AS64501", "afi": "ipv6", "providers": ["AS64510", "64511"]}]}
    assert aspas_from_json(json.dumps(routinator_like)) == {64501: frozenset({64510, 64511})}


@pytest.mark.parametrize(
    "records, field",
    [
        ([{"providers": [64510]}], "customer_asid"),
        ([{"customer_asid": 0, "providers": [64510]}], "customer_asid"),
        ([{"customer_asid": "AS-FOO", "providers": [64510]}], "customer_asid"),
        ([{"customer_asid": True, "providers": [64510]}], "customer_asid"),
        ([{"customer": "AS4294967296", "providers": [64510]}], "customer"),
        ([{"customer_asid": 64501}], "providers"),
        ([{"customer_asid": 64501, "providers": 64510}], "providers"),
        ([{"customer_asid": 64501, "providers": []}], "providers"),
        ([{"customer_asid": 64501, "providers": [-1]}], "providers"),
        ([{"customer_asid": 64501, "providers": [{"asid": 64510, "afiLimit": "ipv4"}]}], "providers"),
        (["AS64501"], None),
    ],
)
def test_bad_records_are_data_errors_naming_the_field(records, field):
    with pytest.raises(DataError) as error:
        aspas_from_records(records, "ASPAs")
    assert error.value.field == field
    assert "ASPAs[0]" in str(error.value)


@pytest.mark.parametrize(
    "text, field",
    [("[1, 2]", None), ("{not json", None), ('{"roas": []}', "aspas"), ('{"aspas": {}}', None)],
)
def test_bad_documents_are_data_errors(text, field):
    with pytest.raises(DataError) as error:
        aspas_from_json(text)
    assert error.value.field == field


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot be read"):
        read_aspas(tmp_path / "absent.json")


def raw_families():
    with gzip.open(RPKI_CLIENT_2023, "rt", encoding="utf-8") as handle:
        document = json.load(handle)
    families = document["provider_authorizations"]
    return document["metadata"], {
        family: {r["customer_asid"]: r["providers"] for r in families[family]} for family in families
    }


def test_the_real_2023_file_holds_6647_aspas_joined_across_families():
    if not RPKI_CLIENT_2023.is_file():
        pytest.fail(f"{RPKI_CLIENT_2023} is not there: shared/ must sit beside the repository")
    aspas = read_aspas(RPKI_CLIENT_2023)
    metadata, families = raw_families()
    # The file reports 6,647 ASPAs; in this pre-2024 format each appears once per address family.
    assert metadata["aspas"] == len(families["ipv4"]) == len(families["ipv6"]) == 6647
    assert len(aspas) == 6647
    assert set(aspas) == set(families["ipv4"]) == set(families["ipv6"])
    # Each U-SPAS is the union of the family lists without AS 0 (Sections 5.3, 7.1 and 4).
    for customer, providers in aspas.items():
        assert providers == (set(families["ipv4"][customer]) | set(families["ipv6"][customer])) - {0}
    # "No provider in this family" is written [0]: 874 IPv4 and 824 IPv6 lists, never both for one customer,
    # so after the union no customer is left with an empty set (an AS0 ASPA).
    as0 = {family: {c for c, p in listed.items() if p == [0]} for family, listed in families.items()}
    assert (len(as0["ipv4"]), len(as0["ipv6"])) == (874, 824)
    assert not as0["ipv4"] & as0["ipv6"]
    assert all(aspas.values())


def test_real_aspas_verify_paths_of_either_family():
    aspas = read_aspas(RPKI_CLIENT_2023)
    _metadata, families = raw_families()
    v4, v6 = families["ipv4"], families["ipv6"]
    # AS28 lists some providers only for IPv6; the draft's U-SPAS authorizes them for any family (7.1).
    only_v6 = sorted(set(v6[28]) - set(v4[28]))
    assert only_v6
    assert verify([only_v6[0], 28], aspas, UPSTREAM, only_v6[0]) == VALID
    assert verify([v4[28][0], 28], aspas, UPSTREAM) == VALID
    unlisted = next(asn for asn in range(64512, 65535) if asn not in aspas[28])
    assert verify([unlisted, 28], aspas, UPSTREAM) == INVALID
    # A customer whose IPv4 list is [0] still has its IPv6 providers.
    no_v4 = next(c for c, p in v4.items() if p == [0])
    assert verify([v6[no_v4][0], no_v4], aspas, UPSTREAM) == VALID
