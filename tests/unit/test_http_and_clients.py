# -*- coding: utf-8 -*-
"""The plumbing the registry and CA clients share: a secret's errors name the service it is for, one
SubmitError serves registries and CAs, and each registry API or CA is chosen from one table."""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils import errors
from ansible_collections.routesec.bgp.plugins.module_utils.http_common import Secret
from ansible_collections.routesec.bgp.plugins.module_utils.irr import registries, ripe_db, submit
from ansible_collections.routesec.bgp.plugins.module_utils.rpki import ca_common, cas
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.ca_krill import KrillCa
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.ca_ripe import RipeNccCa

RIPE = {"ripe-ncc": {"mntner": "MNT-OURS", "source": "RIPE"}}


def test_a_secret_names_its_service():
    with pytest.raises(errors.DataError, match=r"^RIPE Database https://db.example/RIPE: the API key/token is empty"):
        Secret(" ", "RIPE Database https://db.example/RIPE")
    with pytest.raises(errors.DataError, match="RIPE Database .*: the API key/token is empty") as refused:
        ripe_db.RipeDatabase("https://db.example", "RIPE", api_key=" ")
    assert "RPKI CA" not in str(refused.value)


def test_one_submit_error_for_registries_and_cas():
    assert submit.SubmitError is errors.SubmitError is ca_common.SubmitError
    assert issubclass(errors.SubmitError, errors.SourceError) and issubclass(errors.SubmitError, errors.SafetyError)
    listed = ca_common.submit_error("the CA failed", "Krill", applied=["192.0.2.0/24-24 => AS64500"])
    assert (
        str(listed) == "Krill: the CA failed [applied: 192.0.2.0/24-24 => AS64500]"
        and listed.summary == "the CA failed"
    )


def test_registries_by_api():
    access = registries.RegistryAccess(irr_host="127.0.0.1", submit_url="https://db.example", password="secret")
    assert set(registries.REGISTRY_APIS) == {"irrd", "ripe"}
    ripe = registries.registry_for("ripe", access, RIPE)
    assert isinstance(ripe.submitter(), ripe_db.RipeDatabase) and ripe.where == "https://db.example"
    irrd = registries.registry_for("irrd", access, RIPE)
    assert isinstance(irrd.submitter(), submit.IrrdSubmitter) and irrd.where == "https://db.example"
    two = dict(RIPE, arin={"mntner": "MNT-OURS", "source": "ARIN"})
    with pytest.raises(errors.DataError, match=r"writes one source; registries name \['ARIN', 'RIPE'\]"):
        registries.registry_for("ripe", access, two)
    with pytest.raises(errors.DataError, match="field 'registry_api': unknown registry API 'radb'"):
        registries.registry_for("radb", access, RIPE)


def test_cas_by_name():
    access = cas.CaAccess("https://krill.example", "routesec", "key")
    assert isinstance(cas.ca_client("krill", access), KrillCa) and isinstance(cas.ca_client("ripe", access), RipeNccCa)
    assert cas.ca_client("none", access) is None and cas.ca_client("arin", access) is None
    with pytest.raises(errors.DataError, match="field 'ca': unknown CA 'lacnic'"):
        cas.ca_client("lacnic", access)
