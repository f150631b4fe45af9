# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 2, the intent: NetBox records in, plain data out (no I/O).

``model`` holds the data every later layer shares (prefix-lists, devices,
sessions); ``build`` checks the records and builds per-device intent;
``prefix_ops`` and ``bogons`` give customer and peer lists bgpq4's semantics;
``scope`` narrows a run to some address blocks.

Imports from: base, netbox.
"""
