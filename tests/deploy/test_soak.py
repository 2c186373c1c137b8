"""A sandbox left running under load stays true: its nodes stay Ready, a redeploy is instant.

The first release's second deploy hung for 15 minutes: kwok nodes had no leases, the node
lifecycle controller marked them not Ready about once a minute, the Zeppelin server pod lost its
Ready condition for good and deploy waited out its timeout. This test leaves a deployed sandbox
alone for a few minutes while the machine is busy (two local busy loops, ended by the test),
watching the nodes, then deploys again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kubernetes import client as k8s

from tests.conftest import RunningSandbox
from tests.deploy.conftest import Logs, Platform

AUTH = "/identity/v3/auth/tokens"
# Three times the controller-manager's node grace period (60 s): long enough for the old
# failure to show (it flapped every ~55 s). GAIA_SOAK_SECONDS makes it longer by hand.
SOAK_SECONDS = float(os.environ.get("GAIA_SOAK_SECONDS", "180"))
BUSY_LOOP = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"


@pytest.mark.slow
def test_left_alone_under_load_then_redeploy_changes_nothing_and_waits_for_nothing(
    platform: Platform, sandbox: RunningSandbox, logs: Logs
) -> None:
    platform("deploy", "--cloud", "sandbox")
    core = k8s.CoreV1Api(sandbox.admin_api())
    cm_log = Path(sandbox.status["kubernetes"]["components"]["kube-controller-manager"]["log"])
    log_mark = cm_log.stat().st_size
    # Bounded local load: one busy loop per core, each ending by itself after the soak.
    load = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP.format(seconds=SOAK_SECONDS)])
            for _ in range(os.cpu_count() or 2)]
    not_ready: list[tuple[float, str]] = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < SOAK_SECONDS:
            for node in core.list_node(label_selector="type=kwok").items:
                ready = [c.status for c in node.status.conditions or [] if c.type == "Ready"]
                if ready != ["True"]:
                    not_ready.append((time.monotonic() - started, node.metadata.name))
            time.sleep(5)
    finally:
        for process in load:
            process.kill()
            process.wait()
    assert not_ready == [], f"nodes went not Ready during the soak: {not_ready[:10]}"
    with cm_log.open("rb") as handle:
        handle.seek(log_mark)
        assert b"master disruption mode" not in handle.read()

    mark = logs.mark()
    began = time.monotonic()
    result = platform("deploy", "--cloud", "sandbox")
    seconds = time.monotonic() - began
    assert "nothing changed" in result.stdout
    assert [c for c in logs.openstack_since(mark) if c["mutating"] and c["path"] != AUTH] == []
    assert [e["verb"] for e in logs.kube_since(mark)
            if e["verb"] not in ("get", "list", "watch")] == []
    # No wait: the Zeppelin server is still Ready, so the run is all reads.
    assert "0/1 ready" not in result.stderr, result.stderr
    assert seconds < 60, f"a no-op redeploy took {seconds:.0f} s"
