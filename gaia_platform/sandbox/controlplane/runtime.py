"""Starts, checks and stops etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

from ...errors import SandboxError
from ..processes import ProcessSpec, ProcessTable
from . import certs, kubeconfig

SERVICE_CIDR = "10.96.0.0/16"
SA_ISSUER = "https://kubernetes.default.svc.cluster.local"
AUDIT_POLICY = Path(__file__).with_name("audit-policy.yaml")
KWOK_STAGES = Path(__file__).with_name("kwok-stages.yaml")
# Node liveness the way a kubelet reports it: a Lease in kube-node-lease renewed every quarter
# of its duration (kwok pkg/kwok/controllers/controller.go: renewInterval = leaseDuration / 4).
# Without it kwok only rewrote node status every 10-20 minutes (its heartbeat stage without
# lease), so the node lifecycle controller saw every node go stale and marked them not Ready
# about once a minute. 40 s is the kubelet's default nodeLeaseDurationSeconds.
NODE_LEASE_SECONDS = 40
# How long the node lifecycle controller waits for a lease renewal before calling a node not
# Ready: the kubelet-era default is 50 s (kube-controller-manager --node-monitor-grace-period);
# a little more head-room here, since on a 2-core machine a busy test run can starve kwok for
# a few renewals (4 renewals = 40 s fit in 60 s).
NODE_MONITOR_GRACE = "60s"
ORDER = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


@dataclass(frozen=True)
class Ports:
    etcd: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok: int


class ControlPlane:
    def __init__(self, directory: Path, bin_dir: Path, ports: Ports) -> None:
        self.directory = directory
        self.bin_dir = bin_dir
        self.ports = ports
        self.processes = ProcessTable(directory)
        self.pki = certs.Pki(directory / "pki")
        self.kube_dir = directory / "kube"
        self.audit_log = directory / "audit" / "audit.log"

    @property
    def api_address(self) -> str:
        return f"https://127.0.0.1:{self.ports.apiserver}"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.kube_dir / "admin.kubeconfig"

    def _kubeconfig(self, stem: str) -> Path:
        return self.kube_dir / f"{stem}.kubeconfig"

    def _prepare(self) -> None:
        certs.ensure(self.pki.directory)
        self.kube_dir.mkdir(parents=True, exist_ok=True)
        self.audit_log.parent.mkdir(parents=True, exist_ok=True)
        for stem, common_name, _ in certs.CLIENTS:
            cert, key = self.pki.client(stem)
            kubeconfig.write(self._kubeconfig(stem), self.api_address, self.pki.ca_cert,
                             cert, key, common_name)

    def specs(self) -> list[ProcessSpec]:
        b, p, pki = self.bin_dir, self.ports, self.pki
        etcd_data = self.directory / "etcd-data"
        peer = f"http://127.0.0.1:{p.etcd_peer}"
        client = f"http://127.0.0.1:{p.etcd}"
        cm_config = str(self._kubeconfig("controller-manager"))
        sched_config = str(self._kubeconfig("scheduler"))
        return [
            ProcessSpec("etcd", [
                str(b / "etcd"), "--name=sandbox", f"--data-dir={etcd_data}",
                f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=sandbox={peer}",
                # A throw-away sandbox: no fsync keeps it fast on slow CI disks.
                "--unsafe-no-fsync", "--log-level=warn",
            ]),
            ProcessSpec("kube-apiserver", [
                str(b / "kube-apiserver"), f"--etcd-servers={client}",
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                f"--secure-port={p.apiserver}",
                f"--tls-cert-file={pki.path('apiserver.crt')}",
                f"--tls-private-key-file={pki.path('apiserver.key')}",
                f"--client-ca-file={pki.ca_cert}",
                f"--service-account-key-file={pki.path('sa.pub')}",
                f"--service-account-signing-key-file={pki.path('sa.key')}",
                f"--service-account-issuer={SA_ISSUER}",
                "--authorization-mode=Node,RBAC", "--anonymous-auth=false",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                # 127.0.0.1 may not go into an Endpoints object; there are no real pods to reach
                # the apiserver through the `kubernetes` Service anyway.
                "--endpoint-reconciler-type=none",
                "--allow-privileged=true",
                f"--audit-policy-file={AUDIT_POLICY}", f"--audit-log-path={self.audit_log}",
                "--audit-log-format=json", "--audit-log-maxsize=100",
                "--profiling=false", "--v=1",
            ]),
            ProcessSpec("kube-controller-manager", [
                str(b / "kube-controller-manager"), f"--kubeconfig={cm_config}",
                f"--authentication-kubeconfig={cm_config}",
                f"--authorization-kubeconfig={cm_config}",
                "--bind-address=127.0.0.1", f"--secure-port={p.controller_manager}",
                "--leader-elect=false", "--use-service-account-credentials=true",
                f"--service-account-private-key-file={pki.path('sa.key')}",
                f"--root-ca-file={pki.ca_cert}",
                f"--cluster-signing-cert-file={pki.ca_cert}",
                f"--cluster-signing-key-file={pki.ca_key}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                f"--node-monitor-grace-period={NODE_MONITOR_GRACE}",
                "--profiling=false", "--v=1",
            ]),
            ProcessSpec("kube-scheduler", [
                str(b / "kube-scheduler"), f"--kubeconfig={sched_config}",
                f"--authentication-kubeconfig={sched_config}",
                f"--authorization-kubeconfig={sched_config}",
                "--bind-address=127.0.0.1", f"--secure-port={p.scheduler}",
                "--leader-elect=false", "--profiling=false", "--v=1",
            ]),
            ProcessSpec("kwok", [
                str(b / "kwok"), f"--kubeconfig={self._kubeconfig('kwok')}",
                # Only the nodes the emulated Magnum registers, marked with this annotation.
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--cidr=10.244.0.0/16", "--node-ip=10.0.0.1",
                f"--server-address=127.0.0.1:{p.kwok}",
                f"--node-lease-duration-seconds={NODE_LEASE_SECONDS}",
                f"--config={KWOK_STAGES}",
            ]),
        ]

    def start(self, progress: Callable[[str], None], timeout: float = 90.0) -> None:
        self._prepare()
        for spec in self.specs():
            self.processes.start(spec)
            progress(f"{spec.name} started")
            if spec.name in ("etcd", "kube-apiserver"):
                self._wait_healthy(spec.name, timeout)
        for name in ORDER[2:]:
            self._wait_healthy(name, timeout)

    def stop(self) -> list[str]:
        return [name for name in reversed(ORDER) if self.processes.stop(name)]

    def _wait_healthy(self, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        delay = 0.1
        while time.monotonic() < deadline:
            if self.processes.pid(name) is None:
                raise SandboxError(
                    f"{name} exited during start-up; its log is {self.processes.log(name)}:\n"
                    + _tail(self.processes.log(name))
                )
            if self.probe(name):
                return
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        raise SandboxError(
            f"{name} did not become healthy within {timeout:.0f} s; its log is "
            f"{self.processes.log(name)}:\n" + _tail(self.processes.log(name))
        )

    def probe(self, name: str) -> bool:
        """One health check of one component over its own HTTP endpoint."""
        p = self.ports
        cert_file, key_file = self.pki.client("admin")
        admin_cert = (str(cert_file), str(key_file))
        try:
            if name == "etcd":
                answer = requests.get(f"http://127.0.0.1:{p.etcd}/health", timeout=2)
                return answer.ok and answer.json().get("health") == "true"
            if name == "kube-apiserver":
                answer = requests.get(f"{self.api_address}/readyz", cert=admin_cert,
                                      verify=str(self.pki.ca_cert), timeout=3)
                return answer.ok
            port = {"kube-controller-manager": p.controller_manager,
                    "kube-scheduler": p.scheduler}.get(name)
            if port is not None:
                # Their serving certs are self-signed in memory; /healthz is always allowed.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                    answer = requests.get(f"https://127.0.0.1:{port}/healthz", verify=False,
                                          timeout=2)
                return answer.ok
            if name == "kwok":
                return requests.get(f"http://127.0.0.1:{p.kwok}/healthz", timeout=2).ok
        except (requests.RequestException, ValueError):
            return False
        raise KeyError(name)

    def health(self) -> dict[str, dict[str, object]]:
        return {
            name: {
                "pid": self.processes.pid(name),
                "healthy": self.processes.pid(name) is not None and self.probe(name),
                "rss_bytes": self.processes.rss_bytes(name),
                "log": str(self.processes.log(name)),
            }
            for name in ORDER
        }


def _tail(path: Path, lines: int = 12) -> str:
    try:
        return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])
    except OSError:
        return "(no log)"
