# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Session policy, platform-neutral: what every BGP session imports and exports, by relationship.

``options`` holds the operator's settings (path length, prefix lengths, bogon ASNs, transit-free networks,
the large communities that say where a route was learned); ``as_path_regex`` writes AS-number ranges as the
regular expressions of AS-path lists; ``objects`` names each session's import and export policy and builds
the prefix lists it matches, for every platform's renderer.

Imports from: base, intent.
"""
