# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IRR access: a pipelined client of IRRd's whois protocol (``whois``) and
AS-SET expansion and route collection on top of it (``expand``).

``rpsl`` parses objects; ``filters`` adds customer and peer filters to
the intent; ``route_objects`` and ``our_as_set`` plan our objects, which
``submit`` and the registry clients (``ripe_db``, chosen by name in
``registries``) send.

A domain beside the flow. Imports from: base, netbox, intent, render, drivers, plan, rpki.
"""

from __future__ import annotations
