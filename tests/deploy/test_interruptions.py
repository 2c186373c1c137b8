"""Every interruption is repaired by re-running deploy: the process is killed (SIGKILL, its
whole process group, helm included) inside every mutating cloud call and at step boundaries,
then re-run, until it finishes; the result has nothing twice, a further deploy changes
nothing, and delete leaves nothing behind.

Inside a call: the emulator holds the call (a "delay" fault) and the kill lands while it is
held; the cloud then completes it, as a real one does with a request it already accepted. The
share create is held 20 s and the re-run starts at once, the race that used to leave two
shares of one name. Calls made concurrently (shares while the network is built) are held
together, one kill interrupting several.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from kubernetes import client as k8s

from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, as_json
from tests.deploy.test_faults import _profile

NAME = "killed"
NEUTRON = "/network/v2.0"


@dataclass
class Hold:
    """A mutating call to interrupt: held by the emulator while the deploy is killed."""

    label: str
    method: str
    path: str
    delay: float = 4.0
    #: Re-run while the call is still held (the duplicate-share race), instead of after.
    race: bool = False
    reached: bool = False


HOLDS = [
    Hold("create network", "POST", rf"{NEUTRON}/networks$"),
    Hold("create a share (held 20 s, re-run at once)", "POST", r"/sharev2/v2/shares$",
         delay=20.0, race=True),
    Hold("create subnet", "POST", rf"{NEUTRON}/subnets$"),
    Hold("create a router", "POST", rf"{NEUTRON}/routers$"),
    Hold("create the cluster template", "POST", r"/container-infra/v1/clustertemplates$"),
    Hold("allow cephx access to a share", "POST", r"/sharev2/v2/shares/[^/]+/action$"),
    Hold("create the CephFS router's port", "POST", rf"{NEUTRON}/ports$"),
    Hold("attach a subnet or port to a router", "PUT",
         rf"{NEUTRON}/routers/[^/]+/add_router_interface$"),
    Hold("add the static route to CephFS", "PUT", rf"{NEUTRON}/routers/[^/]+$"),
    Hold("create the cluster", "POST", r"/container-infra/v1/clusters$"),
    Hold("sign the kubeconfig's certificate", "POST", r"/container-infra/v1/certificates$"),
    Hold("create the CSI application credential", "POST",
         r"/identity/v3/users/[^/]+/application_credentials$"),
]

#: Step boundaries: the deploy is killed as soon as it reports the step done.
BOUNDARIES = ["kube.namespace", "kube.csi-secret", "kube.pv/killed-data",
              "kube.pvc/killed-notebooks", "kube.zeppelin-auth",
              "helm.release/spark-executor"]


@dataclass
class Run:
    """One `platform deploy` in its own process group, its stderr read as it comes."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, env: dict[str, str], profile: str) -> Run:
        process = subprocess.Popen(
            [sys.executable, "-m", "gaia_platform.cli", "deploy", "--cloud", profile],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        run = cls(process)
        threading.Thread(target=run._read, daemon=True).start()
        return run

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def until(self, condition: Callable[[], bool], timeout: float = 300.0) -> bool:
        """True once ``condition`` holds while the deploy still runs; False if it ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.process.poll() is not None:
                return condition()
            time.sleep(0.05)
        raise AssertionError("deploy neither reached the kill point nor ended:\n"
                             + "".join(self.lines[-30:]))


class Cloud:
    def __init__(self, sandbox: RunningSandbox) -> None:
        self.url = sandbox.status["openstack"]["url"]

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = requests.get(f"{self.url}/_sandbox/faults",
                                                    timeout=5).json()
        return result

    def hold(self, hold: Hold) -> str:
        answer = requests.post(f"{self.url}/_sandbox/faults", timeout=5, json={
            "method": hold.method, "path": hold.path, "delay": hold.delay, "times": 1})
        answer.raise_for_status()
        return str(answer.json()["id"])

    def drop_faults(self) -> None:
        requests.delete(f"{self.url}/_sandbox/faults", timeout=5).raise_for_status()

    def last_seq(self) -> int:
        entries = requests.get(f"{self.url}/_sandbox/requests", timeout=5).json()
        return int(entries[-1]["seq"]) if entries else 0

    def answered(self, hold: Hold, since: int) -> bool:
        entries = requests.get(f"{self.url}/_sandbox/requests", params={"since": since},
                               timeout=5).json()
        return any(e["method"] == hold.method and re.search(hold.path, e["path"])
                   for e in entries)


def _kill_inside_calls(cloud: Cloud, env: dict[str, str], profile: str) -> int:
    """Waves of held calls: every still-unreached call is held; the deploy is killed once the
    calls it reached are all held. Returns the number of runs."""
    runs = 0
    while not all(h.reached for h in HOLDS):
        pending = {cloud.hold(h): h for h in HOLDS if not h.reached}
        mark = cloud.last_seq()
        run = Run.start(env, profile)
        runs += 1
        held: dict[str, Hold] = {}

        def some_held(pending: dict[str, Hold] = pending,
                      held: dict[str, Hold] = held) -> bool:
            live = {f["id"] for f in cloud.faults()}
            held.update({i: h for i, h in pending.items() if i not in live})
            return bool(held)

        if not run.until(some_held):
            raise AssertionError("deploy finished without reaching: " + ", ".join(
                h.label for h in pending.values()) + "\n" + "".join(run.lines[-20:]))
        # Calls issued concurrently are held too before the kill lands.
        time.sleep(1.0)
        some_held()
        run.kill()
        cloud.drop_faults()
        for hold in held.values():
            hold.reached = True
            print(f"  killed inside: {hold.label}")
        for hold in held.values():
            if not hold.race:  # the cloud finishes what it accepted before the re-run
                deadline = time.monotonic() + hold.delay + 30
                while not cloud.answered(hold, mark) and time.monotonic() < deadline:
                    time.sleep(0.2)
    return runs


def _kill_at_boundaries(env: dict[str, str], profile: str) -> list[str]:
    survived = []
    for step in BOUNDARIES:
        run = Run.start(env, profile)
        pattern = re.compile(rf"\bdone\s+{re.escape(step)}\b")
        if not run.until(lambda run=run, pattern=pattern: any(  # type: ignore[misc]
                pattern.search(line) for line in run.lines)):
            raise AssertionError(f"deploy ended before step {step} was done:\n"
                                 + "".join(run.lines[-20:]))
        run.kill()
        print(f"  killed after step: {step}")
        survived.append(step)
    return survived


def _kill_inside_helm(env: dict[str, str], profile: str, sandbox: RunningSandbox) -> bool:
    """Kill while helm's release record says pending-install (or -upgrade): the state that
    used to block every later deploy with "another operation is in progress". A watch on the
    release's Secrets sees the record the moment helm writes it (helm then spends a few
    hundred milliseconds creating the release's objects), and the kill follows at once."""
    from kubernetes import watch

    core = k8s.CoreV1Api(sandbox.admin_api())
    release = "zeppelin"
    pending = threading.Event()
    stream = watch.Watch()

    run = Run.start(env, profile)  # it takes seconds to reach helm: the watch is up by then

    def follow() -> None:
        for event in stream.stream(core.list_namespaced_secret, NAME, timeout_seconds=300,
                                   label_selector=f"owner=helm,name={release}"):
            labels = event["object"].metadata.labels or {}
            if labels.get("status", "").startswith("pending-"):
                os.killpg(run.process.pid, signal.SIGKILL)  # at once, from the watch
                pending.set()
                return

    watcher = threading.Thread(target=follow, daemon=True)
    watcher.start()
    reached = run.until(pending.is_set)
    if run.process.poll() is None:
        run.kill()
    run.process.wait(timeout=30)
    stream.stop()
    if reached:
        print(f"  killed inside: helm install of release {release} (pending)")
    return reached


def _names(sandbox: RunningSandbox) -> dict[str, list[str]]:
    """Everything on the cloud that carries the deployment's name."""
    conn = sandbox.connect()
    magnum = conn.container_infrastructure_management
    ours = f"gaia-{NAME}"
    listing = {
        "networks": [n.name for n in conn.network.networks()],
        "subnets": [s.name for s in conn.network.subnets()],
        "routers": [r.name for r in conn.network.routers()],
        "ports": [p.name for p in conn.network.ports()],
        "shares": [s.name for s in conn.shared_file_system.shares(details=True)],
        "clusters": [c.name for c in magnum.clusters()],
        "templates": [t.name for t in magnum.cluster_templates()],
        "credentials": [c.name for c in conn.identity.application_credentials(
            user=conn.current_user_id)],
    }
    return {kind: sorted(n for n in names if n and (n.startswith(ours)
                                                   or n.startswith(f"{NAME}-")))
            for kind, names in listing.items()}


def test_deploy_killed_anywhere_converges_on_rerun(sandbox: RunningSandbox,
                                                   tmp_path: Path) -> None:
    profile = str(_profile(tmp_path, NAME))
    env = {**os.environ, "GAIA_SANDBOX_DIR": str(sandbox.directory),
           "GAIA_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"}
    cloud = Cloud(sandbox)
    print()
    start = cloud.last_seq()
    runs = _kill_inside_calls(cloud, env, profile)
    boundaries = _kill_at_boundaries(env, profile)
    helm = _kill_inside_helm(env, profile, sandbox)
    total = len(HOLDS) + len(BOUNDARIES) + 1
    survived = sum(h.reached for h in HOLDS) + len(boundaries) + int(helm)
    # Re-runs until one finishes; the held share appears meanwhile and is removed.
    for _ in range(3):
        finished = subprocess.run(
            [sys.executable, "-m", "gaia_platform.cli", "deploy", "--cloud", profile,
             "--output", "json"], cwd=REPO, env=env, capture_output=True, text=True,
            timeout=600)
        if finished.returncode == 0 and not _duplicates(sandbox):
            break
        time.sleep(2)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Traceback" not in finished.stderr
    # Converged: nothing twice, and one more deploy changes nothing.
    assert _duplicates(sandbox) == {}
    again = subprocess.run(
        [sys.executable, "-m", "gaia_platform.cli", "deploy", "--cloud", profile,
         "--output", "json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert as_json(again)["changed"] == []
    names = _names(sandbox)
    assert names["shares"] == [f"{NAME}-data", f"{NAME}-notebooks"]
    assert len(names["clusters"]) == 1 and len(names["templates"]) == 1
    assert names["routers"] == [f"gaia-{NAME}-cephfs-router", f"gaia-{NAME}-router"]
    print(f"kill points survived: {survived} of {total} ({runs + len(boundaries) + 1} "
          "killed runs)")
    assert survived == total
    # The held share did make a second one, and a re-run removed it (before any delete).
    removed = [e for e in requests.get(f"{cloud.url}/_sandbox/requests",
                                       params={"since": start}, timeout=5).json()
               if e["method"] == "DELETE" and re.search(r"/sharev2/v2/shares/[^/]+$",
                                                         e["path"])]
    print(f"duplicate shares made by the race and removed by a re-run: {len(removed)}")
    assert removed
    # No leak: delete leaves nothing of the deployment on the cloud.
    result = subprocess.run(
        [sys.executable, "-m", "gaia_platform.cli", "delete", "--cloud", profile,
         "--delete-data", "--yes", "--output", "json"], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _names(sandbox) == {kind: [] for kind in names}


def _duplicates(sandbox: RunningSandbox) -> dict[str, list[str]]:
    return {kind: names for kind, names in _names(sandbox).items()
            if len(names) != len(set(names))}
