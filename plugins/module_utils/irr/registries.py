# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registries route objects go to, by API: how each one is read and written.

Each registry reads the objects we hold (``plan``, against NetBox's records) and
gives the submitter of the changes (``submitter``: an object with
``submit(changes)``). A new registry API is a client file and a line in
``REGISTRY_APIS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from ..errors import DataError
from .ripe_db import RipeDatabase
from .route_objects import existing_route_objects, plan_from_netbox
from .submit import IrrdSubmitter
from .whois import WhoisClient

RIPE_URL = "https://rest.db.ripe.net"


@dataclass
class RegistryAccess:
    """How to reach a registry: whois for reading (IRRd), the URL and credentials for writing."""

    irr_host: str | None = None
    irr_port: int = 43
    sources: list | None = None
    submit_url: str | None = None
    password: str | None = None
    api_key: str | None = None
    timeout: int = 30

    def whois(self) -> WhoisClient:
        """A whois client of the IRR server, searching ``sources``."""
        return WhoisClient(self.irr_host, self.irr_port, sources=self.sources, timeout=self.timeout)


class IrrdRegistry:
    """An IRRd: read over whois, written through its HTTP submission API (``submit``)."""

    def __init__(self, access: RegistryAccess, registries: dict):
        self.access = access

    @property
    def where(self) -> str:
        return self.access.submit_url or self.access.irr_host

    def plan(self, records: dict, registries: dict, descr: str | None, as_set: bool, ours=None):
        with self.access.whois() as client:
            return plan_from_netbox(records, registries, descr, partial(existing_route_objects, client), as_set, ours)

    def submitter(self) -> IrrdSubmitter:
        a = self.access
        return IrrdSubmitter(a.submit_url, a.password, a.api_key, a.timeout)


class RipeRegistry:
    """The RIPE Database: read and written through its REST API (``ripe_db``), one source."""

    def __init__(self, access: RegistryAccess, registries: dict):
        sources = {str(e.get("source")).upper() for e in registries.values() if isinstance(e, dict)}
        if len(sources) != 1:
            raise DataError("registry_api=ripe writes one source; registries name %s" % sorted(sources))
        self.url = access.submit_url or RIPE_URL
        auth = {"password": access.password, "api_key": access.api_key, "timeout": access.timeout}
        self.database = RipeDatabase(self.url, sources.pop(), **auth)

    @property
    def where(self) -> str:
        return self.url

    def plan(self, records: dict, registries: dict, descr: str | None, as_set: bool, ours=None):
        return plan_from_netbox(records, registries, descr, self.database.existing, as_set, ours)

    def submitter(self) -> RipeDatabase:
        return self.database


REGISTRY_APIS = {"irrd": IrrdRegistry, "ripe": RipeRegistry}


def registry_for(api: str, access: RegistryAccess, registries: dict):
    """The registry behind ``api`` (a key of REGISTRY_APIS); DataError naming the field for another."""
    if api not in REGISTRY_APIS:
        raise DataError("unknown registry API %r (known: %s)" % (api, ", ".join(REGISTRY_APIS)), field="registry_api")
    return REGISTRY_APIS[api](access, registries)
