"""The plugin starts fast: importing it loads no heavy client library (issue #5).

`kubectl rollouts get rollout` must answer in 300 ms, interpreter start included; the
generated kubernetes client alone took 1.4 s to import. bench/plugin.py measures the time;
this pins what is imported, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

# yaml: only for a YAML kubeconfig, -o yaml and lint, when they run
HEAVY = ("kubernetes", "urllib3", "requests", "pydantic", "rollouts.adapters", "rollouts.core",
         "yaml")  # fmt: skip


def test_importing_the_plugin_loads_no_heavy_library() -> None:
    code = "import json, sys, rollouts.cli.main; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    loaded = json.loads(done.stdout)
    heavy = [m for m in loaded if any(m == h or m.startswith(f"{h}.") for h in HEAVY)]
    assert heavy == []
