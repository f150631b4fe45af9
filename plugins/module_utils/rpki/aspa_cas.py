# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CAs ASPAs are published through, by name, and where a plan reads the ASPAs that exist.

A CA client for ASPAs reads the CA's definitions (``current_aspas()``, a ``Published``) and submits a plan
(``submit_aspas(plan)``). Krill's is its ROA client (``cas.krill``), which speaks both. The RIPE NCC's
published RPKI Management API document describes ROA calls and none for ASPAs, so ``ripe`` is refused with a
message saying so. Without a CA (``none``), the ASPAs that exist come from a validator's export.
"""

from __future__ import annotations

from ..errors import DataError
from .aspa import read_aspas
from .aspa_plan import Published
from .cas import CaAccess, krill

ASPA_CAS = {"krill": krill}
WITHOUT_ASPA_API = {
    "ripe": "the RIPE NCC's published RPKI Management API document "
    "(https://www.ripe.net/publications/documentation/developer-documentation/rpki-management-api/) describes "
    "calls for ROAs and none for ASPAs, so routesec has no ASPA client for the RIPE NCC: manage these ASPAs in "
    "the RIPE NCC's RPKI dashboard (compare them with ca=none and current_aspas, a validator's export), "
    "or from a CA of your own in Krill (ca=krill)",
}
NO_CA = "none"
CA_CHOICES = [NO_CA, *sorted(ASPA_CAS), *sorted(WITHOUT_ASPA_API)]


def aspa_client(name: str, access: CaAccess):
    """The ASPA client of the CA ``name``; None for ``none``; DataError naming ``ca`` for the others."""
    if name == NO_CA:
        return None
    if name in WITHOUT_ASPA_API:
        raise DataError(WITHOUT_ASPA_API[name], field="ca")
    if name not in ASPA_CAS:
        raise DataError("unknown CA %r for ASPAs (known: %s)" % (name, ", ".join(CA_CHOICES)), field="ca")
    return ASPA_CAS[name](access)


def read_published(client, current_aspas: str | None, own) -> Published:
    """The ASPAs that exist: the CA's (``client``), else those of our ASes (``own``) in a validator's ASPA export
    (``current_aspas``, rpki-client JSON), else none."""
    if client is not None:
        return client.current_aspas()
    if not current_aspas:
        return Published({})
    return Published(
        {customer: providers for customer, providers in read_aspas(current_aspas).items() if customer in own}
    )
