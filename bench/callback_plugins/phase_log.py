# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: when each task started and ended, and a few small figures of its results, as one JSON file.

Enabled by bench/compliance_scale.py with ANSIBLE_CALLBACKS_ENABLED=phase_log and ROUTESEC_PHASE_LOG=<file>. The
results themselves are not kept (at scale they are large): only the fields in KEPT and, for a result with
findings, how many there are of each check.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: phase_log
type: notification
short_description: Write each task's start, end and small result figures as JSON (benchmarks)
description: Writes the file named by E(ROUTESEC_PHASE_LOG) at the end of the playbook run.
requirements:
  - enable in configuration
"""

KEPT = ("api_calls", "seconds", "counts", "summary", "msg", "unreachable")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "phase_log"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.tasks.append({"task": task.get_name(), "action": task.action, "start": time.time(), "end": None})
        self.tasks[-1]["hosts"] = {}

    def _record(self, status, result):
        task = self.tasks[-1]
        task["end"] = time.time()
        figures = {key: result._result[key] for key in KEPT if key in result._result}
        if "findings" in result._result:
            figures["findings"] = dict(Counter(str(f.get("check")) for f in result._result["findings"]))
        task["hosts"][result._host.get_name()] = json.loads(json.dumps(dict(figures, status=status), default=str))

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("ROUTESEC_PHASE_LOG")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(self.tasks, handle)
