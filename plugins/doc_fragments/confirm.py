# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  confirm_timeout:
    description:
      - Seconds a change runs unconfirmed before the timer on the router undoes it; 0 commits without a timer
        (a failed post-change check still rolls it back).
      - When omitted, 120 seconds where the driver has a confirm timer, else no timer. A timer asked for where the
        driver has none (FRR over netmiko, C(transport=netmiko) of prefix_filter) is refused before anything is sent.
      - The change is confirmed only once the post-change checks pass (O(wait_established), O(prefix_bounds)).
        A check the driver cannot answer is refused before anything is sent.
    type: int
  wait_established:
    description: BGP sessions (FRR neighbor addresses, BIRD protocol names, OpenBGPD neighbor addresses) that must be
      Established after the change for it to be confirmed.
    type: list
    elements: str
    default: []
  established_timeout:
    description: Seconds the post-change checks may take to pass.
    type: int
    default: 60
  prefix_bounds:
    description:
      - Prefix counts that must be within bounds after the change for it to be confirmed (FRR and BIRD), for
        example at least as many prefixes sent to transit as we announce.
    type: list
    elements: dict
    default: []
    suboptions:
      neighbor:
        description: The FRR neighbor address or BIRD protocol name.
        type: str
        required: true
      direction:
        description: Prefixes C(accepted) from the neighbor or C(sent) to it, over all address families.
        type: str
        choices: [accepted, sent]
        default: accepted
      min:
        description: The least count allowed.
        type: int
      max:
        description: The highest count allowed.
        type: int
"""
